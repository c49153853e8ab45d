/**
 * Audience journeys through the whole local system: the tick's enrolment scans the table
 * (dynalite, through the real DynamoDB client), each entrant's compiled state machine waits in
 * `entry.not-before` and the step Lambda sends through the SES stand-in. What customers received,
 * and when, is read from the SES stand-in's receipts (the recipient is the judge).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { audienceEnrollmentId, type Segment, ticksBetween } from '../../engine/audience/index.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { reachableProfile, sendJourney } from './support/harness.ts';

const NO_CAPS: PolicyConfig = { ...DEFAULT_POLICY, caps: [] };

const lapsed: Segment = {
  id: 'lapsed',
  name: 'Ordered before, not in the last 60 days',
  condition: {
    all: [
      { field: 'profile.attributes.ordersCount', op: 'gte', value: 1 },
      { not: { did: 'order_placed', within: 'P60D' } },
    ],
  },
};
const everyone: Segment = {
  id: 'everyone',
  name: 'Everyone with an email',
  condition: { field: 'profile.email', op: 'exists' },
};
const SEGMENTS = new Map([
  [lapsed.id, lapsed],
  [everyone.id, everyone],
]);

function audienceJourney(
  id: string,
  entry: Partial<Journey['entry']>,
  extra: Partial<Journey> = {},
): Journey {
  const base = sendJourney(id, { priority: 20 });
  return {
    ...base,
    entry: { segment: 'everyone', reentry: { mode: 'always' }, ...entry } as Journey['entry'],
    ...extra,
  };
}

const order = (customerId: string, id: string, time: string): CustomerEvent => ({
  id,
  type: 'order_placed',
  customerId,
  time,
  properties: {
    orderId: id,
    items: [{ productId: 'p1', quantity: 1, price: 10 }],
    total: 10,
    currency: 'USD',
  },
});

let sys: LocalSystem | undefined;
afterEach(async () => {
  await sys?.stop();
  sys = undefined;
});

async function start(journeys: Journey[], at: string, config = NO_CAPS): Promise<LocalSystem> {
  sys = await startLocalSystem({ start: new Date(at), journeys, config, segments: SEGMENTS });
  return sys;
}

async function seed(s: LocalSystem, profile: Profile, history: CustomerEvent[] = []): Promise<void> {
  await s.clock.track(async () => {
    await s.stack.store.updateProfile(profile.id, () => profile);
    for (const e of history) {
      await s.stack.store.putEvent(e, new Date(e.time));
      await s.stack.store.markEventProcessed(e.customerId, e.id);
    }
  });
}

/** When each customer's emails reached SES, from the stand-in's own receipts. */
function receivedAt(s: LocalSystem, customerId: string): string[] {
  return s.stack
    .emailReceipts()
    .filter((r) => r.recipients.includes(`${customerId}@example.com`))
    .map((r) => r.at)
    .sort();
}

