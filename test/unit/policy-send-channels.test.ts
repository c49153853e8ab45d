import { describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import type { Profile } from '../../engine/data.ts';
import {
  candidateChannels,
  normaliseEmail,
  normalisePhone,
  preferredChannel,
} from '../../engine/policy/channels.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import type { ChannelChoice, Journey, Message, SendStep } from '../../engine/schema.ts';
import { everywhere } from '../helpers/policy-fixtures.ts';

const AT = '2026-01-01T00:00:00Z';
const optedIn = { status: 'opted_in', at: AT, source: 'signup_form' } as const;
const optedOut = { status: 'opted_out', at: AT, source: 'unsubscribe_link' } as const;
const unknown = { status: 'unknown', at: AT, source: 'import' } as const;

/** Reachable on every channel, consented to everything. */
const reachable: Profile = {
  id: 'c1',
  email: 'ada@example.com',
  phone: '+447911123456',
  pushTokens: [{ platform: 'APNS', token: 'tok-1' }],
  locale: 'en',
  timeZone: 'Europe/London',
  consent: { email: optedIn, sms: optedIn, push: optedIn },
};

function ctx(profile: Profile, message: Message = everywhere): DecisionContext {
  const journey: Journey = {
    id: 'j',
    version: 1,
    name: 'J',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    start: 's',
    steps: {},
    messages: { m: message },
  };
  const enrollment: Enrollment = {
    id: 'en-1',
    customerId: profile.id,
    journeyId: 'j',
    journeyVersion: 1,
    enteredAt: AT,
    event: { id: 'e1', type: 'signed_up', customerId: profile.id, time: AT, properties: {} },
  };
  return {
    journey,
    enrollment,
    profile,
    history: [],
    now: new Date('2026-05-10T12:00:00Z'),
    config: DEFAULT_POLICY,
  };
}

const step = (...channels: ChannelChoice[]): SendStep => ({
  type: 'send',
  message: 'm',
  channels,
  next: 'x',
});

describe('channel choice', () => {
  const rows: {
    name: string;
    profile: Profile;
    channels: ChannelChoice[];
    message?: Message;
    candidates: string[];
    skipped: [string, string][];
  }[] = [
    {
      name: 'keeps the step’s order when every channel is usable',
      profile: reachable,
      channels: ['push', 'email', 'sms'],
      candidates: ['push', 'email', 'sms'],
      skipped: [],
    },
    {
      name: 'falls back to email when the customer has no push token',
      profile: { ...reachable, pushTokens: [] },
      channels: ['push', 'email'],
      candidates: ['email'],
      skipped: [['push', 'no_push_token']],
    },
    {
      name: '`preferred` is the stated preference, and a later duplicate is dropped',
      profile: { ...reachable, preferredChannel: 'sms' },
      channels: ['preferred', 'email', 'sms'],
      candidates: ['sms', 'email'],
      skipped: [],
    },
    {
      name: '`preferred` without a stated one is the most engaged channel (clicks weigh more)',
      profile: {
        ...reachable,
        engagement: { email: { opens: 5, clicks: 0 }, push: { opens: 1, clicks: 2 } },
      },
      channels: ['preferred', 'email'],
      candidates: ['push', 'email'],
      skipped: [],
    },
    {
      name: '`preferred` with tied engagement means no preference',
      profile: { ...reachable, engagement: { email: { opens: 3, clicks: 0 }, sms: { opens: 0, clicks: 1 } } },
      channels: ['preferred', 'email'],
      candidates: ['email'],
      skipped: [['preferred', 'no_preference']],
    },
    {
      name: '`preferred` without preference or engagement is skipped',
      profile: reachable,
      channels: ['preferred'],
      candidates: [],
      skipped: [['preferred', 'no_preference']],
    },
    {
      name: 'marketing SMS and push need an explicit opt-in',
      profile: { ...reachable, consent: { email: unknown, sms: unknown } },
      channels: ['sms', 'push', 'email'],
      candidates: ['email'],
      skipped: [
        ['sms', 'no_consent'],
        ['push', 'no_consent'],
      ],
    },
    {
      name: 'marketing email is allowed without a consent record but not after opting out',
      profile: { ...reachable, consent: { sms: optedIn } },
      channels: ['email'],
      candidates: ['email'],
      skipped: [],
    },
    {
      name: 'an opted-out channel is skipped',
      profile: { ...reachable, consent: { email: optedOut, sms: optedOut, push: optedIn } },
      channels: ['email', 'sms', 'push'],
      candidates: ['push'],
      skipped: [
        ['email', 'opted_out'],
        ['sms', 'opted_out'],
      ],
    },
    {
      name: 'transactional messages skip consent',
      profile: { ...reachable, consent: { email: optedOut, sms: unknown } },
      message: { ...everywhere, category: 'transactional' },
      channels: ['email', 'sms'],
      candidates: ['email', 'sms'],
      skipped: [],
    },
    {
      name: 'transactional messages still respect suppression',
      profile: { ...reachable, suppressed: { email: { reason: 'hard_bounce', at: AT } } },
      message: { ...everywhere, category: 'transactional' },
      channels: ['email', 'sms'],
      candidates: ['sms'],
      skipped: [['email', 'suppressed:hard_bounce']],
    },
    {
      name: 'suppression reasons: complaint, STOP, invalid token',
      profile: {
        ...reachable,
        suppressed: {
          email: { reason: 'complaint', at: AT },
          sms: { reason: 'STOP', at: AT },
          push: { reason: 'invalid token', at: AT },
        },
      },
      channels: ['email', 'sms', 'push'],
      candidates: [],
      skipped: [
        ['email', 'suppressed:complaint'],
        ['sms', 'suppressed:stop'],
        ['push', 'suppressed:invalid_token'],
      ],
    },
    {
      name: 'invalid email and phone are skipped with their reasons',
      profile: { ...reachable, email: 'ada@@example', phone: '+1 555 0100' },
      channels: ['email', 'sms', 'push'],
      candidates: ['push'],
      skipped: [
        ['email', 'invalid_email'],
        ['sms', 'invalid_phone'],
      ],
    },
    {
      name: 'missing email and phone are invalid addresses',
      profile: { id: 'c2', consent: { sms: optedIn } },
      channels: ['email', 'sms'],
      candidates: [],
      skipped: [
        ['email', 'invalid_email'],
        ['sms', 'invalid_phone'],
      ],
    },
    {
      name: 'a channel without content in the message is skipped',
      profile: reachable,
      message: { locales: { en: { email: { subject: 's', html: 'h', text: 't' } } } },
      channels: ['sms', 'email'],
      candidates: ['email'],
      skipped: [['sms', 'no_content']],
    },
  ];

  it.each(rows)('$name', ({ profile, channels, message, candidates, skipped }) => {
    const result = candidateChannels(step(...channels), ctx(profile, message));
    expect(result.candidates).toEqual(candidates);
    expect(result.skipped.map((s) => [s.channel, s.reason])).toEqual(skipped);
  });

  it('returns the normalised address of each usable channel only', () => {
    const profile: Profile = {
      ...reachable,
      email: ' Ada@EXAMPLE.com ',
      phone: '07911 123456',
      country: 'GB',
    };
    const result = candidateChannels(step('email', 'sms', 'push'), ctx({ ...profile, pushTokens: [] }));
    expect(result.addresses).toEqual({ email: 'Ada@example.com', sms: '+447911123456' });
  });
});

describe('preferred channel', () => {
  it('prefers the stated channel over engagement', () => {
    expect(
      preferredChannel({ id: 'c', preferredChannel: 'email', engagement: { sms: { opens: 9, clicks: 9 } } }),
    ).toBe('email');
  });
});

describe('address checks', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ['user@xn--bcher-kva.example', 'user@xn--bcher-kva.example'],
    ['ada@example', undefined],
    ['ada.@example.com', undefined],
    ['a..b@example.com', undefined],
    ['ada@-example.com', undefined],
    ['ada example@example.com', undefined],
    ['@example.com', undefined],
    ['ada@example.c', undefined],
    [`${'a'.repeat(65)}@example.com`, undefined],
  ])('email %s → %s', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    { phone: '+98 912 345 6789', country: undefined, expected: '+989123456789' },
    { phone: '0912 345 6789', country: 'IR', expected: '+989123456789' },
    { phone: '(212) 555-2368', country: 'us', expected: '+12125552368' },
    { phone: '+1 555 0100', country: undefined, expected: undefined },
    { phone: '12345', country: 'GB', expected: undefined },
    { phone: '0912 345 6789', country: undefined, expected: undefined },
    { phone: '07911 123456', country: 'ZZ', expected: undefined },
  ])('phone $phone in $country → $expected', ({ phone, country, expected }) => {
    expect(normalisePhone(phone, country)).toBe(expected);
  });
});
