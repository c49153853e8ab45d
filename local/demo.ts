/**
 * The demo month, end to end. Customers are dealt to shards; each shard is a complete Herald — its
 * own DynamoDB (dynalite), Pinpoint sink, workflow runner and simulated clock — running in a
 * worker thread, so both cores work. Customers never affect each other (caps, consent and
 * journeys are per customer), so the shards together are the whole run. All shards send email to
 * one aws-ses-v2-local here, so its web page shows every email, each through a proxy of its own that
 * records when the email arrived on the shard's simulated clock (this thread's clock is the real
 * one). Afterwards the records of all shards are read back and summarised, and the invariants are
 * checked against them.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type AnalyticsReport, buildAnalytics } from '../engine/analytics/report-model.ts';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { PolicyConfig } from '../engine/policy/index.ts';
import { executionMode } from '../engine/run-protocol.ts';
import type { Journey } from '../engine/schema.ts';
import { createWorld, type DemoWorld } from './demo-data.ts';
import { type DynamoRequestCounts, sumRequestCounts } from './dynamo-requests.ts';
import { checkInvariants, type InvariantResult, type ObservedCustomer } from './invariants.ts';
import { loadJourneys } from './journeys.ts';
import { createDayLines, createProgress } from './progress.ts';
import { type ExecutionRecord, validateDefinitions } from './runner.ts';
import { type ShardOptions, type ShardProgress, type ShardResult, simulateShard } from './shard.ts';
import {
  type EmailReceipt,
  type SesLocalStandIn,
  type SinkMessage,
  type StoredEmail,
  startSesLocal,
} from './standins/index.ts';
import { type DemoSummary, summarize } from './summary.ts';
import { loadPolicy } from './system.ts';

export interface DemoOptions {
  customers: number;
  days: number;
  seed: number;
  start: Date;
  /** Worker threads (default: the number of cores, at most 4). 1 runs in this thread. */
  shards?: number;
  /**
   * Show a progress bar on stderr (`true`; default: when stderr is a terminal), or `'lines'`: one
   * line per simulated day, written to `progressOut` (default: stderr).
   */
  progress?: boolean | 'lines';
  progressOut?: (line: string) => void;
  /** Port for aws-ses-v2-local (default: any free one). */
  sesPort?: number;
  /** The folder of `*.journey.json` to run (default: workflows/). */
  journeysDir?: string;
  /** Which DynamoDB each shard uses (default: its own dynalite, in-process; see ShardOptions). */
  dynamo?: ShardOptions['dynamo'];
  /** Run every journey in this mode (`--execution`); default: each journey's own. */
  execution?: ShardOptions['execution'];
}

export interface DemoResult {
  world: DemoWorld;
  journeys: Journey[];
  config: PolicyConfig;
  ledger: LedgerRecord[];
  emails: StoredEmail[];
  /** When each email reached SES, on its shard's simulated clock (the shards' SES proxies). */
  emailReceipts: EmailReceipt[];
  sink: SinkMessage[];
  executions: ExecutionRecord[];
  unsubscribes: ShardResult['unsubscribes'];
  engagements: ShardResult['engagements'];
  erasures: ShardResult['erasures'];
  summary: DemoSummary;
  /** Test and learn, from the tables' records as `herald report` computes it. */
  analytics: AnalyticsReport;
  enrollments: ShardResult['enrollments'];
  conversions: ShardResult['conversions'];
  checks: InvariantResult[];
  counts: ShardResult['counts'];
  /** The DynamoDB requests of all shards, by operation; absent unless every shard used in-process dynalite. */
  dynamoRequests?: DynamoRequestCounts;
  errors: string[];
  shards: number;
  timings: { wallMs: number; simulateMs: number; cpuMs: number };
  /** The SES stand-in, still running: the caller stops it (or serves it). */
  ses: SesLocalStandIn;
}

