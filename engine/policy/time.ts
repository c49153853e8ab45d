/**
 * Time in the customer's own zone: which zone that is, and when a wait step ends.
 *
 * Local times are resolved with one rule everywhere (also used for quiet hours): a local time that
 * does not exist on that day (the spring-forward gap) moves forward by the gap, 02:30 → 03:30; a
 * local time that exists twice (fall back) is the first of the two.
 */
import { DateTime, type Duration, IANAZone } from 'luxon';
import type { Profile } from '../data.ts';
import { parseDuration } from '../duration.ts';
import { runDeadline } from '../run-budget.ts';
import type { Journey, WaitStep } from '../schema.ts';
import { anniversaryIn, type MonthDay, parseYearlyDate } from './anniversary.ts';
import type { PolicyConfig } from './config.ts';
import { type DecisionContext, dataScope, instant, readField } from './context.ts';
import { type BestTimeRequest, chooseSendTime, isAllowedMinute, type SendTimeChoice } from './send-time.ts';
import { isValidZone } from './zones.ts';

// ── Zones ─────────────────────────────────────────────────────────────────────────────────────

export type ZoneFallbackReason = 'missing_time_zone' | 'invalid_time_zone';

export interface CustomerZone {
  zone: string;
  /** Set when the profile's zone could not be used; recorded with the decision. */
  fallbackReason?: ZoneFallbackReason;
}

// The zone check lives in ./zones.ts, which the validator loads without the rest of this module.
export { isValidZone } from './zones.ts';

/** The profile's zone, else the journey's default, else the operator's default, else UTC. */
export function customerZone(
  profile: Pick<Profile, 'timeZone'>,
  journey: Pick<Journey, 'defaultTimeZone'> | undefined,
  config: Pick<PolicyConfig, 'defaultTimeZone'>,
): CustomerZone {
  if (isValidZone(profile.timeZone)) return { zone: profile.timeZone };
  const fallbackReason: ZoneFallbackReason =
    profile.timeZone === undefined || profile.timeZone === '' ? 'missing_time_zone' : 'invalid_time_zone';
  const zone = [journey?.defaultTimeZone, config.defaultTimeZone].find(isValidZone) ?? 'UTC';
  return { zone, fallbackReason };
}

// ── Local wall-clock times ────────────────────────────────────────────────────────────────────

export interface WallTime {
  hour: number;
  minute: number;
}

/** `HH:MM` → { hour, minute }, or undefined when malformed. */
export function parseLocalTime(text: unknown): WallTime | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

/**
 * The instant a wall-clock time happens on a calendar day in a zone. Ambiguous (fall back):
 * the earlier instant. Nonexistent (spring forward): moved forward by the gap.
 */
export function atLocalTime(
  day: { year: number; month: number; day: number },
  time: WallTime,
  zone: string,
): DateTime {
  const iana = IANAZone.create(zone);
  const asUtc = Date.UTC(day.year, day.month - 1, day.day, time.hour, time.minute);
  const offsets = new Set(
    [-86_400_000, 0, 86_400_000].map((delta) => iana.offset(asUtc + delta)).filter(Number.isFinite),
  );
  const exact = [...offsets]
    .map((offsetMinutes) => asUtc - offsetMinutes * 60_000)
    .filter((ts) => iana.offset(ts) * 60_000 === asUtc - ts)
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return DateTime.fromMillis(exact[0], { zone });
  // In a gap: luxon keeps the earlier offset, which lands the gap's length later (02:30 → 03:30).
  return DateTime.fromObject({ ...day, hour: time.hour, minute: time.minute }, { zone });
}

/** The first instant at or after `from` whose local time in `zone` is `time`. */
export function nextLocalTime(from: DateTime, time: WallTime, zone: string): DateTime {
  const local = from.setZone(zone);
  for (let days = 0; days < 3; days++) {
    const day = local.plus({ days });
    const candidate = atLocalTime({ year: day.year, month: day.month, day: day.day }, time, zone);
    if (candidate.toMillis() >= from.toMillis()) return candidate;
  }
  // Unreachable for real zones (a day later is always ahead); be total anyway.
  return local.plus({ days: 1 });
}

