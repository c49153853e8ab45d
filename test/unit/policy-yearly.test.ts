import { describe, expect, it } from 'vitest';
import { parseYearlyDate } from '../../engine/policy/anniversary.ts';
import { decideFlow } from '../../engine/policy/flow.ts';
import { nextAnniversary, parseLocalTime, parseSignedDuration, planWait } from '../../engine/policy/time.ts';
import type { WaitStep } from '../../engine/schema.ts';
import { context, enrollment, profile } from './policy-flow-fixtures.ts';

function yearly(until: Partial<NonNullable<WaitStep['until']>>): WaitStep {
  return {
    type: 'wait',
    until: { date: 'profile.attributes.birthday', every: 'year', ...until },
    next: 'send-birthday',
  };
}

/** The plan for a customer born on `birthday`, in `zone`, at `now`, who entered the journey at `now`. */
function plan(now: string, zone: string, birthday: string, until: Partial<NonNullable<WaitStep['until']>>) {
  const at = new Date(now);
  return planWait(
    yearly(until),
    context({
      now: at,
      enrollment: enrollment({ enteredAt: at.toISOString() }),
      profile: profile({ timeZone: zone, attributes: { birthday } }),
    }),
  );
}

describe('the next anniversary of a yearly date', () => {
  const dayBefore9 = { offset: '-P1D', localTime: '09:00' };
  // name, now (UTC), zone, birthday, until, expected end (UTC)
  const cases: Array<[string, string, string, string, Partial<NonNullable<WaitStep['until']>>, string]> = [
    [
      '29 February is 28 February in a common year',
      '2025-01-10T00:00:00Z',
      'UTC',
      '1992-02-29',
      { localTime: '09:00' },
      '2025-02-28T09:00:00.000Z',
    ],
    [
      '29 February is itself in a leap year',
      '2028-01-10T00:00:00Z',
      'UTC',
      '1992-02-29',
      { localTime: '09:00' },
      '2028-02-29T09:00:00.000Z',
    ],
    [
      '29 February, the day before, in a common year: 27 February',
      '2027-01-10T00:00:00Z',
      'UTC',
      '1992-02-29',
      dayBefore9,
      '2027-02-27T09:00:00.000Z',
    ],
    [
      '29 February, the day before, in a leap year: 28 February',
      '2028-01-10T00:00:00Z',
      'UTC',
      '1992-02-29',
      dayBefore9,
      '2028-02-28T09:00:00.000Z',
    ],
    [
      'a birthday given without its year (--02-29) follows the same rule',
      '2025-01-10T00:00:00Z',
      'UTC',
      '--02-29',
      { localTime: '09:00' },
      '2025-02-28T09:00:00.000Z',
    ],
    [
      'Tehran: 09:00 local the day before is 05:30 UTC (+03:30)',
      '2024-06-10T12:00:00Z',
      'Asia/Tehran',
      '1990-06-15',
      dayBefore9,
      '2024-06-14T05:30:00.000Z',
    ],
    [
      'Tehran: the day before, at 09:00, already passed today (15:30 there): next year',
      '2024-06-10T12:00:00Z',
      'Asia/Tehran',
      '1990-06-11',
      dayBefore9,
      '2025-06-10T05:30:00.000Z',
    ],
    [
      'New York: entered in winter (EST), the birthday after DST starts is 09:00 EDT',
      '2025-03-01T12:00:00Z',
      'America/New_York',
      '1985-03-11',
      { localTime: '09:00' },
      '2025-03-11T13:00:00.000Z',
    ],
    [
      'New York: 02:30 on the spring-forward day does not exist; it moves to 03:30 EDT',
      '2025-03-01T12:00:00Z',
      'America/New_York',
      '1980-03-09',
      { localTime: '02:30' },
      '2025-03-09T07:30:00.000Z',
    ],
    [
      'New York: 01:30 on the fall-back day happens twice; the first (EDT)',
      '2025-10-01T12:00:00Z',
      'America/New_York',
      '1980-11-02',
      { localTime: '01:30' },
      '2025-11-02T05:30:00.000Z',
    ],
    [
      'New York: the day before a birthday on the day after fall-back is 09:00 EST',
      '2025-10-01T12:00:00Z',
      'America/New_York',
      '1980-11-03',
      dayBefore9,
      '2025-11-02T14:00:00.000Z',
    ],
    [
      'the offset carries 1 March back into February (28th in a common year)',
      '2025-01-10T00:00:00Z',
      'UTC',
      '2000-03-01',
      dayBefore9,
      '2025-02-28T09:00:00.000Z',
    ],
    [
      'the offset carries 1 March back to 29 February in a leap year',
      '2028-01-10T00:00:00Z',
      'UTC',
      '2000-03-01',
      dayBefore9,
      '2028-02-29T09:00:00.000Z',
    ],
    [
      'the offset carries 1 January back into the year before',
      '2024-06-10T12:00:00Z',
      'UTC',
      '1995-01-01',
      dayBefore9,
      '2024-12-31T09:00:00.000Z',
    ],
    [
      'on 31 December after 09:00, the day before next 1 January is a year away',
      '2024-12-31T10:00:00Z',
      'UTC',
      '1995-01-01',
      dayBefore9,
      '2025-12-31T09:00:00.000Z',
    ],
    [
      'a positive offset carries last 31 December into this 1 January',
      '2025-01-01T05:00:00Z',
      'UTC',
      '1990-12-31',
      { offset: 'P1D', localTime: '09:00' },
      '2025-01-01T09:00:00.000Z',
    ],
    [
      'the birthday is today and 09:00 has passed: next year',
      '2024-06-10T12:00:00Z',
      'UTC',
      '1990-06-10',
      { localTime: '09:00' },
      '2025-06-10T09:00:00.000Z',
    ],
    [
      'the birthday is today and its time is still ahead: today',
      '2024-06-10T12:00:00Z',
      'UTC',
      '1990-06-10',
      { localTime: '15:00' },
      '2024-06-10T15:00:00.000Z',
    ],
    [
      'without a time of day: the start of the day in the customer zone',
      '2024-06-10T12:00:00Z',
      'Asia/Tehran',
      '1990-07-01',
      {},
      '2024-06-30T20:30:00.000Z',
    ],
  ];

  it.each(cases)('%s', (_name, now, zone, birthday, until, expected) => {
    const date = parseYearlyDate(birthday, zone)!;
    const at = nextAnniversary(
      {
        date,
        zone,
        ...(until.offset ? { offset: parseSignedDuration(until.offset)! } : {}),
        ...(until.localTime ? { time: parseLocalTime(until.localTime)! } : {}),
      },
      new Date(now),
    );
    expect(at.toJSDate().toISOString()).toBe(expected);
  });

  it('a wait step plans the same instant, in the customer zone from the profile', () => {
    const result = plan('2024-06-10T12:00:00Z', 'Asia/Tehran', '1990-06-15', dayBefore9);
    expect([result.until.toISOString(), result.exit, result.notes]).toEqual([
      '2024-06-14T05:30:00.000Z',
      undefined,
      [],
    ]);
  });
});

