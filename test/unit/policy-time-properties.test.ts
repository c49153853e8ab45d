import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { scheduleWait } from '../../engine/policy/time.ts';
import type { WaitStep } from '../../engine/schema.ts';
import { context as baseContext, enrollment, profile } from './policy-flow-fixtures.ts';

/** A decision at `now` in a run that entered at `now` (a run never waits past its deadline, a year on). */
const context = (overrides: Parameters<typeof baseContext>[0] & { now: Date }) =>
  baseContext({ ...overrides, enrollment: enrollment({ enteredAt: overrides.now.toISOString() }) });

const ZONES = [
  'UTC',
  'Asia/Tehran',
  'Asia/Kolkata',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];
const arbitraryNow = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(Math.floor(ms / 60_000) * 60_000));
const arbitraryTime = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
});
const hhmm = (t: { hour: number; minute: number }) =>
  `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;

describe('waits until a local time (properties)', () => {
  it('end at the next occurrence: never before now, within a day, at that wall-clock time unless it does not exist', () => {
    fc.assert(
      fc.property(arbitraryNow, fc.constantFrom(...ZONES), arbitraryTime, (now, zone, time) => {
        const step: WaitStep = { type: 'wait', until: { localTime: hhmm(time) }, next: 'n' };
        const until = scheduleWait(step, context({ now, profile: profile({ timeZone: zone }) }));
        expect(until.getTime()).toBeGreaterThanOrEqual(now.getTime());
        // A day, plus at most a DST shift (Lord Howe shifts by 30 minutes, others by an hour).
        expect(until.getTime() - now.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
        const local = DateTime.fromJSDate(until).setZone(zone);
        const exact = local.hour === time.hour && local.minute === time.minute;
        // Otherwise it was skipped by a spring-forward gap and moved forward by at most the gap.
        const minutesLate = local.hour * 60 + local.minute - (time.hour * 60 + time.minute);
        expect(exact || (minutesLate > 0 && minutesLate <= 60)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a duration never ends before now and always adds the same hours', () => {
    fc.assert(
      fc.property(
        arbitraryNow,
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 500 }),
        (now, zone, hours) => {
          const step: WaitStep = { type: 'wait', duration: `PT${hours}H`, next: 'n' };
          const until = scheduleWait(step, context({ now, profile: profile({ timeZone: zone }) }));
          expect(until.getTime() - now.getTime()).toBe(hours * 3_600_000);
        },
      ),
    );
  });
});
