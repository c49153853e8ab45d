/**
 * Runs compiled journeys under aws-local-stepfunctions, with the step Lambda replaced by scripted
 * answers, and checks the exact states each run goes through. Together the scenarios of a journey
 * visit every state of its definition (see the last test of each block).
 */
import { describe, expect, it } from 'vitest';
import { compileJourney } from '../../engine/compile/index.ts';
import { STEP_RETRY_ERROR } from '../../engine/compile/states.ts';
import type { EventArrivedOutput, StepResult } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import { StepRetryError } from '../../functions/app/step.ts';
import {
  LOCAL_EXECUTION_ID,
  LOCAL_TASK_TOKEN,
  runAsl,
  type TaskStub,
  timeoutError,
} from '../helpers/asl-runner.ts';
import { executionInput, KITCHEN_SINK, loadReference } from './compile.fixtures.ts';

type Answer = StepResult | EventArrivedOutput | 'timeout';

/** Already past, so a Wait on `$.result.until` ends at once (the runner still reads the path). */
const UNTIL = '2020-03-05T10:00:00.000Z';
const next = (step: string, until?: string): Answer =>
  until ? { outcome: 'next', next: step, until } : { outcome: 'next', next: step };
const defer: Answer = { outcome: 'defer', until: UNTIL, reason: 'quiet_hours' };
const exit: Answer = { outcome: 'exit', reason: 'converted' };
const scheduled: Answer = { outcome: 'wait', until: UNTIL };
const arrived = (step: string): Answer => ({ outcome: 'next', next: step, eventId: 'evt-2' });

interface Scenario {
  name: string;
  /** Answers per Task state, in the order that state is entered. */
  answers: Record<string, Answer[]>;
  states: string[];
}

/** Answers each Task from its queue; a Task with no answer left fails the run. */
function scripted(answers: Record<string, Answer[]>): { stub: TaskStub; unused: () => string[] } {
  const queues = new Map(Object.entries(answers).map(([name, list]) => [name, [...list]]));
  const stub: TaskStub = (_request, stateName) => {
    const answer = queues.get(stateName)?.shift();
    if (answer === undefined) throw new Error(`no scripted answer for ${stateName}`);
    if (answer === 'timeout') throw timeoutError();
    return answer;
  };
  const unused = () => [...queues].filter(([, list]) => list.length > 0).map(([name]) => name);
  return { stub, unused };
}

async function play(journey: Journey, scenario: Scenario) {
  const { stub, unused } = scripted(scenario.answers);
  const run = await runAsl(compileJourney(journey), executionInput(journey), stub);
  expect(unused()).toEqual([]);
  return run;
}

function describeJourney(journey: Journey, scenarios: Scenario[]) {
  describe(`${journey.id} compiled and run`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, async () => {
        const run = await play(journey, scenario);
        expect(run.states).toEqual(scenario.states);
      });
    }

    it('passes every Task the StepRequest of its step', async () => {
      const run = await play(journey, scenarios[0]!);
      const { enrollment } = executionInput(journey);
      expect(run.requests.length).toBeGreaterThan(0);
      for (const request of run.requests) {
        expect(request).toMatchObject({
          journeyId: journey.id,
          journeyVersion: journey.version,
          executionId: LOCAL_EXECUTION_ID,
          enrollment,
        });
        expect(Object.hasOwn(journey.steps, request.stepId)).toBe(true);
        expect(request.taskToken).toBe(request.op === 'waitForEvent' ? LOCAL_TASK_TOKEN : undefined);
      }
    });

    it('visits every state of the definition across these scenarios', async () => {
      const visited = new Set<string>();
      for (const scenario of scenarios)
        for (const s of (await play(journey, scenario)).states) visited.add(s);
      expect([...visited].sort()).toEqual(Object.keys(compileJourney(journey).States).sort());
    });
  });
}

// ── welcome ─────────────────────────────────────────────────────────────────────────────────

