import { describe, expect, it } from 'vitest';
import { validateProductBatch } from '../../engine/catalog.ts';
import { MAX_FUTURE_SKEW_MS, parseEventTime } from '../../engine/event-time.ts';
import { validateEvent } from '../../engine/events.ts';

const NOW = new Date('2026-06-04T00:00:00.000Z');

const viewed = (overrides: Record<string, unknown> = {}) => ({
  id: 'e1',
  type: 'product_viewed',
  customerId: 'c1',
  time: '2026-06-03T11:00:00Z',
  properties: { productId: 'p1' },
  ...overrides,
});

const orderText = (total: string) =>
  `{"id":"e1","type":"order_placed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"orderId":"o1","items":[{"productId":"p1","quantity":1}],"total":${total},"currency":"EUR"}}`;

function problemsOf(input: unknown, now: Date | undefined = NOW) {
  const result = validateEvent(input, now ? { now } : {});
  return result.ok ? [] : result.problems;
}

describe('event times', () => {
  it.each([
    ['2026-06-03T16:59:00Z', '2026-06-03T16:59:00.000Z'],
    ['2026-06-03T20:29:00+03:30', '2026-06-03T16:59:00.000Z'],
    ['2026-06-03T11:59:00.123456-05:00', '2026-06-03T16:59:00.123Z'],
    ['2026-06-03t16:59:00z', '2026-06-03T16:59:00.000Z'],
    ['2026-06-03T16:59:00-00:00', '2026-06-03T16:59:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-06-04T01:00:00+14:00', '2026-06-03T11:00:00.000Z'],
  ])('accepts %s and stores it as %s', (time, stored) => {
    expect(validateEvent(viewed({ time }), { now: NOW })).toEqual({
      ok: true,
      event: viewed({ time: stored }),
    });
  });

  it.each([
    ['a leap second', '2026-06-30T23:59:60Z', '2026-06-30T23:59:59Z'],
    ['an hour-only offset', '2026-06-03T16:59:00+05', '2026-06-03T16:59:00+05:00'],
    ['an offset without a colon', '2026-06-03T16:59:00+0530', '2026-06-03T16:59:00+05:30'],
    ['no offset', '2026-06-03T16:59:00', '2026-06-03T16:59:00Z'],
    ['a space for T', '2026-06-03 16:59:00Z', '2026-06-03T16:59:00Z'],
    ['a day the month lacks', '2025-02-29T10:00:00Z', 'real date'],
    ['hour 24', '2026-06-03T24:00:00Z', '00–23'],
    ['an offset past 23:59', '2026-06-03T16:59:00+24:00', '+23:59'],
  ])('refuses a time with %s (%s), naming /time and the fix', (_what, time, fix) => {
    expect(parseEventTime(time)).toMatchObject({ ok: false });
    const problems = problemsOf(viewed({ time }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '/time', code: 'invalid_time' });
    expect(problems[0]?.suggestion).toContain(fix);
  });

  it('every accepted time is a real instant (Date.parse reads the stored form)', () => {
    for (const time of ['2026-06-03T20:29:00+03:30', '2026-06-03t16:59:00.5z', '1999-12-31T23:59:59-12:00']) {
      const result = validateEvent(viewed({ time }), { now: NOW });
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(Number.isFinite(Date.parse(result.event.time))).toBe(true);
      expect(result.event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('refuses an event more than five minutes ahead of the server clock, saying by how much and the allowed skew', () => {
    const problems = problemsOf(viewed({ time: '2999-01-01T00:00:00Z' }));
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/time',
        code: 'future_time',
        message: expect.stringContaining('5 minutes'),
      }),
    ]);
    const justOver = new Date(NOW.getTime() + MAX_FUTURE_SKEW_MS + 1000).toISOString();
    expect(problemsOf(viewed({ time: justOver }))).toMatchObject([{ code: 'future_time' }]);
  });

  it('accepts an event up to five minutes ahead (clock skew between producers and us)', () => {
    const within = new Date(NOW.getTime() + MAX_FUTURE_SKEW_MS).toISOString();
    expect(validateEvent(viewed({ time: within }), { now: NOW }).ok).toBe(true);
  });

  it('accepts an event years in the past (a backfill)', () => {
    expect(validateEvent(viewed({ time: '2019-01-01T00:00:00Z' }), { now: NOW }).ok).toBe(true);
  });
});

