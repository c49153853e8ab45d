import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import type { ChannelAttempt } from '../../engine/ledger.ts';
import { normaliseEmail, normalisePhone } from '../../engine/policy/channels.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import { quietHoursEnd } from '../../engine/policy/quiet-hours.ts';
import {
  concludeUnsent,
  MAX_TRANSIENT_ATTEMPTS,
  planSend,
  TRANSIENT_BACKOFF_MS,
  type UnsentConclusion,
} from '../../engine/policy/send.ts';
import type { ChannelChoice, ChannelName, Journey, SendStep } from '../../engine/schema.ts';
import { everywhere } from '../helpers/policy-fixtures.ts';

const AT = '2026-05-01T00:00:00Z';
const optedIn = { status: 'opted_in', at: AT, source: 'signup_form' } as const;

const journey: Journey = {
  id: 'cart',
  version: 2,
  name: 'Cart',
  priority: 60,
  defaultLocale: 'en',
  entry: { event: 'cart_updated', reentry: { mode: 'always' } },
  exit: [{ event: 'order_placed' }],
  start: 's',
  steps: {},
  messages: { m: everywhere, transactional: { ...everywhere, category: 'transactional' } },
};

const entry: CustomerEvent = { id: 'e1', type: 'cart_updated', customerId: 'c1', time: AT, properties: {} };
const enrollment: Enrollment = {
  id: 'en-1',
  customerId: 'c1',
  journeyId: 'cart',
  journeyVersion: 2,
  enteredAt: AT,
  event: entry,
};

/** Reachable everywhere; lives in Tehran (UTC+03:30). */
const tehrani: Profile = {
  id: 'c1',
  email: 'sara@example.com',
  phone: '+989123456789',
  pushTokens: [{ platform: 'GCM', token: 'tok' }],
  locale: 'fa-IR',
  timeZone: 'Asia/Tehran',
  consent: { email: optedIn, sms: optedIn, push: optedIn },
};

function ctx(profile: Profile, now: string, history: CustomerEvent[] = []): DecisionContext {
  return { journey, enrollment, profile, history, now: new Date(now), config: DEFAULT_POLICY };
}
const step = (...channels: ChannelChoice[]): SendStep => ({
  type: 'send',
  message: 'm',
  channels,
  next: 'x',
});

// 18:30Z = 22:00 in Tehran (quiet for SMS/push); 08:30Z = 12:00 in Tehran.
const NIGHT = '2026-05-10T18:30:00Z';
const NOON = '2026-05-10T08:30:00Z';

describe('send planning', () => {
  it('exits first when an exit event arrived after entry', () => {
    const order: CustomerEvent = {
      id: 'o1',
      type: 'order_placed',
      customerId: 'c1',
      time: '2026-05-02T00:00:00Z',
      properties: {},
    };
    expect(planSend(step('sms'), ctx(tehrani, NOON, [order]))).toEqual({
      kind: 'exit',
      reason: 'exit_event:order_placed',
      eventId: 'o1',
    });
  });

  it('reports none with every reason when no channel is usable', () => {
    const plan = planSend(step('sms', 'push'), ctx({ ...tehrani, consent: {}, pushTokens: [] }, NOON));
    expect(plan).toEqual({
      kind: 'none',
      skipped: [
        { channel: 'sms', reason: 'no_consent' },
        { channel: 'push', reason: 'no_consent' },
      ],
    });
  });

  it('defers SMS at 22:00 Tehran time to 08:00 Tehran time, keeping SMS rather than falling back', () => {
    const plan = planSend(step('sms', 'email'), ctx(tehrani, NIGHT));
    expect(plan).toMatchObject({ kind: 'defer', reason: 'quiet_hours', channel: 'sms', zone: 'Asia/Tehran' });
    expect(plan.kind === 'defer' && plan.until.toISOString()).toBe('2026-05-11T04:30:00.000Z');
  });

  it('tries email at night and drops a fallback channel that is in quiet hours', () => {
    const plan = planSend(step('email', 'sms', 'push'), ctx(tehrani, NIGHT));
    expect(plan).toMatchObject({
      kind: 'try',
      channels: ['email'],
      skipped: [
        { channel: 'sms', reason: 'quiet_hours' },
        { channel: 'push', reason: 'quiet_hours' },
      ],
    });
    expect(plan.kind === 'try' && plan.addresses).toEqual({ email: 'sara@example.com' });
  });

  it('tries every usable channel in order during the day', () => {
    const plan = planSend(
      step('preferred', 'sms', 'email'),
      ctx({ ...tehrani, preferredChannel: 'push' }, NOON),
    );
    expect(plan).toMatchObject({ kind: 'try', channels: ['push', 'sms', 'email'], skipped: [] });
  });

  it('skips unusable channels and defers on the first usable one', () => {
    const plan = planSend(step('push', 'sms'), ctx({ ...tehrani, pushTokens: [] }, NIGHT));
    expect(plan).toMatchObject({
      kind: 'defer',
      channel: 'sms',
      skipped: [{ channel: 'push', reason: 'no_push_token' }],
    });
  });

  it('uses the fallback zone, and says so, when the profile’s zone is invalid', () => {
    // 18:30Z is 18:30 in UTC: SMS allowed.
    const plan = planSend(step('sms'), ctx({ ...tehrani, timeZone: 'Asia/Teheran-ish' }, NIGHT));
    expect(plan).toMatchObject({
      kind: 'try',
      channels: ['sms'],
      zone: 'UTC',
      zoneFallback: 'invalid_time_zone',
    });
  });
});