describeJourney(loadReference('welcome'), [
  {
    name: 'welcomes, waits until 10:00 two days later (timestamp from the send), thanks a customer who ordered',
    answers: {
      'send-welcome': [next('wait-two-days', UNTIL)],
      'check-first-order': [next('send-thank-you')],
      'send-thank-you': [next('done')],
    },
    states: [
      'send-welcome',
      'send-welcome.route',
      'wait-two-days',
      'check-first-order',
      'check-first-order.route',
      'send-thank-you',
      'send-thank-you.route',
      'done',
    ],
  },
  {
    name: 'offers a first-order incentive to a customer who has not ordered',
    answers: {
      'send-welcome': [next('wait-two-days', UNTIL)],
      'check-first-order': [next('send-first-order-offer')],
      'send-first-order-offer': [next('done')],
    },
    states: [
      'send-welcome',
      'send-welcome.route',
      'wait-two-days',
      'check-first-order',
      'check-first-order.route',
      'send-first-order-offer',
      'send-first-order-offer.route',
      'done',
    ],
  },
  {
    name: 'defers each send once (quiet hours) and runs it again after the wait',
    answers: {
      'send-welcome': [defer, next('wait-two-days', UNTIL)],
      'check-first-order': [next('send-thank-you')],
      'send-thank-you': [defer, next('done')],
    },
    states: [
      'send-welcome',
      'send-welcome.route',
      'send-welcome.deferred',
      'send-welcome',
      'send-welcome.route',
      'wait-two-days',
      'check-first-order',
      'check-first-order.route',
      'send-thank-you',
      'send-thank-you.route',
      'send-thank-you.deferred',
      'send-thank-you',
      'send-thank-you.route',
      'done',
    ],
  },
  {
    name: 'defers the first-order offer once',
    answers: {
      'send-welcome': [next('wait-two-days', UNTIL)],
      'check-first-order': [next('send-first-order-offer')],
      'send-first-order-offer': [defer, next('done')],
    },
    states: [
      'send-welcome',
      'send-welcome.route',
      'wait-two-days',
      'check-first-order',
      'check-first-order.route',
      'send-first-order-offer',
      'send-first-order-offer.route',
      'send-first-order-offer.deferred',
      'send-first-order-offer',
      'send-first-order-offer.route',
      'done',
    ],
  },
  {
    name: 'exits when the send step says the customer left (unsubscribed)',
    answers: { 'send-welcome': [exit] },
    states: ['send-welcome', 'send-welcome.route', 'Exited'],
  },
]);

describe('the step contract seen from a compiled workflow', () => {
  it('fails the run when a send leading to a timestamp wait answers without `until`', async () => {
    const welcome = loadReference('welcome');
    const { stub } = scripted({ 'send-welcome': [next('wait-two-days')] });
    await expect(runAsl(compileJourney(welcome), executionInput(welcome), stub)).rejects.toThrow(
      /\$\.result\.until/,
    );
  });

  it('decides a branch again when the step Lambda throws StepRetryError, and goes where that decision says', async () => {
    const welcome = loadReference('welcome');
    let failures = 2;
    const { stub } = scripted({
      'send-welcome': [next('wait-two-days', UNTIL)],
      'check-first-order': [next('send-thank-you')],
      'send-thank-you': [exit],
    });
    const flaky: TaskStub = (request, stateName) => {
      if (stateName === 'check-first-order' && failures-- > 0)
        throw new StepRetryError('branch', new Error('ProvisionedThroughputExceededException'));
      return stub(request, stateName);
    };
    const run = await runAsl(compileJourney(welcome), executionInput(welcome), flaky);
    expect(run.requests.filter((r) => r.stepId === 'check-first-order')).toHaveLength(3);
    expect(run.states).toContain('send-thank-you');
    expect(run.states).not.toContain('exited');
  });

  it('fails the run once the retrier gives up on a decision that keeps failing', async () => {
    const welcome = loadReference('welcome');
    const { stub } = scripted({ 'send-welcome': [next('wait-two-days', UNTIL)] });
    const broken: TaskStub = (request, stateName) => {
      if (stateName === 'check-first-order') throw new StepRetryError('branch', new Error('unavailable'));
      return stub(request, stateName);
    };
    const attempts: string[] = [];
    await expect(
      runAsl(compileJourney(welcome), executionInput(welcome), (request, stateName) => {
        attempts.push(stateName);
        return broken(request, stateName);
      }),
    ).rejects.toMatchObject({ cause: { name: STEP_RETRY_ERROR } });
    // The first try and the retrier's four.
    expect(attempts.filter((s) => s === 'check-first-order')).toHaveLength(5);
  });

  it('fails the run when a branch answers with a step it cannot go to', async () => {
    const welcome = loadReference('welcome');
    const { stub } = scripted({
      'send-welcome': [next('wait-two-days', UNTIL)],
      'check-first-order': [next('done')],
    });
    await expect(runAsl(compileJourney(welcome), executionInput(welcome), stub)).rejects.toThrow(
      /NoChoiceMatched/,
    );
  });
});

