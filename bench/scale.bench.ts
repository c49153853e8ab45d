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
import type { DemoMeasure } from './cost.ts';
import { type DemoRun, FUNCTION_MEMORY_MB, run } from './demo.bench.ts';
import {
  type CountedCalls,
  compareModes,
  type LambdaCount,
  SCALE_TARGETS,
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

async function main(): Promise<void> {
  const customers = Number(arg('customers') ?? 100);
  const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as ScalePrices;
  const journeys = loadJourneys();
  const measured = async (execution: 'standard' | 'scale') => {
    const r: DemoRun = await run({ customers, probe: true, execution });
    if (r.status !== 'measured' || !r.calls)
      throw new Error(`${execution} run: ${'reason' in r ? r.reason : r.status}`);
    return { run: r, counts: countedCalls(r.calls, journeys, execution) };
  };
  const standard = await measured('standard');
  const scale = await measured('scale');
  const both = compareModes(prices, standard.counts, scale.counts);
  const usd = (n: number | undefined) => (n === undefined ? '–' : `$${n.toFixed(2)}`);
  process.stdout.write(`${customers} customers, 30 simulated days, both modes (bench/scale.bench.ts)\n\n`);
  process.stdout.write('| line (per 1M runs) | Standard | scale |\n|---|---|---|\n');
  for (const line of Object.keys(
    both.standard.perMillionRuns,
  ) as (keyof typeof both.standard.perMillionRuns)[]) {
    process.stdout.write(
      `| ${line} | ${usd(both.standard.perMillionRuns[line])} | ${usd(both.scale.perMillionRuns[line])} |\n`,
    );
  }
  process.stdout.write(
    `\nruns ${both.standard.runs} / ${both.scale.runs}, messages ${both.standard.messages} / ${both.scale.messages}; per 1M messages ${usd(both.standard.perMillionMessages)} / ${usd(both.scale.perMillionMessages)}; scale ÷ Standard ${both.ratio.perMillionRuns.toFixed(3)}× (runs), ${both.ratio.perMillionMessages.toFixed(3)}× (messages)\n`,
  );
  process.stdout.write(
    `targets: ≤ $${SCALE_TARGETS.perMillionRuns} per 1M runs (replenishment alone: see --json), ≤ $${SCALE_TARGETS.perMillionMessages} per 1M messages → ${(both.scale.perMillionMessages ?? Number.POSITIVE_INFINITY) <= SCALE_TARGETS.perMillionMessages ? 'met' : 'NOT met'}\n`,
  );
  const out = arg('json');
  if (out)
    writeFileSync(
      out,
      `${JSON.stringify({ customers, memoryMb: FUNCTION_MEMORY_MB, standard, scale, both }, null, 2)}\n`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