// ── Durations ─────────────────────────────────────────────────────────────────────────────────

/** A signed ISO duration (`-P3D`, `+PT2H`, `P1D`) read as the validator reads it, or undefined. */
export function parseSignedDuration(text: unknown): Duration | undefined {
  return parseDuration(text, { signed: true });
}

// ── Waits ─────────────────────────────────────────────────────────────────────────────────────

export type WaitNote =
  | ZoneFallbackReason
  | 'invalid_duration'
  | 'invalid_local_time'
  | 'missing_date'
  | 'missing_add_days'
  | 'invalid_offset'
  | 'date_in_past'
  | 'run_deadline'
  | 'missing_date_skipped'
  | 'anniversary_after_deadline'
  | 'invalid_best_time';

export interface WaitPlan {
  until: Date;
  zone: string;
  /** Why the plan differs from the plain reading of the step (personal-data free). */
  notes: WaitNote[];
  /**
   * Set when the wait's date cannot be computed and the step says `ifMissing: "exit"` (the
   * default): the customer leaves the journey instead of waiting (`until` is then `now`). A yearly
   * wait also leaves when its next anniversary comes after the run's deadline: a Standard
   * execution cannot wait that long, and waiting until the deadline would send nothing either.
   */
  exit?: 'missing_date' | 'anniversary_after_deadline';
  /** For `until.time: "best"`: the local time chosen and its evidence (engine/policy/send-time.ts). */
  sendTime?: SendTimeChoice;
}

/** What a wait on a date does when the customer has no such date: the step's choice, else `exit`. */
export function missingDateRule(step: WaitStep): 'exit' | 'skip' {
  return step.until?.ifMissing === 'skip' ? 'skip' : 'exit';
}

/** When a wait step ends; never before `ctx.now`. */
export function scheduleWait(step: WaitStep, ctx: DecisionContext): Date {
  return planWait(step, ctx).until;
}

/**
 * `scheduleWait` with its reasons. Calendar arithmetic (days, weeks) happens in the customer's
 * zone, so "P1D" from 10:00 is 10:00 the next day across a DST change. `stepId` seeds a `best`
 * time's exploration draw (with the run), so a retried schedule answers the same.
 */
export function planWait(step: WaitStep, ctx: DecisionContext, stepId?: string): WaitPlan {
  const { zone, fallbackReason } = customerZone(ctx.profile, ctx.journey, ctx.config);
  const notes: WaitNote[] = fallbackReason ? [fallbackReason] : [];
  const now = DateTime.fromJSDate(ctx.now).setZone(zone);
  const until = step.until;
  let target: DateTime = now;
  let sendTime: SendTimeChoice | undefined;

  if (until?.date !== undefined) {
    const dated =
      until.every === 'year' ? yearlyTarget(until, ctx, zone, notes) : dateTarget(until, ctx, zone, notes);
    if (dated) target = dated;
    else if (missingDateRule(step) === 'exit')
      return { until: now.toJSDate(), zone, notes, exit: 'missing_date' };
    else {
      // Skipped, the date only: the time of day still holds ("at 10:00", never at 13:00 instead).
      notes.push('missing_date_skipped');
      const time = until.localTime === undefined ? undefined : parseLocalTime(until.localTime);
      if (time) target = nextLocalTime(now, time, zone);
    }
  } else {
    if (step.duration !== undefined) {
      const d = parseDuration(step.duration);
      if (d) target = now.plus(d);
      else notes.push('invalid_duration');
    }
    if (until?.time === 'best') {
      const best = bestTimeTarget(until, target, ctx, zone, stepId ?? JSON.stringify(step), notes);
      target = best.target;
      sendTime = best.choice;
    } else if (until?.localTime !== undefined) {
      const time = parseLocalTime(until.localTime);
      if (time) target = nextLocalTime(target, time, zone);
      else notes.push('invalid_local_time');
    }
  }

  if (target.toMillis() < now.toMillis()) {
    notes.push('date_in_past');
    target = now;
  }
  // Never past the run's deadline (Standard's one-year limit): the next step then ends the run.
  const deadline = runDeadline(ctx.journey, ctx.enrollment);
  if (deadline && target.toMillis() > deadline.getTime() && until?.every === 'year') {
    notes.push('anniversary_after_deadline');
    return { until: now.toJSDate(), zone, notes, exit: 'anniversary_after_deadline' };
  }
  if (deadline && target.toMillis() > deadline.getTime()) {
    notes.push('run_deadline');
    target = DateTime.fromJSDate(deadline).setZone(zone);
  }
  return { until: target.toJSDate(), zone, notes, ...(sendTime ? { sendTime } : {}) };
}

