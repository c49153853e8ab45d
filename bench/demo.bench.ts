/**
 * One run of LOCAL's default demo (local/demo.ts `runDemo`, the defaults of `npm start`), in this
 * process, with probes: wall time, peak RSS, every AWS SDK call by handler and op
 * (bench/lib/sdk-probe.ts), each invocation's duration, and every execution's states. Spawned by
 * e2e.bench.ts once per round.
 *
 * How invocations are attributed without touching the code under measurement:
 * - step: the local Step Functions runner's in-process Lambda binding (`invokeStep`) is wrapped,
 *   so each call runs in its own probe scope `step:<journey>:<op>` and is timed;
 * - ingest, feedback, unsubscribe: Powertools' `Logger.injectLambdaContextBefore` (the middy
 *   `before` hook every handler runs) opens a scope named after the Lambda context's function, and
 *   `Metrics#publishStoredMetrics` (the `after` hook) closes it and records its duration.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { StepRequest } from '../engine/contract.ts';
import { LocalWorkflows } from '../local/runner.ts';
import type { DemoMeasure, ExecutionTrace, OpMeasure } from './cost.ts';
import { emptyCounts, type ScopeCounts, SdkProbe } from './lib/sdk-probe.ts';
import { peakRssMiB } from './lib/stats.ts';

/** A plain run, no probes: what `npm start` costs in wall time and memory. */
async function timeOnly(runDemo: RunDemo, customers: number, days: number): Promise<DemoRun> {
  const t0 = hr();
  const outcome = await guarded(
    runDemo({
      customers,
      days,
      seed: DEMO_DEFAULTS.seed,
      start: new Date(DEMO_DEFAULTS.start),
      progress: false,
    }),
    customers,
  );
  if ('status' in outcome) return outcome;
  const result = outcome.result;
  const wallSeconds = (hr() - t0) / 1000;
  await result.ses?.stop();
  return measuredRun(result, customers, days, wallSeconds, result.executions?.length ?? 0);
}

export type DemoRun =
  | { status: 'pending'; reason: string }
  | { status: 'stalled'; reason: string; customers: number; wallSeconds: number; cpuSeconds: number }
  | {
      status: 'measured';
      customers: number;
      days: number;
      wallSeconds: number;
      /** User + system CPU of the whole process: far below wall time means the run mostly waited. */
      cpuSeconds: number;
      /** The simulated clock's rescues of work sleeping on short timers (local/clock.ts). */
      rescues?: number;
      /** Worker-thread shards the demo ran on. */
      shards?: number;
      /** The demo's own phases (setup, simulated month, read-back), as it reports them. */
      phases?: Record<string, number>;
      peakRssMiB: number;
      executions: number;
      events?: number;
      errors?: number;
      /** Only in a probed run. */
      calls?: DemoMeasure;
      /** SDK calls outside any handler (seeding the catalog, reading results back), by command. */
      unattributed?: ScopeCounts;
      /** Only in a probed run: every probe scope's raw counts, by command (bench/dynamo-ops.ts). */
      scopes?: Record<string, ScopeCounts>;
    };

/** `npm start`'s defaults (local/start.ts). */
export const DEMO_DEFAULTS = { days: 30, seed: 42, start: '2026-03-02T00:00:00.000Z' };

/** Memory per function as infra/herald-stack.ts configures it (HeraldFunction's default is 512). */
export const FUNCTION_MEMORY_MB = {
  step: 1024,
  ingest: 512,
  feedback: 512,
  unsubscribe: 512,
  fire: 512,
  reconcile: 512,
};

const DEMO_MODULE = new URL('../local/demo.ts', import.meta.url);
// hrtime is never faked by the simulated clock (it fakes Date and timers); nor are these, taken
// before the demo installs it.
const hr = () => Number(process.hrtime.bigint()) / 1e6;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** No CPU progress for this long (real time) means the demo hangs: report it instead of waiting. */
const STALL_AFTER_S = 90;

/**
 * Resolves with the demo's result, or with `stalled` when the process has used (almost) no CPU for
 * STALL_AFTER_S seconds: the simulated clock waiting on something that never comes.
 */
