/**
 * The one reading of a journey's ISO 8601 durations, shared by the validator, the compiler and the
 * step Lambda: what `herald validate` accepts is exactly what `herald compile` turns into seconds
 * and what a wait computes at run time (test/unit/validate-compiles.test.ts holds them together).
 *
 * luxon's `Duration.fromISO` reads the numbers; on its own it is too lenient for journeys: it takes
 * a sign on every part (`PT-5M`, `PT1H-30M`), an empty time part (`P1DT`) and nothing at all
 * (`P`), which a marketer never means. So a journey duration is, in full:
 *
 *   [sign] P [nY] [nM] [nW] [nD] [T [nH] [nM] [nS]]
 *
 * - at least one part, and a `T` only when an hour, minute or second part follows it;
 * - every number unsigned (`0` is fine: `P0D` waits no time); a decimal fraction (`.5`, not `,5`)
 *   only on the last part, as ISO 8601 says;
 * - upper case, no spaces;
 * - a sign (`-P3D`, `+PT2H`) only where the field is signed (`until.offset`), and then for the
 *   whole duration.
 */
import { Duration } from 'luxon';

export type DurationFault =
  /** Not the ISO 8601 form at all (`2 days`, `p1d`, `P1H`). */
  | 'not-iso'
  /** `P` or `PT`: no part with a number. */
  | 'no-parts'
  /** `P1DT`: a `T` with no hour, minute or second after it. */
  | 'empty-time'
  /** `PT-5M`, `PT1H-30M`: a sign inside the duration. */
  | 'negative-part'
  /** `PT1.5H30M`: a fraction on a part that is not the last. */
  | 'fraction-not-last'
  /** `-P3D` where only a forward duration makes sense. */
  | 'signed';

export type DurationReading =
  | {
      ok: true;
      /** Negated when the text starts with `-`. */
      duration: Duration;
      /** Years or months: no fixed length, so waits on them are computed on the calendar. */
      calendar: boolean;
    }
  | { ok: false; fault: DurationFault };

const NUMBER = String.raw`(\d{1,20}(?:\.\d{1,20})?)`;
const FORM = new RegExp(
  `^([+-])?P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);

/** Reads `text` by the rule above; `signed` allows a leading `-` or `+` (`until.offset`). */
export function readDuration(text: string, options: { signed?: boolean } = {}): DurationReading {
  const match = FORM.exec(text);
  if (!match) {
    // A sign inside the duration has its own fix (`PT-5M`: did they mean five minutes, or earlier?).
    const body = text.replace(/^[+-]/, '');
    const signInside = body.includes('-') && FORM.test(body.replaceAll('-', ''));
    return { ok: false, fault: signInside ? 'negative-part' : 'not-iso' };
  }
  const [, sign, y, mo, w, d, time, h, mi, s] = match;
  const parts = [y, mo, w, d, h, mi, s].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return { ok: false, fault: 'no-parts' };
  if (time !== undefined && h === undefined && mi === undefined && s === undefined) {
    return { ok: false, fault: 'empty-time' };
  }
  if (parts.slice(0, -1).some((p) => p.includes('.'))) return { ok: false, fault: 'fraction-not-last' };
  if (sign !== undefined && options.signed !== true) return { ok: false, fault: 'signed' };
  const parsed = Duration.fromISO(text.replace(/^[+-]/, ''));
  // The form above is a subset of what luxon reads; be total anyway.
  if (!parsed.isValid) return { ok: false, fault: 'not-iso' };
  return {
    ok: true,
    duration: sign === '-' ? parsed.negate() : parsed,
    calendar: y !== undefined || mo !== undefined,
  };
}

/** The duration, or undefined when `text` is not one by the rule above. */
export function parseDuration(text: unknown, options: { signed?: boolean } = {}): Duration | undefined {
  if (typeof text !== 'string') return undefined;
  const reading = readDuration(text, options);
  return reading.ok ? reading.duration : undefined;
}
