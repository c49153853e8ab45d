/**
 * The 5M-customer enrolment model (bench/enrolment.ts) against figures worked out by hand from the
 * default quotas in bench/quotas.json.
 */
import { describe, expect, it } from 'vitest';
import { type EnrolmentCalls, enrolmentTime, QUOTAS } from '../../bench/enrolment.ts';

const standardCalls: EnrolmentCalls = {
  startExecutions: 1,
  stateTransitions: 3,
  createSchedules: 0,
  writeUnits: 2,
  lambdaInvocations: 1,
  lambdaMeanMs: 40,
};
const scaleCalls: EnrolmentCalls = {
  startExecutions: 1,
  stateTransitions: 0,
  createSchedules: 1,
  writeUnits: 2,
  lambdaInvocations: 2,
  lambdaMeanMs: 40,
};

describe('enrolling 5M customers', () => {
  it('is held to 300 starts a second in Standard, after the 1,300 burst, and stops at 1M open', () => {
    const r = enrolmentTime({ mode: 'standard', customers: 5_000_000, calls: standardCalls });
    // Transitions 1,500/3 = 500/s; DynamoDB 4,000/2 = 2,000/s; Lambda 1,000/0.04 = 25,000/s.
    expect(r.limits.map((l) => [l.name, l.perSecond])).toEqual([
      ['StartExecution (Standard)', 300],
      ['state transitions (Standard)', 500],
      ['DynamoDB writes, new on-demand table', 2000],
      ['Lambda account concurrency', 25_000],
    ]);
    expect(r.binding.name).toBe('StartExecution (Standard)');
    expect(r.seconds).toBeCloseTo((5_000_000 - 1300) / 300, 6);
    expect(r.waitingCeiling?.customers).toBe(1_000_000);
  });

  it('is held by DynamoDB writes in scale mode, and its timers then fire up to 2,500 s late', () => {
    const r = enrolmentTime({ mode: 'scale', customers: 5_000_000, calls: scaleCalls });
    // Express 6,000/s; CreateSchedule 5,000/s; DynamoDB 2,000/s; Lambda 1,000/0.08 = 12,500/s.
    expect(r.binding.name).toBe('DynamoDB writes, new on-demand table');
    expect(r.seconds).toBe(2500);
    // 5M timers due at 2,000/s fire at 1,000/s: the last 5,000 − 2,500 s late.
    expect(r.lastFireLateSeconds).toBe(2500);
    expect(r.onTimeRatePerSecond).toBe(1000);
    expect(r.waitingCeiling?.customers).toBe(QUOTAS.scheduler.schedules.limit);
  });

  it('is held by CreateSchedule on a warm table, 17 minutes, with the last timer then 4,000 s late', () => {
    const r = enrolmentTime({ mode: 'scale', customers: 5_000_000, calls: scaleCalls, warmTable: true });
    // DynamoDB 40,000/2 = 20,000/s: CreateSchedule's 5,000/s binds; fires drain at 1,000/s.
    expect(r.binding.name).toBe('CreateSchedule (5,000/s)');
    expect(r.seconds).toBe(1000);
    expect(r.lastFireLateSeconds).toBe(4000);
  });

  it('is held by CreateSchedule at the older 1,000/s figure, and then every timer fires on time', () => {
    const r = enrolmentTime({
      mode: 'scale',
      customers: 5_000_000,
      calls: scaleCalls,
      conservativeCreateSchedule: true,
    });
    expect(r.binding.name).toBe('CreateSchedule (1,000/s)');
    expect(r.seconds).toBe(5000);
    expect(r.lastFireLateSeconds).toBe(0);
  });
});
