/**
 * Execution history ≤ 25,000 events and Standard's one-year maximum (engine/limits.ts): the
 * worst case computed from the compiled ASL and the policy's bounds, runs that hit the bounds,
 * and the run deadline that ends a run cleanly before AWS would fail it.
 */
import { describe, expect, it } from 'vitest';
import {
  buildDefinition,
  compileJourney,
  HISTORY_EVENTS,
  historyBound,
  stateEvents,
} from '../../engine/compile/index.ts';
import type { Enrollment, StepResult } from '../../engine/contract.ts';
import {
  DEFERRAL_ROUNDS_PER_ATTEMPT,
  HISTORY_MAX_EVENTS,
  MAX_SEND_ATTEMPTS,
  RUN_MARGIN_MS,
  STANDARD_MAX_RUN_MS,
} from '../../engine/limits.ts';
import {
  boundDeferral,
  type DecisionContext,
  decideFlow,
  planSend,
  planWait,
} from '../../engine/policy/index.ts';
import { longestUncheckedWaitMs, longestWait, RUN_BUDGET_MS, runDeadline } from '../../engine/run-budget.ts';
import type { Journey } from '../../engine/schema.ts';
import { runAsl } from '../helpers/asl-runner.ts';
import { executionInput, loadReference, WEEKLY_LOOP } from './compile.fixtures.ts';
import { context } from './policy-flow-fixtures.ts';

const DAY_MS = 24 * 3600 * 1000;
const REFERENCES = ['welcome', 'replenishment-reminder', 'cart-abandonment'].map(loadReference);
const PAST = '2020-03-05T10:00:00.000Z';

/** History events a run that entered `states` (in order) writes, with no retries. */
const eventsOf = (journey: Journey, states: string[]) => {
  const def = compileJourney(journey);
  return (
    HISTORY_EVENTS.execution +
    states.reduce((sum, name) => {
      const state = def.States[name]!;
      // This run retries nothing: count each Task without its Retry.
      return sum + stateEvents(state.Type === 'Task' ? { ...state, Retry: [] } : state);
    }, 0)
  );
};

describe('history events per state (Standard workflows, HistoryEvent types)', () => {
  it('counts a Lambda Task as 5 events, plus 3 per retried attempt of its Retry', () => {
    const def = compileJourney(loadReference('welcome'));
    const task = Object.values(def.States).find((s) => s.Type === 'Task' && !s.Resource.includes('waitFor'));
    if (task?.Type !== 'Task') throw new Error('welcome has a Lambda Task');
    expect(stateEvents({ ...task, Retry: [] })).toBe(5);
    expect(stateEvents(task)).toBe(5 + 6 * 3); // lambdaRetry(): MaxAttempts 6
    expect(stateEvents({ Type: 'Wait', Seconds: 1, Next: 'x' })).toBe(2);
    expect(stateEvents({ Type: 'Choice', Choices: [] })).toBe(2);
    expect(stateEvents({ Type: 'Succeed' })).toBe(2);
  });
});

describe('the worst-case history of a run', () => {
  it.each(REFERENCES.map((j) => [j.id, j] as const))(
    '%s stays under 25,000 events, every Lambda retry and every deferral taken',
    (_id, journey) => {
      const bound = historyBound(journey, compileJourney(journey));
      expect(bound.loops).toEqual([]);
      expect(bound.events).toBeLessThan(HISTORY_MAX_EVENTS);
      const sends = Object.values(journey.steps).filter((s) => s.type === 'send').length;
      // Each deferral round: the `.deferred` Wait, the send Task (retries included) and its Choice.
      expect(bound.deferrals).toBe(sends * MAX_SEND_ATTEMPTS * DEFERRAL_ROUNDS_PER_ATTEMPT * (2 + 23 + 2));
    },
  );

  it('bounds a weekly loop by the rounds that fit in a year', () => {
    const bound = historyBound(WEEKLY_LOOP, compileJourney(WEEKLY_LOOP));
    expect(bound.loops).toEqual([
      expect.objectContaining({
        rounds: Math.floor(STANDARD_MAX_RUN_MS / (7 * DAY_MS)),
        minRoundWaitMs: 7 * DAY_MS,
      }),
    ]);
    expect(bound.events).toBeLessThan(HISTORY_MAX_EVENTS);
  });

  it('refuses an hourly loop: 8,760 rounds a year cannot fit', () => {
    const hourly: Journey = {
      ...WEEKLY_LOOP,
      steps: { ...WEEKLY_LOOP.steps, 'a-week': { type: 'wait', duration: 'PT1H', next: 'again' } },
    };
    const bound = historyBound(hourly, buildDefinition(hourly));
    expect(bound.loops[0]?.rounds).toBe(8760);
    expect(bound.events).toBeGreaterThan(HISTORY_MAX_EVENTS);
    expect(() => compileJourney(hourly)).toThrow(
      expect.objectContaining({ code: 'limits.history-too-long' }),
    );
  });

  it('an upper bound of a real run: a send deferred until its bound, run under aws-local-stepfunctions', async () => {
    const journey = loadReference('welcome');
    const def = compileJourney(journey);
    const input = executionInput(journey);
    const ctx = { journey, enrollment: input.enrollment };
    const attempts = new Map<string, number>();
    // The step Lambda's answer, as runSend gives it: the policy defers every time (a full cap),
    // and boundDeferral turns the deferral at MAX_SEND_ATTEMPTS into a skip.
    const run = await runAsl(def, input, (request): StepResult => {
      const step = journey.steps[request.stepId]!;
      if (step.type === 'send') {
        const attempt = (attempts.get(request.stepId) ?? 0) + 1;
        attempts.set(request.stepId, attempt);
        const deferred: StepResult = { outcome: 'defer', until: PAST, reason: 'capped' };
        const bounded = boundDeferral(deferred, attempt, ctx);
        return bounded.limited ? { outcome: 'next', next: step.next, until: PAST } : bounded.result;
      }
      if (step.type === 'branch') return { outcome: 'next', next: step.otherwise, until: PAST };
      return { outcome: 'wait', until: PAST };
    });
    for (const n of attempts.values()) expect(n).toBe(MAX_SEND_ATTEMPTS);
    const events = eventsOf(journey, run.states);
    expect(events).toBeLessThanOrEqual(historyBound(journey, def).events);
    expect(run.states.filter((s) => s.endsWith('.deferred'))).toHaveLength(
      attempts.size * (MAX_SEND_ATTEMPTS - 1),
    );
  });
});

