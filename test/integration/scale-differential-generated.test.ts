/**
 * The differential test on generated worlds (fast-check): customers sign up (at any hour, so quiet
 * hours defer some sends), may order mid-wait (an exit event), and update carts any number of times
 * (re-entry after a cool-down) with orders before or after the wait-for-event's timeout (both ways
 * out of it). Each world runs once in Standard and once in scale mode; the ledgers and the SES
 * stand-in's mailboxes must agree, times compared to the whole second Scheduler's `at()` takes
 * (see scale-differential.test.ts). Kept small: each world starts two local systems.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { Journey } from '../../engine/schema.ts';
import { loadPolicy, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';
import { cartEvent } from './support/harness.ts';
import { unsubscribableEmail } from './support/journeys.ts';

const START = new Date('2026-03-02T00:00:00.000Z');
const MINUTE = 60_000;
const at = (ms: number) => new Date(START.getTime() + ms);
const second = (iso: string | undefined) => (iso ? Math.ceil(Date.parse(iso) / 1000) : undefined);

const message = (subject: string) => ({ category: 'marketing' as const, ...unsubscribableEmail(subject) });

const base = { priority: 60, defaultLocale: 'en', version: 1 } as const;
const JOURNEYS: Journey[] = [
  {
    ...base,
    id: 'nurture',
    name: 'Nurture',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    exit: [{ event: 'order_placed' }],
    start: 'hello',
    steps: {
      hello: { type: 'send', message: 'hello', channels: ['email'], next: 'pause' },
      pause: { type: 'wait', duration: 'PT2H', next: 'follow-up' },
      'follow-up': { type: 'send', message: 'follow-up', channels: ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: { hello: message('Hello'), 'follow-up': message('Follow-up') },
  },
  {
    ...base,
    id: 'cart',
    name: 'Cart',
    entry: { event: 'cart_updated', reentry: { mode: 'after', after: 'PT3H' } },
    start: 'wait-for-order',
    steps: {
      'wait-for-order': {
        type: 'waitForEvent',
        event: 'order_placed',
        timeout: 'PT1H',
        onEvent: 'thanks',
        onTimeout: 'reminder',
      },
      thanks: { type: 'send', message: 'thanks', channels: ['email'], next: 'done' },
      reminder: { type: 'send', message: 'reminder', channels: ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: { thanks: message('Thanks'), reminder: message('Reminder') },
  },
];
// Quiet hours for email too, so that night-time sends are deferred (a short timer in scale mode).
const CONFIG = { ...loadPolicy(), quietHours: { email: { start: '22:00', end: '07:00' } } };

interface Customer {
  signupAt: number;
  orderAfter: number | null;
  carts: number[];
}

const customer: fc.Arbitrary<Customer> = fc.record({
  signupAt: fc.integer({ min: 0, max: 24 * 60 }).map((m) => m * MINUTE),
  orderAfter: fc.option(fc.integer({ min: 1, max: 240 }).map((m) => m * MINUTE)),
  carts: fc.array(
    fc.integer({ min: 1, max: 8 * 60 }).map((m) => m * MINUTE),
    { maxLength: 3 },
  ),
});

function events(customers: Customer[]): CustomerEvent[] {
  return customers.flatMap((c, i) => {
    const id = `g${i}`;
    const list: CustomerEvent[] = [signedUpEvent(id, at(c.signupAt))];
    for (const [k, after] of c.carts.entries())
      list.push(cartEvent(id, `cart-${id}-${k}`, at(c.signupAt + after).toISOString()));
    if (c.orderAfter !== null) {
      list.push({
        id: `order-${id}`,
        type: 'order_placed',
        customerId: id,
        time: at(c.signupAt + c.orderAfter).toISOString(),
        properties: {
          orderId: `o-${id}`,
          items: [{ productId: 'p1', quantity: 1 }],
          total: 20,
          currency: 'EUR',
        },
      });
    }
    return list;
  });
}

async function run(world: CustomerEvent[], execution: 'standard' | 'scale') {
  const system = await startLocalSystem({ start: START, journeys: JOURNEYS, config: CONFIG, execution });
  try {
    await system.stack.ses?.clear();
    for (const event of world) {
      system.clock.at(new Date(event.time), () => system.ingest(event), event.customerId);
    }
    await system.clock.run({ until: at(3 * 24 * 60 * MINUTE) });
    const ledger: LedgerRecord[] = [];
    for (const id of new Set(world.map((e) => e.customerId))) {
      ledger.push(...(await system.clock.track(() => system.stack.store.listLedger(id))));
    }
    const receipts = system.stack.emailReceipts();
    const mail = (await system.stack.ses!.emails()).map((e) =>
      JSON.stringify([
        e.destination.to,
        e.subject,
        second(receipts.find((r) => r.messageId === e.messageId)?.at),
      ]),
    );
    const decisions = ledger
      .filter((l) => l.kind === 'decision' && l.op !== 'schedule')
      .map((l) =>
        JSON.stringify([
          l.customerId,
          l.journeyId,
          l.stepId,
          l.outcome,
          l.channel ?? null,
          second(l.at),
          second((l as { until?: string }).until),
        ]),
      );
    return { decisions: decisions.sort(), mail: mail.sort(), errors: system.clock.errors.length };
  } finally {
    await system.stop();
  }
}

describe('generated worlds in Standard and in scale mode', () => {
  it('make the same decisions and deliver the same emails at the same times', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(customer, { minLength: 2, maxLength: 3 }), async (customers) => {
        const world = events(customers);
        const standard = await run(world, 'standard');
        const scale = await run(world, 'scale');
        expect(standard.mail.length).toBeGreaterThanOrEqual(customers.length);
        expect(standard.errors).toBe(0);
        expect(scale.errors).toBe(0);
        expect(scale.decisions).toEqual(standard.decisions);
        expect(scale.mail).toEqual(standard.mail);
      }),
      { numRuns: 3, seed: 1414 },
    );
  }, 120_000);
});
