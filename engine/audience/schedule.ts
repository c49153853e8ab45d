/**
 * When an audience journey's customers enter: the ticks of its schedule (`at` once, or `cron`
 * recurring) and, for `zone: "customer"`, each customer's own local instant of a tick.
 *
 * A tick is named by its local wall time (`2026-05-04T09:00`): that name, not an instant, goes
 * into the enrolment key, so a tick re-run enrols nobody twice whatever the clock says.
 *
 * `zone: "customer"`: a tick first happens where the clock is furthest ahead, UTC+14
 * (`Etc/GMT-14`, the IANA name for +14:00, Pacific/Kiritimati's offset); the enrolment run starts
 * then and every customer's run waits (the journey's `entry.not-before` Wait) until the tick's
 * local time in their own zone, computed by luxon: DST-correct, and a local time that does not
 * exist on a spring-forward day moves forward by the gap, as luxon (and a wall clock) does.
 *
 * Pure: every function takes the instants it needs.
 */
import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { isValidZone } from '../policy/zones.ts';
import type { AudienceSchedule } from '../schema.ts';
import { didYouMean, didYouMeanText } from '../validate/suggest.ts';

export const CUSTOMER_ZONE = 'customer';
/** Where a local time happens first: +14:00 (POSIX-style names invert the sign). */
export const EARLIEST_ZONE = 'Etc/GMT-14';

export interface Tick {
  /** The tick's local wall time `YYYY-MM-DDTHH:MM`: its name in enrolment keys. */
  label: string;
  /** When the enrolment run for this tick starts (the earliest instant any customer enters). */
  runAt: Date;
}

export interface ScheduleProblem {
  path: string[];
  code: string;
  message: string;
  suggestion: string;
}

const CRON_TOKEN = /^[0-9A-Za-z*,/-]+$/;

/** What is wrong with a schedule, or nothing. `zone` must be IANA or `customer`; cron five fields. */
export function scheduleProblems(schedule: AudienceSchedule): ScheduleProblem[] {
  const out: ScheduleProblem[] = [];
  const { at, cron, zone } = schedule;
  // A value of the wrong type (a fuzzed or hand-broken file) is the schema check's finding, not ours.
  if (typeof zone === 'string' && zone !== CUSTOMER_ZONE && !isValidZone(zone)) {
    const guess = didYouMean(zone, [CUSTOMER_ZONE, 'UTC', ...Intl.supportedValuesOf('timeZone')]);
    out.push({
      path: ['zone'],
      code: 'schedule.unknown-zone',
      message: `unknown time zone \`${zone}\`${didYouMeanText(guess)}`,
      suggestion: guess
        ? `use \`${guess}\``
        : 'use an IANA time zone such as `Asia/Dubai` or `Europe/London`, or `customer` for each customer’s own zone',
    });
  }
  if ((at === undefined) === (cron === undefined)) {
    out.push({
      path: [],
      code: 'schedule.at-or-cron',
      message: 'a schedule says either `at` (one time) or `cron` (recurring), exactly one of them',
      suggestion: 'write `"at": "2026-05-01T09:00"` or `"cron": "0 9 * * MON"`',
    });
  }
  if (typeof at === 'string' && !DateTime.fromISO(at, { zone: 'utc' }).isValid) {
    out.push({
      path: ['at'],
      code: 'schedule.bad-at',
      message: `\`${at}\` is not a date and time`,
      suggestion: 'write a local date and time, e.g. `2026-05-01T09:00`',
    });
  }
  if (typeof cron === 'string') {
    const problem = cronProblem(cron);
    if (problem) out.push({ path: ['cron'], code: 'schedule.bad-cron', ...problem });
  }
  return out;
}

function cronProblem(cron: string): { message: string; suggestion: string } | undefined {
  const fields = cron.trim().split(/\s+/);
  const example = 'e.g. `0 9 * * MON` (minute hour day-of-month month day-of-week): Mondays at 09:00';
  if (fields.length !== 5) {
    return {
      message: `\`${cron}\` has ${fields.length} fields; a schedule's cron has five: minute, hour, day of month, month, day of week`,
      suggestion: example,
    };
  }
  const odd = fields.find((f) => !CRON_TOKEN.test(f));
  if (odd !== undefined) {
    return {
      message: `\`${odd}\` in \`${cron}\` uses a character EventBridge Scheduler's cron cannot express here`,
      suggestion: 'use numbers, names (`MON`, `JAN`), `*`, `,`, `-` and `/` only',
    };
  }
  if (fields[2] !== '*' && fields[4] !== '*') {
    return {
      message: `\`${cron}\` sets both the day of month and the day of week; EventBridge Scheduler takes one of them`,
      suggestion: 'write `*` in one of the two',
    };
  }
  try {
    CronExpressionParser.parse(`0 ${cron}`, { currentDate: new Date(0), tz: 'UTC', strict: false });
  } catch (error) {
    return {
      message: `\`${cron}\` is not a cron expression: ${error instanceof Error ? error.message : String(error)}`,
      suggestion: example,
    };
  }
  return undefined;
}

