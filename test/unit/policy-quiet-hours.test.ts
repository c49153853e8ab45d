import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type PolicyConfig, type QuietHoursWindow } from '../../engine/policy/config.ts';
import { isInWindow, quietHoursEnd } from '../../engine/policy/quiet-hours.ts';
import type { ChannelName } from '../../engine/schema.ts';

const withSmsWindow = (window: QuietHoursWindow): PolicyConfig => ({
  ...DEFAULT_POLICY,
  quietHours: { sms: window },
});

interface Row {
  name: string;
  zone: string;
  now: string;
  channel?: ChannelName;
  window?: QuietHoursWindow;
  /** Expected end as an ISO instant, or null when the channel is allowed at `now`. */
  until: string | null;
}

// Default windows: SMS and push quiet from 21:00 to 08:00, email never quiet.
const rows: Row[] = [
  {
    name: 'UTC evening defers to 08:00 next day',
    zone: 'UTC',
    now: '2026-03-10T22:00:00Z',
    until: '2026-03-11T08:00:00.000Z',
  },
  { name: 'UTC midday is allowed', zone: 'UTC', now: '2026-03-10T12:00:00Z', until: null },
  { name: 'UTC at 08:00 exactly is allowed', zone: 'UTC', now: '2026-03-10T08:00:00Z', until: null },
  {
    name: 'UTC at 21:00 exactly is quiet',
    zone: 'UTC',
    now: '2026-03-10T21:00:00Z',
    until: '2026-03-11T08:00:00.000Z',
  },
  {
    name: 'UTC 07:59:30 waits 30 seconds',
    zone: 'UTC',
    now: '2026-03-10T07:59:30Z',
    until: '2026-03-10T08:00:00.000Z',
  },
  {
    name: 'email has no quiet hours',
    zone: 'UTC',
    now: '2026-03-10T23:00:00Z',
    channel: 'email',
    until: null,
  },
  {
    name: 'push shares the SMS window',
    zone: 'UTC',
    now: '2026-03-10T02:00:00Z',
    channel: 'push',
    until: '2026-03-10T08:00:00.000Z',
  },

  // Asia/Tehran: UTC+03:30, no DST since 2022.
  {
    name: 'Tehran 21:15 defers to 08:00 Tehran',
    zone: 'Asia/Tehran',
    now: '2026-06-01T17:45:00Z',
    until: '2026-06-02T04:30:00.000Z',
  },
  { name: 'Tehran 20:59 is allowed', zone: 'Asia/Tehran', now: '2026-06-01T17:29:00Z', until: null },
  {
    name: 'Tehran 07:59 waits a minute',
    zone: 'Asia/Tehran',
    now: '2026-06-01T04:29:00Z',
    until: '2026-06-01T04:30:00.000Z',
  },
  { name: 'Tehran 08:00 is allowed', zone: 'Asia/Tehran', now: '2026-06-01T04:30:00Z', until: null },
  {
    name: 'Tehran in March (old DST date) stays +03:30',
    zone: 'Asia/Tehran',
    now: '2026-03-22T18:00:00Z',
    until: '2026-03-23T04:30:00.000Z',
  },

  // Asia/Kolkata: UTC+05:30.
  {
    name: 'Kolkata 21:00 defers to 08:00 IST',
    zone: 'Asia/Kolkata',
    now: '2026-01-15T15:30:00Z',
    until: '2026-01-16T02:30:00.000Z',
  },
  { name: 'Kolkata 20:59 is allowed', zone: 'Asia/Kolkata', now: '2026-01-15T15:29:00Z', until: null },
  {
    name: 'Kolkata 03:00 defers to 08:00 same day',
    zone: 'Asia/Kolkata',
    now: '2026-01-15T21:30:00Z',
    until: '2026-01-16T02:30:00.000Z',
  },

  // America/New_York: spring forward 2026-03-08 02:00 EST → 03:00 EDT; fall back 2026-11-01 02:00 EDT → 01:00 EST.
  {
    name: 'New York: quiet starts at 21:00 EST the night before spring forward',
    zone: 'America/New_York',
    now: '2026-03-08T02:00:00Z',
    until: '2026-03-08T12:00:00.000Z',
  },
  {
    name: 'New York: 20:00 EST before spring forward is allowed',
    zone: 'America/New_York',
    now: '2026-03-08T01:00:00Z',
    until: null,
  },
  {
    name: 'New York: spring-forward night ends at 08:00 EDT',
    zone: 'America/New_York',
    now: '2026-03-08T05:00:00Z',
    until: '2026-03-08T12:00:00.000Z',
  },
  {
    name: 'New York: an end in the skipped hour (02:30) ends at the jump (03:00 EDT)',
    zone: 'America/New_York',
    now: '2026-03-08T06:00:00Z',
    window: { start: '22:00', end: '02:30' },
    until: '2026-03-08T07:00:00.000Z',
  },
  {
    name: 'New York: fall-back night ends at 08:00 EST',
    zone: 'America/New_York',
    now: '2026-11-01T02:00:00Z',
    until: '2026-11-01T13:00:00.000Z',
  },
  {
    name: 'New York: a repeated end time (01:30) ends at its first occurrence',
    zone: 'America/New_York',
    now: '2026-11-01T04:00:00Z',
    window: { start: '22:00', end: '01:30' },
    until: '2026-11-01T05:30:00.000Z',
  },
  {
    name: 'New York: during the repeated hour, quiet again until the second 01:30',
    zone: 'America/New_York',
    now: '2026-11-01T06:10:00Z',
    window: { start: '22:00', end: '01:30' },
    until: '2026-11-01T06:30:00.000Z',
  },

  // Europe/London: BST from 2026-03-29 01:00 GMT; GMT again from 2026-10-25 02:00 BST.
  {
    name: 'London: night into BST ends at 08:00 BST',
    zone: 'Europe/London',
    now: '2026-03-28T21:00:00Z',
    until: '2026-03-29T07:00:00.000Z',
  },
  {
    name: 'London: night out of BST ends at 08:00 GMT',
    zone: 'Europe/London',
    now: '2026-10-24T20:00:00Z',
    until: '2026-10-25T08:00:00.000Z',
  },
  {
    name: 'London: 20:30 BST in summer is allowed',
    zone: 'Europe/London',
    now: '2026-07-01T19:30:00Z',
    until: null,
  },
  {
    name: 'London: 21:30 BST in summer is quiet',
    zone: 'Europe/London',
    now: '2026-07-01T20:30:00Z',
    until: '2026-07-02T07:00:00.000Z',
  },

  // Australia/Lord_Howe: +10:30, and +11:00 in summer (a 30-minute DST shift).
  // Forward 2026-10-04 02:00 → 02:30; back 2026-04-05 02:00 → 01:30.
  {
    name: 'Lord Howe: night of the 30-minute jump ends at 08:00 daylight time',
    zone: 'Australia/Lord_Howe',
    now: '2026-10-03T11:00:00Z',
    until: '2026-10-03T21:00:00.000Z',
  },
  {
    name: 'Lord Howe: an end in the skipped half hour (02:15) ends at the jump',
    zone: 'Australia/Lord_Howe',
    now: '2026-10-03T14:30:00Z',
    window: { start: '22:00', end: '02:15' },
    until: '2026-10-03T15:30:00.000Z',
  },
  {
    name: 'Lord Howe: a repeated end time (01:45) ends at its first occurrence',
    zone: 'Australia/Lord_Howe',
    now: '2026-04-04T13:30:00Z',
    window: { start: '22:00', end: '01:45' },
    until: '2026-04-04T14:45:00.000Z',
  },
  {
    name: 'Lord Howe: during the repeated half hour, quiet again until the second 01:45',
    zone: 'Australia/Lord_Howe',
    now: '2026-04-04T15:05:00Z',
    window: { start: '22:00', end: '01:45' },
    until: '2026-04-04T15:15:00.000Z',
  },

  // Pacific/Chatham: +13:45 in summer, back to +12:45 at 03:45 local on 2026-04-05 (14:00Z).
  {
    name: 'Chatham: a clock set back before the window’s start ends the window at the change',
    zone: 'Pacific/Chatham',
    now: '2026-04-04T13:30:00Z',
    window: { start: '03:00', end: '06:00' },
    until: '2026-04-04T14:00:00.000Z',
  },

  // A window that does not span midnight.
  {
    name: 'a daytime window (12:00–14:00) defers to 14:00',
    zone: 'Asia/Kolkata',
    now: '2026-05-05T07:00:00Z',
    window: { start: '12:00', end: '14:00' },
    until: '2026-05-05T08:30:00.000Z',
  },
  {
    name: 'a daytime window does not apply at night',
    zone: 'Asia/Kolkata',
    now: '2026-05-05T17:00:00Z',
    window: { start: '12:00', end: '14:00' },
    until: null,
  },

  // An unknown zone is treated as UTC.
  {
    name: 'an unknown zone is read as UTC',
    zone: 'Mars/Olympus_Mons',
    now: '2026-03-10T22:00:00Z',
    until: '2026-03-11T08:00:00.000Z',
  },
];

