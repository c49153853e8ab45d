/**
 * Quiet hours: per channel, in the customer's own wall-clock time. A send that falls inside the
 * window is deferred to the first minute after it, never dropped.
 *
 * Wall-clock arithmetic goes through luxon so daylight-saving changes are handled explicitly:
 * - spring forward: when the window's end falls in the skipped hour (e.g. 02:30 on the day
 *   New York jumps from 02:00 to 03:00), the first allowed instant is the jump itself;
 * - fall back: when the end time occurs twice, the first occurrence after `now` wins.
 */
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import type { ChannelName } from '../schema.ts';
import type { PolicyConfig, QuietHoursWindow } from './config.ts';

const MINUTE_MS = 60_000;

/** `HH:MM` → minutes after midnight. */
function minutesOf(localTime: string): number {
  const [h, m] = localTime.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether a local minute-of-day lies in `[start, end)`, the window possibly spanning midnight. */
export function isInWindow(minuteOfDay: number, window: QuietHoursWindow): boolean {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/**
 * When `channel`'s quiet hours are in force at `now` in `zone`, the first instant after them
 * (always a whole local minute, strictly after `now`); otherwise undefined. An unknown zone is
 * treated as UTC (callers resolve the zone with `customerZone`, which records the fallback).
 */
export function quietHoursEnd(
  channel: ChannelName,
  zone: string,
  now: Date,
  config: PolicyConfig,
): Date | undefined {
  const window = config.quietHours[channel];
  if (!window) return undefined;
  const safeZone = IANAZone.isValidZone(zone) ? zone : 'UTC';
  const local = DateTime.fromJSDate(now, { zone: safeZone });
  const minuteOfDay = local.hour * 60 + local.minute;
  if (!isInWindow(minuteOfDay, window)) return undefined;

  const endMinutes = minutesOf(window.end);
  // Inside a midnight-spanning window before midnight: the window ends tomorrow.
  const endsTomorrow = minutesOf(window.start) > endMinutes && minuteOfDay >= minutesOf(window.start);
  const day = endsTomorrow ? local.startOf('day').plus({ days: 1 }) : local;
  const wall = {
    year: day.year,
    month: day.month,
    day: day.day,
    hour: Math.floor(endMinutes / 60),
    minute: endMinutes % 60,
  };
  return firstInstantAtOrAfter(wall, safeZone, now);
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The earliest instant after `after` whose wall-clock time in `zone` is at least `wall`. */
function firstInstantAtOrAfter(wall: Wall, zone: string, after: Date): Date {
  const candidate = DateTime.fromObject(wall, { zone });
  const sameWall = (d: DateTime) => d.hour === wall.hour && d.minute === wall.minute && d.day === wall.day;

  if (!sameWall(candidate)) {
    // The wall time does not exist (skipped by a spring-forward change): luxon moved it past the
    // gap. Every instant from the change onwards shows a later wall time, every instant before it
    // an earlier one, so the answer is the change itself.
    return transitionBefore(candidate);
  }
  // A wall time repeated by a fall-back change has two instants; luxon picks one of them. Read it
  // with the offsets in force on either side and keep the earliest that is still ahead.
  const readings = [candidate.minus({ hours: 3 }).offset, candidate.plus({ hours: 3 }).offset].map((offset) =>
    DateTime.fromObject(wall, { zone: FixedOffsetZone.instance(offset) }).setZone(zone),
  );
  const ahead = [candidate, ...readings]
    .filter((d) => sameWall(d) && d.toMillis() > after.getTime())
    .map((d) => d.toMillis());
  if (ahead.length > 0) return new Date(Math.min(...ahead));
  // Not reachable for a window that contains `after`; stay safe and move one minute on.
  return new Date(Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
}

/**
 * The instant at which the zone's UTC offset last changed before `d` (searched within 6 hours,
 * to the minute). Offsets change on whole minutes in every zone of the current tz database.
 */
function transitionBefore(d: DateTime): Date {
  const zone = d.zone;
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const target = d.offset;
  let lo = d.toMillis() - 6 * 60 * MINUTE_MS; // offset differs here
  let hi = d.toMillis(); // offset equals `target` here
  if (offsetAt(lo) === target) return d.toJSDate();
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(mid) === target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}
