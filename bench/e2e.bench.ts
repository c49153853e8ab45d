/**
 * 2. Local end to end: customers per second through LOCAL's default demo on the embedded stack,
 * beside dynalite's raw PutItem and GetItem rates, measured round by round in the same run (each
 * in its own process, so each peak RSS is its own).
 *
 * Timing rounds run the demo exactly as `npm start` does, with no probes. One extra probed run
 * (bench/demo.bench.ts; at most `probeCustomers` customers, since per-invocation counts do not
 * depend on the audience size) measures the handlers' calls for the cost model (bench/cost.ts).
 * The demo takes minutes on a loaded 2-core machine, so rounds stop once `budgetMinutes` is spent
 * (at least one always runs); the table says how many ran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoRun } from './demo.bench.ts';
import type { DynaliteResult } from './dynalite.bench.ts';
import { handlerRequests } from './lib/sdk-probe.ts';
import { runChild } from './lib/spawn.ts';
import { type Spread, spread } from './lib/stats.ts';

type Measured = Extract<DemoRun, { status: 'measured' }>;

/** `npm start` as a person runs it, timed from outside by LOCAL's bench/npm-start.bench.ts. */
export interface NpmStartRun {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  exitCode: number;
}

const NPM_START_BENCH = new URL('./npm-start.bench.ts', import.meta.url);

