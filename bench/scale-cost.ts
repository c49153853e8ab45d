/**
 * The cost of one local run in either execution mode, priced from what it counted: Standard state
 * transitions, Express requests and billed duration chunks, EventBridge Scheduler invocations,
 * Lambda requests and GB-seconds, DynamoDB request units. Both modes go through the same function,
 * so the two figures of one run are comparable line by line (`compareModes`).
 *
 * Billing rules (bench/prices.json names the pages):
 * - Standard: every state entered is a transition.
 * - Express: one request per started execution; duration from start to end rounded up to the
 *   nearest 100 ms, times the memory used rounded up to 64 MB (50 MB + definition + execution data,
 *   so a small journey bills 64 MB). The first duration tier is used ($0.06 per GB-hour), as the
 *   first Lambda tier is: the figures are an upper bound for a large month.
 * - Scheduler: one charge per scheduled invocation (a retry is another invocation). CreateSchedule,
 *   DeleteSchedule and GetSchedule are counted and shown, and priced at $0: the pricing page bills
 *   invocations only.
 * - Lambda: per request, and per GB-second of each invocation rounded up to 1 ms at its memory.
 * - DynamoDB on-demand: per read and write request unit, as the probe counted them.
 * Free tiers are ignored everywhere.
 */
import type { Prices } from './cost.ts';

export interface ScalePrices extends Prices {
  stepFunctions: Prices['stepFunctions'] & {
    express: {
      perRequest: number;
      perGbSecond: number;
      durationRoundingMs: number;
      memoryChunkMb: number;
      baseMemoryMb: number;
    };
  };
  scheduler: { perInvocation: number };
}

/** One function's invocations in the run. */
export interface LambdaCount {
  invocations: number;
  /** Sum over invocations of each one's duration rounded up to 1 ms (Lambda bills per ms). */
  billedMs: number;
  /** Configured memory, as infra sets it. */
  memoryMb: number;
}

/** One Express execution: how long it ran and (when known) the memory it used. */
export interface ExpressExecution {
  durationMs: number;
  /** Memory used; 64 MB billed when omitted or below one chunk. */
  memoryMb?: number;
}

/** What one local run counted, in one mode. */
export interface CountedCalls {
  /** Journey runs the counts cover (customers entered), and messages providers accepted. */
  runs: number;
  messages: number;
  standardTransitions: number;
  expressExecutions: readonly ExpressExecution[];
  scheduler: { invocations: number; createSchedule: number; deleteSchedule: number; getSchedule: number };
  lambda: Readonly<Record<string, LambdaCount>>;
  dynamodb: { readUnits: number; writeUnits: number };
}

export interface ScaleMoney {
  standardTransitions: number;
  expressRequests: number;
  expressDuration: number;
  schedulerInvocations: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamodbReads: number;
  dynamodbWrites: number;
  total: number;
}

export interface ModeCost {
  runs: number;
  messages: number;
  /** Usage behind the money, so a reader can re-price it. */
  usage: {
    standardTransitions: number;
    expressRequests: number;
    /** Sum of the 100 ms chunks the Express executions were billed for. */
    expressBilledChunks: number;
    expressGbSeconds: number;
    schedulerInvocations: number;
    schedulerApiCalls: number;
    lambdaRequests: number;
    lambdaGbSeconds: number;
    readUnits: number;
    writeUnits: number;
  };
  run: ScaleMoney;
  perMillionRuns: ScaleMoney;
  /** undefined when the run sent nothing. */
  perMillionMessages?: number;
}

const MB_PER_GB = 1024;

/** Express duration billed for one execution, in 100 ms chunks and GB-seconds. */
export function expressBilling(prices: ScalePrices, execution: ExpressExecution) {
  const { durationRoundingMs, memoryChunkMb } = prices.stepFunctions.express;
  const chunks = Math.max(1, Math.ceil(execution.durationMs / durationRoundingMs));
  const memoryMb =
    Math.max(1, Math.ceil((execution.memoryMb ?? memoryChunkMb) / memoryChunkMb)) * memoryChunkMb;
  return {
    chunks,
    billedMs: chunks * durationRoundingMs,
    memoryMb,
    gbSeconds: ((chunks * durationRoundingMs) / 1000) * (memoryMb / MB_PER_GB),
  };
}