describe('what counts as a yearly date', () => {
  const cases: Array<[string, unknown, { month: number; day: number } | undefined]> = [
    ['a leap-year 29 February', '1992-02-29', { month: 2, day: 29 }],
    ['a common-year 29 February is no date', '1990-02-29', undefined],
    ['31 April is no date', '1990-04-31', undefined],
    ['a day and month without a year', '--12-25', { month: 12, day: 25 }],
    ['29 February without a year', '--02-29', { month: 2, day: 29 }],
    ['30 February without a year is no date', '--02-30', undefined],
    [
      'a timestamp: its date in the customer zone (Tehran is already on the 2nd)',
      '2024-07-01T21:00:00Z',
      {
        month: 7,
        day: 2,
      },
    ],
    ['words are no date', 'February 29', undefined],
    ['a month without a day is no date', '1990-02', undefined],
    ['a number is no date', 19_920_229, undefined],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(parseYearlyDate(value, 'Asia/Tehran')).toEqual(expected);
  });
});

describe('a yearly wait on a date the customer lacks, or cannot reach in time', () => {
  it('leaves the journey (missing_date) when the birthday is missing or invalid', () => {
    for (const birthday of [undefined, '1990-02-29', 'soon']) {
      const ctx = context({
        profile: profile({ timeZone: 'UTC', ...(birthday ? { attributes: { birthday } } : {}) }),
      });
      const decided = decideFlow('schedule', yearly({ localTime: '09:00' }), ctx, 'wait-for-birthday');
      expect(decided.result).toEqual({ outcome: 'exit', reason: 'missing_date' });
    }
  });

  it('with ifMissing: skip, goes on at the next 09:00 local instead', () => {
    const ctx = context({ profile: profile({ timeZone: 'Asia/Tehran' }) });
    const result = planWait(yearly({ localTime: '09:00', ifMissing: 'skip' }), ctx);
    // NOW is 2024-06-10 12:00 UTC, 15:30 in Tehran: the next 09:00 there is tomorrow's.
    expect([result.until.toISOString(), result.notes, result.exit]).toEqual([
      '2024-06-11T05:30:00.000Z',
      ['missing_date', 'missing_date_skipped'],
      undefined,
    ]);
  });

  it('leaves at once when the next anniversary comes after the run deadline (a run lasts under a year)', () => {
    // Entered 2024-06-08 12:00 UTC: the run must end by 2025-06-07 12:00 (364 days).
    const ctx = context({
      enrollment: enrollment({ enteredAt: '2024-06-08T12:00:00.000Z' }),
      profile: profile({ timeZone: 'UTC', attributes: { birthday: '1990-06-09' } }),
    });
    const step = yearly({ localTime: '09:00' });
    expect(planWait(step, ctx)).toMatchObject({
      until: new Date('2024-06-10T12:00:00.000Z'),
      exit: 'anniversary_after_deadline',
      notes: ['anniversary_after_deadline'],
    });
    expect(decideFlow('schedule', step, ctx, 'wait-for-birthday').result).toEqual({
      outcome: 'exit',
      reason: 'anniversary_after_deadline',
    });
  });

  it('an anniversary just inside the deadline is waited for', () => {
    const ctx = context({
      enrollment: enrollment({ enteredAt: '2024-06-08T12:00:00.000Z' }),
      profile: profile({ timeZone: 'UTC', attributes: { birthday: '1990-06-07' } }),
    });
    expect(planWait(yearly({ localTime: '09:00' }), ctx).until.toISOString()).toBe(
      '2025-06-07T09:00:00.000Z',
    );
  });
});