// ── replenishment-reminder ──────────────────────────────────────────────────────────────────

describeJourney(loadReference('replenishment-reminder'), [
  {
    name: 'schedules the first reminder, reminds, and exits when the product was re-ordered',
    answers: {
      'wait-until-running-low.schedule': [scheduled],
      'send-first-reminder': [next('wait-three-days')],
      'check-reordered': [next('reordered')],
    },
    states: [
      'wait-until-running-low.schedule',
      'wait-until-running-low.date-check',
      'wait-until-running-low',
      'send-first-reminder',
      'send-first-reminder.route',
      'wait-three-days',
      'check-reordered',
      'check-reordered.route',
      'reordered',
    ],
  },
  {
    name: 'sends a second reminder three days later when not re-ordered',
    answers: {
      'wait-until-running-low.schedule': [scheduled],
      'send-first-reminder': [next('wait-three-days')],
      'check-reordered': [next('send-second-reminder')],
      'send-second-reminder': [next('done')],
    },
    states: [
      'wait-until-running-low.schedule',
      'wait-until-running-low.date-check',
      'wait-until-running-low',
      'send-first-reminder',
      'send-first-reminder.route',
      'wait-three-days',
      'check-reordered',
      'check-reordered.route',
      'send-second-reminder',
      'send-second-reminder.route',
      'done',
    ],
  },
  {
    name: 'defers both reminders once (a full frequency cap)',
    answers: {
      'wait-until-running-low.schedule': [scheduled],
      'send-first-reminder': [defer, next('wait-three-days')],
      'check-reordered': [next('send-second-reminder')],
      'send-second-reminder': [defer, next('done')],
    },
    states: [
      'wait-until-running-low.schedule',
      'wait-until-running-low.date-check',
      'wait-until-running-low',
      'send-first-reminder',
      'send-first-reminder.route',
      'send-first-reminder.deferred',
      'send-first-reminder',
      'send-first-reminder.route',
      'wait-three-days',
      'check-reordered',
      'check-reordered.route',
      'send-second-reminder',
      'send-second-reminder.route',
      'send-second-reminder.deferred',
      'send-second-reminder',
      'send-second-reminder.route',
      'done',
    ],
  },
  {
    name: 'exits before any reminder when the product has no replenishment cycle (the date is missing)',
    answers: { 'wait-until-running-low.schedule': [{ outcome: 'exit', reason: 'missing_date' }] },
    states: ['wait-until-running-low.schedule', 'wait-until-running-low.date-check', 'Exited'],
  },
  {
    name: 'exits at the first reminder when the product was already re-ordered',
    answers: { 'wait-until-running-low.schedule': [scheduled], 'send-first-reminder': [exit] },
    states: [
      'wait-until-running-low.schedule',
      'wait-until-running-low.date-check',
      'wait-until-running-low',
      'send-first-reminder',
      'send-first-reminder.route',
      'Exited',
    ],
  },
]);