export function defaultShards(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  // Process-wide (worker threads included): per-thread figures would count each other.
  const cpu0 = process.cpuUsage();
  const shards = Math.max(1, Math.min(options.shards ?? defaultShards(), options.customers));
  const journeys = loadJourneys(options.journeysDir);
  const config = loadPolicy();
  const ses = await startSesLocal(options.sesPort === undefined ? {} : { port: options.sesPort });
  try {
    // aws-ses-v2-local keeps one store per process: a second demo in this process starts empty.
    await ses.clear();
    const progress =
      options.progress === 'lines'
        ? createDayLines(options.days, options.progressOut ?? ((line) => process.stderr.write(line)))
        : createProgress(
            options.days * 24,
            ' {bar} day {day}/{days} | {events} events | {sent} messages | {waiting} waiting',
            { day: 1, days: options.days, events: 0, sent: 0, waiting: 0 },
            options.progress,
          );
    const latest: ShardProgress[] = Array.from({ length: shards }, () => ({
      hour: 0,
      events: 0,
      sent: 0,
      waiting: 0,
    }));
    const report = (index: number, p: ShardProgress) => {
      latest[index] = p;
      const hour = Math.min(...latest.map((x) => x.hour));
      progress.update(Math.min(options.days * 24, hour), {
        day: Math.min(options.days, Math.floor(hour / 24) + 1),
        days: options.days,
        events: latest.reduce((n, x) => n + x.events, 0),
        sent: latest.reduce((n, x) => n + x.sent, 0),
        waiting: latest.reduce((n, x) => n + x.waiting, 0),
      });
    };
    const base = {
      customers: options.customers,
      days: options.days,
      seed: options.seed,
      start: options.start,
      sesEndpoint: ses.endpoint,
      validated: true,
      ...(options.dynamo === undefined ? {} : { dynamo: options.dynamo }),
      ...(options.execution === undefined ? {} : { execution: options.execution }),
      journeys,
      config,
    };
    let results: ShardResult[];
    if (shards === 1) {
      validateDefinitions(journeys, (j) => options.execution ?? executionMode(j, config));
      results = [await runInThread({ ...base, shard: { index: 0, count: 1 } }, (p) => report(0, p))];
    } else {
      const running = Array.from({ length: shards }, (_, index) =>
        runInWorker({ ...base, shard: { index, count: shards } }, (p) => report(index, p)),
      );
      // The shards trust the main thread's validation; do it while they start up.
      try {
        validateDefinitions(journeys, (j) => options.execution ?? executionMode(j, config));
      } catch (error) {
        await Promise.allSettled(running);
        throw error;
      }
      results = await Promise.all(running);
    }
    report(0, { ...latest[0]!, hour: options.days * 24 });
    progress.stop();

    const world = createWorld(options);
    const merged = merge(results);
    const emails = await ses.emails();
    const end = options.start.getTime() + options.days * 86_400_000;
    const ingested = [
      ...world.events
        .filter((e) => e.at.getTime() < end)
        .map((e) => ({ customerId: e.event.customerId, type: e.event.type, at: e.event.time })),
      ...merged.reactions,
    ];
    const summary = summarize({
      journeys,
      ledger: merged.ledger,
      executions: merged.executions,
      emails,
      sink: merged.sink,
      events: ingested,
    });
    const analytics = buildAnalytics({
      journeys,
      ledger: merged.ledger,
      enrollments: merged.enrollments,
      conversions: merged.conversions,
    });
    const customers: ObservedCustomer[] = world.audience.map((c) => ({
      id: c.id,
      locale: c.locale,
      ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      ...(c.email ? { email: c.email } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      ...(c.pushToken ? { pushToken: c.pushToken.token } : {}),
    }));
    const checks = checkInvariants({
      journeys,
      config,
      customers,
      ledger: merged.ledger,
      emails,
      emailReceipts: merged.emailReceipts,
      sink: merged.sink,
      executions: merged.executions,
      window: { start: options.start.toISOString(), end: new Date(end).toISOString() },
      orders: ingested.filter((e) => e.type === 'order_placed'),
      unsubscribes: merged.unsubscribes,
      engagements: merged.engagements,
      erasures: merged.erasures,
    });
    return {
      world,
      journeys,
      config,
      ...merged,
      emails,
      summary,
      analytics,
      checks,
      shards,
      timings: {
        wallMs: performance.now() - t0,
        simulateMs: Math.max(...results.map((r) => r.timings.simulateMs)),
        cpuMs: cpuSince(cpu0),
      },
      ses,
    };
  } catch (error) {
    await ses.stop();
    throw error;
  }
}

async function runInThread(
  options: ShardOptions,
  onProgress: (p: ShardProgress) => void,
): Promise<ShardResult> {
  const { result, system } = await simulateShard(options, onProgress);
  await system.stop();
  return result;
}

/**
 * In the demo bundle (local/build.mjs, what `npm start` runs) each shard runs the bundle's own build
 * of shard-worker.ts; from the sources (tsx), worker-boot.mjs registers tsx in the thread first.
 */
declare const HERALD_SHARD_WORKER_URL: string | undefined;
const bundledWorker =
  typeof HERALD_SHARD_WORKER_URL === 'string' ? new URL(HERALD_SHARD_WORKER_URL) : undefined;

function runInWorker(options: ShardOptions, onProgress: (p: ShardProgress) => void): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bundledWorker ?? new URL('./worker-boot.mjs', import.meta.url), {
      workerData: {
        entry: new URL('./shard-worker.ts', import.meta.url).href,
        options: { ...options, start: options.start.toISOString() },
      },
    });
    let result: ShardResult | undefined;
    worker.on(
      'message',
      (message: { type: 'progress'; progress: ShardProgress } | { type: 'result'; result: ShardResult }) => {
        if (message.type === 'progress') return onProgress(message.progress);
        result = message.result;
        resolve(result);
        // Its stand-ins are stopped; nothing in it is needed any more.
        void worker.terminate();
      },
    );
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!result)
        reject(new Error(`demo shard ${options.shard.index} stopped (exit code ${code}) without results`));
    });
  });
}

function merge(results: ShardResult[]) {
  const sum = (pick: (c: ShardResult['counts']) => number) => results.reduce((n, r) => n + pick(r.counts), 0);
  const dynamoRequests = sumRequestCounts(results.map((r) => r.dynamoRequests));
  return {
    reactions: results.flatMap((r) => r.reactions),
    ledger: results.flatMap((r) => r.ledger),
    enrollments: results.flatMap((r) => r.enrollments),
    conversions: results.flatMap((r) => r.conversions),
    sink: results.flatMap((r) => r.sink),
    emailReceipts: results.flatMap((r) => r.emailReceipts),
    executions: results.flatMap((r) => r.executions),
    unsubscribes: results.flatMap((r) => r.unsubscribes),
    engagements: results.flatMap((r) => r.engagements),
    erasures: results.flatMap((r) => r.erasures),
    errors: results.flatMap((r) => r.errors),
    counts: {
      events: sum((c) => c.events),
      feedback: sum((c) => c.feedback),
      unsubscribes: sum((c) => c.unsubscribes),
      sent: sum((c) => c.sent),
      rescues: sum((c) => c.rescues),
    },
    ...(dynamoRequests ? { dynamoRequests } : {}),
  };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