describe('the deferral bound', () => {
  const journey = loadReference('welcome');
  const enrollment = executionInput(journey).enrollment;
  const defer: StepResult = { outcome: 'defer', until: '2026-03-03T08:00:00.000Z', reason: 'capped' };

  it('keeps a deferral below MAX_SEND_ATTEMPTS and stops it at the bound', () => {
    expect(boundDeferral(defer, MAX_SEND_ATTEMPTS - 1, { journey, enrollment })).toEqual({
      result: defer,
      limited: false,
    });
    expect(boundDeferral(defer, MAX_SEND_ATTEMPTS, { journey, enrollment }).limited).toBe(true);
  });

  it('never defers past the run deadline', () => {
    const late: StepResult = { ...defer, until: '2027-06-01T00:00:00.000Z' };
    const deadline = runDeadline(journey, enrollment)!;
    expect(boundDeferral(late, 1, { journey, enrollment }).result).toEqual({
      ...late,
      until: deadline.toISOString(),
    });
  });

  it('leaves every other answer alone', () => {
    const next: StepResult = { outcome: 'next', next: 'x' };
    expect(boundDeferral(next, 99, { journey, enrollment })).toEqual({ result: next, limited: false });
  });
});

describe('the one-year maximum', () => {
  it.each(REFERENCES.map((j) => [j.id, j] as const))(
    '%s waits well under a year on any way',
    (_id, journey) => {
      expect(longestWait(journey).ms).toBeLessThan(RUN_BUDGET_MS);
    },
  );

  it('counts a month at 31 days, a local time at 25 hours, a wait for an event at its timeout, a send at a day', () => {
    const journey: Journey = {
      ...WEEKLY_LOOP,
      start: 'a',
      steps: {
        a: { type: 'wait', duration: 'P1M', until: { localTime: '10:00' }, next: 'b' },
        b: { type: 'waitForEvent', event: 'order_placed', timeout: 'P2D', onEvent: 'c', onTimeout: 'c' },
        c: { type: 'send', message: 'hello', channels: ['sms'], next: 'd' },
        d: { type: 'exit' },
      },
    };
    expect(longestWait(journey).ms).toBe(31 * DAY_MS + 25 * 3600_000 + 2 * DAY_MS + DAY_MS);
  });

  it('puts the deadline a year after entry, less the margin and the longest fixed wait no step checks', () => {
    const enrollment = executionInput(WEEKLY_LOOP).enrollment;
    expect(longestUncheckedWaitMs(WEEKLY_LOOP)).toBe(7 * DAY_MS); // `a-week`, then the branch checks
    expect(runDeadline(WEEKLY_LOOP, enrollment)?.getTime()).toBe(
      Date.parse(enrollment.enteredAt) + STANDARD_MAX_RUN_MS - RUN_MARGIN_MS - 7 * DAY_MS,
    );
  });

  it('does not pull the deadline forward for a long wait on a timestamp, which is clamped to it', () => {
    const journey = loadReference('replenishment-reminder');
    const enrollment = executionInput(journey).enrollment;
    expect(longestWait(journey).ms).toBeGreaterThan(330 * DAY_MS); // the product's cycle, at most 330 days
    // Only the fixed three-day wait before the second reminder can run past the deadline.
    expect(longestUncheckedWaitMs(journey)).toBe(3 * DAY_MS);
    expect(runDeadline(journey, enrollment)?.getTime()).toBe(
      Date.parse(enrollment.enteredAt) + RUN_BUDGET_MS - 3 * DAY_MS,
    );
  });

  describe('at run time', () => {
    const journey = WEEKLY_LOOP;
    const enteredAt = '2026-03-02T08:00:00.000Z';
    const deadline = runDeadline(journey, { enteredAt })!;
    const at = (now: Date): DecisionContext => {
      const base = context({ journey, now });
      const enrollment: Enrollment = { ...base.enrollment, enteredAt, journeyId: journey.id };
      return { ...base, enrollment };
    };

    it('a send at the deadline ends the run with the reason run_deadline', () => {
      const step = journey.steps.nudge!;
      if (step.type !== 'send') throw new Error('fixture changed');
      expect(planSend(step, at(deadline))).toMatchObject({ kind: 'exit', reason: 'run_deadline' });
      expect(planSend(step, at(new Date(deadline.getTime() - 60_000))).kind).not.toBe('exit');
    });

    it('a branch at the deadline ends the run too', () => {
      expect(decideFlow('branch', journey.steps.again!, at(deadline), 'again').result).toEqual({
        outcome: 'exit',
        reason: 'run_deadline',
      });
    });

    it('a wait is never scheduled past the deadline', () => {
      const plan = planWait(
        { type: 'wait', duration: 'P800D', next: 'x' },
        at(new Date(deadline.getTime() - DAY_MS)),
      );
      expect(plan.until).toEqual(deadline);
      expect(plan.notes).toContain('run_deadline');
    });
  });
});
