/**
 * Yearly dates: when a date's next anniversary comes, in the customer's zone (`until.every: "year"`).
 *
 * What a yearly date may be (anything else is no date: `ifMissing` decides, like a missing one):
 * - `YYYY-MM-DD`, a real calendar date: `1992-02-29` (1992 is a leap year), never `1990-02-29`;
 * - `--MM-DD`, a date without its year (ISO 8601's reduced form, vCard's `BDAY:--0229`), for the
 *   forms that only ask day and month: `--02-29` is allowed, since some year has it;
 * - an ISO timestamp (`event.time`, a sign-up moment): its calendar date in the customer's zone.
 * A year before 1900 or a date in the future is kept: it only names a day and a month.
 *
 * 29 February, in a year without one, is **28 February**: the last day of the customer's own
 * month, as calendar apps do (Nextcloud's birthday calendar, Gramps' default). Leap-day customers
 * celebrate on 28 February or on 1 March; on 28 February the greeting is on time for both, never
 * a day late for the first. `offset` then moves from that day (`-P1D`: 27 February).
 *
 * The instant itself (offset, local time, DST) is `nextAnniversary` in engine/policy/time.ts.
 */
import { DateTime } from 'luxon';

export interface MonthDay {
  month: number;
  day: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEARLESS = /^--(\d{2})-(\d{2})$/;
/** A timestamp has a time after the date: `2024-07-01T10:00:00Z`. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;

/** The day and month a yearly wait counts from, or undefined when the value is no such date. */
export function parseYearlyDate(value: unknown, zone: string): MonthDay | undefined {
  if (typeof value !== 'string') return undefined;
  const full = DATE.exec(value);
  if (full) {
    const dt = DateTime.fromObject(
      { year: Number(full[1]), month: Number(full[2]), day: Number(full[3]) },
      { zone: 'UTC' },
    );
    return dt.isValid ? { month: dt.month, day: dt.day } : undefined;
  }
  const yearless = YEARLESS.exec(value);
  if (yearless) {
    // 2000 is a leap year: every day and month that exists in some year exists in it.
    const dt = DateTime.fromObject(
      { year: 2000, month: Number(yearless[1]), day: Number(yearless[2]) },
      { zone: 'UTC' },
    );
    return dt.isValid ? { month: dt.month, day: dt.day } : undefined;
  }
  if (TIMESTAMP.test(value)) {
    const dt = DateTime.fromISO(value, { zone, setZone: false });
    return dt.isValid ? { month: dt.setZone(zone).month, day: dt.setZone(zone).day } : undefined;
  }
  return undefined;
}

/** The anniversary's calendar day in `year`: 29 February becomes 28 February in a common year. */
export function anniversaryIn(year: number, date: MonthDay): { year: number; month: number; day: number } {
  const leapDay = date.month === 2 && date.day === 29;
  const isLeap = DateTime.fromObject({ year, month: 2, day: 29 }, { zone: 'UTC' }).isValid;
  return { year, month: date.month, day: leapDay && !isLeap ? 28 : date.day };
}