/** The zone a schedule's wall times are read in (for `customer`: the earliest zone). */
function wallZone(schedule: AudienceSchedule): string {
  return schedule.zone === CUSTOMER_ZONE ? EARLIEST_ZONE : schedule.zone;
}

const LABEL = "yyyy-MM-dd'T'HH:mm";

/** The ticks whose run starts in `[from, to)`, oldest first (a valid schedule; at most `limit`). */
export function ticksBetween(schedule: AudienceSchedule, from: Date, to: Date, limit = 10_000): Tick[] {
  const zone = wallZone(schedule);
  if (schedule.at !== undefined) {
    const runAt = DateTime.fromISO(schedule.at, { zone }).toJSDate();
    return runAt >= from && runAt < to ? [{ label: schedule.at.slice(0, 16), runAt }] : [];
  }
  if (schedule.cron === undefined) return [];
  const expression = CronExpressionParser.parse(`0 ${schedule.cron}`, {
    currentDate: new Date(from.getTime() - 1),
    endDate: to,
    tz: zone,
  });
  const ticks: Tick[] = [];
  while (ticks.length < limit && expression.hasNext()) {
    const runAt = expression.next().toDate();
    if (runAt >= to) break;
    ticks.push({ label: DateTime.fromJSDate(runAt, { zone }).toFormat(LABEL), runAt });
  }
  return ticks;
}

/**
 * When one customer enters on a tick: the tick's run for a fixed zone; for `customer`, the tick's
 * local time in the customer's zone (the fallback zone when theirs is missing or not IANA).
 */
export function customerEntryInstant(
  schedule: AudienceSchedule,
  tick: Tick,
  customerZone: string | undefined,
  fallbackZone = 'UTC',
): Date {
  if (schedule.zone !== CUSTOMER_ZONE) return tick.runAt;
  const zone = customerZone && isValidZone(customerZone) ? customerZone : fallbackZone;
  const local = DateTime.fromISO(tick.label, { zone });
  return local.isValid ? local.toJSDate() : tick.runAt;
}

/**
 * The EventBridge Scheduler expression and its time zone for a (valid) schedule:
 * `at(yyyy-mm-ddThh:mm:ss)` or `cron(minutes hours day-of-month month day-of-week year)` (six
 * fields, `?` in one of the day fields), both read in `ScheduleExpressionTimezone`.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function schedulerExpression(schedule: AudienceSchedule): { expression: string; timezone: string } {
  const timezone = wallZone(schedule);
  if (schedule.at !== undefined) return { expression: `at(${schedule.at.slice(0, 16)}:00)`, timezone };
  const [minute, hour, dom, month, dow] = (schedule.cron ?? '').trim().split(/\s+/) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const step = (field: string, first: string) => field.replace(/^\*\//, `${first}/`);
  // Unix day-of-week numbers are 0–7 with Sunday 0 (and 7); Scheduler's are 1–7 with Sunday 1.
  const awsDow = dow.replace(/\d+/g, (d) => String((Number(d) % 7) + 1)).toUpperCase();
  const days = dow === '*' ? [step(dom, '1'), '?'] : ['?', step(awsDow, '1')];
  return {
    expression: `cron(${step(minute, '0')} ${step(hour, '0')} ${days[0]} ${step(month, '1').toUpperCase()} ${days[1]} *)`,
    timezone,
  };
}

/**
 * The tick EventBridge Scheduler fired: its `<aws.scheduler.scheduled-time>` (the time the
 * schedule was due, the same on every retry of that invocation) named in the schedule's wall zone.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
export function tickAt(schedule: AudienceSchedule, scheduledTime: string): Tick | undefined {
  const at = DateTime.fromISO(scheduledTime, { zone: 'utc' });
  if (!at.isValid) return undefined;
  return { label: at.setZone(wallZone(schedule)).toFormat(LABEL), runAt: at.toJSDate() };
}