// ── Property: whatever the profile, the plan never uses a channel it may not or cannot use ─────

const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string(), fc.boolean());
const consent = fc.oneof(
  fc.record({
    status: fc.constantFrom('opted_in', 'opted_out', 'unknown', 'maybe'),
    at: fc.constant(AT),
    source: fc.constant('x'),
  }),
  junk,
);
const perChannel = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(fc.record({ email: arb, sms: arb, push: arb }, { requiredKeys: [] }), junk);

const profileArb = fc.record(
  {
    id: fc.constant('c1'),
    email: fc.oneof(fc.constantFrom('a@example.com', 'bad@', ' A@B.CO ', 'x@y'), fc.emailAddress(), junk),
    phone: fc.oneof(fc.constantFrom('+989123456789', '+12125552368', '0912 345 6789', '+1 555 0100'), junk),
    country: fc.oneof(fc.constantFrom('IR', 'US', 'GB', 'ZZ', 'ir'), junk),
    pushTokens: fc.oneof(
      fc.array(
        fc.record({ platform: fc.constantFrom('APNS', 'GCM', 'WNS'), token: fc.oneof(fc.string(), junk) }),
        { maxLength: 2 },
      ),
      junk,
    ),
    locale: fc.oneof(fc.constantFrom('en', 'fa-IR', 'ar', ''), junk),
    timeZone: fc.oneof(
      fc.constantFrom('Asia/Tehran', 'America/New_York', 'Australia/Lord_Howe', 'Nope/Zone'),
      junk,
    ),
    preferredChannel: fc.oneof(fc.constantFrom('email', 'sms', 'push', 'fax'), junk),
    consent: perChannel(consent),
    suppressed: perChannel(fc.oneof(fc.record({ reason: fc.string(), at: fc.constant(AT) }), junk)),
    engagement: perChannel(
      fc.oneof(fc.record({ opens: fc.oneof(fc.nat(), junk), clicks: fc.oneof(fc.nat(), junk) }), junk),
    ),
  },
  { requiredKeys: ['id'] },
) as unknown as fc.Arbitrary<Profile>;

/** Anything at all under the profile's own keys (what a corrupted item might hold). */
const wildProfileArb = fc
  .record(
    Object.fromEntries(
      [
        'email',
        'phone',
        'country',
        'pushTokens',
        'locale',
        'timeZone',
        'preferredChannel',
        'consent',
        'suppressed',
        'engagement',
      ].map((k) => [k, fc.anything()]),
    ),
    { requiredKeys: [] },
  )
  .map((fields) => ({ ...fields, id: 'c1' }) as unknown as Profile);

const stepArb = fc
  .uniqueArray(fc.constantFrom<ChannelChoice>('preferred', 'email', 'sms', 'push'), {
    minLength: 1,
    maxLength: 4,
  })
  .chain((channels) =>
    fc
      .constantFrom('m', 'transactional')
      .map((message): SendStep => ({ type: 'send', message, channels, next: 'x' })),
  );

function usable(profile: Profile, channel: ChannelName, transactional: boolean): boolean {
  const status = (profile.consent as Record<string, { status?: unknown } | undefined> | undefined)?.[channel]
    ?.status;
  const consentOk = transactional || (channel === 'email' ? status !== 'opted_out' : status === 'opted_in');
  const suppressed = (profile.suppressed as Record<string, unknown> | undefined)?.[channel];
  const suppressedOk = suppressed === undefined || suppressed === null;
  const addressOk =
    channel === 'email'
      ? normaliseEmail(profile.email) !== undefined
      : channel === 'sms'
        ? normalisePhone(profile.phone, profile.country) !== undefined
        : Array.isArray(profile.pushTokens) &&
          profile.pushTokens.some((t) => typeof t?.token === 'string' && t.token.trim() !== '');
  return consentOk && suppressedOk && addressOk;
}

