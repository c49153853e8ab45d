/**
 * The same local world run twice — every journey in Standard mode, then in scale mode — with the
 * probes of bench/demo.bench.ts, each run's counted calls priced by bench/scale-cost.ts side by side:
 * `npx tsx bench/scale.bench.ts [--customers 100] [--json out.json]`.
 *
 * Counted per mode: Standard transitions (every state entered), Express executions (segments),
 * timer invocations (fire Lambda calls), Lambda invocations and their measured durations per
 * function (step per op at 1,024 MB, the others at 512 MB), DynamoDB units (ReturnConsumedCapacity,
 * as dynalite reports them), messages handed to providers.
 *
 * Express duration is not measured locally (segments run in simulated time): each segment is
 * billed the sum of the measured mean durations of the Tasks it entered, rounded up to 100 ms, at
 * 64 MB — an estimate of AWS's duration, which also counts Step Functions' own overhead between
 * states. Runs: Standard = executions; scale = distinct run ids in the segments' names
 * (`s-<sha256(run)>-<seq>-<n>`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compileJourney } from '../engine/compile/compile.ts';
import type { AslDefinition } from '../engine/compile/index.ts';
import type { Journey } from '../engine/schema.ts';
import { loadJourneys } from '../local/journeys.ts';
import type { DemoMeasure, OpMeasure } from './cost.ts';
import { type DemoRun, FUNCTION_MEMORY_MB, run as runDemo } from './demo.bench.ts';
import {
  type CountedCalls,
  compareModes,
  type LambdaCount,
  type ModeComparison,
  SCALE_TARGETS,
  type ScaleMoney,
  type ScalePrices,
} from './scale-cost.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

function taskOp(def: AslDefinition, name: string): string | undefined {
  const state = def.States[name];
  if (state?.Type !== 'Task') return undefined;
  const params = state.Parameters as { op?: string; Payload?: { op?: string } } | undefined;
  return params?.op ?? params?.Payload?.op;
}

/** What one probed demo run counted, as bench/scale-cost.ts takes it. */
export function countedCalls(
  calls: DemoMeasure,
  journeys: readonly Journey[],
  mode: 'standard' | 'scale',
): CountedCalls {
  const memory = calls.memoryMb as Record<string, number>;
  const lambda: Record<string, LambdaCount> = {};
  let readUnits = 0;
  let writeUnits = 0;
  const add = (
    fn: string,
    m: { invocations: number; meanMs: number; readUnits: number; writeUnits: number },
  ) => {
    const entry = lambda[fn] ?? { invocations: 0, billedMs: 0, memoryMb: memory[fn] ?? 512 };
    lambda[fn] = {
      ...entry,
      invocations: entry.invocations + m.invocations,
      billedMs: entry.billedMs + m.invocations * Math.ceil(m.meanMs),
    };
    readUnits += m.invocations * m.readUnits;
    writeUnits += m.invocations * m.writeUnits;
  };
  for (const m of Object.values(calls.stepOps)) add('step', m);
  for (const [fn, m] of Object.entries(calls.handlers)) add(fn, m);

  const express = calls.executions.filter((e) => e.type === 'EXPRESS');
  const standard = calls.executions.filter((e) => e.type !== 'EXPRESS');
  const definitions = new Map(journeys.map((j) => [j.id, compileJourney(j, { execution: 'scale' })]));
  const opMean = (journeyId: string, op: string) => calls.stepOps[`step:${journeyId}:${op}`]?.meanMs ?? 0;
  const expressExecutions = express.map((e) => {
    const def = definitions.get(e.journeyId);
    const ms = def
      ? e.states.reduce((sum, s) => {
          const op = taskOp(def, s);
          return op ? sum + opMean(e.journeyId, op) : sum;
        }, 0)
      : 0;
    return { durationMs: ms };
  });
  const runIds = new Set(express.map((e) => (e.name ?? '').split('-')[1] ?? e.name));
  const messages = Object.values(calls.messages).reduce((s, m) => s + m.email + m.sms + m.push, 0);
  const fires = calls.handlers.fire?.invocations ?? 0;
  return {
    runs: mode === 'scale' ? runIds.size : standard.length,
    messages,
    standardTransitions: standard.reduce((s, e) => s + e.states.length, 0),
    expressExecutions,
    scheduler: { invocations: fires, createSchedule: 0, deleteSchedule: 0, getSchedule: 0 },
    lambda,
    dynamodb: { readUnits, writeUnits },
  };
}