/**
 * `until.time: "best"` from `from` on: the customer's best local time for the channel
 * (send-time.ts), at its first allowed occurrence. A step the validator would refuse (no channel,
 * window or fallback) still gets a time: email, 09:00–21:00, 10:00, with `invalid_best_time`.
 */
function bestTimeTarget(
  until: NonNullable<WaitStep['until']>,
  from: DateTime,
  ctx: DecisionContext,
  zone: string,
  stepId: string,
  notes: WaitNote[],
): { target: DateTime; choice: SendTimeChoice } {
  const window = until.window?.every((t) => parseLocalTime(t)) ? until.window : undefined;
  const fallback = parseLocalTime(until.fallback) ? until.fallback : undefined;
  const channel = until.channel === 'sms' || until.channel === 'push' ? until.channel : 'email';
  if (!window || !fallback || until.channel !== channel || window[0] === window[1])
    notes.push('invalid_best_time');
  const request: BestTimeRequest = {
    channel,
    window: window && window[0] !== window[1] ? [window[0], window[1]] : ['09:00', '21:00'],
    fallback: fallback ?? '10:00',
  };
  const { time, choice } = chooseSendTime({
    request,
    zone,
    now: ctx.now,
    engagement: ctx.profile.engagement?.[channel],
    history: ctx.history,
    goalEvent: ctx.journey.goal?.event,
    config: ctx.config,
    seed: JSON.stringify([ctx.enrollment.id, ctx.enrollment.customerId, stepId]),
  });
  return { target: nextAllowedInstant(from, time, zone, request, ctx.config), choice };
}

/**
 * The first instant at or after `from` whose local time is `time` and is allowed (inside the
 * window, outside the channel's quiet hours). A time in a spring-forward gap moves forward by the
 * gap (atLocalTime); when that takes it out, the next day's occurrence. Only when no occurrence in
 * four days is allowed (nothing in the window is), the first one.
 */
export function nextAllowedInstant(
  from: DateTime,
  time: WallTime,
  zone: string,
  request: BestTimeRequest,
  config: Pick<PolicyConfig, 'quietHours'>,
): DateTime {
  const local = from.setZone(zone);
  let first: DateTime | undefined;
  for (let days = 0; days < 4; days++) {
    const day = local.plus({ days });
    const candidate = atLocalTime({ year: day.year, month: day.month, day: day.day }, time, zone);
    if (candidate.toMillis() < from.toMillis()) continue;
    first ??= candidate;
    if (isAllowedMinute(candidate.hour * 60 + candidate.minute, request, config)) return candidate;
  }
  return first ?? local.plus({ days: 1 });
}

/**
 * `until.date` + `addDaysFrom` days + `offset`, optionally at `localTime` on that day; undefined
 * when the date or the number of days is missing (a date without its cycle is not the date meant).
 */
