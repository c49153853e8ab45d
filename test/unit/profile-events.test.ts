import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CustomerEvent, EVENT_PROPERTIES, EVENT_TYPES, type Profile } from '../../engine/data.ts';
import { MAX_FUTURE_SKEW_MS } from '../../engine/event-time.ts';
import { applyEventToProfile, changesProfile } from '../../engine/profile-events.ts';
import { BUILT_IN_VOCABULARY } from '../../engine/vocabulary.ts';
import { loadVocabulary } from '../../infra/dictionary.ts';

const NOW = new Date('2026-06-03T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const iso = (offsetMs: number) => at(offsetMs).toISOString();
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let seq = 0;
function event(type: string, time: string, properties: Record<string, unknown>): CustomerEvent {
  seq += 1;
  return { id: `e${seq}`, type, customerId: 'c1', time, properties };
}

/** Applies events in arrival order, each arriving at its own `arrives` instant. */
function arrive(...events: { event: CustomerEvent; arrives: Date }[]): Profile {
  let profile: Profile | undefined;
  for (const { event, arrives } of events) profile = applyEventToProfile(profile, event, arrives).profile;
  if (!profile) throw new Error('no events');
  return profile;
}

// Every event type that can set email consent, and how it says opted in / opted out.
const OPT_INS: Record<string, (time: string) => CustomerEvent> = {
  signed_up: (t) => event('signed_up', t, { source: 'web', profile: { consent: { email: true } } }),
  profile_updated: (t) => event('profile_updated', t, { profile: { consent: { email: true } } }),
  consent_renewed: (t) =>
    event('consent_renewed', t, { source: 'support_desk', profile: { consent: { email: true } } }),
};
const OPT_OUTS: Record<string, (time: string) => CustomerEvent> = {
  'unsubscribed (email)': (t) => event('unsubscribed', t, { channel: 'email' }),
  'unsubscribed (every channel)': (t) => event('unsubscribed', t, {}),
  'profile_updated (consent false)': (t) =>
    event('profile_updated', t, { profile: { consent: { email: false } } }),
  'signed_up (consent false)': (t) => event('signed_up', t, { profile: { consent: { email: false } } }),
};
const PAIRS = Object.keys(OPT_INS).flatMap((optIn) => Object.keys(OPT_OUTS).map((optOut) => [optIn, optOut]));

describe('consent ordering', () => {
  it('covers every event type that carries consent', () => {
    const bearing = EVENT_TYPES.filter(
      (type) => type === 'unsubscribed' || JSON.stringify(EVENT_PROPERTIES[type]).includes('"consent"'),
    );
    const covered = new Set([...Object.keys(OPT_INS), ...Object.keys(OPT_OUTS).map((k) => k.split(' ')[0])]);
    expect([...covered].sort()).toEqual([...bearing].sort());
  });

  it.each(PAIRS)(
    'a %s opt-in stamped ahead of the clock cannot outlive a %s sent after it',
    (optIn, optOut) => {
      // The opt-in is stamped 4 minutes ahead (accepted skew); the opt-out comes a minute later, stamped correctly.
      const profile = arrive(
        { event: OPT_INS[optIn]!(iso(4 * MINUTE)), arrives: NOW },
        { event: OPT_OUTS[optOut]!(iso(MINUTE)), arrives: at(MINUTE) },
      );
      expect(profile.consent?.email?.status).toBe('opted_out');
    },
  );

  it.each(PAIRS)(
    '%s then %s from a producer whose clock is behind by less than the skew: the opt-out wins',
    (optIn, optOut) => {
      const profile = arrive(
        { event: OPT_INS[optIn]!(iso(0)), arrives: NOW },
        { event: OPT_OUTS[optOut]!(iso(-(MAX_FUTURE_SKEW_MS - MINUTE))), arrives: at(MINUTE) },
      );
      expect(profile.consent?.email?.status).toBe('opted_out');
    },
  );

  it.each(PAIRS)('a backfilled %s opt-in does not undo a newer %s', (optIn, optOut) => {
    const profile = arrive(
      { event: OPT_OUTS[optOut]!(iso(-MINUTE)), arrives: NOW },
      { event: OPT_INS[optIn]!(iso(-30 * DAY)), arrives: at(MINUTE) },
    );
    expect(profile.consent?.email?.status).toBe('opted_out');
  });

  it.each(PAIRS)('a newer %s opt-in survives a backfilled %s', (optIn, optOut) => {
    const profile = arrive(
      { event: OPT_INS[optIn]!(iso(-MINUTE)), arrives: NOW },
      { event: OPT_OUTS[optOut]!(iso(-30 * DAY)), arrives: at(MINUTE) },
    );
    expect(profile.consent?.email?.status).toBe('opted_in');
  });

  it('records a consent stamped ahead of its arrival at its arrival', () => {
    const profile = arrive({ event: OPT_INS.signed_up!(iso(4 * MINUTE)), arrives: NOW });
    expect(profile.consent?.email).toMatchObject({ status: 'opted_in', at: NOW.toISOString() });
  });

  it('lets a genuine opt-in made well after an opt-out stand', () => {
    const profile = arrive(
      { event: OPT_OUTS['unsubscribed (email)']!(iso(-DAY)), arrives: at(-DAY) },
      { event: OPT_INS.profile_updated!(iso(0)), arrives: NOW },
    );
    expect(profile.consent?.email?.status).toBe('opted_in');
  });
});

describe('profile traits and orders from backfills', () => {
  it('keeps the newer email when an older profile update arrives later, and takes fields it never had', () => {
    const profile = arrive(
      {
        event: event('profile_updated', iso(-MINUTE), { profile: { email: 'new@example.com' } }),
        arrives: NOW,
      },
      {
        event: event('profile_updated', iso(-30 * DAY), {
          profile: { email: 'old@example.com', firstName: 'Dara' },
        }),
        arrives: at(MINUTE),
      },
    );
    expect(profile).toMatchObject({ email: 'new@example.com', firstName: 'Dara' });
  });

  it('takes a newer trait over an older one', () => {
    const profile = arrive(
      {
        event: event('profile_updated', iso(-DAY), { profile: { timeZone: 'Asia/Tehran' } }),
        arrives: at(-DAY),
      },
      { event: event('profile_updated', iso(0), { profile: { timeZone: 'Europe/Berlin' } }), arrives: NOW },
    );
    expect(profile.timeZone).toBe('Europe/Berlin');
  });

  it('counts a backfilled order but moves lastOrderAt only forward and firstOrderAt only back', () => {
    const order = (time: string, total: number) =>
      event('order_placed', time, {
        orderId: time,
        items: [{ productId: 'p', quantity: 1 }],
        total,
        currency: 'EUR',
      });
    const profile = arrive(
      { event: order(iso(-MINUTE), 10), arrives: NOW },
      { event: order(iso(-90 * DAY), 5), arrives: at(MINUTE) },
    );
    expect(profile.attributes).toMatchObject({
      ordersCount: 2,
      lifetimeValue: 15,
      lastOrderAt: iso(-MINUTE),
      firstOrderAt: iso(-90 * DAY),
    });
  });

  it('replaces a lastOrderAt that is not an instant (stored before times were normalised)', () => {
    const legacy: Profile = {
      id: 'c1',
      attributes: { lastOrderAt: '2025-06-02T16:59:00+05', ordersCount: 1 },
    };
    const order = event('order_placed', iso(-MINUTE), {
      orderId: 'o',
      items: [{ productId: 'p', quantity: 1 }],
      total: 1,
      currency: 'EUR',
    });
    expect(applyEventToProfile(legacy, order, NOW).profile.attributes?.lastOrderAt).toBe(iso(-MINUTE));
  });
});

describe('which events can change a stored profile (ingest writes the profile only for those)', () => {
  const stored: Profile = {
    id: 'c1',
    createdAt: iso(-30 * DAY),
    updatedAt: iso(-DAY),
    email: 'ada@example.com',
    phone: '+14155550123',
    locale: 'en',
    consent: { email: { status: 'opted_in', at: iso(-30 * DAY), source: 'signup' } },
    attributes: { ordersCount: 2, lifetimeValue: 40, vip: true, city: 'Shiraz' },
  };
  const dataOf = ({ updatedAt: _, ...data }: Profile) => data;
  const workflows = loadVocabulary(fileURLToPath(new URL('../../workflows', import.meta.url)));

  it('names the built-in types that carry traits, consent or orders, and no others', () => {
    expect(EVENT_TYPES.filter((type) => changesProfile(type)).sort()).toEqual(
      ['consent_renewed', 'order_placed', 'profile_updated', 'signed_up', 'unsubscribed'].sort(),
    );
  });

  it('counts a custom event that updates a declared attribute (workflows/data.json) as one that can', () => {
    expect(changesProfile('subscription_renewed', workflows)).toBe(true);
    expect(changesProfile('subscription_renewed', BUILT_IN_VOCABULARY)).toBe(false);
  });

  it('an event it says cannot change a profile changes nothing but updatedAt, whatever its properties', () => {
    const quiet = EVENT_TYPES.filter((type) => !changesProfile(type, workflows));
    expect(quiet).toEqual(expect.arrayContaining(['product_viewed', 'cart_updated']));
    fc.assert(
      fc.property(
        fc.constantFrom(...quiet),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.record({ productId: fc.string(), attributes: fc.dictionary(fc.string(), fc.jsonValue()) }),
        (type, anything, shaped) => {
          for (const properties of [anything, shaped]) {
            const after = applyEventToProfile(stored, event(type, iso(-MINUTE), properties), NOW, workflows);
            expect(dataOf(after.profile)).toEqual(dataOf(stored));
            expect(after.notes).toEqual([]);
          }
        },
      ),
    );
  });
});