/**
 * One journey's share of a probed run, as the replenishment target is stated: its step ops, its
 * Express segments (scale) or executions (Standard), and one timer invocation and one fire per
 * scale segment after the first (replenishment has no wait for an event, so each of those segments
 * was started by a fire; refused fires — after an exit — are not attributed and are left out),
 * priced at the fire Lambda's measured mean duration and units. Ingest is left out in both modes,
 * except scale mode's own run-item writes at entry: ENTRY_RUN_WRITES per run (the run item's
 * PutItem and the due-index PutItem of functions/app/runs.ts enterRun, 1 WRU each while ≤ 1 KB —
 * read from the code, not counted by the probe).
 */
export const ENTRY_RUN_WRITES = 2;

export function journeyCalls(
  calls: DemoMeasure,
  journeys: readonly Journey[],
  mode: 'standard' | 'scale',
  journeyId: string,
): CountedCalls {
  const ops = Object.fromEntries(
    Object.entries(calls.stepOps).filter(([k]) => k.startsWith(`step:${journeyId}:`)),
  );
  const executions = calls.executions.filter((e) => e.journeyId === journeyId);
  const segmentsAfterFirst =
    mode === 'scale' ? executions.filter((e) => !/-0-\d+$/.test(e.name ?? '')).length : 0;
  const fire = calls.handlers.fire;
  const handlers: Record<string, OpMeasure> =
    mode === 'scale' && fire ? { fire: { ...fire, invocations: segmentsAfterFirst } } : {};
  const counted = countedCalls({ ...calls, stepOps: ops, handlers, executions }, journeys, mode);
  const runs = counted.runs;
  return {
    ...counted,
    messages: Object.values(calls.messages[journeyId] ?? {}).reduce((a, b) => a + b, 0),
    scheduler: { ...counted.scheduler, invocations: segmentsAfterFirst },
    dynamodb: {
      ...counted.dynamodb,
      writeUnits: counted.dynamodb.writeUnits + (mode === 'scale' ? ENTRY_RUN_WRITES * runs : 0),
    },
  };
}

/**
 * The runs that went the whole way (entered, every segment, both sends), each priced from what
 * it entered: every Task state of its executions at its op's measured per-invocation mean
 * (duration, read and write units: the probe's `step:<journey>:<op>`), in scale mode one timer
 * invocation and one fire per segment after the first (at the fire Lambda's means) and
 * ENTRY_RUN_WRITES at entry. Runs the 30-day window cut short, and runs that left early (a
 * re-order), are not in it: this is the finished-run figure the ≤ $12 target is stated for, from
 * counted per-op units rather than the hand-written call list of bench/scale-estimate.ts.
 * `sends`: how many send Task states a finished run enters (2 for replenishment).
 */
