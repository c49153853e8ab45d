import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { isHeldOut } from '../../engine/policy/index.ts';
import { cartEvent, httpEvent, type Runtime, startRuntime, stepRequest } from './support/harness.ts';
import { referenceJourneys } from './support/journeys.ts';

const journeys = referenceJourneys();
const cart = journeys.find((j) => j.id === 'cart-abandonment');
if (!cart) throw new Error('cart-abandonment journey missing');

function post(body: unknown) {
  return httpEvent('POST', { body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function bodyOf(response: unknown): Record<string, unknown> {
  return JSON.parse((response as { body: string }).body) as Record<string, unknown>;
}

const signUp = (customerId: string, id: string): CustomerEvent => ({
  id,
  type: 'signed_up',
  customerId,
  time: '2025-06-02T11:00:00Z',
  properties: {
    source: 'web',
    profile: {
      email: `${customerId}@example.com`,
      phone: '(415) 555-0123',
      country: 'US',
      timeZone: 'America/Los_Angeles',
      consent: { email: true, sms: true },
    },
  },
});

const order = (
  customerId: string,
  id: string,
  items: { productId: string; quantity: number }[],
  total: number,
): CustomerEvent => ({
  id,
  type: 'order_placed',
  customerId,
  time: '2025-06-02T12:00:00Z',
  properties: { orderId: `o-${id}`, items, total, currency: 'EUR' },
});

describe('ingest', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys, now: '2025-06-02T12:00:00Z' });
  });
  afterAll(async () => rt?.stop());

  /** Ingests one event: its response, and the AWS calls ingest made for it. */
  const ingestCalls = async (event: CustomerEvent) => {
    const before = rt.awsCalls.calls.length;
    const response = await rt.ingest(post(event));
    return { response, calls: rt.awsCalls.calls.slice(before).filter((c) => c.fn === 'ingest') };
  };

  it.each([
    ['not JSON', '{"id": "e1", ', 'not_json', ''],
    [
      'without a customer id',
      { id: 'e1', type: 'product_viewed', time: '2025-06-02T11:00:00Z', properties: { productId: 'p1' } },
      'invalid',
      '/customerId',
    ],
    [
      'with wrong types',
      {
        id: 'e1',
        type: 'order_placed',
        customerId: 7,
        time: 'yesterday',
        properties: {
          orderId: 'o',
          items: [{ productId: 'p1', quantity: 'two' }],
          total: '5',
          currency: 'EUR',
        },
      },
      'invalid',
      '/properties/items/0/quantity',
    ],
    [
      'oversized',
      {
        id: 'e1',
        type: 'product_viewed',
        customerId: 'c1',
        time: '2025-06-02T11:00:00Z',
        properties: { productId: 'x'.repeat(20_000) },
      },
      'too_large',
      '',
    ],
    [
      'of an unknown type',
      { id: 'e1', type: 'signed_upp', customerId: 'c1', time: '2025-06-02T11:00:00Z', properties: {} },
      'unknown_type',
      '/type',
    ],
  ])('answers 400 with the problems for an event %s, and writes nothing', async (_name, body, code, path) => {
    const before = await rt.itemCount();
    const response = await rt.ingest(post(body));
    expect((response as { statusCode: number }).statusCode).toBe(400);
    const problems = bodyOf(response).problems as { code: string; path: string }[];
    expect(problems).toContainEqual(expect.objectContaining({ code, path }));
    expect(await rt.itemCount()).toBe(before);
  });

  it('lists every problem at once', async () => {
    const response = await rt.ingest(
      post({
        id: 'e1',
        type: 'order_placed',
        customerId: 7,
        time: 'yesterday',
        properties: { orderId: 'o', items: [], total: -1, currency: 'EURO' },
      }),
    );
    const paths = (bodyOf(response).problems as { path: string }[]).map((p) => p.path).sort();
    expect(paths).toEqual([
      '/customerId',
      '/properties/currency',
      '/properties/items',
      '/properties/total',
      '/time',
    ]);
  });

  it('refuses an invalid EventBridge event without throwing and writes nothing', async () => {
    const before = await rt.itemCount();
    const result = await rt.ingest({
      'detail-type': 'customer event',
      source: 'shop',
      detail: { type: 'signed_up' },
    });
    expect(result).toMatchObject({ accepted: false });
    expect(await rt.itemCount()).toBe(before);
  });

  it('creates the profile (phone in E.164) and starts the welcome journey under a deterministic name', async () => {
    const response = await rt.ingest(post(signUp('c-new', 'signup-1')));
    expect((response as { statusCode: number }).statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ accepted: true, duplicate: false, started: 1 });

    const profile = await rt.store.getProfile('c-new');
    expect(profile).toMatchObject({ id: 'c-new', phone: '+14155550123', timeZone: 'America/Los_Angeles' });
    expect(profile?.consent?.sms).toMatchObject({ status: 'opted_in', source: 'signed_up:web' });
    const [execution] = rt.sfn.executions.filter((e) => e.stateMachineArn.endsWith('welcome:live'));
    const input = JSON.parse(execution?.input ?? '{}');
    expect(input.enrollment).toMatchObject({
      customerId: 'c-new',
      journeyId: 'welcome',
      journeyVersion: journeys.find((j) => j.id === 'welcome')!.version,
      event: { id: 'signup-1' },
    });
    expect(execution?.name).toBe(input.enrollment.id);
  });

  it('changes nothing when an event is replayed', async () => {
    const profileBefore = await rt.store.getProfile('c-new');
    const executionsBefore = rt.sfn.executions.length;
    const before = await rt.itemCount();

    const response = await rt.ingest(post(signUp('c-new', 'signup-1')));

    expect(bodyOf(response)).toMatchObject({ accepted: true, duplicate: true, started: 0 });
    expect(await rt.store.getProfile('c-new')).toEqual(profileBefore);
    expect(rt.sfn.executions).toHaveLength(executionsBefore);
    expect(await rt.itemCount()).toBe(before);
  });

  it('stores an event no run reacts to once, processed, as its last write; one a run may react to, before it reads the enrollments', async () => {
    const writesOf = async (event: CustomerEvent) => {
      const { response, calls } = await ingestCalls(event);
      const dynamo = calls
        .filter((c) => c.client === 'DynamoDBClient')
        .map((c) => `${c.operation}${JSON.stringify(c.input).includes('EVENT#') ? ' EVENT#' : ''}`);
      return { body: bodyOf(response), calls: dynamo };
    };
    const viewed: CustomerEvent = {
      id: 'view-once',
      type: 'product_viewed',
      customerId: 'c-new',
      time: '2025-06-02T11:50:00Z',
      properties: { productId: 'p-mug' },
    };
    const profileBefore = await rt.store.getProfile('c-new');
    const first = await writesOf(viewed);
    expect(first.body).toMatchObject({ accepted: true, duplicate: false });
    // A product view cannot change a stored profile: the event is the only write.
    expect(first.calls.filter((c) => !/^(BatchGet|Query)/.test(c))).toEqual(['PutItem EVENT#']);
    expect(await rt.store.getProfile('c-new')).toEqual(profileBefore);
    expect(await rt.store.listEvents('c-new')).toContainEqual(
      expect.objectContaining({ id: 'view-once', type: 'product_viewed' }),
    );
    const again = await writesOf(viewed);
    expect(again.body).toMatchObject({ accepted: true, duplicate: true });
    expect(again.calls).toEqual(['BatchGetItem EVENT#']);

    // An order may end a run or its wait: stored first, marked processed last.
    const ordered = await writesOf(order('c-new', 'order-once', [{ productId: 'p-mug', quantity: 1 }], 8));
    expect(ordered.calls[0]).toBe('BatchGetItem EVENT#');
    expect(ordered.calls[1]).toBe('PutItem EVENT#');
    expect(ordered.calls.at(-1)).toBe('UpdateItem EVENT#');
  });

  it("writes the profile only for an event that can change it, and still creates a new customer's", async () => {
    const profileWrites = async (event: CustomerEvent) =>
      (await ingestCalls(event)).calls.filter(
        (c) => c.operation === 'PutItem' && JSON.stringify(c.input).includes('"PROFILE"'),
      ).length;
    const view = (customerId: string, id: string): CustomerEvent => ({
      id,
      type: 'product_viewed',
      customerId,
      time: '2025-06-02T11:55:00Z',
      properties: { productId: 'p-mug' },
    });
    // A stranger's first event, even a view, creates the profile.
    expect(await profileWrites(view('c-stranger', 'view-stranger'))).toBe(1);
    expect(await rt.store.getProfile('c-stranger')).toMatchObject({ id: 'c-stranger' });

    expect(await profileWrites(signUp('c-viewer', 'signup-viewer'))).toBe(1);
    const signedUp = await rt.store.getProfile('c-viewer');
    expect(await profileWrites(view('c-viewer', 'view-viewer'))).toBe(0);
    expect(await rt.store.getProfile('c-viewer')).toEqual(signedUp);
    // An order changes it: written.
    expect(
      await profileWrites(order('c-viewer', 'order-viewer', [{ productId: 'p-mug', quantity: 1 }], 8)),
    ).toBe(1);
    expect((await rt.store.getProfile('c-viewer'))?.attributes?.ordersCount).toBe(1);
  });

  it('keeps an invalid phone as given, so the send policy can skip SMS with a reason', async () => {
    const event = signUp('c-badphone', 'signup-2');
    (event.properties.profile as Record<string, unknown>).phone = 'call me';
    await rt.ingest(post(event));
    expect((await rt.store.getProfile('c-badphone'))?.phone).toBe('call me');
  });

  it('updates order attributes once and starts one replenishment run per replenishable item (EventBridge)', async () => {
    await rt.store.putProduct({
      id: 'p-coffee',
      name: 'Coffee',
      price: 12,
      currency: 'EUR',
      imageUrl: 'https://shop.test/c.png',
      url: 'https://shop.test/c',
      replenishmentDays: 30,
    });
    await rt.store.putProduct({
      id: 'p-mug',
      name: 'Mug',
      price: 8,
      currency: 'EUR',
      imageUrl: 'https://shop.test/m.png',
      url: 'https://shop.test/m',
    });
    await rt.ingest(post(signUp('c-buyer', 'signup-3')));
    const event = order(
      'c-buyer',
      'order-1',
      [
        { productId: 'p-coffee', quantity: 2 },
        { productId: 'p-mug', quantity: 1 },
      ],
      32,
    );

    const first = await rt.ingest({ 'detail-type': 'order_placed', source: 'shop', detail: event });
    await rt.ingest({ 'detail-type': 'order_placed', source: 'shop', detail: event });

    expect(first).toMatchObject({ accepted: true, started: 1 });
    expect((await rt.store.getProfile('c-buyer'))?.attributes).toMatchObject({
      ordersCount: 1,
      lifetimeValue: 32,
      lastOrderAt: '2025-06-02T12:00:00.000Z',
    });
    const runs = rt.sfn.executions.filter(
      (e) => e.stateMachineArn.endsWith('replenishment-reminder:live') && e.input.includes('c-buyer'),
    );
    expect(runs.map((r) => JSON.parse(r.input).enrollment.productId)).toEqual(['p-coffee']);
  });

  it('stores the enrollments an event starts in one request, before the first run starts', async () => {
    await rt.store.putProduct({
      id: 'p-tea',
      name: 'Tea',
      price: 9,
      currency: 'EUR',
      imageUrl: 'https://shop.test/t.png',
      url: 'https://shop.test/t',
      replenishmentDays: 20,
    });
    await rt.ingest(post(signUp('c-two-runs', 'signup-two')));
    const before = rt.awsCalls.calls.length;
    const event = order(
      'c-two-runs',
      'order-two',
      [
        { productId: 'p-coffee', quantity: 1 },
        { productId: 'p-tea', quantity: 1 },
      ],
      21,
    );
    const answer = bodyOf(await rt.ingest(post(event)));
    const calls = rt.awsCalls.calls.slice(before).filter((c) => c.fn === 'ingest');
    const enrollmentWrites = calls.filter(
      (c) => /Put|Write|Update/.test(c.operation) && JSON.stringify(c.input).includes('ENROLL#'),
    );
    const starts = calls.filter((c) => c.operation === 'StartExecution');

    expect(answer.started).toBeGreaterThanOrEqual(2);
    expect(starts).toHaveLength(answer.started as number);
    expect(enrollmentWrites.map((c) => c.operation)).toEqual(['BatchWriteItem']);
    expect(calls.indexOf(enrollmentWrites[0]!)).toBeLessThan(calls.indexOf(starts[0]!));
    const stored = (await rt.store.listEnrollments('c-two-runs')).filter(
      (r) => r.enrollment.event?.id === 'order-two',
    );
    expect(stored.map((r) => r.status)).toEqual(Array(answer.started).fill('active'));
    expect(stored.map((r) => r.enrollment.id).sort()).toEqual(
      starts.map((c) => String((c.input as { name?: string }).name)).sort(),
    );
  });

  it('stops a running journey when its exit event arrives and resumes a wait for that event once', async () => {
    const customerId = ['c-cart-1', 'c-cart-2', 'c-cart-3', 'c-cart-4'].find(
      (id) => !isHeldOut(cart, id),
    ) as string;
    const cartEvent: CustomerEvent = {
      id: 'cart-1',
      type: 'cart_updated',
      customerId,
      time: '2025-06-02T11:30:00Z',
      properties: {
        cartId: 'k1',
        items: [{ productId: 'p-mug', quantity: 1 }],
        total: 8,
        currency: 'EUR',
        cartUrl: 'https://shop.test/cart',
      },
    };
    await rt.ingest(post(cartEvent));
    const execution = rt.sfn.executions.find(
      (e) => e.stateMachineArn.endsWith('cart-abandonment:live') && e.input.includes(customerId),
    );
    expect(execution?.status).toBe('RUNNING');
    const enrollment = JSON.parse(execution?.input ?? '{}').enrollment;
    await rt.step({
      ...stepRequest(cart, enrollment, 'wait-for-order', 'waitForEvent'),
      taskToken: 'task-token-1',
    });

    const purchase = order(customerId, 'order-9', [{ productId: 'p-mug', quantity: 1 }], 8);
    await rt.ingest(post(purchase));
    await rt.ingest(post(purchase));

    expect(execution?.status).toBe('ABORTED');
    expect(rt.sfn.taskSuccesses).toEqual([
      { taskToken: 'task-token-1', output: { outcome: 'next', next: 'ordered', eventId: 'order-9' } },
    ]);
    const [record] = (await rt.store.listEnrollments(customerId)).filter(
      (r) => r.enrollment.journeyId === 'cart-abandonment',
    );
    expect(record).toMatchObject({ status: 'stopped', reason: 'exit_event:order_placed' });
  });

  it('reads the wait tokens only while a run of the customer may be waiting for that event type', async () => {
    const customerId = ['c-waits-1', 'c-waits-2', 'c-waits-3', 'c-waits-4'].find(
      (id) => !isHeldOut(cart, id),
    ) as string;
    const tokenQueries = async (event: CustomerEvent) =>
      (await ingestCalls(event)).calls.filter(
        (c) => c.operation === 'Query' && JSON.stringify(c.input).includes('WAIT#'),
      ).length;
    const viewed = (id: string): CustomerEvent => ({
      id,
      type: 'product_viewed',
      customerId,
      time: '2025-06-02T11:40:00Z',
      properties: { productId: 'p-mug' },
    });
    // No run yet: nothing can be waiting.
    expect(await tokenQueries(order(customerId, 'order-w0', [{ productId: 'p-mug', quantity: 1 }], 8))).toBe(
      0,
    );
    // The cart journey starts, and its run waits for an order (the wait-for-order step) …
    expect(await tokenQueries(cartEvent(customerId, 'cart-w1', '2025-06-02T11:30:00Z'))).toBe(0);
    // … but not for a product view: no Query for that type.
    expect(await tokenQueries(viewed('view-w1'))).toBe(0);
    // An order may end its wait: ingest reads the tokens.
    expect(await tokenQueries(order(customerId, 'order-w1', [{ productId: 'p-mug', quantity: 1 }], 8))).toBe(
      1,
    );
  });

  it('opts the customer out and ends the welcome journey on an unsubscribed event', async () => {
    await rt.ingest(post(signUp('c-leaver', 'signup-l')));
    const execution = rt.sfn.executions.find(
      (e) => e.stateMachineArn.endsWith('welcome:live') && e.input.includes('c-leaver'),
    );
    expect(execution?.status).toBe('RUNNING');

    await rt.ingest(
      post({
        id: 'unsub-l',
        type: 'unsubscribed',
        customerId: 'c-leaver',
        time: '2025-06-02T11:30:00Z',
        properties: { channel: 'email' },
      }),
    );

    expect(execution?.status).toBe('ABORTED');
    const profile = await rt.store.getProfile('c-leaver');
    expect(profile?.consent?.email).toMatchObject({ status: 'opted_out', source: 'unsubscribed_event' });
    expect(profile?.consent?.sms?.status).toBe('opted_in');
  });

  it('resumes a wait whose event arrived just before the wait stored its token, exactly once', async () => {
    const customerId = ['c-early-1', 'c-early-2', 'c-early-3', 'c-early-4'].find(
      (id) => !isHeldOut(cart, id),
    ) as string;
    await rt.ingest(
      post({
        id: 'cart-e',
        type: 'cart_updated',
        customerId,
        time: '2025-06-02T11:59:30Z',
        properties: {
          cartId: 'k',
          items: [{ productId: 'p-mug', quantity: 1 }],
          total: 8,
          currency: 'EUR',
          cartUrl: 'https://shop.test/cart',
        },
      }),
    );
    const execution = rt.sfn.executions.find(
      (e) => e.stateMachineArn.endsWith('cart-abandonment:live') && e.input.includes(customerId),
    );
    const enrollment = JSON.parse(execution?.input ?? '{}').enrollment;
    // The order lands first (no token stored yet, so ingest resumes nothing) …
    await rt.ingest(
      post({
        ...order(customerId, 'order-early', [{ productId: 'p-mug', quantity: 1 }], 8),
        time: '2025-06-02T11:59:50Z',
      }),
    );
    const before = rt.sfn.taskSuccesses.length;
    // … then the wait registers its token and finds the order already there.
    await rt.step({
      ...stepRequest(cart, enrollment, 'wait-for-order', 'waitForEvent'),
      taskToken: 'task-token-early',
    });
    await rt.ingest(
      post({
        ...order(customerId, 'order-early', [{ productId: 'p-mug', quantity: 1 }], 8),
        time: '2025-06-02T11:59:50Z',
      }),
    );

    expect(rt.sfn.taskSuccesses.slice(before)).toEqual([
      { taskToken: 'task-token-early', output: { outcome: 'next', next: 'ordered', eventId: 'order-early' } },
    ]);
  });

  it('records a held-out customer in the ledger and starts nothing for them', async () => {
    const customerId = Array.from({ length: 200 }, (_, i) => `c-hold-${i}`).find((id) =>
      isHeldOut(cart, id),
    ) as string;
    const before = rt.sfn.executions.length;
    await rt.ingest(
      post({
        id: 'cart-h',
        type: 'cart_updated',
        customerId,
        time: '2025-06-02T11:30:00Z',
        properties: { cartId: 'k', items: [], total: 5, currency: 'EUR', cartUrl: 'https://shop.test/cart' },
      }),
    );
    expect(rt.sfn.executions).toHaveLength(before);
    expect(await rt.store.listLedger(customerId)).toEqual([
      expect.objectContaining({ kind: 'holdout', journeyId: 'cart-abandonment', variant: 'holdout' }),
    ]);
  });

  it('answers and records an order for a product the catalog does not have as unknown_product, with its id', async () => {
    await rt.store.putProduct({
      id: 'p-known',
      name: 'Known',
      price: 5,
      currency: 'EUR',
      imageUrl: 'https://shop.test/k.png',
      url: 'https://shop.test/k',
      replenishmentDays: 20,
    });
    const event = order(
      'c-catalog-gap',
      'order-gap-1',
      [
        { productId: 'p-known', quantity: 1 },
        { productId: 'p-not-loaded', quantity: 1 },
      ],
      10,
    );

    const response = await rt.ingest(post(event));

    expect(bodyOf(response)).toMatchObject({ accepted: true, started: 1 });
    expect(bodyOf(response).skipped).toEqual([
      { journeyId: 'replenishment-reminder', reason: 'unknown_product', productId: 'p-not-loaded' },
    ]);
    const runs = rt.sfn.executions.filter((e) => e.input.includes('c-catalog-gap'));
    expect(runs.map((r) => JSON.parse(r.input).enrollment.productId)).toEqual(['p-known']);
    expect(await rt.store.listLedger('c-catalog-gap')).toEqual([
      expect.objectContaining({
        kind: 'entry',
        outcome: 'skipped',
        reasons: ['unknown_product'],
        journeyId: 'replenishment-reminder',
        journeyVersion: journeys.find((j) => j.id === 'replenishment-reminder')!.version,
        facts: { eventId: 'order-gap-1', productId: 'p-not-loaded' },
      }),
    ]);
  });

  it('writes the unknown-product record once when the same order is processed again', async () => {
    const event = order('c-catalog-gap-2', 'order-gap-2', [{ productId: 'p-still-missing', quantity: 1 }], 3);
    await rt.ingest(post(event));
    const replay = bodyOf(await rt.ingest(post(event)));
    expect(replay).toMatchObject({ duplicate: true });
    expect(await rt.store.listLedger('c-catalog-gap-2')).toHaveLength(1);
  });
});
