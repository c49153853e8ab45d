import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reserveSlot } from '../../engine/cap-window.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { applyFeedback } from '../../engine/feedback.ts';
import { type CapEntry, DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/index.ts';
import { applyEventToProfile } from '../../engine/profile-events.ts';

const now = new Date('2025-06-02T12:00:00Z');

describe('profile updates from events', () => {
  const signUp = (profile: Record<string, unknown>): CustomerEvent => ({
    id: 'e1',
    type: 'signed_up',
    customerId: 'c-1',
    time: '2025-06-02T11:00:00Z',
    properties: { source: 'web', profile },
  });

  it('normalises a national phone number to E.164 using the country', () => {
    const { profile, notes } = applyEventToProfile(
      undefined,
      signUp({ phone: '020 7946 0958', country: 'GB' }),
      now,
    );
    expect(profile.phone).toBe('+442079460958');
    expect(notes).toEqual(['created']);
  });

  it('keeps an invalid phone or email as given and notes it', () => {
    const { profile, notes } = applyEventToProfile(undefined, signUp({ phone: '12', email: 'nope' }), now);
    expect(profile).toMatchObject({ phone: '12', email: 'nope' });
    expect(notes).toEqual(expect.arrayContaining(['invalid_phone', 'invalid_email']));
  });

  it('does not let an older event override a newer consent decision', () => {
    const current: Profile = {
      id: 'c-1',
      consent: { email: { status: 'opted_out', at: '2025-06-02T11:30:00Z', source: 'unsubscribe_link' } },
    };
    const { profile } = applyEventToProfile(current, signUp({ consent: { email: true } }), now);
    expect(profile.consent?.email?.status).toBe('opted_out');
  });

  it('adds order facts', () => {
    const order: CustomerEvent = {
      id: 'o1',
      type: 'order_placed',
      customerId: 'c-1',
      time: '2025-06-01T10:00:00Z',
      properties: { orderId: 'o', items: [{ productId: 'p', quantity: 1 }], total: 19.99, currency: 'EUR' },
    };
    const once = applyEventToProfile(
      { id: 'c-1', attributes: { ordersCount: 2, lifetimeValue: 10.01 } },
      order,
      now,
    ).profile;
    expect(once.attributes).toMatchObject({
      ordersCount: 3,
      lifetimeValue: 30,
      lastOrderAt: order.time,
      firstOrderAt: order.time,
    });
  });
});

describe('delivery feedback rules', () => {
  const profile: Profile = {
    id: 'c-1',
    pushTokens: [
      { platform: 'GCM', token: 'a' },
      { platform: 'APNS', token: 'b' },
    ],
  };
  const at = '2025-06-02T12:00:00Z';

  it('suppresses email on a permanent bounce only', () => {
    expect(
      applyFeedback(
        profile,
        { kind: 'bounced', channel: 'email', permanent: false, bounceType: 'Transient' },
        at,
      ).profile,
    ).toBeUndefined();
    expect(
      applyFeedback(
        profile,
        { kind: 'bounced', channel: 'email', permanent: true, bounceType: 'Permanent' },
        at,
      ).profile?.suppressed?.email,
    ).toEqual({ reason: 'hard_bounce', at });
  });

  it('opts SMS out on STOP and removes only the invalid push token', () => {
    expect(
      applyFeedback(profile, { kind: 'sms_stop', channel: 'sms' }, at).profile?.consent?.sms?.status,
    ).toBe('opted_out');
    expect(
      applyFeedback(profile, { kind: 'push_token_invalid', channel: 'push', token: 'a' }, at).profile
        ?.pushTokens,
    ).toEqual([{ platform: 'APNS', token: 'b' }]);
  });
});

describe('cap window reservations', () => {
  const config: PolicyConfig = {
    ...DEFAULT_POLICY,
    caps: [
      { id: 'daily-3', limit: 3, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
    ],
  };
  const entry = (key: string, minutesAgo = 0): CapEntry => ({
    key,
    at: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
    channel: 'email',
    category: 'marketing',
    priority: 50,
    journeyId: 'j',
  });

  it('never holds more entries inside the window than the limit, whatever the order of requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 30,
        }),
        (requests) => {
          let entries: CapEntry[] = [];
          for (const [key, minutesAgo] of requests) {
            const decision = reserveSlot(entries, entry(`k${key}`, minutesAgo), now, config);
            if (decision.entries) entries = decision.entries;
          }
          const inWindow = entries.filter((e) => Date.parse(e.at) > now.getTime() - 86_400_000);
          expect(inWindow.length).toBeLessThanOrEqual(3);
        },
      ),
    );
  });

  it('treats a retried reservation as already held', () => {
    const held = [entry('k1')];
    expect(reserveSlot(held, entry('k1'), now, config)).toEqual({ check: { ok: true } });
  });

  it('forgets entries older than the longest window', () => {
    const decision = reserveSlot([entry('old', 2 * 24 * 60)], entry('new'), now, config);
    expect(decision.entries?.map((e) => e.key)).toEqual(['new']);
  });
});