// ── cart-abandonment ────────────────────────────────────────────────────────────────────────

const BOTH_TIMEOUTS = {
  'wait-for-order': ['timeout'] as Answer[],
  'send-cart-reminder': [next('wait-for-order-after-reminder')],
  'wait-for-order-after-reminder': ['timeout'] as Answer[],
};

describeJourney(loadReference('cart-abandonment'), [
  {
    name: 'exits when the order arrives within the hour',
    answers: { 'wait-for-order': [arrived('ordered')] },
    states: ['wait-for-order', 'ordered'],
  },
  {
    name: 'reminds after the hour times out, then exits when the order arrives within a day',
    answers: {
      'wait-for-order': ['timeout'],
      'send-cart-reminder': [next('wait-for-order-after-reminder')],
      'wait-for-order-after-reminder': [arrived('ordered')],
    },
    states: [
      'wait-for-order',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'wait-for-order-after-reminder',
      'ordered',
    ],
  },
  {
    name: 'after both timeouts, the discount arm records its variant and sends the discount',
    answers: {
      ...BOTH_TIMEOUTS,
      'choose-incentive': [next('record-discount-arm')],
      'record-discount-arm': [next('send-discount-offer')],
      'send-discount-offer': [next('done')],
    },
    states: [
      'wait-for-order',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'wait-for-order-after-reminder',
      'choose-incentive',
      'choose-incentive.route',
      'record-discount-arm',
      'send-discount-offer',
      'send-discount-offer.route',
      'done',
    ],
  },
  {
    name: 'after both timeouts, the free-shipping arm sends free shipping, deferred once',
    answers: {
      ...BOTH_TIMEOUTS,
      'choose-incentive': [next('record-free-shipping-arm')],
      'record-free-shipping-arm': [next('send-free-shipping-offer')],
      'send-free-shipping-offer': [defer, next('done')],
    },
    states: [
      'wait-for-order',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'wait-for-order-after-reminder',
      'choose-incentive',
      'choose-incentive.route',
      'record-free-shipping-arm',
      'send-free-shipping-offer',
      'send-free-shipping-offer.route',
      'send-free-shipping-offer.deferred',
      'send-free-shipping-offer',
      'send-free-shipping-offer.route',
      'done',
    ],
  },
  {
    name: 'defers the reminder and the discount once each',
    answers: {
      'wait-for-order': ['timeout'],
      'send-cart-reminder': [defer, next('wait-for-order-after-reminder')],
      'wait-for-order-after-reminder': ['timeout'],
      'choose-incentive': [next('record-discount-arm')],
      'record-discount-arm': [next('send-discount-offer')],
      'send-discount-offer': [defer, next('done')],
    },
    states: [
      'wait-for-order',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'send-cart-reminder.deferred',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'wait-for-order-after-reminder',
      'choose-incentive',
      'choose-incentive.route',
      'record-discount-arm',
      'send-discount-offer',
      'send-discount-offer.route',
      'send-discount-offer.deferred',
      'send-discount-offer',
      'send-discount-offer.route',
      'done',
    ],
  },
  {
    name: 'exits when the split finds the customer converted',
    answers: { ...BOTH_TIMEOUTS, 'choose-incentive': [exit] },
    states: [
      'wait-for-order',
      'send-cart-reminder',
      'send-cart-reminder.route',
      'wait-for-order-after-reminder',
      'choose-incentive',
      'choose-incentive.route',
      'Exited',
    ],
  },
]);

// ── every step kind ─────────────────────────────────────────────────────────────────────────