/** One round of LOCAL's script (when it exists): wall, CPU and peak RSS of the whole process tree. */
function npmStartRun(customers: number): NpmStartRun | { error: string } | undefined {
  const file = fileURLToPath(NPM_START_BENCH);
  if (!existsSync(file)) return undefined;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', file, '--customers', String(customers), '--rounds', '1'],
    {
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const m = /round 1: ([\d.]+) s wall, ([\d.]+) s CPU, (\d+) MiB peak.*exit (\S+)/.exec(child.stdout ?? '');
  if (!m) return { error: `no timing from bench/npm-start.bench.ts (exit ${child.status ?? child.signal})` };
  return {
    wallSeconds: Number(m[1]),
    cpuSeconds: Number(m[2]),
    peakRssMiB: Number(m[3]),
    exitCode: Number(m[4]),
  };
}

export interface E2eResult {
  customers: number;
  rounds: number;
  /** LOCAL's outside-in timing of `npm start` (one round), when its script exists. */
  npmStart?: NpmStartRun | { error: string };
  dynalite?: {
    items: number;
    concurrency: number;
    putPerSecond: Spread;
    getPerSecond: Spread;
    sequentialPutPerSecond: Spread;
    sequentialGetPerSecond: Spread;
    /** Through LOCAL's in-process transport (what the demo uses), when it exists. */
    inProcess?: { putPerSecond: Spread; getPerSecond: Spread };
  };
  demo:
    | { status: 'pending'; reason: string }
    | {
        status: 'stalled';
        reason: string;
        wallSeconds: number;
        cpuSeconds: number;
        probe?: ProbeRun;
        probeError?: string;
      }
    | {
        status: 'measured';
        customersPerSecond: Spread;
        wallSeconds: Spread;
        peakRssMiB: Spread;
        cpuSeconds: Spread;
        shards?: number;
        rescues?: number;
        phases?: Record<string, number>;
        executions: number;
        events?: number;
        errors?: number;
        /** The probed run (for the cost model). */
        probe?: ProbeRun;
        probeError?: string;
      };
}

export interface ProbeRun {
  customers: number;
  wallSeconds: number;
  calls: NonNullable<Measured['calls']>;
  unattributed: NonNullable<Measured['unattributed']>;
  /** DynamoDB requests the handlers made over the simulated days (bench/dynamo-ops.ts counts the same). */
  dynamoRequests?: number;
  days?: number;
}

/** One probed demo run at `customers`, for the cost model's call counts. */
function probeRun(customers: number): { probe?: ProbeRun; probeError?: string } {
  try {
    const probed = runChild<DemoRun>('demo', { customers, probe: true }, 30 * 60_000);
    if (probed.status === 'measured' && probed.calls && probed.unattributed) {
      return {
        probe: {
          customers: probed.customers,
          wallSeconds: probed.wallSeconds,
          calls: probed.calls,
          unattributed: probed.unattributed,
          ...(probed.scopes ? { dynamoRequests: handlerRequests(probed.scopes), days: probed.days } : {}),
        },
      };
    }
    return {
      probeError:
        probed.status === 'measured' ? 'no probe data' : `probed run ${probed.status}: ${probed.reason}`,
    };
  } catch (error) {
    return { probeError: (error as Error).message };
  }
}

export async function run(
  options: {
    quick?: boolean;
    customers?: number;
    rounds?: number;
    budgetMinutes?: number;
    probeCustomers?: number;
  } = {},
): Promise<E2eResult> {
  const customers = options.customers ?? 1000;
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const budgetMs = (options.budgetMinutes ?? (options.quick ? 5 : 20)) * 60_000;
  const probeCustomers = Math.min(customers, options.probeCustomers ?? (options.quick ? 50 : 200));
  const started = Date.now();
  const raw: DynaliteResult[] = [];
  const demos: DemoRun[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(runChild<DynaliteResult>('dynalite', { quick: options.quick }));
    const demo = runChild<DemoRun>('demo', { customers, probe: false }, 30 * 60_000);
    demos.push(demo);
    if (demo.status !== 'measured' || Date.now() - started > budgetMs) break;
  }
  const first = raw[0]!;
  const dynalite = {
    items: first.items,
    concurrency: first.concurrency,
    putPerSecond: spread(raw.map((x) => x.putPerSecond)),
    getPerSecond: spread(raw.map((x) => x.getPerSecond)),
    sequentialPutPerSecond: spread(raw.map((x) => x.sequentialPutPerSecond)),
    sequentialGetPerSecond: spread(raw.map((x) => x.sequentialGetPerSecond)),
    ...(raw.every((x) => x.inProcess)
      ? {
          inProcess: {
            putPerSecond: spread(raw.map((x) => x.inProcess!.putPerSecond)),
            getPerSecond: spread(raw.map((x) => x.inProcess!.getPerSecond)),
          },
        }
      : {}),
  };
  const measured = demos.filter((d): d is Measured => d.status === 'measured');
  const last = measured[measured.length - 1];
  const stalled = demos.find((d) => d.status === 'stalled');
  if (stalled?.status === 'stalled') {
    return {
      customers,
      rounds: demos.length,
      dynalite,
      demo: {
        status: 'stalled',
        reason: stalled.reason,
        wallSeconds: stalled.wallSeconds,
        cpuSeconds: stalled.cpuSeconds,
        ...probeRun(probeCustomers),
      },
    };
  }
  if (!last) {
    const pending = demos.find((d) => d.status === 'pending');
    return {
      customers,
      rounds: demos.length,
      dynalite,
      demo: { status: 'pending', reason: pending?.status === 'pending' ? pending.reason : 'no demo run' },
    };
  }
  const { probe, probeError } = probeRun(probeCustomers);
  const npmStart = options.quick ? undefined : npmStartRun(customers);
  return {
    customers,
    rounds: measured.length,
    ...(npmStart ? { npmStart } : {}),
    dynalite,
    demo: {
      status: 'measured',
      customersPerSecond: spread(measured.map((d) => d.customers / d.wallSeconds)),
      wallSeconds: spread(measured.map((d) => d.wallSeconds)),
      peakRssMiB: spread(measured.map((d) => d.peakRssMiB)),
      cpuSeconds: spread(measured.map((d) => d.cpuSeconds)),
      ...(last.rescues !== undefined ? { rescues: last.rescues } : {}),
      ...(last.shards !== undefined ? { shards: last.shards } : {}),
      ...(last.phases ? { phases: last.phases } : {}),
      executions: last.executions,
      ...(last.events !== undefined ? { events: last.events } : {}),
      ...(last.errors !== undefined ? { errors: last.errors } : {}),
      ...(probe ? { probe } : {}),
      ...(probeError ? { probeError } : {}),
    },
  };
}
