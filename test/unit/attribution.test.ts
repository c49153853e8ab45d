import { describe, expect, it } from 'vitest';
import { attributionSince, conversionsFor, type RunOfCustomer } from '../../engine/attribution.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { Journey } from '../../engine/schema.ts';

const journey = (goal: Journey['goal']): Journey =>
  ({
    id: 'cart',
    version: 2,
    name: 'Cart',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'cart_updated', reentry: { mode: 'always' } },
    ...(goal ? { goal } : {}),
    start: 'done',
    steps: { done: { type: 'exit' } },
    messages: {},
  }) as Journey;

const entry: CustomerEvent = {
  id: 'cart-1',
  type: 'cart_updated',
  customerId: 'c1',
  time: '2025-06-01T10:00:00Z',
  properties: {},
};
const run = (id = 'run-1', enteredAt = '2025-06-01T10:00:00Z'): Enrollment => ({
  id,
  customerId: 'c1',
  journeyId: 'cart',
  journeyVersion: 2,
  enteredAt,
  event: entry,
});
const order = (
  time: string,
  properties: Record<string, unknown> = { total: 40, currency: 'EUR' },
  id = 'o1',
) => ({ id, type: 'order_placed', customerId: 'c1', time, properties }) as CustomerEvent;

const sent = (
  at: string,
  stepId: string,
  channel: 'email' | 'sms' | 'push',
  extra: Partial<LedgerRecord> = {},
) =>
  ({
    id: `decision#x:run-1#${stepId}#1`,
    kind: 'decision',
    at,
    customerId: 'c1',
    outcome: 'sent',
    reasons: [],
    journeyId: 'cart',
    journeyVersion: 2,
    stepId,
    op: 'send',
    channel,
    executionId: 'arn:aws:states:r:a:execution:herald-cart:run-1',
    ...extra,
  }) as LedgerRecord;

const GOAL = { event: 'order_placed', within: 'P7D' };
const treated: RunOfCustomer[] = [{ enrollment: run(), heldOut: false }];
const ledger = [
  sent('2025-06-01T11:00:00Z', 'send-reminder', 'email'),
  sent('2025-06-02T11:00:00Z', 'send-offer', 'sms', { variant: 'discount' }),
  sent('2025-06-05T11:00:00Z', 'send-last', 'push'),
];

