/**
 * Quiet hours: per channel, in the customer's own wall-clock time. A send that falls inside the
 * window is deferred to the first minute after it, never dropped.
 *
 * Wall-clock arithmetic goes through luxon so daylight-saving changes are handled explicitly:
 * - spring forward: when the window's end falls in the skipped hour (e.g. 02:30 on the day
 *   New York jumps from 02:00 to 03:00), the first allowed instant is the jump itself;
 * - fall back: when the end time occurs twice, the first occurrence after `now` wins; when the
 *   clock is set back to before the window's start, the window ends at that change.
 */
import { DateTime, FixedOffsetZone } from 'luxon';
import type { ChannelName } from '../schema.ts';
import type { PolicyConfig, QuietHoursWindow } from './config.ts';
import { boundedMemo } from './memo.ts';
import { isValidZone } from './time.ts';

const MINUTE_MS = 60_000;

/** `HH:MM` → minutes after midnight (memoised: a config has a handful of these). */
const minutesOf = /* @__PURE__ */ boundedMemo(256, (localTime: string): number => {
  const [h, m] = localTime.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
});

/** Whether a local minute-of-day lies in `[start, end)`, the window possibly spanning midnight. */
export function isInWindow(minuteOfDay: number, window: QuietHoursWindow): boolean {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/**
 * When `channel`'s quiet hours are in force at `now` in `zone`, the first instant after them
 * (a whole minute, strictly after `now`); otherwise undefined. An unknown zone is treated as UTC
 * (callers resolve the zone with `customerZone`, which records the fallback).
 */
export function quietHoursEnd(
  channel: ChannelName,
  zone: string,
  now: Date,
  config: PolicyConfig,
): Date | undefined {
  const window = config.quietHours[channel];
  if (!window || minutesOf(window.start) === minutesOf(window.end)) return undefined;
  const safeZone = isValidZone(zone) ? zone : 'UTC';
  if (!isInWindow(localMinute(now.getTime(), safeZone), window)) return undefined;
  return windowEnd(window, safeZone, now.getTime(), 0);
}

/**
 * The first instant after `from` (inside the window) at which the local clock is outside it.
 *
 * Within one UTC offset the local clock runs continuously, so it leaves the window only at its
 * end time. A change of offset before that can make it jump out: past the end (spring forward, an
 * end time that does not exist that day) or back before the start (fall back). So: find the end
 * time, then the first offset change before it; if the clock right after that change is outside
 * the window, the change is the answer, else continue from the change.
 */
function windowEnd(window: QuietHoursWindow, zone: string, from: number, depth: number): Date {
  const local = DateTime.fromMillis(from, { zone });
  const minuteOfDay = local.hour * 60 + local.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  // Inside a midnight-spanning window before midnight: the window ends tomorrow.
  const day = start > end && minuteOfDay >= start ? local.startOf('day').plus({ days: 1 }) : local;
  const endsAt = wallClockInstant(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(end / 60), minute: end % 60 },
    zone,
    from,
  );
  const change = firstOffsetChange(from, endsAt, zone);
  if (change === undefined) return new Date(endsAt);
  if (!isInWindow(localMinute(change, zone), window)) return new Date(change);
  // Zones change offset at most a few times a year; three hops cover any real sequence.
  return depth < 3 ? windowEnd(window, zone, change, depth + 1) : new Date(endsAt);
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * The instant (ms) of a wall-clock time in `zone`, the earliest one after `after` when a fall-back
 * change makes it occur twice. A wall time skipped by a spring-forward change comes back moved
 * past the gap (luxon's rule); `windowEnd` then finds the change itself.
 */
function wallClockInstant(wall: Wall, zone: string, after: number): number {
  const candidate = DateTime.fromObject(wall, { zone });
  const sameWall = (d: DateTime) => d.hour === wall.hour && d.minute === wall.minute && d.day === wall.day;
  if (!sameWall(candidate)) return candidate.toMillis();
  // luxon picks one of a repeated wall time's two instants: read it with the offsets in force on
  // either side and keep the earliest still ahead.
  const readings = [candidate.minus({ hours: 3 }).offset, candidate.plus({ hours: 3 }).offset].map((offset) =>
    DateTime.fromObject(wall, { zone: FixedOffsetZone.instance(offset) }).setZone(zone),
  );
  const ahead = [candidate, ...readings]
    .filter((d) => sameWall(d) && d.toMillis() > after)
    .map((d) => d.toMillis());
  return ahead.length > 0 ? Math.min(...ahead) : candidate.toMillis();
}

/**
 * The first instant in `(from, to]` at which the zone's UTC offset differs from the offset at
 * `from`, to the minute, or undefined. Offsets change on whole minutes in the current tz database.
 */
function firstOffsetChange(from: number, to: number, zone: string): number | undefined {
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const before = offsetAt(from);
  if (offsetAt(to) === before) return undefined;
  let lo = Math.floor(from / MINUTE_MS) * MINUTE_MS; // offset `before`
  let hi = Math.ceil(to / MINUTE_MS) * MINUTE_MS; // offset changed
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The local minute of the day (0–1439) at `ms` in `zone`. */
export function localMinute(ms: number, zone: string): number {
  // Every UTC offset in use since 1980 is a whole number of minutes, so the local minute is the
  // same for the whole UTC minute: memoised per (zone, minute) from then on (every channel of a
  // decision asks about the same instant, and a warm Lambda about the same few zones).
  return ms >= WHOLE_MINUTE_OFFSETS_SINCE
    ? localMinuteOf(`${zone}|${Math.floor(ms / MINUTE_MS)}`)
    : readLocalMinute(ms, zone);
}

const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1980, 0, 1);

const localMinuteOf = /* @__PURE__ */ boundedMemo(1_024, (key: string): number => {
  const bar = key.lastIndexOf('|');
  return readLocalMinute(Number(key.slice(bar + 1)) * MINUTE_MS, key.slice(0, bar));
});

function readLocalMinute(ms: number, zone: string): number {
  const local = DateTime.fromMillis(ms, { zone });
  return local.hour * 60 + local.minute;
}