describe('audience journeys on the local runtime', () => {
  it('one-time broadcast at 09:00 in each customer’s own zone, across zones and the US spring-forward', async () => {
    const broadcast = audienceJourney('broadcast', {
      schedule: { at: '2026-03-08T09:00', zone: 'customer' },
      reentry: { mode: 'never' },
    });
    const s = await start([broadcast], '2026-03-06T00:00:00Z');
    await seed(s, reachableProfile('ny', { timeZone: 'America/New_York' }));
    await seed(s, reachableProfile('dubai', { timeZone: 'Asia/Dubai' }));
    await seed(s, reachableProfile('tehran', { timeZone: 'Asia/Tehran' }));
    await seed(s, reachableProfile('kiritimati', { timeZone: 'Pacific/Kiritimati' }));
    s.audience.schedule([broadcast], new Date('2026-03-06T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    await s.clock.run({ until: new Date('2026-03-10T00:00:00Z') });

    // New York is on EDT (UTC-4) from 02:00 that morning: 09:00 local is 13:00 UTC, not 14:00.
    expect(receivedAt(s, 'ny')).toEqual(['2026-03-08T13:00:00.000Z']);
    expect(receivedAt(s, 'dubai')).toEqual(['2026-03-08T05:00:00.000Z']);
    expect(receivedAt(s, 'tehran')).toEqual(['2026-03-08T05:30:00.000Z']);
    expect(receivedAt(s, 'kiritimati')).toEqual(['2026-03-07T19:00:00.000Z']);
  });

  it('recurring win-back: enters on every weekly tick while in the segment, and follows the segment as it changes', async () => {
    const winBack = audienceJourney('win-back', {
      segment: 'lapsed',
      schedule: { cron: '0 10 * * MON', zone: 'UTC' },
    });
    const s = await start([winBack], '2026-03-01T00:00:00Z');
    // Lapsed all along; orders on 10 March and so leaves; has never ordered until 60+ days… no: joins by an old import.
    await seed(s, reachableProfile('lapsed', { attributes: { ordersCount: 1 } }), [
      order('lapsed', 'l-1', '2025-11-01T10:00:00Z'),
    ]);
    await seed(s, reachableProfile('orders-again', { attributes: { ordersCount: 1 } }), [
      order('orders-again', 'o-1', '2025-11-01T10:00:00Z'),
    ]);
    await seed(s, reachableProfile('never-ordered'));
    s.clock.at(
      new Date('2026-03-10T12:00:00Z'),
      () => s.ingest(order('orders-again', 'o-2', '2026-03-10T12:00:00Z')),
      'orders-again',
    );
    // Imported later with an old order: in the segment from the next tick on.
    s.clock.at(new Date('2026-03-12T12:00:00Z'), () =>
      seed(s, reachableProfile('joins', { attributes: { ordersCount: 2 } }), [
        order('joins', 'j-1', '2025-12-01T10:00:00Z'),
      ]),
    );
    s.audience.schedule([winBack], new Date('2026-03-01T00:00:00Z'), new Date('2026-03-17T00:00:00Z'));
    await s.clock.run({ until: new Date('2026-03-17T00:00:00Z') });

    expect(receivedAt(s, 'lapsed')).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-09T10:00:00.000Z',
      '2026-03-16T10:00:00.000Z',
    ]);
    expect(receivedAt(s, 'orders-again')).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-09T10:00:00.000Z']);
    expect(receivedAt(s, 'joins')).toEqual(['2026-03-16T10:00:00.000Z']);
    expect(receivedAt(s, 'never-ordered')).toEqual([]);
    expect(s.audience.ticks.map((t) => [t.tick, t.summary.started])).toEqual([
      ['2026-03-02T10:00', 2],
      ['2026-03-09T10:00', 2],
      ['2026-03-16T10:00', 2],
    ]);
  });

  it('a re-run of the same tick enrols nobody twice', async () => {
    const broadcast = audienceJourney('broadcast', { schedule: { at: '2026-03-02T09:00', zone: 'UTC' } });
    const s = await start([broadcast], '2026-03-02T00:00:00Z');
    for (const id of ['a', 'b', 'c']) await seed(s, reachableProfile(id));
    const [tick] = ticksBetween(
      broadcast.entry.schedule!,
      new Date('2026-03-01T00:00:00Z'),
      new Date('2026-03-03T00:00:00Z'),
    );
    s.clock.at(tick!.runAt, () => s.audience.runTick(broadcast, tick!));
    s.clock.at(new Date(tick!.runAt.getTime() + 60_000), () => s.audience.runTick(broadcast, tick!));
    await s.clock.run({ until: new Date('2026-03-03T00:00:00Z') });

    expect(s.audience.ticks.map((t) => t.summary)).toMatchObject([
      { started: 3, alreadyStarted: 0 },
      { started: 0, skipped: { already_enrolled: 3 } },
    ]);
    for (const id of ['a', 'b', 'c']) expect(receivedAt(s, id)).toEqual(['2026-03-02T09:00:00.000Z']);
    const enrolments = await s.clock.track(() => s.stack.store.listEnrollments('a'));
    expect(enrolments.map((e) => e.enrollment.id)).toEqual([
      audienceEnrollmentId('broadcast', tick!.label, 'a'),
    ]);
  });

  it('in scale mode: each entrant enters a run (its not-before wait a Scheduler timer), and a re-run of the tick enrols nobody twice', async () => {
    const broadcast = audienceJourney(
      'broadcast',
      { schedule: { at: '2026-03-08T09:00', zone: 'customer' }, reentry: { mode: 'never' } },
      { execution: 'scale' },
    );
    const s = await start([broadcast], '2026-03-06T00:00:00Z');
    await seed(s, reachableProfile('ny', { timeZone: 'America/New_York' }));
    await seed(s, reachableProfile('dubai', { timeZone: 'Asia/Dubai' }));
    const [tick] = ticksBetween(
      broadcast.entry.schedule!,
      new Date('2026-03-06T00:00:00Z'),
      new Date('2026-03-10T00:00:00Z'),
    );
    s.clock.at(tick!.runAt, () => s.audience.runTick(broadcast, tick!));
    s.clock.at(new Date(tick!.runAt.getTime() + 60_000), () => s.audience.runTick(broadcast, tick!));
    await s.clock.run({ until: new Date('2026-03-10T00:00:00Z') });

    expect(receivedAt(s, 'ny')).toEqual(['2026-03-08T13:00:00.000Z']);
    expect(receivedAt(s, 'dubai')).toEqual(['2026-03-08T05:00:00.000Z']);
    expect(s.audience.ticks.map((t) => t.summary)).toMatchObject([
      { started: 2 },
      { started: 0, skipped: { already_enrolled: 2 } },
    ]);
    // One run each, on the enrolment's deterministic id, finished; no Standard execution.
    for (const id of ['ny', 'dubai']) {
      const runs = await s.clock.track(() => s.scale.runs.listRuns(id));
      expect(runs.map((r) => [r.runId, r.status])).toEqual([
        [audienceEnrollmentId('broadcast', tick!.label, id), 'done'],
      ]);
    }
  });

  it('keeps the holdout out: recorded in the ledger, sent nothing', async () => {
    const broadcast = audienceJourney(
      'held',
      { schedule: { at: '2026-03-02T09:00', zone: 'UTC' } },
      { holdout: { percent: 50 } },
    );
    const s = await start([broadcast], '2026-03-02T00:00:00Z');
    const ids = Array.from({ length: 16 }, (_, i) => `h${i}`);
    for (const id of ids) await seed(s, reachableProfile(id));
    s.audience.schedule([broadcast], new Date('2026-03-02T00:00:00Z'), new Date('2026-03-03T00:00:00Z'));
    await s.clock.run({ until: new Date('2026-03-03T00:00:00Z') });

    const heldOut: string[] = [];
    for (const id of ids) {
      const ledger = await s.clock.track(() => s.stack.store.listLedger(id));
      const held = ledger.some((r) => r.kind === 'holdout' && r.journeyId === 'held');
      if (held) heldOut.push(id);
      expect(receivedAt(s, id), id).toHaveLength(held ? 0 : 1);
    }
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.length).toBeLessThan(ids.length);
    expect(s.audience.ticks[0]?.summary.heldOut).toBe(heldOut.length);
  });

  const caps: PolicyConfig = {
    ...DEFAULT_POLICY,
    caps: [
      { id: 'daily-1', limit: 1, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
    ],
  };

  it('a broadcast colliding with a higher-priority event journey under a full cap is deferred, with the reason', async () => {
    const cart = sendJourney('cart', { priority: 80 });
    // At or above the policy's deferPriorityAtLeast (50): a capped send waits for the window.
    const broadcast = audienceJourney(
      'broadcast',
      { schedule: { at: '2026-03-02T09:30', zone: 'UTC' } },
      { priority: DEFAULT_POLICY.deferPriorityAtLeast },
    );
    const s = await start([cart, broadcast], '2026-03-02T00:00:00Z', caps);
    await seed(s, reachableProfile('x'));
    s.clock.at(new Date('2026-03-02T09:00:00Z'), () =>
      s.ingest({
        id: 'cart-1',
        type: 'cart_updated',
        customerId: 'x',
        time: '2026-03-02T09:00:00Z',
        properties: cartProps(),
      }),
    );
    s.audience.schedule([broadcast], new Date('2026-03-02T00:00:00Z'), new Date('2026-03-03T00:00:00Z'));
    await s.clock.run({ until: new Date('2026-03-04T00:00:00Z') });

    const ledger = await s.clock.track(() => s.stack.store.listLedger('x'));
    const broadcastDecisions = ledger.filter((r) => r.journeyId === 'broadcast' && r.kind === 'decision');
    expect(broadcastDecisions.map((r) => [r.at, r.outcome])).toEqual([
      ['2026-03-02T09:30:00.000Z', 'capped'],
      ['2026-03-03T09:00:50.000Z', 'sent'],
    ]);
    expect(broadcastDecisions[0]?.reasons.join(' ')).toContain('capped');
    const received = s.stack.emailReceipts().filter((r) => r.recipients.includes('x@example.com'));
    expect(received.map((r) => [r.tags.journey, r.at])).toEqual([
      ['cart', '2026-03-02T09:00:00.000Z'],
      // Deferred until the window frees, plus 100 - priority seconds (engine/policy/caps.ts).
      ['broadcast', '2026-03-03T09:00:50.000Z'],
    ]);
  });
});

