import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import { decideFlow } from '../../engine/policy/flow.ts';
import {
  atLocalTime,
  customerZone,
  parseSignedDuration,
  planWait,
  scheduleWait,
} from '../../engine/policy/time.ts';
import type { WaitStep } from '../../engine/schema.ts';
import { context, enrollment, event, journey, profile, SHAMPOO } from './policy-flow-fixtures.ts';

describe('customer time zone', () => {
  const cases: Array<[string, string | undefined, string | undefined, string, string, string | undefined]> = [
    // name, profile zone, journey default, config default, expected zone, expected reason
    ['uses the profile zone', 'Asia/Tehran', 'Europe/London', 'UTC', 'Asia/Tehran', undefined],
    [
      'falls back to the journey default when missing',
      undefined,
      'Europe/London',
      'UTC',
      'Europe/London',
      'missing_time_zone',
    ],
    ['treats an empty zone as missing', '', 'Europe/London', 'UTC', 'Europe/London', 'missing_time_zone'],
    [
      'falls back when invalid',
      'Mars/Olympus_Mons',
      'Europe/London',
      'UTC',
      'Europe/London',
      'invalid_time_zone',
    ],
    ['refuses a bare offset', '+03:30', undefined, 'Asia/Kolkata', 'Asia/Kolkata', 'invalid_time_zone'],
    [
      'skips an invalid journey default',
      'nope',
      'Also/Nope',
      'America/New_York',
      'America/New_York',
      'invalid_time_zone',
    ],
    ['ends at UTC', 'nope', 'Also/Nope', 'Still/Nope', 'UTC', 'invalid_time_zone'],
  ];
  it.each(cases)('%s', (_name, profileZone, journeyZone, configZone, zone, reason) => {
    const result = customerZone(
      profile(profileZone === undefined ? {} : { timeZone: profileZone }),
      journeyZone === undefined ? {} : { defaultTimeZone: journeyZone },
      { defaultTimeZone: configZone },
    );
    expect(result.zone).toBe(zone);
    expect(result.fallbackReason).toBe(reason);
  });
});

describe('local wall-clock times across DST', () => {
  const cases: Array<[string, string, string, string, string]> = [
    // name, zone, day, time, expected UTC
    ['New York gap moves forward', 'America/New_York', '2024-03-10', '02:30', '2024-03-10T07:30:00.000Z'],
    [
      'New York ambiguous takes the first',
      'America/New_York',
      '2024-11-03',
      '01:30',
      '2024-11-03T05:30:00.000Z',
    ],
    ['London gap moves forward', 'Europe/London', '2024-03-31', '01:30', '2024-03-31T01:30:00.000Z'],
    ['London ambiguous takes the first', 'Europe/London', '2024-10-27', '01:30', '2024-10-27T00:30:00.000Z'],
    ['London ordinary day', 'Europe/London', '2024-10-28', '01:30', '2024-10-28T01:30:00.000Z'],
    ['Tehran half-hour offset', 'Asia/Tehran', '2024-06-10', '10:00', '2024-06-10T06:30:00.000Z'],
    ['Kolkata half-hour offset', 'Asia/Kolkata', '2024-01-15', '00:15', '2024-01-14T18:45:00.000Z'],
  ];
  it.each(cases)('%s', (_name, zone, day, time, expected) => {
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    expect(atLocalTime({ year, month, day: date }, { hour, minute }, zone).toUTC().toISO()).toBe(expected);
  });
});

describe('signed durations', () => {
  it.each([
    ['-P3D', -3 * 86_400_000],
    ['+PT2H', 2 * 3_600_000],
    ['P1D', 86_400_000],
  ])('%s', (text, ms) => {
    expect(parseSignedDuration(text)?.toMillis()).toBe(ms);
  });
  it('refuses garbage', () => {
    expect(parseSignedDuration('-3 days')).toBeUndefined();
    expect(parseSignedDuration(3)).toBeUndefined();
  });
});

function wait(fields: Omit<WaitStep, 'type' | 'next'>): WaitStep {
  return { type: 'wait', next: 'after', ...fields };
}

