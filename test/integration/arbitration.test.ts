import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

/** The journey with `expiresAfter` on its send step. */
function expiring(journey: Journey, expiresAfter: string): Journey {
  const send = journey.steps.send;
  if (send?.type !== 'send') throw new Error('fixture: no send step');
  return { ...journey, steps: { ...journey.steps, send: { ...send, expiresAfter } } };
}

const welcome = sendJourney('welcome', { priority: 50 });
const cart = sendJourney('cart', { priority: 80 });
const replenish = sendJourney('replenish', { priority: 30 });
const staleCart = expiring(sendJourney('stale-cart', { priority: 80 }), 'PT6H');
const smsCart = expiring(sendJourney('sms-cart', { priority: 80, channels: ['sms'] }), 'PT12H');
const receipt = sendJourney('receipt', { priority: 90, channels: ['sms'], category: 'transactional' });

// One marketing message a day; the default SMS quiet hours (21:00–08:00 local) and daily SMS cap.
const config: PolicyConfig = {
  ...DEFAULT_POLICY,
  caps: [
    { id: 'daily-1', limit: 1, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
    { id: 'sms-1d', limit: 1, window: 'P1D', channels: ['sms'] },
  ],
};

describe.each(DYNAMO_BACKENDS)(
  'priority arbitration and expiry through the step handler on $name',
  (backend) => {
    let rt: Runtime;
    beforeAll(async () => {
      rt = await startRuntime({
        journeys: [welcome, cart, replenish, staleCart, smsCart, receipt],
        config,
        startDynamo: backend.start,
      });
    });
    afterAll(async () => rt?.stop());

    const emailsTo = async (customerId: string) =>
      (await rt.ses.emails()).filter((e) => e.destination.to.includes(`${customerId}@example.com`));
    const decisions = async (customerId: string) =>
      (await rt.store.listLedger(customerId)).filter((r) => r.kind === 'decision');

    it('gives a freed slot to the waiting priority-80 send, not to the priority-30 send that asks first', async () => {
      await rt.seedProfile(reachableProfile('c-pre'));
      rt.clock.set('2025-06-02T12:00:00Z');
      expect(await rt.step(stepRequest(welcome, enrollmentFor(welcome, 'c-pre')))).toMatchObject({
        detail: { sent: true },
      });

      rt.clock.set('2025-06-02T13:00:00Z');
      const held = (await rt.step(stepRequest(cart, enrollmentFor(cart, 'c-pre')))) as Extract<
        StepResult,
        { outcome: 'defer' }
      >;
      expect(held).toMatchObject({ outcome: 'defer', reason: 'capped' });

      // The welcome send has left the window; the cart reminder wakes 20 s later (priority 80).
      rt.clock.set('2025-06-03T12:00:05Z');
      const loser = await rt.step(stepRequest(replenish, enrollmentFor(replenish, 'c-pre')));
      expect(loser).toMatchObject({ outcome: 'next', detail: { sent: false, skipped: 'preempted' } });

      rt.clock.set(held.until);
      expect(await rt.step(stepRequest(cart, enrollmentFor(cart, 'c-pre')))).toMatchObject({
        detail: { sent: true },
      });
      expect(await emailsTo('c-pre')).toHaveLength(2);
      const replenishDecision = (await decisions('c-pre')).find((r) => r.journeyId === 'replenish');
      expect(replenishDecision?.reasons).toContain('email:preempted:daily-1');
    });

    it('drops a send at once, as expired, when a full cap would hold it past its expiry', async () => {
      await rt.seedProfile(reachableProfile('c-exp'));
      rt.clock.set('2025-06-02T12:00:00Z');
      await rt.step(stepRequest(welcome, enrollmentFor(welcome, 'c-exp')));
      rt.clock.set('2025-06-02T13:00:00Z');
      const result = await rt.step(stepRequest(staleCart, enrollmentFor(staleCart, 'c-exp')));
      expect(result).toMatchObject({ outcome: 'next', detail: { sent: false, skipped: 'expired' } });
      const dropped = (await decisions('c-exp')).find((r) => r.journeyId === 'stale-cart');
      expect(dropped).toMatchObject({ outcome: 'skipped' });
      expect(dropped?.reasons).toContain('expired');
      expect(await emailsTo('c-exp')).toHaveLength(1);
    });

    it('counts the expiry from the first attempt: a send held by quiet hours and woken late is dropped', async () => {
      await rt.seedProfile(reachableProfile('c-late'));
      // 22:00 in London (BST): SMS quiet hours until 08:00, within the 12 hours the reminder lasts.
      rt.clock.set('2025-06-02T21:00:00Z');
      const request = stepRequest(smsCart, enrollmentFor(smsCart, 'c-late'));
      expect(await rt.step(request)).toMatchObject({ outcome: 'defer', reason: 'quiet_hours' });
      // The run comes back after 09:00 UTC, past 21:00 + PT12H.
      rt.clock.set('2025-06-03T09:30:00Z');
      expect(await rt.step(request)).toMatchObject({ outcome: 'next', detail: { skipped: 'expired' } });
      expect((await decisions('c-late')).map((r) => r.outcome)).toEqual(['deferred', 'skipped']);
    });

    it('sends a transactional SMS at night past a full SMS cap: the policy exempts it', async () => {
      await rt.seedProfile(reachableProfile('c-tx'));
      rt.clock.set('2025-06-02T12:00:00Z');
      expect(await rt.step(stepRequest(smsCart, enrollmentFor(smsCart, 'c-tx')))).toMatchObject({
        detail: { sent: true },
      });
      rt.clock.set('2025-06-02T21:30:00Z');
      expect(await rt.step(stepRequest(receipt, enrollmentFor(receipt, 'c-tx')))).toMatchObject({
        outcome: 'next',
        detail: { sent: true, channel: 'sms' },
      });
    });
  },
);