async function guarded<T>(
  work: Promise<T>,
  customers: number,
): Promise<{ result: T } | Extract<DemoRun, { status: 'stalled' }>> {
  const t0 = hr();
  let lastCpu = cpuSeconds();
  let quietSince = hr();
  let timer: ReturnType<typeof setInterval> | undefined;
  const stalled = new Promise<Extract<DemoRun, { status: 'stalled' }>>((resolve) => {
    timer = realSetInterval(() => {
      const cpu = cpuSeconds();
      if (cpu - lastCpu > 0.2) {
        lastCpu = cpu;
        quietSince = hr();
      } else if (hr() - quietSince > STALL_AFTER_S * 1000) {
        resolve({
          status: 'stalled',
          reason: `no CPU progress for ${STALL_AFTER_S} s after ${((hr() - t0) / 1000).toFixed(0)} s (the demo hangs at ${customers} customers)`,
          customers,
          wallSeconds: (hr() - t0) / 1000,
          cpuSeconds: cpu,
        });
      }
    }, 5_000);
  });
  try {
    return await Promise.race([work.then((result) => ({ result })), stalled]);
  } finally {
    realClearInterval(timer);
  }
}

interface DemoOutput {
  errors?: string[];
  /** The SES stand-in, left running for the caller. */
  ses?: { stop(): Promise<void> };
  shards?: number;
  executions?: {
    journeyId: string;
    states: { name: string }[];
    status: string;
    type?: string;
    name?: string;
  }[];
  counts?: { events?: number; errors?: number; rescues?: number };
  timings?: Record<string, number>;
}
type MeasuredRun = Extract<DemoRun, { status: 'measured' }>;

/** The figures every measured run reports, probed or not, read off the demo's own result. */
function measuredRun(
  result: DemoOutput,
  customers: number,
  days: number,
  wallSeconds: number,
  executions: number,
): MeasuredRun {
  return {
    status: 'measured',
    customers,
    days,
    wallSeconds,
    cpuSeconds: cpuSeconds(),
    ...(result.shards !== undefined ? { shards: result.shards } : {}),
    ...(result.counts?.rescues !== undefined ? { rescues: result.counts.rescues } : {}),
    ...(result.timings ? { phases: result.timings } : {}),
    peakRssMiB: peakRssMiB(),
    executions,
    ...(result.counts?.events !== undefined ? { events: result.counts.events } : {}),
    ...(result.errors || result.counts?.errors !== undefined
      ? { errors: result.errors?.length ?? result.counts?.errors }
      : {}),
  };
}

type RunDemo = (options: {
  customers: number;
  days: number;
  seed: number;
  start: Date;
  progress?: boolean;
  /** Worker-thread shards; 1 runs in this thread (where the probes can see it). */
  shards?: number;
  /** Scale mode (issue 14): run every journey in this mode. */
  execution?: 'standard' | 'scale';
}) => Promise<DemoOutput>;

async function findDemo(): Promise<RunDemo | string> {
  if (!existsSync(fileURLToPath(DEMO_MODULE)))
    return 'local/demo.ts (the demo’s programmatic entry) has not landed yet';
  const mod = (await import(DEMO_MODULE.href)) as { runDemo?: RunDemo };
  if (typeof mod.runDemo !== 'function') return 'local/demo.ts exports no runDemo(options) yet';
  return mod.runDemo;
}