describe('scheduleWait', () => {
  // name, step, now, profile zone, expected
  const cases: Array<[string, WaitStep, string, string | undefined, string]> = [
    [
      'a duration from now',
      wait({ duration: 'PT1H' }),
      '2024-06-10T12:00:00Z',
      'UTC',
      '2024-06-10T13:00:00.000Z',
    ],
    [
      'a day keeps the wall-clock time across spring forward (New York)',
      wait({ duration: 'P1D' }),
      '2024-03-09T15:00:00Z',
      'America/New_York',
      '2024-03-10T14:00:00.000Z',
    ],
    [
      'a day keeps the wall-clock time across fall back (London)',
      wait({ duration: 'P1D' }),
      '2024-10-26T09:00:00Z',
      'Europe/London',
      '2024-10-27T10:00:00.000Z',
    ],
    [
      'hours are exact across a DST change',
      wait({ duration: 'PT24H' }),
      '2024-03-09T15:00:00Z',
      'America/New_York',
      '2024-03-10T15:00:00.000Z',
    ],
    [
      'local time later today (Tehran +03:30)',
      wait({ until: { localTime: '18:00' } }),
      '2024-06-10T12:00:00Z',
      'Asia/Tehran',
      '2024-06-10T14:30:00.000Z',
    ],
    [
      'local time already passed ⇒ tomorrow (Tehran)',
      wait({ until: { localTime: '10:00' } }),
      '2024-06-10T12:00:00Z',
      'Asia/Tehran',
      '2024-06-11T06:30:00.000Z',
    ],
    [
      'local time exactly now ⇒ now (Kolkata +05:30)',
      wait({ until: { localTime: '17:30' } }),
      '2024-06-10T12:00:00Z',
      'Asia/Kolkata',
      '2024-06-10T12:00:00.000Z',
    ],
    [
      'local time a minute ago ⇒ tomorrow (Kolkata)',
      wait({ until: { localTime: '17:29' } }),
      '2024-06-10T12:00:00Z',
      'Asia/Kolkata',
      '2024-06-11T11:59:00.000Z',
    ],
    [
      'local time after midnight in the customer zone, not UTC (Kolkata)',
      wait({ until: { localTime: '09:00' } }),
      '2024-06-10T20:00:00Z',
      'Asia/Kolkata',
      '2024-06-11T03:30:00.000Z',
    ],
    [
      'local time in the spring-forward gap moves forward (New York)',
      wait({ until: { localTime: '02:30' } }),
      '2024-03-10T05:00:00Z',
      'America/New_York',
      '2024-03-10T07:30:00.000Z',
    ],
    [
      'ambiguous local time takes the first occurrence (New York)',
      wait({ until: { localTime: '01:30' } }),
      '2024-11-03T04:00:00Z',
      'America/New_York',
      '2024-11-03T05:30:00.000Z',
    ],
    [
      'ambiguous local time whose first occurrence passed ⇒ tomorrow (London)',
      wait({ until: { localTime: '01:30' } }),
      '2024-10-27T00:45:00Z',
      'Europe/London',
      '2024-10-28T01:30:00.000Z',
    ],
    [
      'local time in the London spring-forward gap',
      wait({ until: { localTime: '01:30' } }),
      '2024-03-31T00:00:00Z',
      'Europe/London',
      '2024-03-31T01:30:00.000Z',
    ],
    [
      'duration then the next local time (London)',
      wait({ duration: 'P2D', until: { localTime: '10:00' } }),
      '2024-06-10T12:00:00Z',
      'Europe/London',
      '2024-06-13T09:00:00.000Z',
    ],
    [
      'duration then a local time still ahead that day (London)',
      wait({ duration: 'P2D', until: { localTime: '18:00' } }),
      '2024-06-10T12:00:00Z',
      'Europe/London',
      '2024-06-12T17:00:00.000Z',
    ],
    [
      'a missing zone uses UTC by default',
      wait({ until: { localTime: '10:00' } }),
      '2024-06-10T08:00:00Z',
      undefined,
      '2024-06-10T10:00:00.000Z',
    ],
  ];
  it.each(cases)('%s', (_name, step, now, zone, expected) => {
    const ctx = context({
      now: new Date(now),
      profile: profile(zone === undefined ? {} : { timeZone: zone }),
    });
    expect(scheduleWait(step, ctx).toISOString()).toBe(expected);
  });
});

