import { describe, expect, it } from 'vitest';
import { holdSlot, reserveSlot } from '../../engine/cap-window.ts';
import type { Enrollment, StepResult } from '../../engine/contract.ts';
import type { Profile } from '../../engine/data.ts';
import { type CapEntry, type CapHold, capCheck, HOLD_GRACE_MS } from '../../engine/policy/caps.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import { deferralOutlivesExpiry, isExpired, sendExpiresAt } from '../../engine/policy/expiry.ts';
import { planSend } from '../../engine/policy/send.ts';
import type { Journey, SendStep } from '../../engine/schema.ts';
import { applyTransition, claim, finish, type StepRecord } from '../../engine/send-protocol.ts';
import { everywhere } from '../helpers/policy-fixtures.ts';

const NOW = new Date('2026-05-10T12:00:00Z');
const iso = (msFromNow: number) => new Date(NOW.getTime() + msFromNow).toISOString();
const HOUR = 3_600_000;

// One marketing slot per day, so a single send or hold decides who gets it.
const config: PolicyConfig = {
  ...DEFAULT_POLICY,
  caps: [
    { id: 'daily-1', limit: 1, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
  ],
};

let n = 0;
function entry(over: Partial<CapEntry> = {}): CapEntry {
  n += 1;
  return {
    key: `exec-${n}#send#1`,
    at: NOW.toISOString(),
    channel: 'email',
    category: 'marketing',
    priority: 50,
    journeyId: 'other',
    ...over,
  };
}
function hold(priority: number, held: Partial<CapHold> = {}, over: Partial<CapEntry> = {}) {
  n += 1;
  return {
    ...entry({ key: `held-${n}#send`, priority, journeyId: `held-p${priority}`, ...over }),
    held: { since: iso(-2 * HOUR), until: iso(60_000), ...held },
  };
}

describe('how long a send stays relevant', () => {
  const reached = new Date('2026-05-10T00:00:00Z');
  it.each([
    {
      name: "the step's own expiresAfter",
      step: { expiresAfter: 'PT6H' },
      category: 'marketing' as const,
      expected: '2026-05-10T06:00:00.000Z',
    },
    {
      name: 'the marketing default when the step says nothing',
      step: {},
      category: 'marketing' as const,
      expected: '2026-05-17T00:00:00.000Z',
    },
    {
      name: 'never, for a transactional message by default',
      step: {},
      category: 'transactional' as const,
      expected: undefined,
    },
    {
      name: "the step's own value, for a transactional message too",
      step: { expiresAfter: 'PT15M' },
      category: 'transactional' as const,
      expected: '2026-05-10T00:15:00.000Z',
    },
  ])('counts from when the step was first reached: $name', ({ step, category, expected }) => {
    expect(sendExpiresAt(step, category, DEFAULT_POLICY, reached)?.toISOString()).toBe(expected);
  });

  it.each([
    { name: 'a minute before its expiry it is still relevant', offset: -60_000, expired: false },
    { name: 'at exactly its expiry it is expired', offset: 0, expired: true },
    { name: 'after its expiry it is expired', offset: 1, expired: true },
  ])('$name', ({ offset, expired }) => {
    const expiresAt = new Date('2026-05-10T06:00:00Z');
    expect(isExpired(expiresAt, new Date(expiresAt.getTime() + offset))).toBe(expired);
  });

  it('never expires a send with no expiry', () => {
    expect(isExpired(undefined, new Date('2099-01-01T00:00:00Z'))).toBe(false);
  });

  it.each([
    {
      name: 'a deferral that wakes before the expiry keeps the message',
      until: '2026-05-10T05:59:59Z',
      outlives: false,
    },
    { name: 'a deferral that wakes at the expiry drops it', until: '2026-05-10T06:00:00Z', outlives: true },
    {
      name: 'a deferral that wakes after the expiry drops it',
      until: '2026-05-11T08:00:00Z',
      outlives: true,
    },
  ])('$name', ({ until, outlives }) => {
    const result: StepResult = { outcome: 'defer', until, reason: 'capped' };
    expect(deferralOutlivesExpiry(result, new Date('2026-05-10T06:00:00Z'))).toBe(outlives);
  });
});

describe('a full cap goes to the highest priority waiting send', () => {
  const base = { channel: 'email' as const, category: 'marketing' as const, now: NOW, config };

  it('refuses a lower-priority send as preempted when a higher-priority send waits for the free slot', () => {
    const result = capCheck({ ...base, recent: [hold(80)], priority: 30 });
    expect(result).toMatchObject({ ok: false, capId: 'daily-1', action: 'skip', preemptedBy: ['held-p80'] });
  });

  it('defers a preempted send that is allowed to wait until the waiting send has had its turn', () => {
    const waiting = hold(80, { until: iso(HOUR) });
    const result = capCheck({ ...base, recent: [waiting], priority: 60 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.action).toBe('defer');
    expect(result.until.toISOString()).toBe(iso(HOUR + HOLD_GRACE_MS + 40_000));
  });

  it('lets a higher-priority send take the slot ahead of a lower-priority one that waits', () => {
    expect(capCheck({ ...base, recent: [hold(30)], priority: 80 })).toEqual({ ok: true });
  });

  it.each([
    { name: 'an equal priority reached earlier goes first', since: iso(-3 * HOUR), ok: false },
    { name: 'an equal priority reached later waits its turn', since: iso(-1 * HOUR), ok: true },
  ])('first come, first served between equal priorities: $name', ({ since, ok }) => {
    const waiting = hold(50, { since });
    const result = capCheck({ ...base, recent: [waiting], priority: 50, since: new Date(iso(-2 * HOUR)) });
    expect(result.ok).toBe(ok);
  });

  it("does not count the send's own hold against it", () => {
    const mine = hold(80);
    expect(capCheck({ ...base, recent: [mine], priority: 80, holdKey: mine.key })).toEqual({ ok: true });
  });

  it.each([
    { name: 'overdue past the grace period (its run went away)', held: { until: iso(-HOLD_GRACE_MS) } },
    { name: 'expired', held: { expiresAt: NOW.toISOString() } },
  ])('ignores a hold that is $name', ({ held }) => {
    expect(capCheck({ ...base, recent: [hold(80, held)], priority: 30 })).toEqual({ ok: true });
  });

  it('still says capped, not preempted, when the cap is full of sends', () => {
    const result = capCheck({ ...base, recent: [entry(), hold(80)], priority: 30 });
    expect(result).toMatchObject({ ok: false, capId: 'daily-1' });
    expect(result.ok === false && result.preemptedBy).toBeUndefined();
  });

  it('ignores holds for caps that do not limit the send (an SMS hold does not block an email cap it is not in)', () => {
    const smsOnly: PolicyConfig = {
      ...config,
      caps: [{ id: 'sms-1d', limit: 1, window: 'P1D', channels: ['sms'] }],
    };
    const result = capCheck({
      ...base,
      config: smsOnly,
      recent: [hold(80, {}, { channel: 'sms' })],
      priority: 30,
    });
    expect(result).toEqual({ ok: true });
  });

  it('holds a place only in the caps it waits for: a send waiting for the SMS cap does not block a marketing email', () => {
    const both: PolicyConfig = {
      ...config,
      caps: [...config.caps, { id: 'sms-1d', limit: 1, window: 'P1D', channels: ['sms'] }],
    };
    const waitingForSms = hold(80, { caps: ['sms-1d'] }, { channel: 'sms' });
    expect(capCheck({ ...base, config: both, recent: [waitingForSms], priority: 30 })).toEqual({ ok: true });
    const waitingForBoth = hold(80, { caps: ['sms-1d', 'daily-1'] }, { channel: 'sms' });
    expect(capCheck({ ...base, config: both, recent: [waitingForBoth], priority: 30 })).toMatchObject({
      ok: false,
      capId: 'daily-1',
    });
  });

  it('replaces its hold by its send in one write when it reserves the slot', () => {
    const mine = hold(80);
    const decision = reserveSlot([mine], entry({ key: `${mine.key}#2`, priority: 80 }), NOW, config, {
      holdKey: mine.key,
    });
    expect(decision.check).toEqual({ ok: true });
    expect(decision.entries?.map((e) => e.key)).toEqual([`${mine.key}#2`]);
  });

  it('moves a hold to its new wake time rather than adding a second one', () => {
    const first = hold(80, { until: iso(60_000) });
    const moved = { ...first, held: { ...first.held, until: iso(HOUR) } };
    expect(holdSlot([first], moved, NOW, config).entries).toEqual([moved]);
  });
});

describe('transactional messages and the policy', () => {
  const fullSms = [entry({ channel: 'sms', category: 'transactional', at: iso(-HOUR) })];
  const notExempt: PolicyConfig = {
    ...DEFAULT_POLICY,
    transactionalExempt: { quietHours: false, caps: false },
  };
  const check = (cfg: PolicyConfig) =>
    capCheck({
      recent: fullSms,
      channel: 'sms',
      category: 'transactional',
      priority: 90,
      now: NOW,
      config: cfg,
    });

  it('are exempt from every cap under the default policy', () => {
    expect(check(DEFAULT_POLICY)).toEqual({ ok: true });
  });
  it('count against caps that apply to them when the policy does not exempt them', () => {
    expect(check(notExempt)).toMatchObject({ ok: false, capId: 'sms-1d' });
  });

  const journey: Journey = {
    id: 'receipts',
    version: 1,
    name: 'Receipts',
    priority: 90,
    defaultLocale: 'en',
    entry: { event: 'order_placed', reentry: { mode: 'always' } },
    start: 's',
    steps: {},
    messages: { receipt: { ...everywhere, category: 'transactional' } },
  };
  const profile: Profile = {
    id: 'c1',
    phone: '+447911123456',
    timeZone: 'Europe/London',
    consent: { sms: { status: 'opted_in', at: '2026-01-01T00:00:00Z', source: 'signup_form' } },
  };
  const enrollment: Enrollment = {
    id: 'en-1',
    customerId: 'c1',
    journeyId: 'receipts',
    journeyVersion: 1,
    enteredAt: '2026-05-10T21:00:00Z',
    event: { id: 'e1', type: 'order_placed', customerId: 'c1', time: '2026-05-10T21:00:00Z', properties: {} },
  };
  const step: SendStep = { type: 'send', message: 'receipt', channels: ['sms'], next: 'x' };
  // 22:30 in London (BST): inside the SMS quiet hours.
  const night = (cfg: PolicyConfig): DecisionContext => ({
    journey,
    enrollment,
    profile,
    history: [],
    now: new Date('2026-05-10T21:30:00Z'),
    config: cfg,
  });

  it('ignore quiet hours under the default policy', () => {
    expect(planSend(step, night(DEFAULT_POLICY))).toMatchObject({ kind: 'try', channels: ['sms'] });
  });
  it('wait out quiet hours when the policy does not exempt them', () => {
    expect(planSend(step, night(notExempt))).toMatchObject({ kind: 'defer', reason: 'quiet_hours' });
  });
});

describe('when a step was first reached', () => {
  const timing = { leaseMs: 60_000, reopenDoneAfterMs: 30 * 60_000 };
  const t0 = Date.parse('2026-05-10T00:00:00Z');

  it('is kept across deferrals: the expiry clock starts at the first attempt', () => {
    let record: StepRecord | undefined = applyTransition(undefined, claim({ nowMs: t0, token: 'a', timing }));
    const defer: StepResult = { outcome: 'defer', until: '2026-05-10T08:00:00Z', reason: 'quiet_hours' };
    record = applyTransition(
      record,
      finish({ token: 'a', result: defer, nowMs: t0 + 1, untilMs: t0 + 8 * HOUR }),
    );
    record = applyTransition(record, claim({ nowMs: t0 + 8 * HOUR, token: 'b', timing }));
    expect(record).toMatchObject({ state: 'claimed', attempt: 2, reachedAt: t0 });
  });

  it('starts anew when a journey loop reopens a finished step', () => {
    let record: StepRecord | undefined = applyTransition(undefined, claim({ nowMs: t0, token: 'a', timing }));
    const done: StepResult = { outcome: 'next', next: 'x' };
    record = applyTransition(record, finish({ token: 'a', result: done, nowMs: t0 + 1 }));
    record = applyTransition(record, claim({ nowMs: t0 + HOUR, token: 'b', timing }));
    expect(record?.reachedAt).toBe(t0 + HOUR);
  });
});
