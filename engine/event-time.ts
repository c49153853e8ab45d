/**
 * The rules for an event's `time`: what Herald accepts, how it stores it, and how far from the
 * server's clock it may be. Pure: the caller passes `now` (ingest reads it from its clock port).
 *
 * - Accepted: RFC 3339 `date-time` with seconds and an explicit offset, `Z` or `±hh:mm`
 *   (`2026-06-03T16:59:00Z`, `2026-06-03T20:29:00.250+03:30`; lower-case `t`/`z` too, and `-00:00`).
 *   Stored normalised: UTC with milliseconds (`2026-06-03T16:59:00.000Z`), the form every reader of
 *   the history (`did` conditions, waits, exits) parses, so an accepted event is never invisible.
 * - Refused, each with the fix: no offset (local time is a guess), an hour-only or colon-less offset
 *   (`+05`, `+0530`: RFC 3339 requires `+05:00`), a space instead of `T`, a day the month does not
 *   have, and a leap second (`23:59:60`): Herald counts time as POSIX does, where that second does
 *   not exist, and any normalisation (`:59.999`, the next minute) would invent an order among
 *   events that the producer did not state.
 * - More than `MAX_FUTURE_SKEW_MS` ahead of `now`: refused. A clock that far ahead is wrong, and an
 *   event from the future would outrank everything that really happens until then (consent).
 * - Far in the past (backfills): accepted; see `BACKFILL_AGE_MS` for what they may still do.
 */

/** How far ahead of the server's clock an event's time may be: clock skew between producers. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * An event older than this when it arrives is a backfill: it updates the profile and the history
 * (each field only if it is newer than what is stored), but it starts no journey — a welcome or a
 * cart reminder for something that happened days ago would be news to nobody.
 */
export const BACKFILL_AGE_MS = 24 * 60 * 60_000;

export type EventTime =
  | { ok: true; iso: string; ms: number }
  | { ok: false; message: string; suggestion: string };

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Reads an event time by the rules above; `ms`/`iso` are the instant, in UTC. */
export function parseEventTime(text: string): EventTime {
  const m = RFC3339.exec(text);
  if (!m) return malformed(text);
  const [, y, mo, d, h, mi, s, fraction, , sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
    return {
      ok: false,
      message: `${text.slice(0, 10)} is not a day of the calendar`,
      suggestion: 'send a real date (months 01–12, days up to the month’s length)',
    };
  }
  if (second === 60) {
    return {
      ok: false,
      message: `${text} is a leap second, which Herald's clock (like POSIX time) does not have`,
      suggestion: `${text.slice(0, 17)}59${text.slice(19)} (the last second POSIX time has in that minute)`,
    };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return {
      ok: false,
      message: `${text} is not a time of day`,
      suggestion: 'hours 00–23, minutes and seconds 00–59',
    };
  }
  let offsetMinutes = 0;
  if (sign) {
    const [hours, minutes] = [Number(oh), Number(om)];
    if (hours > 23 || minutes > 59) {
      return {
        ok: false,
        message: `${text} has an offset out of range`,
        suggestion: 'offsets run from -23:59 to +23:59',
      };
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  const ms = utc.getTime() - offsetMinutes * 60_000;
  const iso = new Date(ms).toISOString();
  if (!/^\d{4}-/.test(iso)) {
    return {
      ok: false,
      message: `${text} is outside the years 0000–9999 in UTC`,
      suggestion: 'send a time in UTC',
    };
  }
  return { ok: true, iso, ms };
}

/**
 * The whole rule for an incoming event's time: its form, then (when `now` is known) the skew.
 * `iso` is what to store.
 */
export function checkEventTime(
  text: string,
  now: Date | undefined,
):
  | { ok: true; iso: string; ms: number }
  | { ok: false; code: 'invalid_time' | 'future_time'; message: string; suggestion: string } {
  const parsed = parseEventTime(text);
  if (!parsed.ok) return { ...parsed, code: 'invalid_time' };
  const ahead = now ? futureSkewProblem(parsed.ms, now) : undefined;
  return ahead ? { ok: false, code: 'future_time', ...ahead } : parsed;
}

/** Why the time is too far ahead of `now`, or undefined. */
export function futureSkewProblem(
  ms: number,
  now: Date,
): { message: string; suggestion: string } | undefined {
  const ahead = ms - now.getTime();
  if (ahead <= MAX_FUTURE_SKEW_MS) return undefined;
  return {
    message: `is ${describe(ahead)} ahead of the server clock (${now.toISOString()}); at most ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead is accepted`,
    suggestion:
      'send the time the event happened, from a clock kept in sync (NTP); Herald does not accept events scheduled for later',
  };
}

/** Whether an event at `ms` is a backfill when it arrives at `now`. */
export function isBackfill(ms: number, now: Date): boolean {
  return now.getTime() - ms > BACKFILL_AGE_MS;
}

function malformed(text: string): EventTime {
  const shown = text.slice(0, 40);
  const shortOffset = /^(.*T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-])(\d{2})(\d{2})?$/.exec(text);
  if (shortOffset) {
    const [, local, sign, hh, mm] = shortOffset;
    return {
      ok: false,
      message: `${shown} has an offset without hours:minutes; RFC 3339 requires ±hh:mm`,
      suggestion: `${local}${sign}${hh}:${mm ?? '00'}`,
    };
  }
  if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text)) {
    return {
      ok: false,
      message: `${shown} has no offset, so it is not one instant`,
      suggestion: `${text}Z if the time is UTC, or add the producer's offset (e.g. +02:00)`,
    };
  }
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text)) {
    return {
      ok: false,
      message: `${shown} separates date and time with a space`,
      suggestion: text.replace(' ', 'T'),
    };
  }
  return {
    ok: false,
    message: `${shown} is not an RFC 3339 time`,
    suggestion:
      'YYYY-MM-DDThh:mm:ssZ or with an offset, e.g. 2026-06-03T16:59:00Z or 2026-06-03T20:29:00+03:30',
  };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function describe(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