export function finishedRunCalls(
  calls: DemoMeasure,
  journey: Journey,
  mode: 'standard' | 'scale',
  sends: number,
): CountedCalls {
  const def = compileJourney(journey, mode === 'scale' ? { execution: 'scale' } : {});
  const memory = calls.memoryMb as Record<string, number>;
  const op = (name: string) => calls.stepOps[`step:${journey.id}:${name}`];
  const ofJourney = calls.executions.filter(
    (e) => e.journeyId === journey.id && (mode === 'scale') === (e.type === 'EXPRESS'),
  );
  // Scale: a run's segments share `s-<run hash>-`; Standard: one execution is one run.
  const byRun = new Map<string, typeof ofJourney>();
  for (const e of ofJourney) {
    const key = mode === 'scale' ? ((e.name ?? '').split('-')[1] ?? '') : (e.name ?? String(byRun.size));
    byRun.set(key, [...(byRun.get(key) ?? []), e]);
  }
  const sendStates = (e: (typeof ofJourney)[number]) =>
    e.states.filter((s) => taskOp(def, s) === 'send').length;
  const finished = [...byRun.values()].filter(
    (executions) =>
      executions.every((e) => e.status === 'SUCCEEDED') &&
      executions.reduce((n, e) => n + sendStates(e), 0) === sends &&
      (mode === 'standard' || executions.some((e) => /-0-\d+$/.test(e.name ?? ''))),
  );
  const step: LambdaCount = { invocations: 0, billedMs: 0, memoryMb: memory.step ?? 1024 };
  let readUnits = 0;
  let writeUnits = 0;
  const expressExecutions: { durationMs: number }[] = [];
  let standardTransitions = 0;
  let timers = 0;
  for (const executions of finished) {
    for (const e of executions) {
      let ms = 0;
      for (const state of e.states) {
        const name = taskOp(def, state);
        const m = name ? op(name) : undefined;
        if (!m) continue;
        step.invocations += 1;
        step.billedMs += Math.ceil(m.meanMs);
        readUnits += m.readUnits;
        writeUnits += m.writeUnits;
        ms += m.meanMs;
      }
      if (mode === 'scale') expressExecutions.push({ durationMs: ms });
      else standardTransitions += e.states.length;
    }
    if (mode === 'scale') {
      timers += executions.length - 1;
      writeUnits += ENTRY_RUN_WRITES;
    }
  }
  const fire = calls.handlers.fire;
  const lambda: Record<string, LambdaCount> = { step };
  if (mode === 'scale' && fire && timers > 0) {
    lambda.fire = {
      invocations: timers,
      billedMs: timers * Math.ceil(fire.meanMs),
      memoryMb: memory.fire ?? 512,
    };
    readUnits += timers * fire.readUnits;
    writeUnits += timers * fire.writeUnits;
  }
  return {
    runs: finished.length,
    messages: finished.length * sends,
    standardTransitions,
    expressExecutions,
    scheduler: { invocations: timers, createSchedule: 0, deleteSchedule: 0, getSchedule: 0 },
    lambda,
    dynamodb: { readUnits, writeUnits },
  };
}

const usd = (n: number | undefined) => (n === undefined ? '–' : `$${n.toFixed(2)}`);

/** Both modes' money, line by line, as a Markdown table. */
function printTable(per: string, both: ModeComparison): void {
  process.stdout.write(`| line (${per}) | Standard | scale |\n|---|---|---|\n`);
  for (const line of Object.keys(both.standard.perMillionRuns) as (keyof ScaleMoney)[]) {
    process.stdout.write(
      `| ${line} | ${usd(both.standard.perMillionRuns[line])} | ${usd(both.scale.perMillionRuns[line])} |\n`,
    );
  }
}

const REPLENISHMENT = 'replenishment-reminder';

/** What `npm run bench`'s `scale` section reports: the whole month, and the finished replenishment runs. */
export interface ScaleBenchResult {
  customers: number;
  all: ModeComparison;
  /** Replenishment's finished runs alone (`finishedRunCalls`); undefined when none finished. */
  finished?: ModeComparison;
}

/** Both modes over the same demo world, priced from counted calls (`npm run bench`'s `scale` section). */
export async function run(
  options: { quick?: boolean; scaleCustomers?: number } = {},
): Promise<ScaleBenchResult> {
  const customers = options.scaleCustomers ?? (options.quick ? 40 : 100);
  const { both, finished } = await measureBoth(customers);
  return { customers, all: both, ...(finished ? { finished } : {}) };
}

