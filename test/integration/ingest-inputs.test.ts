/**
 * Ingest against inputs nobody here wrote: numbers that overflow, text that is not Unicode, times
 * that are not instants, from the future or from long ago, over HTTP and EventBridge alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { httpEvent, type Runtime, startRuntime, stepRequest } from './support/harness.ts';
import { referenceJourneys } from './support/journeys.ts';

const journeys = referenceJourneys();
const welcome = journeys.find((j) => j.id === 'welcome');
if (!welcome) throw new Error('welcome journey missing');
const NOW = '2025-06-02T12:00:00Z';

const post = (body: string) => httpEvent('POST', { body });
const status = (response: unknown) => (response as { statusCode: number }).statusCode;
const problemsOf = (response: unknown) =>
  (JSON.parse((response as { body: string }).body) as { problems: { path: string; code: string }[] })
    .problems;
/** What the Lambda runtime hands the function: the EventBridge envelope after JSON.parse. */
const bridged = (detailText: string) =>
  JSON.parse(`{"detail-type":"customer event","source":"shop","detail":${detailText}}`) as unknown;

const orderText = (customerId: string, id: string, total: string) =>
  `{"id":"${id}","type":"order_placed","customerId":"${customerId}","time":"2025-06-02T11:00:00Z","properties":{"orderId":"o-${id}","items":[{"productId":"p1","quantity":1}],"total":${total},"currency":"EUR"}}`;

const signUp = (customerId: string, id: string, time: string): CustomerEvent => ({
  id,
  type: 'signed_up',
  customerId,
  time,
  properties: { source: 'web', profile: { email: `${customerId}@example.com`, consent: { email: true } } },
});

const unsubscribed = (customerId: string, id: string, time: string, channel?: string): CustomerEvent => ({
  id,
  type: 'unsubscribed',
  customerId,
  time,
  properties: channel ? { channel } : {},
});