describe('replenishment waits (date + days from a field + offset)', () => {
  const replenish = wait({
    until: {
      date: 'event.time',
      addDaysFrom: 'product.replenishmentDays',
      offset: '-P3D',
      localTime: '10:00',
    },
  });
  const orderAt = (time: string) =>
    enrollment({
      productId: SHAMPOO.id,
      event: event('order_placed', time, { orderId: 'o1', items: [{ productId: SHAMPOO.id, quantity: 1 }] }),
    });

  // name, step, order time, now, zone, expected until, expected notes
  const cases: Array<[string, WaitStep, string, string, string, string, string[]]> = [
    [
      'order date + 30 days − 3 days at 10:00 Tehran',
      replenish,
      '2024-06-01T08:00:00Z',
      '2024-06-01T08:00:01Z',
      'Asia/Tehran',
      '2024-06-28T06:30:00.000Z',
      [],
    ],
    [
      'the day is the customer’s local day (late-evening UTC order, Kolkata)',
      replenish,
      '2024-06-01T20:00:00Z',
      '2024-06-01T20:00:01Z',
      'Asia/Kolkata',
      '2024-06-29T04:30:00.000Z',
      [],
    ],
    [
      'across spring forward, 10:00 stays 10:00 local (New York)',
      replenish,
      '2024-02-15T15:00:00Z',
      '2024-02-15T15:00:01Z',
      'America/New_York',
      '2024-03-13T14:00:00.000Z',
      [],
    ],
    [
      'without a local time the order’s time of day is kept (London across fall back)',
      wait({ until: { date: 'event.time', addDaysFrom: 'product.replenishmentDays', offset: '-P3D' } }),
      '2024-10-01T08:00:00Z',
      '2024-10-01T08:00:01Z',
      'Europe/London',
      '2024-10-28T09:00:00.000Z',
      [],
    ],
    [
      'a date already in the past continues now',
      replenish,
      '2024-01-01T08:00:00Z',
      '2024-06-10T12:00:00Z',
      'UTC',
      '2024-06-10T12:00:00.000Z',
      ['date_in_past'],
    ],
  ];
  it.each(cases)('%s', (_name, step, orderTime, now, zone, expected, notes) => {
    const ctx = context({
      now: new Date(now),
      profile: profile({ timeZone: zone }),
      enrollment: orderAt(orderTime),
      product: SHAMPOO,
    });
    const plan = planWait(step, ctx);
    expect(plan.until.toISOString()).toBe(expected);
    expect(plan.notes).toEqual(notes);
  });

  it('reads a bare date as midnight in the customer zone', () => {
    const ctx = context({
      now: new Date('2024-06-10T00:00:00Z'),
      profile: profile({ timeZone: 'Asia/Kolkata', attributes: { lastOrderAt: '2024-07-01' } }),
    });
    const step = wait({ until: { date: 'profile.attributes.lastOrderAt', localTime: '09:00' } });
    expect(scheduleWait(step, ctx).toISOString()).toBe('2024-07-01T03:30:00.000Z');
    const noTime = wait({ until: { date: 'profile.attributes.lastOrderAt', offset: 'PT1H' } });
    expect(scheduleWait(noTime, ctx).toISOString()).toBe('2024-06-30T19:30:00.000Z');
  });

  it('uses the operator default zone when neither profile nor journey has one', () => {
    const ctx = context({
      now: new Date('2024-06-10T00:00:00Z'),
      config: { ...DEFAULT_POLICY, defaultTimeZone: 'Asia/Tehran' },
    });
    expect(scheduleWait(wait({ until: { localTime: '10:00' } }), ctx).toISOString()).toBe(
      '2024-06-10T06:30:00.000Z',
    );
  });
});

describe('dates without an offset', () => {
  it('reads a local date-time in the customer zone, whatever the host zone', () => {
    const ctx = context({
      now: new Date('2024-06-10T00:00:00Z'),
      profile: profile({ timeZone: 'Asia/Tehran', attributes: { lastOrderAt: '2024-07-01T09:00:00' } }),
    });
    const step = wait({ until: { date: 'profile.attributes.lastOrderAt' } });
    expect(scheduleWait(step, ctx).toISOString()).toBe('2024-07-01T05:30:00.000Z');
  });
});