async function measureBoth(customers: number) {
  const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as ScalePrices;
  const journeys = loadJourneys();
  const measured = async (execution: 'standard' | 'scale') => {
    const r: DemoRun = await runDemo({ customers, probe: true, execution });
    if (r.status !== 'measured' || !r.calls)
      throw new Error(`${execution} run: ${'reason' in r ? r.reason : r.status}`);
    return { run: r, counts: countedCalls(r.calls, journeys, execution) };
  };
  const standard = await measured('standard');
  const scale = await measured('scale');
  const both = compareModes(prices, standard.counts, scale.counts);
  const replenishment = journeys.find((j) => j.id === REPLENISHMENT);
  const finished = replenishment
    ? compareModes(
        prices,
        finishedRunCalls(standard.run.calls!, replenishment, 'standard', 2),
        finishedRunCalls(scale.run.calls!, replenishment, 'scale', 2),
      )
    : undefined;
  return { prices, journeys, standard, scale, both, finished };
}

async function main(): Promise<void> {
  const customers = Number(arg('customers') ?? 100);
  const { prices, journeys, standard, scale, both, finished: full } = await measureBoth(customers);
  process.stdout.write(`${customers} customers, 30 simulated days, both modes (bench/scale.bench.ts)\n\n`);
  printTable('per 1M runs', both);
  process.stdout.write(
    `\nruns ${both.standard.runs} / ${both.scale.runs}, messages ${both.standard.messages} / ${both.scale.messages}; per 1M messages ${usd(both.standard.perMillionMessages)} / ${usd(both.scale.perMillionMessages)}; scale ÷ Standard ${both.ratio.perMillionRuns.toFixed(3)}× (runs), ${both.ratio.perMillionMessages.toFixed(3)}× (messages)\n`,
  );
  process.stdout.write(
    `targets: ≤ $${SCALE_TARGETS.perMillionRuns} per 1M runs (replenishment alone: see --json), ≤ $${SCALE_TARGETS.perMillionMessages} per 1M messages → ${(both.scale.perMillionMessages ?? Number.POSITIVE_INFINITY) <= SCALE_TARGETS.perMillionMessages ? 'met' : 'NOT met'}\n`,
  );
  const id = REPLENISHMENT;
  const one = compareModes(
    prices,
    journeyCalls(standard.run.calls!, journeys, 'standard', id),
    journeyCalls(scale.run.calls!, journeys, 'scale', id),
  );
  process.stdout.write(
    `\n${id} alone (its step ops, segments, fires; ingest left out but for scale's ${ENTRY_RUN_WRITES} entry writes per run)\n\n`,
  );
  printTable('per 1M runs', one);
  process.stdout.write(
    `\nruns ${one.standard.runs} / ${one.scale.runs}; usage scale: ${JSON.stringify(one.scale.usage)}\nper 1M *entered* runs: ${(one.scale.usage.expressRequests / one.scale.runs).toFixed(2)} segments per run (a finished run has 3); runs the 30-day window cuts short count as runs, so this is not the finished-run figure the ≤ $${SCALE_TARGETS.perMillionRuns} target is stated for\n`,
  );
  if (full) {
    process.stdout.write(
      `\n${id}, finished runs only (entered, both sends, every segment), each priced from its own states at the counted per-op means\n\n`,
    );
    printTable('per 1M finished runs', full);
    process.stdout.write(
      `\nfinished runs ${full.standard.runs} / ${full.scale.runs}; per 1M messages ${usd(full.standard.perMillionMessages)} / ${usd(full.scale.perMillionMessages)}; target ≤ $${SCALE_TARGETS.perMillionRuns} per 1M runs → ${full.scale.perMillionRuns.total <= SCALE_TARGETS.perMillionRuns ? 'met' : 'NOT met'}\n`,
    );
  }
  const out = arg('json');
  if (out)
    writeFileSync(
      out,
      `${JSON.stringify({ customers, memoryMb: FUNCTION_MEMORY_MB, standard, scale, both, [id]: one }, null, 2)}\n`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
