/**
 * The scale-mode floor (bench/scale-floor.ts) against the same run priced by hand from
 * bench/prices.json: what issue 14's ≤ $12 per 1M finished replenishment runs leaves for writes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCALE_TARGETS, type ScalePrices } from '../../bench/scale-cost.ts';
import { FLOOR_WRITES, floorCalls, scaleFloor } from '../../bench/scale-floor.ts';

const prices = JSON.parse(
  readFileSync(new URL('../../bench/prices.json', import.meta.url), 'utf8'),
) as ScalePrices;

describe('the least a finished replenishment run can cost in scale mode', () => {
  it('prices the minimal layout as by hand: 3 Express chunks, 2 timers, 2 step calls, 9 writes', () => {
    const p = prices;
    const byHand =
      3 * p.stepFunctions.express.perRequest +
      3 * 0.1 * (64 / 1024) * p.stepFunctions.express.perGbSecond +
      2 * p.scheduler.perInvocation +
      2 * p.lambda.perRequest +
      0.002 * (128 / 1024) * p.lambda.arm64PerGbSecond +
      9 * p.dynamodb.onDemandPerWriteRequestUnit;
    const floor = scaleFloor(prices);
    expect(floor.minimal.usage.writeUnits).toBe(9);
    expect(floor.minimal.perMillionRuns.total).toBeCloseTo(byHand * 1e6, 9);
    expect(floor.minimal.perMillionRuns.total).toBeCloseTo(11.34, 2);
  });

  it('puts the layout as built over the target, its writes alone taking nearly all of it', () => {
    const { built } = scaleFloor(prices);
    expect(built.usage.writeUnits).toBe(19);
    expect(built.perMillionRuns.total).toBeGreaterThan(SCALE_TARGETS.perMillionRuns);
    expect(built.perMillionRuns.dynamodbWrites).toBeGreaterThan(0.9 * SCALE_TARGETS.perMillionRuns);
    // Each layout differs only in its writes.
    const { dynamodb: _a, ...minimal } = floorCalls('minimal');
    const { dynamodb: _b, ...today } = floorCalls('built');
    expect(today).toEqual(minimal);
    expect(FLOOR_WRITES.built.perSend).toBeGreaterThan(FLOOR_WRITES.minimal.perSend);
  });
});
