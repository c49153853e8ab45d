import { describe, expect, it } from 'vitest';
import {
  answerAfterError,
  endsJourney,
  RETRY_AFTER_ERROR_MS,
  routableFlowResult,
  withNextUntil,
} from '../../engine/step-results.ts';
import { context, journey, profile } from './policy-flow-fixtures.ts';

const flow = journey({
  start: 'send',
  steps: {
    send: { type: 'send', message: 'm', channels: ['email'], next: 'pause' },
    pause: { type: 'wait', until: { localTime: '10:00' }, next: 'hour' },
    hour: { type: 'wait', duration: 'PT1H', next: 'bye' },
    bye: { type: 'exit', reason: 'finished' },
    done: { type: 'exit' },
  },
});
const ctx = context({ journey: flow, profile: profile({ timeZone: 'Europe/Lisbon' }) });

describe('a step result entering a timestamp wait', () => {
  it('carries the wait’s timestamp, as the schedule op would compute it (next 10:00 in Lisbon)', () => {
    // NOW is 2024-06-10T12:00Z, 13:00 in Lisbon: the next 10:00 there is the following morning.
    expect(withNextUntil({ outcome: 'next', next: 'pause' }, flow, ctx)).toEqual({
      outcome: 'next',
      next: 'pause',
      until: '2024-06-11T09:00:00.000Z',
    });
  });

  it('leaves results into a plain wait, or that are not `next`, as they are', () => {
    expect(withNextUntil({ outcome: 'next', next: 'hour' }, flow, ctx)).toEqual({
      outcome: 'next',
      next: 'hour',
    });
    expect(withNextUntil({ outcome: 'exit', reason: 'goal' }, flow, ctx)).toEqual({
      outcome: 'exit',
      reason: 'goal',
    });
  });
});

describe('whether a step result ends the journey', () => {
  it('ends on an exit outcome, with its reason', () => {
    expect(endsJourney({ outcome: 'exit', reason: 'goal' }, flow)).toBe('goal');
  });

  it('ends on a `next` into an exit step, with the step’s reason or its id', () => {
    expect(endsJourney({ outcome: 'next', next: 'bye' }, flow)).toBe('finished');
    expect(endsJourney({ outcome: 'next', next: 'done' }, flow)).toBe('exit:done');
  });

  it('does not end on a `next` into any other step, or on a wait', () => {
    expect(endsJourney({ outcome: 'next', next: 'pause' }, flow)).toBeUndefined();
    expect(endsJourney({ outcome: 'wait', until: '2024-06-11T09:00:00.000Z' }, flow)).toBeUndefined();
  });
});

describe('a flow decision in the shape its compiled state routes on', () => {
  const update = { type: 'update' as const, attribute: 'tier', value: 'gold', next: 'hour' };
  const wait = flow.steps.hour!;
  const now = new Date('2024-06-10T12:00:00Z');

  it('goes on after an update even when the decision was to exit', () => {
    expect(routableFlowResult('update', update, { outcome: 'exit', reason: 'goal' }, now)).toEqual({
      outcome: 'next',
      next: 'hour',
    });
  });

  it('answers a schedule that found no time with a wait until now', () => {
    expect(routableFlowResult('schedule', wait, { outcome: 'exit', reason: 'goal' }, now)).toEqual({
      outcome: 'wait',
      until: '2024-06-10T12:00:00.000Z',
    });
  });

  it('leaves every other decision as it is', () => {
    const exit = { outcome: 'exit' as const, reason: 'goal' };
    expect(routableFlowResult('branch', flow.steps.send!, exit, now)).toEqual(exit);
    const until = { outcome: 'wait' as const, until: '2024-06-11T09:00:00.000Z' };
    expect(routableFlowResult('schedule', wait, until, now)).toEqual(until);
  });
});

describe('a step result entering a wait on a date the customer does not have', () => {
  const dated = journey({
    start: 'send',
    steps: {
      send: { type: 'send', message: 'm', channels: ['email'], next: 'miss-you' },
      'miss-you': {
        type: 'wait',
        until: { date: 'profile.attributes.lastOrderAt', offset: 'P30D', localTime: '10:00' },
        next: 'bye',
      },
      'maybe-later': {
        type: 'wait',
        until: { date: 'profile.attributes.lastOrderAt', localTime: '10:00', ifMissing: 'skip' },
        next: 'bye',
      },
      bye: { type: 'exit', reason: 'finished' },
    },
  });
  const never = context({ journey: dated, profile: profile({ timeZone: 'Europe/Lisbon' }) });
  const now = new Date('2024-06-10T12:00:00Z');

  it('carries exit instead of until, and so ends the journey (ifMissing defaults to exit)', () => {
    const result = withNextUntil({ outcome: 'next', next: 'miss-you', detail: { sent: true } }, dated, never);
    expect(result).toEqual({
      outcome: 'next',
      next: 'miss-you',
      exit: 'missing_date',
      detail: { sent: true },
    });
    expect(endsJourney(result, dated)).toBe('missing_date');
  });

  it('carries the next 10:00 in Lisbon when the step says skip, not now', () => {
    expect(withNextUntil({ outcome: 'next', next: 'maybe-later' }, dated, never)).toEqual({
      outcome: 'next',
      next: 'maybe-later',
      until: '2024-06-11T09:00:00.000Z',
    });
  });

  it('passes a schedule’s exit through where the wait can end the journey', () => {
    const exit = { outcome: 'exit' as const, reason: 'missing_date' };
    expect(routableFlowResult('schedule', dated.steps['miss-you']!, exit, now)).toEqual(exit);
    expect(routableFlowResult('schedule', dated.steps['maybe-later']!, exit, now)).toEqual({
      outcome: 'wait',
      until: '2024-06-10T12:00:00.000Z',
    });
  });
});

describe('what a step answers after an unexpected failure', () => {
  const now = new Date('2024-06-10T12:00:00Z');

  it('tries a send again later', () => {
    expect(answerAfterError('send', now)).toEqual({
      outcome: 'defer',
      until: new Date(now.getTime() + RETRY_AFTER_ERROR_MS).toISOString(),
      reason: 'retry',
    });
  });

  it('lets a wait for an event go on waiting for its token', () => {
    expect(answerAfterError('waitForEvent', now)).toEqual({
      outcome: 'wait',
      until: '2024-06-10T12:00:00.000Z',
    });
  });

  it('leaves the journey for an op it has no way to answer (the flow ops throw for their retrier instead)', () => {
    expect(answerAfterError('arm', now)).toEqual({ outcome: 'exit', reason: 'runtime_error' });
  });
});
