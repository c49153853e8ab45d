/**
 * State input/output ≤ 256 KiB (262,144 bytes of UTF-8, engine/limits.ts) with the biggest event
 * the published schema accepts: the largest cart, order and sign-up ingest lets through are run
 * through the compiled reference journeys (aws-local-stepfunctions), and the largest state input,
 * output, Task request and Task answer are measured.
 */
import { describe, expect, it } from 'vitest';
import { compileJourney } from '../../engine/compile/index.ts';
import type { Enrollment, EventArrivedOutput, StepResult } from '../../engine/contract.ts';
import { type CustomerEvent, MAX_EVENT_BYTES } from '../../engine/data.ts';
import { validateEvent } from '../../engine/events.ts';
import { LAMBDA_SYNC_PAYLOAD_MAX_BYTES, STATE_PAYLOAD_MAX_BYTES } from '../../engine/limits.ts';
import { enrollmentId } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { runAsl, type TaskStub, timeoutError } from '../helpers/asl-runner.ts';
import { loadReference } from './compile.fixtures.ts';

/** 4 bytes of UTF-8 per character: the most bytes a `maxLength` in characters lets through. */
const wide = (chars: number) => '😀'.repeat(chars);
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/**
 * As many characters as `Number.MAX_VALUE` (23), inside the range ingest accepts: DynamoDB keeps no
 * number of magnitude 1E+126 or more (engine/json-body.ts).
 */
const LONGEST_NUMBER = 1.2345678901234567e-100;

const envelope = (type: string, properties: Record<string, unknown>): CustomerEvent => ({
  id: wide(128),
  type,
  customerId: wide(128),
  time: '2026-03-02T08:00:00.000+03:30',
  properties,
});

/** Adds line items (each as large as the schema allows) while the event stays within MAX_EVENT_BYTES. */
function largest(type: string, properties: Record<string, unknown>): CustomerEvent {
  const items: unknown[] = [];
  const event = envelope(type, { ...properties, items });
  const item = (chars: number) => ({ productId: wide(chars), quantity: 10_000, price: LONGEST_NUMBER });
  while (items.length < 100) {
    items.push(item(128));
    if (bytes(event) > MAX_EVENT_BYTES) {
      items.pop();
      // Fill the last bytes with a shorter product id.
      for (let chars = 127; chars >= 1; chars--) {
        items.push(item(chars));
        if (bytes(event) <= MAX_EVENT_BYTES) break;
        items.pop();
      }
      break;
    }
  }
  return event;
}

const LARGEST: Record<string, CustomerEvent> = {
  cart_updated: largest('cart_updated', {
    cartId: wide(128),
    total: LONGEST_NUMBER,
    currency: 'EUR',
    cartUrl: wide(2048),
  }),
  order_placed: largest('order_placed', { orderId: wide(128), total: LONGEST_NUMBER, currency: 'EUR' }),
  signed_up: envelope('signed_up', {
    source: wide(64),
    profile: {
      email: wide(320),
      phone: wide(32),
      firstName: wide(100),
      lastName: wide(100),
      locale: wide(35),
      timeZone: wide(64),
      country: wide(2),
      preferredChannel: 'email',
      pushToken: { platform: 'APNS', token: wide(1500) },
      consent: { email: true, sms: true, push: true },
    },
  }),
};

/** Walks any journey: sends defer once then go on, waits end at once, waits for events time out. */
function walker(journey: Journey): TaskStub {
  const deferred = new Set<string>();
  const past = '2020-03-05T10:00:00.000Z';
  return (request): StepResult | EventArrivedOutput => {
    const step = journey.steps[request.stepId];
    switch (step?.type) {
      case 'send':
        if (!deferred.has(request.stepId)) {
          deferred.add(request.stepId);
          return { outcome: 'defer', until: past, reason: 'quiet_hours', detail: { channel: 'sms' } };
        }
        return { outcome: 'next', next: step.next, until: past, detail: { channel: 'email', sent: true } };
      case 'branch':
        return { outcome: 'next', next: step.otherwise, until: past, detail: { branch: 'otherwise' } };
      case 'split':
        return {
          outcome: 'next',
          next: step.arms[0]!.next,
          until: past,
          detail: { arm: step.arms[0]!.name },
        };
      case 'update':
        return { outcome: 'next', next: step.next, until: past };
      case 'wait':
        return { outcome: 'wait', until: past };
      case 'waitForEvent':
        throw timeoutError();
      default:
        return { outcome: 'exit', reason: 'unexpected' };
    }
  };
}

describe('state payloads with the largest events the schema accepts', () => {
  it.each(Object.entries(LARGEST))('a maximal %s event is accepted by ingest', (_type, event) => {
    const validation = validateEvent(JSON.stringify(event));
    expect(validation.ok, JSON.stringify(validation)).toBe(true);
    expect(bytes(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });

  it('the cart and order events are as large as ingest allows (the byte bound, not maxItems, binds)', () => {
    for (const type of ['cart_updated', 'order_placed'])
      expect(bytes(LARGEST[type])).toBeGreaterThan(MAX_EVENT_BYTES - 600);
  });

  it('an event a byte over the bound is refused with a 4xx reason, before any execution', () => {
    const event = LARGEST.order_placed!;
    const over = JSON.stringify(event) + ' '.repeat(MAX_EVENT_BYTES - bytes(event) + 1);
    expect(validateEvent(over)).toMatchObject({ ok: false, problems: [{ code: 'too_large' }] });
  });

  it.each(['cart-abandonment', 'replenishment-reminder', 'welcome'])(
    '%s: every state input, output, Lambda request and answer stays far below 256 KiB',
    async (id) => {
      const journey = loadReference(id);
      const event = LARGEST[journey.entry.event ?? '']!;
      const productId = journey.entry.forEachItem
        ? (event.properties.items as { productId: string }[])[0]!.productId
        : undefined;
      const enrollment: Enrollment = {
        id: enrollmentId(journey, event.customerId, event.id, productId),
        customerId: event.customerId,
        journeyId: journey.id,
        journeyVersion: journey.version,
        enteredAt: '2026-03-02T08:00:00.000Z',
        event,
        ...(productId ? { productId } : {}),
      };
      const run = await runAsl(compileJourney(journey), { enrollment }, walker(journey));

      expect(run.requests.length).toBeGreaterThan(2);
      // What a state carries is the enrollment (its event ≤ MAX_EVENT_BYTES) and one small result:
      // nothing accumulates from step to step.
      expect(run.largestPayloadBytes).toBeLessThanOrEqual(MAX_EVENT_BYTES + 2048);
      expect(run.largestPayloadBytes).toBeLessThan(STATE_PAYLOAD_MAX_BYTES);
      expect(run.largestPayloadBytes).toBeLessThan(LAMBDA_SYNC_PAYLOAD_MAX_BYTES);
    },
  );

  it('the event bound leaves the state limit its margin', () => {
    // An event, its enrollment and a step result, with room for a Task token (≤ 2,048 characters,
    // SendTaskSuccess `taskToken`) and the request's other fields.
    expect(MAX_EVENT_BYTES + 2048 + 2048).toBeLessThan(STATE_PAYLOAD_MAX_BYTES / 8);
  });
});