describeJourney(KITCHEN_SINK, [
  {
    name: 'event path: the update supplies the next wait’s timestamp, arm a waits a month',
    answers: {
      'at-ten.schedule': [scheduled],
      greet: [next('wait-reply')],
      'wait-reply': [arrived('tag-replied')],
      'tag-replied': [next('after-update', UNTIL)],
      pick: [next('offer-a')],
      'offer-a': [next('monthly', UNTIL)],
    },
    states: [
      'at-ten.schedule',
      'at-ten',
      'greet',
      'greet.route',
      'wait-reply',
      'tag-replied',
      'after-update',
      'pick',
      'pick.route',
      'offer-a',
      'offer-a.route',
      'monthly',
      'done',
    ],
  },
  {
    name: 'timeout path: a schedule Task computes the wait after the timeout, arm b passes the one-way branch',
    answers: {
      'at-ten.schedule': [scheduled],
      greet: [defer, next('wait-reply')],
      'wait-reply': ['timeout'],
      'next-morning.schedule': [scheduled],
      pick: [next('offer-b')],
      'offer-b': [defer, next('same-target')],
      'same-target': [next('pause')],
    },
    states: [
      'at-ten.schedule',
      'at-ten',
      'greet',
      'greet.route',
      'greet.deferred',
      'greet',
      'greet.route',
      'wait-reply',
      'next-morning.schedule',
      'next-morning',
      'pick',
      'pick.route',
      'offer-b',
      'offer-b.route',
      'offer-b.deferred',
      'offer-b',
      'offer-b.route',
      'same-target',
      'pause',
      'done',
    ],
  },
  {
    name: 'exits from a send, and from the split',
    answers: {
      'at-ten.schedule': [scheduled],
      greet: [next('wait-reply')],
      'wait-reply': ['timeout'],
      'next-morning.schedule': [scheduled],
      pick: [exit],
    },
    states: [
      'at-ten.schedule',
      'at-ten',
      'greet',
      'greet.route',
      'wait-reply',
      'next-morning.schedule',
      'next-morning',
      'pick',
      'pick.route',
      'Exited',
    ],
  },
  {
    name: 'offer-a can be deferred and exit',
    answers: {
      'at-ten.schedule': [scheduled],
      greet: [next('wait-reply')],
      'wait-reply': [arrived('tag-replied')],
      'tag-replied': [next('after-update', UNTIL)],
      pick: [next('offer-a')],
      'offer-a': [defer, exit],
    },
    states: [
      'at-ten.schedule',
      'at-ten',
      'greet',
      'greet.route',
      'wait-reply',
      'tag-replied',
      'after-update',
      'pick',
      'pick.route',
      'offer-a',
      'offer-a.route',
      'offer-a.deferred',
      'offer-a',
      'offer-a.route',
      'Exited',
    ],
  },
]);

describe('a wait on a date the customer does not have, compiled and run', () => {
  const lastOrder = { date: 'profile.attributes.lastOrderAt', offset: 'P30D', localTime: '10:00' };
  const journey: Journey = {
    ...KITCHEN_SINK,
    id: 'we-miss-you',
    start: 'greet',
    steps: {
      greet: { type: 'send', message: 'hello', channels: ['sms'], next: 'a-month-after' },
      'a-month-after': { type: 'wait', until: lastOrder, next: 'miss-you' },
      'miss-you': { type: 'send', message: 'hello', channels: ['sms'], next: 'done' },
      done: { type: 'exit' },
    },
  };

  it('ends the journey after a send whose answer carries exit instead of until', async () => {
    const run = await play(journey, {
      name: 'missing',
      answers: { greet: [{ outcome: 'next', next: 'a-month-after', exit: 'missing_date' }] },
      states: [],
    });
    expect(run.states).toEqual(['greet', 'greet.route', 'Exited']);
  });

  it('waits, then sends, when the answer carries until', async () => {
    const run = await play(journey, {
      name: 'present',
      answers: { greet: [next('a-month-after', UNTIL)], 'miss-you': [next('done')] },
      states: [],
    });
    expect(run.states).toEqual([
      'greet',
      'greet.route',
      'a-month-after',
      'miss-you',
      'miss-you.route',
      'done',
    ]);
  });
});