describe('quiet hours in the customer’s time zone', () => {
  it.each(rows)('$name', ({ zone, now, channel, window, until }) => {
    const config = window ? withSmsWindow(window) : DEFAULT_POLICY;
    const end = quietHoursEnd(channel ?? 'sms', zone, new Date(now), config);
    expect(end?.toISOString() ?? null).toBe(until);
  });

  it('has no quiet hours for a channel the config leaves out', () => {
    const config: PolicyConfig = { ...DEFAULT_POLICY, quietHours: {} };
    expect(quietHoursEnd('sms', 'UTC', new Date('2026-03-10T23:00:00Z'), config)).toBeUndefined();
  });
});

describe('quiet-hours windows', () => {
  it('treats start as inside and end as outside, across midnight', () => {
    const w = { start: '21:00', end: '08:00' };
    expect([20 * 60 + 59, 21 * 60, 0, 7 * 60 + 59, 8 * 60].map((m) => isInWindow(m, w))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('quiet hours (property)', () => {
  const zones = [
    'UTC',
    'Asia/Tehran',
    'Asia/Kolkata',
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/St_Johns',
    'Asia/Kathmandu',
  ];
  const hhmm = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const localMinute = (d: Date, zone: string) => {
    const l = DateTime.fromJSDate(d, { zone });
    return l.hour * 60 + l.minute;
  };

  it('ends at the first allowed minute: after now, outside the window, the minute before inside', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2025-01-01T00:00:00Z'),
          max: new Date('2028-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(...zones),
        hhmm,
        hhmm,
        (now, zone, start, end) => {
          fc.pre(start !== end);
          const window = { start, end };
          const until = quietHoursEnd('sms', zone, now, withSmsWindow(window));
          const quietNow = isInWindow(localMinute(now, zone), window);
          if (!quietNow) return until === undefined;
          if (!until) return false;
          const oneMinuteEarlier = new Date(until.getTime() - 60_000);
          return (
            until > now &&
            until.getTime() - now.getTime() <= 26 * 3_600_000 &&
            !isInWindow(localMinute(until, zone), window) &&
            (oneMinuteEarlier < now || isInWindow(localMinute(oneMinuteEarlier, zone), window))
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is quiet at every minute from now until the end, around DST changes', () => {
    // Nights around the 2026 transitions of the zones under test.
    const transitions = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...transitions),
        fc.integer({ min: -20 * 60, max: 20 * 60 }),
        hhmm,
        hhmm,
        ([zone, at], minutesFromChange, start, end) => {
          fc.pre(start !== end);
          const window = { start, end };
          const now = new Date(Date.parse(at) + minutesFromChange * 60_000);
          const until = quietHoursEnd('sms', zone, now, withSmsWindow(window));
          if (!until) return !isInWindow(localMinute(now, zone), window);
          for (let t = now.getTime(); t < until.getTime(); t += 60_000) {
            if (!isInWindow(localMinute(new Date(t), zone), window)) return false;
          }
          return !isInWindow(localMinute(until, zone), window);
        },
      ),
      { numRuns: 300 },
    );
  });
});
