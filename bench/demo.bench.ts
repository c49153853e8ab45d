/**
 * One run of LOCAL's default demo, in this process, with probes: wall time, peak RSS, every AWS SDK
 * call by handler and op (bench/lib/sdk-probe.ts), each step invocation's duration, and every
 * execution's states (from the local Step Functions runner). Spawned by e2e.bench.ts, once per round.
 *
 * The demo's programmatic entry is looked up in local/ (`runDemo` in local/demo.ts); while it does
 * not exist the result says `pending` and why.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StepRequest } from '../engine/contract.ts';
import { LocalWorkflows } from '../local/runner.ts';
import type { DemoMeasure, OpMeasure } from './cost.ts';
import { type ScopeCounts, SdkProbe } from './lib/sdk-probe.ts';
import { peakRssMiB } from './lib/stats.ts';

export type DemoRun =
  | { status: 'pending'; reason: string }
  | {
      status: 'measured';
      customers: number;
      wallSeconds: number;
      peakRssMiB: number;
      executions: number;
      calls: DemoMeasure;
      /** SDK calls outside any step invocation (ingest, feedback, seeding), by command. */
      unattributed: ScopeCounts;
    };

const DEMO_MODULE = new URL('../local/demo.ts', import.meta.url);
// Read before the demo fakes the clock: hrtime is never faked.
const hr = () => Number(process.hrtime.bigint()) / 1e6;

type RunDemo = (options: { customers: number }) => Promise<unknown>;

async function findDemo(): Promise<RunDemo | string> {
  if (!existsSync(fileURLToPath(DEMO_MODULE)))
    return 'local/demo.ts (the demo’s programmatic entry) has not landed yet';
  const mod = (await import(DEMO_MODULE.href)) as { runDemo?: RunDemo };
  if (typeof mod.runDemo !== 'function') return 'local/demo.ts exports no runDemo(options) yet';
  return mod.runDemo;
}

export async function run(options: { customers?: number } = {}): Promise<DemoRun> {
  const customers = options.customers ?? 1000;
  const runDemo = await findDemo();
  if (typeof runDemo === 'string') return { status: 'pending', reason: runDemo };

  const probe = new SdkProbe().install();
  const durations = new Map<string, { n: number; ms: number }>();
  const runners = new Set<LocalWorkflows>();
  // Attribute each step invocation: wrap the runner's in-process Lambda binding.
  type Internals = {
    invoke(r: StepRequest): Promise<unknown>;
    invokeStep: (r: StepRequest) => Promise<unknown>;
  };
  const proto = LocalWorkflows.prototype as unknown as Internals;
  const originalInvoke = proto.invoke;
  const wrapped = new WeakSet<object>();
  proto.invoke = function invoke(this: Internals, request: StepRequest) {
    runners.add(this as unknown as LocalWorkflows);
    if (!wrapped.has(this.invokeStep)) {
      const inner = this.invokeStep;
      const outer = (r: StepRequest) => {
        const key = `step:${r.journeyId}:${r.op}`;
        return probe.scope(key, async () => {
          const t0 = hr();
          try {
            return await inner(r);
          } finally {
            const d = durations.get(key) ?? { n: 0, ms: 0 };
            d.n++;
            d.ms += hr() - t0;
            durations.set(key, d);
          }
        });
      };
      wrapped.add(outer);
      this.invokeStep = outer;
    }
    return originalInvoke.call(this, request);
  };

  const t0 = hr();
  await runDemo({ customers });
  const wallSeconds = (hr() - t0) / 1000;
  proto.invoke = originalInvoke;
  probe.uninstall();

  const counts = probe.snapshot();
  const stepOps: Record<string, OpMeasure> = {};
  const messages: DemoMeasure['messages'] = {};
  for (const [key, d] of durations) {
    const c = counts[key];
    stepOps[key] = {
      invocations: d.n,
      meanMs: d.ms / d.n,
      readUnits: (c?.readUnits ?? 0) / d.n,
      writeUnits: (c?.writeUnits ?? 0) / d.n,
    };
    const journeyId = key.split(':')[1]!;
    const m = messages[journeyId] ?? { email: 0, sms: 0, push: 0 };
    messages[journeyId] = m;
    if (c) {
      m.email += c.messages.email;
      m.sms += c.messages.sms;
      m.push += c.messages.push;
    }
  }
  const executions = [...runners].flatMap((r) =>
    r
      .executions()
      .map((e) => ({ journeyId: e.journeyId, states: e.states.map((s) => s.name), status: e.status })),
  );
  const unattributed = counts.other ?? {
    calls: {},
    readRequests: 0,
    writeRequests: 0,
    readUnits: 0,
    writeUnits: 0,
    failedConditionalWrites: 0,
    messages: { email: 0, sms: 0, push: 0 },
  };
  return {
    status: 'measured',
    customers,
    wallSeconds,
    peakRssMiB: peakRssMiB(),
    executions: executions.length,
    calls: {
      stepOps,
      // Filled in once the demo reports its ingest/feedback invocations (see e2e.bench.ts).
      handlers: {},
      executions,
      messages,
      memoryMb: { step: 1024, ingest: 512, feedback: 512, unsubscribe: 512 },
    },
    unattributed,
  };
}
