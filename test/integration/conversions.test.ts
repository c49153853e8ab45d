/**
 * Conversions through the real ingest and step handlers on the stand-ins: a goal event inside the
 * window is stored once under the customer, credited to the last message the run sent (whatever
 * its channel or step), held-out runs included; outside the window nothing is stored; a goal that
 * does not end the run leaves it running and sending; a value in another currency is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { isHeldOut } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  cartEvent,
  httpEvent,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const base = sendJourney('conv');
const journey: Journey = {
  ...base,
  goal: { event: 'order_placed', within: 'P3D', exitOnConversion: false, currency: 'EUR' },
  holdout: { percent: 30 },
  start: 'send-email',
  steps: {
    'send-email': { type: 'send', message: 'hello', channels: ['email'], next: 'pause' },
    pause: { type: 'wait', duration: 'PT1H', next: 'send-sms' },
    'send-sms': { type: 'send', message: 'hello', channels: ['sms'], next: 'done' },
    done: { type: 'exit' },
  },
};

const post = (event: CustomerEvent) => httpEvent('POST', { body: JSON.stringify(event) });
const order = (
  customerId: string,
  id: string,
  time: string,
  total = 42,
  currency = 'EUR',
): CustomerEvent => ({
  id,
  type: 'order_placed',
  customerId,
  time,
  properties: { orderId: `o-${id}`, items: [{ productId: 'p1', quantity: 1 }], total, currency },
});
const pick = (prefix: string, heldOut: boolean) => {
  for (let i = 0; i < 200; i++) {
    const id = `${prefix}-${i}`;
    if (isHeldOut(journey, id) === heldOut) return id;
  }
  throw new Error('no customer found');
};

describe('conversions recorded by ingest', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey], now: '2025-06-02T11:59:00Z' });
  });
  afterAll(async () => rt?.stop());

  /** Enters the customer at 11:59 and returns the run ingest started. */
  async function enter(customerId: string): Promise<Enrollment | undefined> {
    await rt.seedProfile(reachableProfile(customerId, { timeZone: 'Europe/London' }));
    rt.clock.set('2025-06-02T11:59:00Z');
    await rt.ingest(post(cartEvent(customerId, `cart-${customerId}`)));
    const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
    return execution ? (JSON.parse(execution.input) as { enrollment: Enrollment }).enrollment : undefined;
  }
  async function sendAt(enrollment: Enrollment, stepId: string, at: string) {
    rt.clock.set(at);
    return rt.step(stepRequest(journey, enrollment, stepId));
  }
  async function orderAt(event: CustomerEvent) {
    rt.clock.set(event.time);
    await rt.ingest(post(event));
  }

  it('credits the last message before the order, across channels and steps, and keeps every touch', async () => {
    const customerId = pick('c-two', false);
    const run = await enter(customerId);
    if (!run) throw new Error('not started');
    await sendAt(run, 'send-email', '2025-06-02T12:00:00Z');
    await sendAt(run, 'send-sms', '2025-06-02T13:00:00Z');
    await orderAt(order(customerId, 'o-two', '2025-06-02T15:00:00Z'));

    const [conversion, ...more] = await rt.store.listConversions(customerId);
    expect(more).toEqual([]);
    expect(conversion).toMatchObject({
      journeyId: 'conv',
      journeyVersion: 1,
      enrollmentId: run.id,
      heldOut: false,
      stepId: 'send-sms',
      channel: 'sms',
      value: 42,
      currency: 'EUR',
      revenue: 'counted',
      latencyMs: (3 * 60 + 1) * 60_000,
      sinceTouchMs: 2 * 3_600_000,
      endsRun: false,
    });
    expect(conversion?.touches.map((t) => [t.stepId, t.channel])).toEqual([
      ['send-email', 'email'],
      ['send-sms', 'sms'],
    ]);
    // The SMS the credit goes to is one the provider stand-in holds.
    expect(rt.pinpoint.messages.some((m) => m.channelType === 'SMS')).toBe(true);
  });

  it('records a goal event delivered twice as one conversion', async () => {
    const customerId = pick('c-dup', false);
    const run = await enter(customerId);
    if (!run) throw new Error('not started');
    await sendAt(run, 'send-email', '2025-06-02T12:00:00Z');
    const event = order(customerId, 'o-dup', '2025-06-02T14:00:00Z');
    await orderAt(event);
    await orderAt(event);
    expect(await rt.store.listConversions(customerId)).toHaveLength(1);
  });

  it('ignores an order after the attribution window', async () => {
    const customerId = pick('c-late', false);
    const run = await enter(customerId);
    if (!run) throw new Error('not started');
    await sendAt(run, 'send-email', '2025-06-02T12:00:00Z');
    await orderAt(order(customerId, 'o-late', '2025-06-05T12:00:00Z'));
    expect(await rt.store.listConversions(customerId)).toEqual([]);
  });

  it('keeps the run going and sending when the goal does not end it', async () => {
    const customerId = pick('c-keep', false);
    const run = await enter(customerId);
    if (!run) throw new Error('not started');
    await sendAt(run, 'send-email', '2025-06-02T12:00:00Z');
    await orderAt(order(customerId, 'o-keep', '2025-06-02T12:30:00Z'));
    const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
    expect(execution?.status).toBe('RUNNING');
    const after = await sendAt(run, 'send-sms', '2025-06-02T13:00:00Z');
    expect(after).toMatchObject({ outcome: 'next', detail: { channel: 'sms', sent: true } });
    const [conversion] = await rt.store.listConversions(customerId);
    expect(conversion).toMatchObject({ stepId: 'send-email', channel: 'email', endsRun: false });
  });

  it('records a held-out customer’s order as a conversion of the control group', async () => {
    const customerId = pick('c-held', true);
    expect(await enter(customerId)).toBeUndefined();
    await orderAt(order(customerId, 'o-held', '2025-06-03T10:00:00Z'));
    const [conversion] = await rt.store.listConversions(customerId);
    expect(conversion).toMatchObject({ heldOut: true, touches: [], revenue: 'counted', value: 42 });
    expect(conversion?.stepId).toBeUndefined();
  });

  it('counts an order in another currency as a conversion but refuses its revenue', async () => {
    const customerId = pick('c-usd', false);
    const run = await enter(customerId);
    if (!run) throw new Error('not started');
    await sendAt(run, 'send-email', '2025-06-02T12:00:00Z');
    await orderAt(order(customerId, 'o-usd', '2025-06-02T16:00:00Z', 50, 'USD'));
    const [conversion] = await rt.store.listConversions(customerId);
    expect(conversion).toMatchObject({ value: 50, currency: 'USD', revenue: 'other_currency' });
  });
});
