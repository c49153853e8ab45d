/**
 * The scale-mode cost model (bench/scale-cost.ts) against a month priced by hand from
 * bench/prices.json: a replenishment world of 1,000 runs and 2,000 messages, counted once per mode.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CountedCalls,
  compareModes,
  expressBilling,
  priceCounted,
  type ScalePrices,
} from '../../bench/scale-cost.ts';

const prices = JSON.parse(
  readFileSync(new URL('../../bench/prices.json', import.meta.url), 'utf8'),
) as ScalePrices;

const lambda = {
  step: { invocations: 5000, billedMs: 150_000, memoryMb: 1024 },
  ingest: { invocations: 1000, billedMs: 20_000, memoryMb: 512 },
};

const scaleRun: CountedCalls = {
  runs: 1000,
  messages: 2000,
  standardTransitions: 0,
  // Two 180 ms segments and one 40 ms entry segment per run.
  expressExecutions: [
    ...Array.from({ length: 2000 }, () => ({ durationMs: 180 })),
    ...Array.from({ length: 1000 }, () => ({ durationMs: 40 })),
  ],
  scheduler: { invocations: 2000, createSchedule: 2000, deleteSchedule: 0, getSchedule: 0 },
  lambda,
  dynamodb: { readUnits: 6000, writeUnits: 8000 },
};

const standardRun: CountedCalls = {
  runs: 1000,
  messages: 2000,
  standardTransitions: 10_000,
  expressExecutions: [],
  scheduler: { invocations: 0, createSchedule: 0, deleteSchedule: 0, getSchedule: 0 },
  lambda,
  dynamodb: { readUnits: 5000, writeUnits: 6000 },
};

describe('Express duration billing', () => {
  it('rounds each execution up to the next 100 ms, one chunk at least', () => {
    expect(expressBilling(prices, { durationMs: 0 }).chunks).toBe(1);
    expect(expressBilling(prices, { durationMs: 100 }).chunks).toBe(1);
    expect(expressBilling(prices, { durationMs: 101 }).chunks).toBe(2);
  });

  it('bills memory in 64 MB chunks, 64 MB when the memory used is unknown', () => {
    expect(expressBilling(prices, { durationMs: 50 }).memoryMb).toBe(64);
    expect(expressBilling(prices, { durationMs: 50, memoryMb: 65 }).memoryMb).toBe(128);
    // 100 ms at 64 MB = 0.1 s × 0.0625 GB.
    expect(expressBilling(prices, { durationMs: 50 }).gbSeconds).toBeCloseTo(0.00625, 12);
  });
});

describe('pricing counted calls', () => {
  it('prices a scale-mode month line by line as computed by hand', () => {
    const cost = priceCounted(prices, scaleRun);
    // 3,000 requests × $1/1M.
    expect(cost.run.expressRequests).toBeCloseTo(0.003, 12);
    // 2,000 × 0.2 s × 0.0625 GB + 1,000 × 0.1 s × 0.0625 GB = 31.25 GB-s × $0.0000166667.
    expect(cost.usage.expressGbSeconds).toBeCloseTo(31.25, 9);
    expect(cost.usage.expressBilledChunks).toBe(5000);
    expect(cost.run.expressDuration).toBeCloseTo(0.000520834375, 12);
    expect(cost.run.schedulerInvocations).toBeCloseTo(0.002, 12);
    // 6,000 requests × $0.20/1M; 150 GB-s (step) + 10 GB-s (ingest) × $0.0000133334.
    expect(cost.run.lambdaRequests).toBeCloseTo(0.0012, 12);
    expect(cost.run.lambdaDuration).toBeCloseTo(0.002133344, 12);
    expect(cost.run.dynamodbReads).toBeCloseTo(0.00075, 12);
    expect(cost.run.dynamodbWrites).toBeCloseTo(0.005, 12);
    expect(cost.run.standardTransitions).toBe(0);
    expect(cost.run.total).toBeCloseTo(0.014604178375, 12);
    expect(cost.perMillionRuns.total).toBeCloseTo(14.604178375, 8);
    expect(cost.perMillionMessages).toBeCloseTo(7.3020891875, 8);
    // CreateSchedule calls are counted, not billed.
    expect(cost.usage.schedulerApiCalls).toBe(2000);
  });

  it('prices the Standard month of the same world, transitions first', () => {
    const cost = priceCounted(prices, standardRun);
    expect(cost.run.standardTransitions).toBeCloseTo(0.25, 12);
    expect(cost.run.expressRequests + cost.run.expressDuration + cost.run.schedulerInvocations).toBe(0);
    expect(cost.run.total).toBeCloseTo(0.257708344, 12);
    expect(cost.perMillionRuns.total).toBeCloseTo(257.708344, 6);
  });

  it('puts both modes side by side with scale’s share of the Standard bill', () => {
    const both = compareModes(prices, standardRun, scaleRun);
    expect(both.ratio.perMillionRuns).toBeCloseTo(14.604178375 / 257.708344, 9);
    expect(both.ratio.perMillionMessages).toBeCloseTo(both.ratio.perMillionRuns, 12);
  });

  it('refuses counts that cover no run', () => {
    expect(() => priceCounted(prices, { ...scaleRun, runs: 0 })).toThrow(/no journey runs/);
  });
});