// A "we miss you" timed on the last order must not go out, at once and at 13:00, to a customer
// who never ordered: a missing date takes the path the step names, `exit` unless it says `skip`.
describe('waits on a date the customer does not have', () => {
  const noOrder = 'profile.attributes.lastOrderAt';
  const byDays = { date: 'event.time', addDaysFrom: 'product.replenishmentDays', offset: '-P3D' };
  const tehran = profile({ timeZone: 'Asia/Tehran', attributes: { lastOrderAt: 'not a date' } });
  // NOW is 2024-06-10 12:00 UTC, 15:30 in Tehran.
  // name, until, expected plan (`until` UTC, notes, exit)
  const cases: Array<[string, WaitStep['until'], { until: string; notes: string[]; exit?: 'missing_date' }]> =
    [
      [
        'no such attribute, ifMissing left out: exit (the default)',
        { date: 'profile.attributes.firstOrderAt', offset: 'P30D', localTime: '10:00' },
        { until: '2024-06-10T12:00:00.000Z', notes: ['missing_date'], exit: 'missing_date' },
      ],
      [
        'a value that is not a date, ifMissing exit',
        { date: noOrder, localTime: '10:00', ifMissing: 'exit' },
        { until: '2024-06-10T12:00:00.000Z', notes: ['missing_date'], exit: 'missing_date' },
      ],
      [
        'no product cycle to add (no addDaysFrom number): exit',
        { ...byDays, localTime: '10:00' },
        { until: '2024-06-10T12:00:00.000Z', notes: ['missing_add_days'], exit: 'missing_date' },
      ],
      [
        'skip, with a time of day: the next 10:00 in Tehran, not now',
        { date: 'profile.attributes.firstOrderAt', offset: 'P30D', localTime: '10:00', ifMissing: 'skip' },
        { until: '2024-06-11T06:30:00.000Z', notes: ['missing_date', 'missing_date_skipped'] },
      ],
      [
        'skip, with a time of day still ahead today: 18:00 in Tehran',
        { date: noOrder, localTime: '18:00', ifMissing: 'skip' },
        { until: '2024-06-10T14:30:00.000Z', notes: ['missing_date', 'missing_date_skipped'] },
      ],
      [
        'skip, without a time of day: now',
        { ...byDays, ifMissing: 'skip' },
        { until: '2024-06-10T12:00:00.000Z', notes: ['missing_add_days', 'missing_date_skipped'] },
      ],
    ];

  it.each(cases)('%s', (_, until, expected) => {
    const plan = planWait(wait({ until }), context({ profile: tehran }));
    expect({
      until: plan.until.toISOString(),
      notes: plan.notes,
      ...(plan.exit ? { exit: plan.exit } : {}),
    }).toEqual(expected);
  });

  it('a schedule decision exits with reason missing_date, or waits when the step says skip', () => {
    const ctx = context({ profile: tehran });
    const exit = wait({ until: { date: noOrder, localTime: '10:00' } });
    expect(decideFlow('schedule', exit, ctx, 'after').result).toEqual({
      outcome: 'exit',
      reason: 'missing_date',
    });
    const skip = wait({ until: { date: noOrder, localTime: '10:00', ifMissing: 'skip' } });
    expect(decideFlow('schedule', skip, ctx, 'after').result).toEqual({
      outcome: 'wait',
      until: '2024-06-11T06:30:00.000Z',
    });
  });

  it('an invalid profile zone is noted too, and the journey still exits on the missing cycle', () => {
    const ctx = context({
      now: new Date('2024-06-01T00:00:00Z'),
      profile: profile({ timeZone: 'Nowhere/Special' }),
      journey: journey({ defaultTimeZone: 'Asia/Tehran' }),
      enrollment: enrollment({ event: event('order_placed', '2024-06-01T00:00:00Z', { orderId: 'o1' }) }),
    });
    const plan = planWait(wait({ until: { ...byDays, localTime: '10:00' } }), ctx);
    expect([plan.zone, plan.notes, plan.exit]).toEqual([
      'Asia/Tehran',
      ['invalid_time_zone', 'missing_add_days'],
      'missing_date',
    ]);
  });

  it('a date that exists is unaffected by ifMissing', () => {
    const ctx = context({
      profile: profile({ timeZone: 'Asia/Tehran', attributes: { lastOrderAt: '2024-07-01' } }),
    });
    const plan = planWait(wait({ until: { date: noOrder, localTime: '09:00', ifMissing: 'skip' } }), ctx);
    expect([plan.until.toISOString(), plan.notes, plan.exit]).toEqual([
      '2024-07-01T05:30:00.000Z',
      [],
      undefined,
    ]);
  });
});