describe('audience journeys under a full cap, below the deferral priority', () => {
  it('a low-priority broadcast is dropped as capped, with the reason, and the event journey keeps its send', async () => {
    const config: PolicyConfig = {
      ...DEFAULT_POLICY,
      caps: [
        { id: 'daily-1', limit: 1, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
      ],
    };
    const cart = sendJourney('cart', { priority: 80 });
    const broadcast = audienceJourney('broadcast', { schedule: { at: '2026-03-02T09:30', zone: 'UTC' } });
    const s = await start([cart, broadcast], '2026-03-02T00:00:00Z', config);
    await seed(s, reachableProfile('y'));
    s.clock.at(new Date('2026-03-02T09:00:00Z'), () =>
      s.ingest({
        id: 'cart-2',
        type: 'cart_updated',
        customerId: 'y',
        time: '2026-03-02T09:00:00Z',
        properties: cartProps(),
      }),
    );
    s.audience.schedule([broadcast], new Date('2026-03-02T00:00:00Z'), new Date('2026-03-03T00:00:00Z'));
    await s.clock.run({ until: new Date('2026-03-04T00:00:00Z') });

    const received = s.stack.emailReceipts().filter((r) => r.recipients.includes('y@example.com'));
    expect(received.map((r) => r.tags.journey)).toEqual(['cart']);
    const ledger = await s.clock.track(() => s.stack.store.listLedger('y'));
    const decision = ledger.find((r) => r.journeyId === 'broadcast' && r.kind === 'decision');
    expect([decision?.outcome, decision?.reasons]).toEqual(['capped', ['email:capped:daily-1']]);
  });
});

function cartProps() {
  return {
    cartId: 'cart-1',
    items: [{ productId: 'p1', quantity: 1, price: 10 }],
    total: 10,
    currency: 'USD',
    cartUrl: 'https://shop.example.com/cart/1',
  };
}
