/**
 * 2. Local end to end: customers per second through LOCAL's default demo on the embedded stack,
 * beside dynalite's raw PutItem and GetItem rates, measured round by round in the same run (each
 * in its own process, so each peak RSS is its own). Also the source of the cost model's measured
 * call counts (bench/cost.ts).
 */
import type { DemoRun } from './demo.bench.ts';
import type { DynaliteResult } from './dynalite.bench.ts';
import { runChild } from './lib/spawn.ts';
import { type Spread, spread } from './lib/stats.ts';

export interface E2eResult {
  customers: number;
  rounds: number;
  dynalite?: {
    items: number;
    concurrency: number;
    putPerSecond: Spread;
    getPerSecond: Spread;
    sequentialPutPerSecond: Spread;
    sequentialGetPerSecond: Spread;
  };
  demo:
    | { status: 'pending'; reason: string }
    | {
        status: 'measured';
        customersPerSecond: Spread;
        wallSeconds: Spread;
        peakRssMiB: Spread;
        /** The last round's probes (call counts barely vary between seeded runs). */
        calls: Extract<DemoRun, { status: 'measured' }>['calls'];
        unattributed: Extract<DemoRun, { status: 'measured' }>['unattributed'];
        executions: number;
      };
}

export async function run(options: { quick?: boolean; customers?: number } = {}): Promise<E2eResult> {
  const customers = options.customers ?? 1000;
  const rounds = options.quick ? 1 : 3;
  const raw: DynaliteResult[] = [];
  const demos: DemoRun[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(runChild<DynaliteResult>('dynalite', { quick: options.quick }));
    const demo = runChild<DemoRun>('demo', { customers });
    demos.push(demo);
    if (demo.status === 'pending') break;
  }
  const first = raw[0]!;
  const dynalite = {
    items: first.items,
    concurrency: first.concurrency,
    putPerSecond: spread(raw.map((x) => x.putPerSecond)),
    getPerSecond: spread(raw.map((x) => x.getPerSecond)),
    sequentialPutPerSecond: spread(raw.map((x) => x.sequentialPutPerSecond)),
    sequentialGetPerSecond: spread(raw.map((x) => x.sequentialGetPerSecond)),
  };
  const measured = demos.filter(
    (d): d is Extract<DemoRun, { status: 'measured' }> => d.status === 'measured',
  );
  const last = measured[measured.length - 1];
  if (!last) {
    const pending = demos.find((d) => d.status === 'pending');
    return {
      customers,
      rounds,
      dynalite,
      demo: { status: 'pending', reason: pending?.status === 'pending' ? pending.reason : 'no demo run' },
    };
  }
  return {
    customers,
    rounds,
    dynalite,
    demo: {
      status: 'measured',
      customersPerSecond: spread(measured.map((d) => d.customers / d.wallSeconds)),
      wallSeconds: spread(measured.map((d) => d.wallSeconds)),
      peakRssMiB: spread(measured.map((d) => d.peakRssMiB)),
      calls: last.calls,
      unattributed: last.unattributed,
      executions: last.executions,
    },
  };
}