function scaleMoney(m: ScaleMoney, k: number): ScaleMoney {
  return Object.fromEntries(Object.entries(m).map(([key, v]) => [key, v * k])) as unknown as ScaleMoney;
}

export function priceCounted(prices: ScalePrices, counts: CountedCalls): ModeCost {
  if (counts.runs <= 0) throw new Error('priceCounted: the counts cover no journey runs (runs must be > 0)');
  const express = counts.expressExecutions.map((e) => expressBilling(prices, e));
  const expressGbSeconds = express.reduce((s, e) => s + e.gbSeconds, 0);
  const lambdas = Object.values(counts.lambda);
  const lambdaRequests = lambdas.reduce((s, l) => s + l.invocations, 0);
  const lambdaGbSeconds = lambdas.reduce((s, l) => s + (l.billedMs / 1000) * (l.memoryMb / MB_PER_GB), 0);
  const p = prices;
  const run: ScaleMoney = {
    standardTransitions: counts.standardTransitions * p.stepFunctions.standardPerStateTransition,
    expressRequests: express.length * p.stepFunctions.express.perRequest,
    expressDuration: expressGbSeconds * p.stepFunctions.express.perGbSecond,
    schedulerInvocations: counts.scheduler.invocations * p.scheduler.perInvocation,
    lambdaRequests: lambdaRequests * p.lambda.perRequest,
    lambdaDuration: lambdaGbSeconds * p.lambda.arm64PerGbSecond,
    dynamodbReads: counts.dynamodb.readUnits * p.dynamodb.onDemandPerReadRequestUnit,
    dynamodbWrites: counts.dynamodb.writeUnits * p.dynamodb.onDemandPerWriteRequestUnit,
    total: 0,
  };
  run.total = Object.entries(run).reduce((s, [k, v]) => (k === 'total' ? s : s + v), 0);
  return {
    runs: counts.runs,
    messages: counts.messages,
    usage: {
      standardTransitions: counts.standardTransitions,
      expressRequests: express.length,
      expressBilledChunks: express.reduce((s, e) => s + e.chunks, 0),
      expressGbSeconds,
      schedulerInvocations: counts.scheduler.invocations,
      schedulerApiCalls:
        counts.scheduler.createSchedule + counts.scheduler.deleteSchedule + counts.scheduler.getSchedule,
      lambdaRequests,
      lambdaGbSeconds,
      readUnits: counts.dynamodb.readUnits,
      writeUnits: counts.dynamodb.writeUnits,
    },
    run,
    perMillionRuns: scaleMoney(run, 1e6 / counts.runs),
    ...(counts.messages > 0 ? { perMillionMessages: (run.total * 1e6) / counts.messages } : {}),
  };
}

export const SCALE_TARGETS = {
  /** Issue 14: replenishment (2 sends, 2 long waits), orchestration only. */
  perMillionRuns: 12,
  /** Issue 14: all journeys together, orchestration only. */
  perMillionMessages: 6,
} as const;

export interface ModeComparison {
  standard: ModeCost;
  scale: ModeCost;
  /** scale ÷ standard, per 1M runs and per 1M messages. */
  ratio: { perMillionRuns: number; perMillionMessages: number };
}

/** The same world counted once per mode: both priced, and scale's share of Standard's bill. */
export function compareModes(
  prices: ScalePrices,
  standard: CountedCalls,
  scale: CountedCalls,
): ModeComparison {
  const s = priceCounted(prices, standard);
  const x = priceCounted(prices, scale);
  return {
    standard: s,
    scale: x,
    ratio: {
      perMillionRuns: x.perMillionRuns.total / s.perMillionRuns.total,
      perMillionMessages: (x.perMillionMessages ?? Number.NaN) / (s.perMillionMessages ?? Number.NaN),
    },
  };
}
