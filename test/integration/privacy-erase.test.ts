/**
 * Erasing customers in the running system (local runner, simulated clock, real SDK clients against
 * dynalite, aws-ses-v2-local and the Pinpoint sink): during a wait, during a wait-for-event and
 * during a send; then their replayed and late events, a re-consent, and a scan of the whole table.
 * What reached each customer is read from the stand-ins' own stores, never from our ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { DynamoPrivacy } from '../../functions/adapters/dynamo-privacy.ts';
import { createPseudonymiser } from '../../functions/app/pseudonym.ts';
import { AwsCallRecorder } from '../../local/aws-calls.ts';
import { LOCAL_FROM, LOCAL_PINPOINT_APP } from '../../local/stack.ts';
import { LOCAL_PRIVACY_KEY, type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { assertAllowed, DEPLOYED_STATE_MACHINE_PREFIX } from '../iam/support/deployed.ts';
import { scanTable } from './support/local-system.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (ms: number) => new Date(START.getTime() + ms);
const pseudonymiser = createPseudonymiser(LOCAL_PRIVACY_KEY);

/** A customer with every kind of address: email, phone and a push token, all consented. */
let people = 0;
function person(id: string) {
  people += 1;
  return {
    id,
    email: `${id}@example.com`,
    phone: `+44770090${String(people).padStart(4, '0')}`,
    token: `push-token-${id}-0123456789abcdef`,
    firstName: `Zed${id.replace(/[^a-z]/g, '')}`,
  };
}

function signedUp(p: ReturnType<typeof person>, time: Date): CustomerEvent {
  return {
    id: `signup-${p.id}`,
    type: 'signed_up',
    customerId: p.id,
    time: time.toISOString(),
    properties: {
      profile: {
        email: p.email,
        phone: p.phone,
        firstName: p.firstName,
        locale: 'en',
        timeZone: 'Europe/London',
        pushToken: { platform: 'GCM', token: p.token },
        consent: { email: true, sms: true, push: true },
      },
    },
  };
}

function cartUpdated(p: ReturnType<typeof person>, time: Date): CustomerEvent {
  return {
    id: `cart-${p.id}`,
    type: 'cart_updated',
    customerId: p.id,
    time: time.toISOString(),
    properties: {
      cartId: `cart-${p.id}`,
      items: [{ productId: 'sku-coffee', quantity: 1, price: 12 }],
      total: 12,
      currency: 'EUR',
      cartUrl: 'https://shop.example/cart',
    },
  };
}

function orderPlaced(p: ReturnType<typeof person>, time: Date, id = `order-${p.id}`): CustomerEvent {
  return {
    id,
    type: 'order_placed',
    customerId: p.id,
    time: time.toISOString(),
    properties: {
      orderId: id,
      items: [{ productId: 'sku-coffee', quantity: 1 }],
      total: 12,
      currency: 'EUR',
    },
  };
}

const http = (event: CustomerEvent) => ({
  version: '2.0',
  rawPath: '/events',
  requestContext: { http: { method: 'POST' } },
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event),
  isBase64Encoded: false,
});

const inWait = person('erase-in-wait');
const inWaitForEvent = person('erase-in-wfe');
const inSend = person('erase-in-send');
const kept = person('kept-customer');