describe('send planning (property)', () => {
  it('skips every channel with no_content when the step names a message the journey lacks', () => {
    const plan = planSend({ ...step('email', 'sms'), message: 'missing' }, ctx(tehrani, NOON));
    expect(plan).toEqual({
      kind: 'none',
      skipped: [
        { channel: 'email', reason: 'no_content' },
        { channel: 'sms', reason: 'no_content' },
      ],
    });
  });

  it('never throws and never plans a channel without consent, address or outside allowed hours', () => {
    fc.assert(
      fc.property(
        fc.oneof(profileArb, wildProfileArb),
        stepArb,
        fc.date({
          min: new Date('2026-01-01T00:00:00Z'),
          max: new Date('2027-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (profile, s, now) => {
          const context: DecisionContext = { ...ctx(profile, AT), now };
          const plan = planSend(s, context);
          const transactional = s.message === 'transactional';
          switch (plan.kind) {
            case 'none':
              return plan.skipped.length > 0;
            case 'exit':
              return false; // no exit events in this history
            case 'defer':
              // The default policy exempts transactional messages from quiet hours.
              return !transactional && usable(profile, plan.channel, transactional) && plan.until > now;
            case 'try':
              return plan.channels.every(
                (c) =>
                  usable(profile, c, transactional) &&
                  (transactional || quietHoursEnd(c, plan.zone, now, DEFAULT_POLICY) === undefined),
              );
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('what a send step answers when nothing was sent', () => {
  const now = new Date('2026-05-01T12:00:00Z');
  const capUntil = new Date('2026-05-02T08:00:00Z');
  const a = (channel: ChannelName, result: ChannelAttempt['result']): ChannelAttempt => ({ channel, result });

  const cases: {
    name: string;
    attempts: ChannelAttempt[];
    capDeferUntil?: Date;
    attempt: number;
    expected: UnsentConclusion;
  }[] = [
    {
      name: 'a provider answer in doubt ends the step as unknown, even when a cap would defer',
      attempts: [a('sms', 'capped'), a('email', 'in_doubt')],
      capDeferUntil: capUntil,
      attempt: 1,
      expected: { kind: 'next', skipped: 'outcome_unknown', outcome: 'unknown' },
    },
    {
      name: 'a provider that asked to retry later retries after the backoff times the attempt',
      attempts: [a('email', 'retry_later')],
      attempt: 2,
      expected: { kind: 'defer', until: new Date(now.getTime() + 2 * TRANSIENT_BACKOFF_MS), reason: 'retry' },
    },
    {
      name: 'a provider still asking to retry on the last allowed attempt gives up as a failed send',
      attempts: [a('email', 'retry_later')],
      attempt: MAX_TRANSIENT_ATTEMPTS,
      expected: { kind: 'next', skipped: 'send_failed', outcome: 'failed' },
    },
    {
      name: 'a cap that defers wins over a transient failure on another channel',
      attempts: [a('sms', 'capped'), a('email', 'transient_failure')],
      capDeferUntil: capUntil,
      attempt: 1,
      expected: { kind: 'defer', until: capUntil, reason: 'capped' },
    },
    {
      name: 'a transient failure retries after the backoff times the attempt',
      attempts: [a('email', 'transient_failure')],
      attempt: 3,
      expected: { kind: 'defer', until: new Date(now.getTime() + 3 * TRANSIENT_BACKOFF_MS), reason: 'retry' },
    },
    {
      name: 'a transient failure on the last allowed attempt gives up as a failed send',
      attempts: [a('email', 'transient_failure')],
      attempt: MAX_TRANSIENT_ATTEMPTS,
      expected: { kind: 'next', skipped: 'send_failed', outcome: 'failed' },
    },
    {
      name: 'capped on every channel, with no deferring cap, moves on as capped',
      attempts: [a('sms', 'capped'), a('email', 'capped')],
      attempt: 1,
      expected: { kind: 'next', skipped: 'capped', outcome: 'capped' },
    },
    {
      name: 'a provider that refused moves on as a failed send',
      attempts: [a('sms', 'capped'), a('email', 'permanent_failure')],
      attempt: 1,
      expected: { kind: 'next', skipped: 'send_failed', outcome: 'failed' },
    },
    {
      name: 'a customer who became unreachable moves on with no channel',
      attempts: [a('email', 'not_allowed'), a('sms', 'render_error')],
      attempt: 1,
      expected: { kind: 'next', skipped: 'no_channel', outcome: 'skipped' },
    },
    {
      name: 'no attempt at all moves on with no channel',
      attempts: [],
      attempt: 1,
      expected: { kind: 'next', skipped: 'no_channel', outcome: 'skipped' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expect(concludeUnsent(c.attempts, c.capDeferUntil, c.attempt, now)).toEqual(c.expected);
    });
  }
});
