/**
 * bench/scale.bench.ts `finishedRunCalls`: only the replenishment runs that went the whole way are
 * priced, each from the states it entered at the counted per-op means.
 */
import { describe, expect, it } from 'vitest';
import type { DemoMeasure, ExecutionTrace } from '../../bench/cost.ts';
import { ENTRY_RUN_WRITES, finishedRunCalls } from '../../bench/scale.bench.ts';
import { loadJourneys } from '../../local/journeys.ts';

const journey = loadJourneys().find((j) => j.id === 'replenishment-reminder')!;
const ops = {
  arm: { invocations: 10, meanMs: 14, readUnits: 3, writeUnits: 2 },
  send: { invocations: 10, meanMs: 57.2, readUnits: 5.5, writeUnits: 8.5 },
  branch: { invocations: 10, meanMs: 12, readUnits: 4, writeUnits: 1 },
};
const segment = (run: string, seq: number, states: string[], status = 'SUCCEEDED'): ExecutionTrace => ({
  journeyId: journey.id,
  type: 'EXPRESS',
  name: `s-${run}-${seq}-${seq + 1}`,
  states: ['Segment', ...states],
  status,
});
const whole = (run: string) => [
  segment(run, 0, ['wait-until-running-low', 'wait-until-running-low.route', 'Waiting']),
  segment(run, 1, ['send-first-reminder', 'send-first-reminder.route', 'Waiting']),
  segment(run, 2, [
    'check-reordered',
    'check-reordered.route',
    'send-second-reminder',
    'send-second-reminder.route',
    'done',
  ]),
];
const calls = (executions: ExecutionTrace[]): DemoMeasure =>
  ({
    stepOps: Object.fromEntries(Object.entries(ops).map(([op, m]) => [`step:${journey.id}:${op}`, m])),
    handlers: { fire: { invocations: 99, meanMs: 6.5, readUnits: 0, writeUnits: 1 } },
    executions,
    messages: {},
    memoryMb: { step: 1024, fire: 512 },
  }) as unknown as DemoMeasure;

describe('finished replenishment runs, priced from their own states', () => {
  it('counts only runs that entered, sent both reminders and succeeded', () => {
    const counted = finishedRunCalls(
      calls([
        ...whole('aaa'),
        ...whole('bbb'),
        // Cut short by the window: entered, no reminder yet.
        segment('ccc', 0, ['wait-until-running-low', 'wait-until-running-low.route', 'Waiting']),
        // Left after the first reminder (re-ordered): one send only.
        segment('ddd', 0, ['wait-until-running-low', 'wait-until-running-low.route', 'Waiting']),
        segment('ddd', 1, ['send-first-reminder', 'send-first-reminder.route', 'Waiting']),
        segment('ddd', 2, ['check-reordered', 'check-reordered.route', 'reordered']),
        // Entered before the window: its entry segment is not in the counts.
        segment('eee', 1, ['send-first-reminder', 'send-first-reminder.route', 'Waiting']),
        segment('eee', 2, [
          'check-reordered',
          'check-reordered.route',
          'send-second-reminder',
          'send-second-reminder.route',
          'done',
        ]),
      ]),
      journey,
      'scale',
      2,
    );
    expect(counted.runs).toBe(2);
    expect(counted.messages).toBe(4);
    expect(counted.expressExecutions).toHaveLength(6);
    expect(counted.scheduler.invocations).toBe(4);
    // Per run: arm, send, branch, send; 2 fires.
    expect(counted.lambda.step).toEqual({
      invocations: 8,
      billedMs: 2 * (14 + 58 + 12 + 58),
      memoryMb: 1024,
    });
    expect(counted.lambda.fire).toEqual({ invocations: 4, billedMs: 4 * 7, memoryMb: 512 });
    expect(counted.dynamodb.writeUnits).toBeCloseTo(2 * (2 + 2 * 8.5 + 1 + 2 * 1 + ENTRY_RUN_WRITES));
    expect(counted.dynamodb.readUnits).toBeCloseTo(2 * (3 + 2 * 5.5 + 4));
    expect(counted.expressExecutions[2]?.durationMs).toBeCloseTo(12 + 57.2);
  });
});