describe('erasing customers while their journeys run', () => {
  let system: LocalSystem;
  const recorder = new AwsCallRecorder();
  const erasedAt = new Map<string, number>();
  const answers: Record<string, { statusCode: number; body?: string }> = {};
  let items: Record<string, unknown>[];
  let sendErasure: Promise<unknown> | undefined;

  beforeAll(async () => {
    system = await startLocalSystem({
      start: START,
      validateDefinitions: false,
      awsCalls: {
        recorder,
        stateMachineArn: (journeyId) => `${DEPLOYED_STATE_MACHINE_PREFIX}${journeyId}:live`,
      },
      // The erasure of `inSend` starts while its welcome email is in flight: SES has accepted it,
      // the step Lambda has not yet recorded it.
      onSent: (sent) => {
        if (sent.channel === 'email' && sent.message.to.includes(inSend.email) && !sendErasure) {
          erasedAt.set(inSend.id, Date.now());
          sendErasure = system.clock.track(() => system.erase(inSend.id));
        }
      },
    });
    const sys = system;
    await sys.clock.track(() =>
      sys.catalog({
        version: '2.0',
        rawPath: '/products',
        requestContext: { http: { method: 'PUT' } },
        body: JSON.stringify({
          products: [
            {
              id: 'sku-coffee',
              name: 'Coffee',
              price: 12,
              currency: 'EUR',
              imageUrl: 'https://shop.example/c.png',
              url: 'https://shop.example/c',
              replenishmentDays: 30,
            },
          ],
        }),
      }),
    );
    for (const p of [inWait, inSend, kept])
      sys.clock.at(at(MINUTE), () => sys.ingest(signedUp(p, at(MINUTE))), p.id);
    sys.clock.at(
      at(2 * MINUTE),
      () => sys.ingest(signedUp(inWaitForEvent, at(2 * MINUTE))),
      inWaitForEvent.id,
    );
    sys.clock.at(
      at(3 * MINUTE),
      () => sys.ingest(cartUpdated(inWaitForEvent, at(3 * MINUTE))),
      inWaitForEvent.id,
    );
    // In the welcome journey's two-day wait; in the cart journey's one-hour wait for an order.
    sys.clock.at(at(HOUR), async () => {
      erasedAt.set(inWait.id, Date.now());
      answers.inWait = await sys.erase(inWait.id);
    });
    sys.clock.at(at(20 * MINUTE), async () => {
      erasedAt.set(inWaitForEvent.id, Date.now());
      answers.inWaitForEvent = await sys.erase(inWaitForEvent.id);
    });
    // After the erasure: a replay of the sign-up, a late order, and the same address under a new id.
    sys.clock.at(at(2 * HOUR), async () => {
      answers.replay = (await sys.ingestHttp(http(signedUp(inWait, at(MINUTE))))) as never;
      answers.late = (await sys.ingestHttp(http(orderPlaced(inWaitForEvent, at(30 * MINUTE))))) as never;
      answers.newId = (await sys.ingestHttp(
        http({ ...signedUp(inWait, at(2 * HOUR)), id: 'signup-again', customerId: 'someone-new' }),
      )) as never;
    });
    await sys.clock.run({ until: at(5 * 24 * HOUR) });
    answers.inSend = (await sendErasure) as never;
    // A request again once the send in flight has finished: it sweeps what that send wrote after.
    answers.inSendAgain = await sys.clock.track(() => sys.erase(inSend.id));
    answers.inWaitAgain = await sys.clock.track(() => sys.erase(inWait.id));
    items = await scanTable(sys);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('answers every erasure with the pseudonym and status erased', () => {
    // The erasure that began while the welcome email to `inSend` was in flight also finished.
    expect(sendErasure).toBeDefined();
    for (const key of ['inWait', 'inWaitForEvent', 'inSend', 'inSendAgain', 'inWaitAgain']) {
      expect(answers[key]?.statusCode, key).toBe(200);
      expect(JSON.parse(answers[key]!.body!).status, key).toBe('erased');
    }
    const first = JSON.parse(answers.inWait!.body!);
    expect(first.pseudonym).toBe(pseudonymiser.pseudonym(inWait.id));
    expect(first.counts).toMatchObject({ events: 1, enrolments: 1, ledger: expect.any(Number), profile: 1 });
    expect(first.pending).toEqual([]);
  });

  it('sends nothing to an erased customer after the erasure, on any channel (SES store, Pinpoint sink)', async () => {
    const emails = await system.clock.track(() => system.stack.ses!.emails());
    const receipts = system.stack.emailReceipts();
    const arrivedAt = (messageId: string) => Date.parse(receipts.find((r) => r.messageId === messageId)!.at);
    for (const p of [inWait, inWaitForEvent, inSend]) {
      const mine = emails.filter((e) => e.destination.to.some((to) => to.includes(p.email)));
      expect(
        mine.every((e) => arrivedAt(e.messageId) <= erasedAt.get(p.id)!),
        p.id,
      ).toBe(true);
      const pushed = system.stack.pinpoint.messages.filter(
        (m) => m.address === p.phone || m.address === p.token,
      );
      expect(
        pushed.every((m) => Date.parse(m.at) <= erasedAt.get(p.id)!),
        p.id,
      ).toBe(true);
    }
    // The welcome went out before each erasure; the cart reminder (due at +1h) never did.
    expect(emails.filter((e) => e.destination.to.some((to) => to.includes(inWait.email)))).toHaveLength(1);
    const cartPush = system.stack.pinpoint.messages.filter(
      (m) => m.address === inWaitForEvent.token && m.context?.journey === 'cart-abandonment',
    );
    expect(cartPush).toEqual([]);
  });

  it('keeps serving a customer who was not erased: the thank-you or offer two days later arrives', async () => {
    const emails = await system.clock.track(() => system.stack.ses!.emails());
    const theirs = emails.filter((e) => e.destination.to.some((to) => to.includes(kept.email)));
    expect(theirs.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a replayed and a late event with 409 customer_erased, and the same address under a new id', () => {
    for (const key of ['replay', 'late', 'newId']) {
      expect(answers[key]?.statusCode, key).toBe(409);
      expect(JSON.parse(answers[key]!.body!).problems[0].code, key).toBe('customer_erased');
    }
  });

  it('leaves no address, phone, push token, name or customer id of an erased customer anywhere in the table', () => {
    for (const p of [inWait, inWaitForEvent, inSend]) {
      const found = items.filter((item) => {
        const text = JSON.stringify(item);
        return [p.id, p.email, p.phone, p.token, p.firstName].some((secret) => text.includes(secret));
      });
      expect(
        found.map((i) => `${i.pk} ${i.sk}`),
        p.id,
      ).toEqual([]);
    }
    // The control: the kept customer's data is all still there.
    expect(items.some((i) => JSON.stringify(i).includes(kept.email))).toBe(true);
  });

  it('keeps the erased customers’ decisions for aggregates, under the pseudonym and without personal data', async () => {
    const privacy = new DynamoPrivacy({
      client: system.stack.dynamo.client,
      tableName: system.stack.dynamo.tableName,
    });
    const ledger = await system.clock.track(() =>
      privacy.anonymousLedger(pseudonymiser.pseudonym(inWait.id)),
    );
    const sent = ledger.filter((r) => r.kind === 'decision' && r.outcome === 'sent');
    expect(sent.map((r) => [r.journeyId, r.stepId, r.channel])).toEqual([
      ['welcome', 'send-welcome', 'email'],
    ]);
    expect(sent[0]!.providerMessageId).toEqual(expect.any(String));
    expect(sent[0]!.zone).toBeUndefined();
  });

  it('writes one audit record per erasure, naming the pseudonym and counts only', () => {
    const audits = items.filter((i) => i.pk === 'AUDIT#erasure');
    expect(audits).toHaveLength(3);
    const ofInWait = audits.find(
      (a) => (a.audit as { pseudonym: string }).pseudonym === pseudonymiser.pseudonym(inWait.id),
    );
    expect((ofInWait?.audit as { requests: number } | undefined)?.requests).toBe(2);
  });

  it('makes only calls the deployed roles allow (StopExecution and DeleteItem included)', async () => {
    const privacyCalls = recorder.calls.filter((c) => c.fn === 'privacy');
    expect(new Set(privacyCalls.map((c) => c.operation))).toEqual(
      new Set(['GetItem', 'PutItem', 'Query', 'DeleteItem', 'StopExecution']),
    );
    await assertAllowed(recorder.calls, {
      journeys: system.journeys,
      fromAddress: LOCAL_FROM,
      tableName: system.stack.dynamo.tableName,
      configurationSetName: 'herald',
      pinpointAppId: LOCAL_PINPOINT_APP,
    });
  });
});

describe('a re-consent after an erasure', () => {
  let system: LocalSystem;
  const p = person('comes-back');
  const answers: { statusCode: number; body?: string }[] = [];

  beforeAll(async () => {
    system = await startLocalSystem({ start: START, validateDefinitions: false });
    const sys = system;
    sys.clock.at(at(MINUTE), () => sys.ingest(signedUp(p, at(MINUTE))), p.id);
    sys.clock.at(at(HOUR), async () => {
      await sys.erase(p.id);
      answers.push((await sys.ingestHttp(http(orderPlaced(p, at(HOUR))))) as never);
      const renewed: CustomerEvent = {
        id: 'renewed-1',
        type: 'consent_renewed',
        customerId: p.id,
        time: at(HOUR).toISOString(),
        properties: { source: 'support_desk', profile: { email: p.email, consent: { email: true } } },
      };
      answers.push((await sys.ingestHttp(http(renewed))) as never);
      answers.push((await sys.ingestHttp(http(orderPlaced(p, at(HOUR), 'order-after')))) as never);
    });
    await sys.clock.run({ until: at(2 * HOUR) });
  }, 60_000);
  afterAll(async () => system?.stop());

  it('refuses events until consent_renewed, then accepts them and builds the profile anew', async () => {
    expect(answers.map((a) => a.statusCode)).toEqual([409, 202, 202]);
    const profile = await system.clock.track(() => system.stack.store.getProfile(p.id));
    expect(profile?.email).toBe(p.email);
    expect(profile?.firstName).toBeUndefined();
    expect(profile?.attributes?.ordersCount).toBe(1);
  });
});