describe('numbers in an event', () => {
  it.each(['1e400', '-1e400'])('refuses a total of %s (not a finite number) with the field path', (total) => {
    expect(problemsOf(orderText(total))).toEqual([
      expect.objectContaining({ path: '/properties/total', code: 'invalid_number' }),
    ]);
  });

  it('refuses an already-parsed EventBridge detail whose total is Infinity', () => {
    const detail = JSON.parse(orderText('1e400'));
    expect(problemsOf(detail)).toMatchObject([{ path: '/properties/total', code: 'invalid_number' }]);
  });

  it('refuses a number DynamoDB cannot store (1E+126 and more, or below 1E-130)', () => {
    expect(problemsOf(orderText('1e200'))).toMatchObject([
      { path: '/properties/total', code: 'invalid_number' },
    ]);
    expect(problemsOf(orderText('1e-200'))).toMatchObject([
      { path: '/properties/total', code: 'invalid_number' },
    ]);
    expect(problemsOf(orderText('9.99e125'))).toEqual([]);
  });
});

describe('text in an event (I-JSON, RFC 7493)', () => {
  it.each([
    [
      'a lone high surrogate in the id',
      '{"id":"e\\ud800","type":"product_viewed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"productId":"p1"}}',
      '/id',
    ],
    [
      'a lone low surrogate in the customer id',
      '{"id":"e1","type":"product_viewed","customerId":"\\udc00c","time":"2026-06-03T11:00:00Z","properties":{"productId":"p1"}}',
      '/customerId',
    ],
    [
      'a NUL in the id',
      '{"id":"e\\u0000","type":"product_viewed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"productId":"p1"}}',
      '/id',
    ],
    [
      'a NUL in a nested property',
      '{"id":"e1","type":"signed_up","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"profile":{"firstName":"Da\\u0000ra"}}}',
      '/properties/profile/firstName',
    ],
    [
      'a lone surrogate in a key',
      '{"id":"e1","type":"product_viewed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"productId":"p1","\\ud83d":1}}',
      '/properties/\ud83d',
    ],
    [
      'a noncharacter',
      '{"id":"e1","type":"product_viewed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"productId":"p\\uffff"}}',
      '/properties/productId',
    ],
  ])('refuses %s, naming the path', (_what, body, path) => {
    expect(problemsOf(body)).toEqual([expect.objectContaining({ path, code: 'invalid_string' })]);
  });

  it('refuses a member named twice in one object (RFC 7493 §2.3), naming it, but not the same name in two objects', () => {
    const twice =
      '{"id":"e1","type":"signed_up","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"profile":{"consent":{"email":true, "email" :false}}}}';
    expect(problemsOf(twice)).toEqual([
      expect.objectContaining({ path: '/properties/profile/consent/email', code: 'duplicate_key' }),
    ]);
    const apart =
      '{"id":"e1","type":"order_placed","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"orderId":"o\\"id\\"","items":[{"productId":"p1","quantity":1},{"productId":"p2","quantity":1}],"total":1,"currency":"EUR"}}';
    expect(problemsOf(apart)).toEqual([]);
  });

  it('accepts whole astral characters, tabs and new lines', () => {
    const body =
      '{"id":"e\\ud83d\\ude00","type":"signed_up","customerId":"c1","time":"2026-06-03T11:00:00Z","properties":{"profile":{"firstName":"Dara\\t😀\\n"}}}';
    expect(problemsOf(body)).toEqual([]);
  });

  it('refuses the same characters in an already-parsed EventBridge detail', () => {
    expect(problemsOf(viewed({ customerId: 'c\ud800' }))).toMatchObject([
      { path: '/customerId', code: 'invalid_string' },
    ]);
  });
});

describe('catalog bodies share the same reader', () => {
  it('refuses an overflowing price with the product’s path, not a failed write', () => {
    const body =
      '{"products":[{"id":"p1","name":"Mug","price":1e400,"currency":"EUR","imageUrl":"https://s.test/m.png","url":"https://s.test/m"}]}';
    expect(validateProductBatch(body)).toEqual({
      ok: false,
      problems: [expect.objectContaining({ path: '/products/0/price', code: 'invalid_number' })],
    });
  });
});

describe('attribute formats', () => {
  const updated = (birthday: string) => ({
    id: 'e1',
    type: 'profile_updated',
    customerId: 'c1',
    time: '2026-06-03T11:00:00Z',
    properties: { profile: {}, attributes: { birthday } },
  });

  it('accepts a birthday that is a real date, leap day included', () => {
    expect(problemsOf(updated('1992-02-29'))).toEqual([]);
  });

  it('refuses a birthday that is not a real date (the attribute’s format: date), naming the field', () => {
    const problems = problemsOf(updated('1990-02-29'));
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).toContain('birthday');
  });
});