function dateTarget(
  until: NonNullable<WaitStep['until']>,
  ctx: DecisionContext,
  zone: string,
  notes: WaitNote[],
): DateTime | undefined {
  const scope = dataScope(ctx);
  const base = parseDateValue(readField(scope, until.date ?? ''), zone);
  if (!base) {
    notes.push('missing_date');
    return undefined;
  }
  let target = base;
  if (until.addDaysFrom !== undefined) {
    const days = readField(scope, until.addDaysFrom);
    if (typeof days !== 'number' || !Number.isFinite(days)) {
      notes.push('missing_add_days');
      return undefined;
    }
    target = target.plus({ days: Math.trunc(days) });
  }
  if (until.offset !== undefined) {
    const offset = parseSignedDuration(until.offset);
    if (offset) target = target.plus(offset);
    else notes.push('invalid_offset');
  }
  if (until.localTime !== undefined) {
    const time = parseLocalTime(until.localTime);
    if (time) target = atLocalTime({ year: target.year, month: target.month, day: target.day }, time, zone);
    else notes.push('invalid_local_time');
  }
  return target;
}

/** `until.date`'s next anniversary (`every: "year"`); undefined when the field holds no such date. */
function yearlyTarget(
  until: NonNullable<WaitStep['until']>,
  ctx: DecisionContext,
  zone: string,
  notes: WaitNote[],
): DateTime | undefined {
  const date = parseYearlyDate(readField(dataScope(ctx), until.date ?? ''), zone);
  if (!date) {
    notes.push('missing_date');
    return undefined;
  }
  const offset = until.offset === undefined ? undefined : parseSignedDuration(until.offset);
  if (until.offset !== undefined && !offset) notes.push('invalid_offset');
  const time = until.localTime === undefined ? undefined : parseLocalTime(until.localTime);
  if (until.localTime !== undefined && !time) notes.push('invalid_local_time');
  return nextAnniversary({ date, zone, ...(offset ? { offset } : {}), ...(time ? { time } : {}) }, ctx.now);
}

export interface YearlyTarget {
  date: MonthDay;
  /** Applied to the anniversary's calendar day in the zone (`-P1D`: the day before), before `time`. */
  offset?: Duration;
  /** The local time of day; without it, the start of the (moved) day in the zone. */
  time?: WallTime;
  zone: string;
}

/**
 * The first instant at or after `now` that is an anniversary of `date` (engine/policy/anniversary.ts:
 * 29 February is 28 February in a common year), moved by `offset`, at `time` in `zone`. Years are
 * tried from last year on: an offset may carry next January's anniversary back into this December,
 * or this December's into next year. So the answer is at most a year and a day (and a DST hour)
 * ahead, and a day whose moment has passed today ("the day before, at 09:00", now 10:00) is next year's.
 */
export function nextAnniversary(target: YearlyTarget, now: Date): DateTime {
  const local = DateTime.fromJSDate(now).setZone(target.zone);
  let candidate: DateTime = local;
  for (let year = local.year - 1; year <= local.year + 2; year++) {
    let day: DateTime = DateTime.fromObject(anniversaryIn(year, target.date), { zone: target.zone });
    if (target.offset) day = day.plus(target.offset);
    candidate = target.time
      ? atLocalTime({ year: day.year, month: day.month, day: day.day }, target.time, target.zone)
      : day;
    if (candidate.toMillis() >= now.getTime()) return candidate;
  }
  // Only an offset of more than a year gets here; the last year tried is the best answer.
  return candidate;
}

/**
 * An ISO timestamp with an offset (kept as that instant), or a bare date or local date-time
 * (read in the customer's zone: `2024-07-01` is midnight there).
 */
function parseDateValue(value: unknown, zone: string): DateTime | undefined {
  if (typeof value !== 'string' || instant(value) === undefined) return undefined;
  const dt = DateTime.fromISO(value, { zone });
  return dt.isValid ? dt : undefined;
}