describe('attribution of a goal event', () => {
  it.each([
    [
      'credits the last message before the order (across channels and steps)',
      '2025-06-03T09:00:00Z',
      'send-offer',
      'sms',
      2,
    ],
    [
      'credits the first message when the order came between the first and second',
      '2025-06-01T20:00:00Z',
      'send-reminder',
      'email',
      1,
    ],
    ['credits the third message when all three came before', '2025-06-06T09:00:00Z', 'send-last', 'push', 3],
    [
      'credits nothing when the order came before any message',
      '2025-06-01T10:30:00Z',
      undefined,
      undefined,
      0,
    ],
    ['counts an order exactly at the window end', '2025-06-08T10:00:00Z', 'send-last', 'push', 3],
  ])('%s', (_name, time, stepId, channel, touches) => {
    const [c] = conversionsFor({ event: order(time), runs: treated, journeyOf: () => journey(GOAL), ledger });
    expect(c).toBeDefined();
    expect(c?.stepId).toBe(stepId);
    expect(c?.channel).toBe(channel);
    expect(c?.touches).toHaveLength(touches);
    expect(c?.heldOut).toBe(false);
  });

  it.each([
    ['after the window', '2025-06-08T10:00:01Z'],
    ['before entry', '2025-06-01T09:59:59Z'],
  ])('records nothing for an order %s', (_name, time) => {
    expect(
      conversionsFor({ event: order(time), runs: treated, journeyOf: () => journey(GOAL), ledger }),
    ).toEqual([]);
  });

  it('records nothing for a journey without a goal, or whose goal is another event', () => {
    const at = '2025-06-02T12:00:00Z';
    expect(
      conversionsFor({ event: order(at), runs: treated, journeyOf: () => journey(undefined), ledger }),
    ).toEqual([]);
    const other = journey({ event: 'subscribed', within: 'P7D' });
    expect(conversionsFor({ event: order(at), runs: treated, journeyOf: () => other, ledger })).toEqual([]);
  });

  it('never counts the event that started the run', () => {
    const self = { ...entry, type: 'order_placed' };
    const j = { ...journey(GOAL), entry: { event: 'order_placed', reentry: { mode: 'always' } } } as Journey;
    const runs = [{ enrollment: { ...run(), event: self }, heldOut: false }];
    expect(conversionsFor({ event: self, runs, journeyOf: () => j, ledger: [] })).toEqual([]);
  });

  it('records a held-out run the same way, with no message to credit', () => {
    const [c] = conversionsFor({
      event: order('2025-06-03T09:00:00Z'),
      runs: [{ enrollment: run(), heldOut: true }],
      journeyOf: () => journey(GOAL),
      ledger: [],
    });
    expect(c).toMatchObject({ heldOut: true, touches: [], revenue: 'counted', value: 40, currency: 'EUR' });
    expect(c?.attributed).toBeUndefined();
    expect(c?.latencyMs).toBe(47 * 3_600_000);
  });

  it('ignores sends of other runs and other journeys', () => {
    const foreign = [
      sent('2025-06-02T11:00:00Z', 'send-offer', 'sms', { executionId: 'arn:…:execution:herald-cart:run-2' }),
      sent('2025-06-02T11:00:00Z', 'send-offer', 'sms', { journeyId: 'welcome' }),
      sent('2025-06-02T11:00:00Z', 'send-offer', 'sms', { outcome: 'skipped' }),
    ];
    const [c] = conversionsFor({
      event: order('2025-06-03T09:00:00Z'),
      runs: treated,
      journeyOf: () => journey(GOAL),
      ledger: foreign,
    });
    expect(c?.touches).toEqual([]);
  });

  it('keeps the arm of a split decided before the order, even when no message of that arm went out', () => {
    const split = {
      ...sent('2025-06-01T10:00:00Z', 'offer-test', 'email'),
      id: 'flow#run-1#offer-test',
      op: 'split',
      outcome: 'next',
      variant: 'discount',
    } as LedgerRecord;
    const [c] = conversionsFor({
      event: order('2025-06-01T10:30:00Z'),
      runs: treated,
      journeyOf: () => journey(GOAL),
      ledger: [split],
    });
    expect(c).toMatchObject({ arms: { 'offer-test': 'discount' }, variant: 'discount' });
  });

  it('gives a deterministic id per (run, goal event): a replayed event maps to the same conversion', () => {
    const input = {
      event: order('2025-06-03T09:00:00Z'),
      runs: treated,
      journeyOf: () => journey(GOAL),
      ledger,
    };
    expect(conversionsFor(input)[0]?.id).toBe('conversion#cart#run-1#o1');
    expect(conversionsFor(input)).toEqual(conversionsFor(input));
  });

  it.each([
    ['a value in the goal currency', { total: 40, currency: 'EUR' }, 'EUR', 'counted'],
    [
      'a value in another currency (refused, not converted)',
      { total: 40, currency: 'USD' },
      'EUR',
      'other_currency',
    ],
    ['a value without a goal currency', { total: 40, currency: 'USD' }, undefined, 'counted'],
    ['no total', { currency: 'EUR' }, 'EUR', 'no_value'],
    ['a negative total', { total: -5, currency: 'EUR' }, 'EUR', 'no_value'],
  ])('revenue of %s', (_name, properties, currency, status) => {
    const goal = { ...GOAL, ...(currency ? { currency } : {}) };
    const [c] = conversionsFor({
      event: order('2025-06-03T09:00:00Z', properties),
      runs: treated,
      journeyOf: () => journey(goal),
      ledger,
    });
    expect(c?.revenue).toBe(status);
  });

  it('says whether the goal ends the run (exitOnConversion, default true)', () => {
    const at = order('2025-06-03T09:00:00Z');
    expect(
      conversionsFor({ event: at, runs: treated, journeyOf: () => journey(GOAL), ledger })[0]?.endsRun,
    ).toBe(true);
    const keep = journey({ ...GOAL, exitOnConversion: false });
    expect(conversionsFor({ event: at, runs: treated, journeyOf: () => keep, ledger })[0]?.endsRun).toBe(
      false,
    );
  });

  it('converts every run whose window holds the order (re-entries), each with its own touches', () => {
    const runs = [
      { enrollment: run('run-1', '2025-06-01T10:00:00Z'), heldOut: false },
      { enrollment: run('run-0', '2025-05-20T10:00:00Z'), heldOut: false },
      { enrollment: run('run-2', '2025-06-02T10:00:00Z'), heldOut: false },
    ];
    const ids = conversionsFor({
      event: order('2025-06-03T09:00:00Z'),
      runs,
      journeyOf: () => journey(GOAL),
      ledger,
    }).map((c) => c.enrollmentId);
    expect(ids).toEqual(['run-1', 'run-2']);
  });

  it('reads the ledger from the earliest entry whose window holds the order, and not at all when none does', () => {
    const later = { ...entry, id: 'cart-2', time: '2025-06-02T10:00:00Z' };
    const runs = [
      { enrollment: run('run-1', '2025-06-01T10:00:00Z'), heldOut: false },
      { enrollment: run('run-0', '2025-05-20T10:00:00Z'), heldOut: false },
      { enrollment: { ...run('run-2', '2025-06-02T10:00:00Z'), event: later }, heldOut: false },
    ];
    const journeyOf = () => journey(GOAL);
    const event = order('2025-06-03T09:00:00Z');
    // run-0 entered on 2025-05-20: its P7D window closed before the order, so it does not pull the
    // start back; run-2 entered later than run-1. A window starts at the earlier of entry and the
    // triggering event.
    const since = attributionSince({ event, runs, journeyOf });
    expect(new Date(since ?? 0).toISOString()).toBe('2025-06-01T10:00:00.000Z');
    // Every record conversionsFor uses lies at or after it: reading from there gives the same
    // answer, and leaves out run-0's older send.
    const full = [...ledger, sent('2025-05-21T11:00:00Z', 'send-reminder', 'email', { id: 'old' })];
    const bounded = full.filter((r) => Date.parse(r.at) >= (since ?? 0));
    expect(bounded).toHaveLength(ledger.length);
    expect(conversionsFor({ event, runs, journeyOf, ledger: bounded })).toEqual(
      conversionsFor({ event, runs, journeyOf, ledger: full }),
    );
    expect(attributionSince({ event: order('2025-07-30T09:00:00Z'), runs, journeyOf })).toBeUndefined();
  });
});