describe('ingest refuses what it cannot store or order, with the reason', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys, now: NOW });
  });
  afterAll(async () => rt?.stop());

  it.each(['1e400', '-1e400'])(
    'answers 400 naming /properties/total for an order total of %s over HTTP, and writes nothing',
    async (total) => {
      const before = await rt.itemCount();
      const response = await rt.ingest(post(orderText('c-inf', 'o-inf', total)));
      expect(status(response)).toBe(400);
      expect(problemsOf(response)).toEqual([
        expect.objectContaining({ path: '/properties/total', code: 'invalid_number' }),
      ]);
      expect(await rt.itemCount()).toBe(before);
    },
  );

  it.each(['1e400', '-1e400'])(
    'refuses an EventBridge order with a total of %s without throwing (no retry), naming the path',
    async (total) => {
      const before = await rt.itemCount();
      const result = await rt.ingest(bridged(orderText('c-inf-eb', 'o-inf-eb', total)));
      expect(result).toMatchObject({
        accepted: false,
        problems: [{ path: '/properties/total', code: 'invalid_number' }],
      });
      expect(await rt.itemCount()).toBe(before);
    },
  );

  it.each([
    ['empty', '', 'not_json'],
    ['null', 'null', 'not_object'],
    ['a list', '[]', 'not_object'],
    [
      'a lone surrogate in the id',
      '{"id":"e\\ud800","type":"product_viewed","customerId":"c1","time":"2025-06-02T11:00:00Z","properties":{"productId":"p1"}}',
      'invalid_string',
    ],
    [
      'a NUL in a nested key',
      '{"id":"e1","type":"signed_up","customerId":"c1","time":"2025-06-02T11:00:00Z","properties":{"profile":{"first\\u0000Name":"x"}}}',
      'invalid_string',
    ],
    [
      'a key given twice',
      '{"id":"e1","type":"product_viewed","customerId":"c1","customerId":"c2","time":"2025-06-02T11:00:00Z","properties":{"productId":"p1"}}',
      'duplicate_key',
    ],
    [
      'a leap second',
      '{"id":"e1","type":"product_viewed","customerId":"c1","time":"2025-06-30T23:59:60Z","properties":{"productId":"p1"}}',
      'invalid_time',
    ],
    [
      'an hour-only offset',
      '{"id":"e1","type":"product_viewed","customerId":"c1","time":"2025-06-02T16:59:00+05","properties":{"productId":"p1"}}',
      'invalid_time',
    ],
  ])('answers 400 for a body that is %s, over HTTP and EventBridge', async (_what, body, code) => {
    const before = await rt.itemCount();
    const response = await rt.ingest(post(body));
    expect(status(response)).toBe(400);
    expect(problemsOf(response)).toContainEqual(expect.objectContaining({ code }));
    // EventBridge hands over `detail` parsed: an empty body cannot be sent, a repeated key is gone.
    if (body !== '' && code !== 'duplicate_key') {
      expect(await rt.ingest(bridged(body))).toMatchObject({ accepted: false, problems: [{ code }] });
    }
    expect(await rt.itemCount()).toBe(before);
  });

  it('answers 400 not_utf8 for a base64-encoded body whose bytes are not UTF-8, and takes one that is', async () => {
    const event = JSON.stringify(signUp('c-bytes', 'signup-bytes', '2025-06-02T11:00:00Z'));
    const latin1 = Buffer.from(event.replace('web', 'caf\u00e9'), 'latin1');
    const response = await rt.ingest({ ...post(''), body: latin1.toString('base64'), isBase64Encoded: true });
    expect(status(response)).toBe(400);
    expect(problemsOf(response)).toEqual([expect.objectContaining({ path: '', code: 'not_utf8' })]);

    const utf8 = Buffer.from(event.replace('web', 'caf\u00e9'), 'utf8');
    const accepted = await rt.ingest({ ...post(''), body: utf8.toString('base64'), isBase64Encoded: true });
    expect(status(accepted)).toBe(202);
    expect((await rt.store.getProfile('c-bytes'))?.consent?.email?.source).toBe('signed_up:caf\u00e9');
  });

  it('refuses a sign-up dated 2999, so the unsubscribe that follows opts the customer out', async () => {
    await rt.ingest(post(JSON.stringify(signUp('c-future', 'signup-f0', '2025-06-02T11:00:00Z'))));
    const future = await rt.ingest(
      post(JSON.stringify(signUp('c-future', 'signup-f1', '2999-01-01T00:00:00Z'))),
    );
    expect(status(future)).toBe(400);
    expect(problemsOf(future)).toEqual([expect.objectContaining({ path: '/time', code: 'future_time' })]);

    const unsubscribe = unsubscribed('c-future', 'unsub-f', '2025-06-02T11:59:00Z', 'email');
    expect(status(await rt.ingest(post(JSON.stringify(unsubscribe))))).toBe(202);
    expect((await rt.store.getProfile('c-future'))?.consent?.email?.status).toBe('opted_out');
  });

  it('lets a genuine unsubscribe win over an accepted opt-in stamped a few minutes ahead', async () => {
    await rt.ingest(post(JSON.stringify(signUp('c-skew', 'signup-s', '2025-06-02T12:04:00Z'))));
    const unsubscribe = unsubscribed('c-skew', 'unsub-s', '2025-06-02T12:01:00Z');
    rt.clock.set('2025-06-02T12:01:00Z');
    try {
      await rt.ingest({ 'detail-type': 'unsubscribed', source: 'shop', detail: unsubscribe });
    } finally {
      rt.clock.set(NOW);
    }
    expect((await rt.store.getProfile('c-skew'))?.consent?.email?.status).toBe('opted_out');
  });

  it('stores an order timed with an offset in UTC, where a `did order_placed` branch sees it', async () => {
    await rt.ingest(post(JSON.stringify(signUp('c-offset', 'signup-o', '2025-06-02T11:00:00Z'))));
    const execution = rt.sfn.executions.find(
      (e) => e.stateMachineArn.endsWith('welcome:live') && e.input.includes('c-offset'),
    );
    const enrollment = JSON.parse(execution?.input ?? '{}').enrollment;
    const order = orderText('c-offset', 'o-offset', '20').replace(
      '2025-06-02T11:00:00Z',
      '2025-06-02T15:10:00+03:30',
    );

    expect(status(await rt.ingest(post(order)))).toBe(202);

    const stored = (await rt.store.listEvents('c-offset')).find((e) => e.id === 'o-offset');
    expect(stored?.time).toBe('2025-06-02T11:40:00.000Z');
    expect(await rt.step(stepRequest(welcome, enrollment, 'check-first-order', 'branch'))).toMatchObject({
      outcome: 'next',
      next: 'send-thank-you',
    });
  });

  it('takes a backfilled sign-up into the profile but starts no welcome journey for it', async () => {
    const response = await rt.ingest(
      post(JSON.stringify(signUp('c-backfill', 'signup-b', '2025-05-01T09:00:00Z'))),
    );

    expect(status(response)).toBe(202);
    expect(JSON.parse((response as { body: string }).body)).toMatchObject({
      started: 0,
      skipped: [{ journeyId: 'welcome', reason: 'backfill' }],
    });
    expect((await rt.store.getProfile('c-backfill'))?.consent?.email).toMatchObject({
      status: 'opted_in',
      at: '2025-05-01T09:00:00.000Z',
    });
    expect(rt.sfn.executions.some((e) => e.input.includes('c-backfill'))).toBe(false);
  });
});