export async function run(
  options: { customers?: number; days?: number; probe?: boolean; execution?: 'standard' | 'scale' } = {},
): Promise<DemoRun> {
  const customers = options.customers ?? 1000;
  const days = options.days ?? DEMO_DEFAULTS.days;
  const runDemo = await findDemo();
  if (typeof runDemo === 'string') return { status: 'pending', reason: runDemo };
  if (options.probe === false) return timeOnly(runDemo, customers, days);

  const probe = new SdkProbe().install();
  const durations = new Map<string, { n: number; ms: number }>();
  const record = (scope: string, ms: number) => {
    const d = durations.get(scope) ?? { n: 0, ms: 0 };
    d.n++;
    d.ms += ms;
    durations.set(scope, d);
  };

  // step: wrap the runner's in-process Lambda binding.
  type Internals = {
    invoke(r: StepRequest): Promise<unknown>;
    invokeStep: (r: StepRequest) => Promise<unknown>;
  };
  const proto = LocalWorkflows.prototype as unknown as Internals;
  const originalInvoke = proto.invoke;
  const wrapped = new WeakSet<object>();
  proto.invoke = function invoke(this: Internals, request: StepRequest) {
    if (!wrapped.has(this.invokeStep)) {
      const inner = this.invokeStep;
      const outer = (r: StepRequest) => {
        const scope = `step:${r.journeyId}:${r.op}`;
        return probe.scope(scope, async () => {
          const t0 = hr();
          try {
            return await inner(r);
          } finally {
            record(scope, hr() - t0);
          }
        });
      };
      wrapped.add(outer);
      this.invokeStep = outer;
    }
    return originalInvoke.call(this, request);
  };

  // ingest, feedback, unsubscribe: the middy before/after hooks every handler runs.
  type Before = (
    logger: unknown,
    event: unknown,
    context: { functionName?: string } | undefined,
    o: unknown,
  ) => void;
  const loggerClass = Logger as unknown as { injectLambdaContextBefore: Before };
  const originalBefore = loggerClass.injectLambdaContextBefore;
  loggerClass.injectLambdaContextBefore = (logger, event, context, o) => {
    const name = context?.functionName?.replace(/^herald-/, '');
    if (name && name !== 'step' && !probe.current()?.scope.startsWith('step:'))
      probe.enter({ scope: name, t0: hr() });
    return originalBefore.call(Logger, logger, event, context, o);
  };
  const metricsProto = Metrics.prototype as unknown as { publishStoredMetrics(): void };
  const originalPublish = metricsProto.publishStoredMetrics;
  metricsProto.publishStoredMetrics = function publishStoredMetrics(this: { isSingleMetric?: boolean }) {
    const frame = probe.current();
    // A single metric (`metrics.singleMetric()`, e.g. ingest's `Entrants`) flushes itself on
    // `addMetric` in the middle of the handler: only the handler's own flush ends its invocation
    // (before this check, ingest's calls after its first entrant were counted as `other`).
    if (frame?.t0 !== undefined && !frame.ended && !this.isSingleMetric) {
      frame.ended = true;
      record(frame.scope, hr() - frame.t0);
    }
    return originalPublish.call(this);
  };

  let outcome: { result: DemoOutput } | Extract<DemoRun, { status: 'stalled' }>;
  const t0 = hr();
  try {
    outcome = await guarded(
      runDemo({
        customers,
        days,
        seed: DEMO_DEFAULTS.seed,
        start: new Date(DEMO_DEFAULTS.start),
        progress: false,
        shards: 1,
        ...(options.execution ? { execution: options.execution } : {}),
      }),
      customers,
    );
  } finally {
    proto.invoke = originalInvoke;
    loggerClass.injectLambdaContextBefore = originalBefore;
    metricsProto.publishStoredMetrics = originalPublish;
    probe.uninstall();
  }
  const wallSeconds = (hr() - t0) / 1000;
  if ('status' in outcome) return outcome;
  const result = outcome.result;
  await result.ses?.stop();

  const counts = probe.snapshot();
  const stepOps: Record<string, OpMeasure> = {};
  const handlers: Record<string, OpMeasure> = {};
  const messages: DemoMeasure['messages'] = {};
  for (const [scope, d] of durations) {
    const c = counts[scope];
    const measure: OpMeasure = {
      invocations: d.n,
      meanMs: d.ms / d.n,
      readUnits: (c?.readUnits ?? 0) / d.n,
      writeUnits: (c?.writeUnits ?? 0) / d.n,
      requests: ((c?.readRequests ?? 0) + (c?.writeRequests ?? 0)) / d.n,
    };
    if (!scope.startsWith('step:')) {
      handlers[scope] = measure;
      continue;
    }
    stepOps[scope] = measure;
    const journeyId = scope.split(':')[1] ?? '?';
    const m = messages[journeyId] ?? { email: 0, sms: 0, push: 0 };
    messages[journeyId] = m;
    if (c) {
      m.email += c.messages.email;
      m.sms += c.messages.sms;
      m.push += c.messages.push;
    }
  }
  const executions: ExecutionTrace[] = (result.executions ?? []).map((e) => ({
    journeyId: e.journeyId,
    states: e.states.map((s) => s.name),
    status: e.status,
    ...(e.type ? { type: e.type } : {}),
    ...(e.name ? { name: e.name } : {}),
  }));
  return {
    ...measuredRun(result, customers, days, wallSeconds, executions.length),
    calls: { stepOps, handlers, executions, messages, memoryMb: { ...FUNCTION_MEMORY_MB } },
    unattributed: counts.other ?? emptyCounts(),
    scopes: counts,
  };
}
