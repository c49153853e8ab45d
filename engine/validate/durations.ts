/**
 * Durations in a journey, read by engine/duration.ts (the same reading the compiler and the step
 * Lambda use), with a fix offered for the everyday ways people write them.
 */
import { Duration } from 'luxon';
import { type DurationFault, readDuration } from '../duration.ts';
import { type Path, show, where } from './describe.ts';
import { didYouMeanText } from './suggest.ts';
import type { Finding } from './types.ts';

/** Standard Step Functions executions last at most a year. */
const MAX_RUN_MS = 365 * 24 * 3600 * 1000;

/**
 * `PT1H`, `P3D`, `P1DT12H`; `-P3D` only where a signed duration is allowed. Returns the duration
 * when it is one, for checks that depend on its length.
 */
export function duration(
  value: unknown,
  path: Path,
  signed: boolean,
  out: Finding[],
  runLength = false,
): Duration | undefined {
  if (typeof value !== 'string') return undefined;
  const reading = readDuration(value, { signed });
  if (!reading.ok) {
    out.push(invalidDuration(value, path, reading.fault, signed));
    return undefined;
  }
  const parsed = reading.duration;
  if (runLength && parsed.toMillis() > MAX_RUN_MS) {
    out.push({
      code: 'duration.too-long',
      path: [...path],
      message: `${show(value)} in ${where(path)} is longer than a year, the longest a journey run can last`,
    });
  }
  return parsed;
}

/**
 * A wait for an event that times out at once never sees the event: Step Functions' own
 * `TimeoutSeconds` must be at least 1 (docs.aws.amazon.com/step-functions/latest/dg/state-task.html),
 * and a zero timeout always takes `onTimeout`.
 */
export function waitForEventTimeout(step: Record<string, unknown>, at: Path, out: Finding[]): void {
  const timeout = duration(step.timeout, [...at, 'timeout'], false, out, true);
  if (timeout === undefined || timeout.toMillis() > 0) return;
  const onEvent = typeof step.onEvent === 'string' ? ` \`${step.onEvent}\`` : '';
  out.push({
    code: 'waitForEvent.zero-timeout',
    path: [...at, 'timeout'],
    message: `${where(at)} waits ${show(step.timeout)} for its event: it times out at once, so its \`onEvent\` step${onEvent} can never run`,
    suggestion:
      'give the customer time to act, e.g. `"timeout": "PT1H"` or `"P3D"`; to go on at once, point the step before straight at the next one',
  });
}

function invalidDuration(value: string, path: Path, fault: DurationFault, signed: boolean): Finding {
  const at = `${show(value)} in ${where(path)}`;
  const body = value.replace(/^[+-]/, '');
  const write = (fix: string | undefined, otherwise: string) => ({
    suggestion: fix ? `use \`${fix}\`` : otherwise,
  });
  const example = 'write it like `PT30M` (30 minutes), `PT1H` (1 hour), `P2D` (2 days) or `P1W` (1 week)';
  switch (fault) {
    case 'signed':
      return {
        code: 'duration.invalid',
        path: [...path],
        message: value.startsWith('-')
          ? `${at} is negative; only \`until.offset\` may go back in time`
          : `${at} has a sign; durations here always count forward`,
        ...write(body, example),
      };
    case 'negative-part': {
      // luxon adds signed parts up (`PT1H-30M` is 30 minutes), which nobody reads off the text.
      const total = fixedTotal(value);
      const fix =
        total === undefined
          ? undefined // years and months: which length was meant cannot be told
          : total < 0 && signed
            ? `-${isoOf(-total)}`
            : isoOf(Math.abs(total));
      return {
        code: 'duration.invalid',
        path: [...path],
        message: `${at} has a negative part: every part of a duration counts forward${
          signed ? ' (to go back in time, put one `-` in front of the whole duration)' : ''
        }${didYouMeanText(fix)}`,
        ...write(fix, 'write every part without a sign, e.g. `P1Y2M` or `P1DT12H`'),
      };
    }
    case 'empty-time':
      return {
        code: 'duration.invalid',
        path: [...path],
        message: `${at} ends with \`T\` but no hours, minutes or seconds follow it${didYouMeanText(value.replace(/T$/, ''))}`,
        ...write(value.replace(/T$/, ''), example),
      };
    case 'fraction-not-last': {
      const total = fixedTotal(value);
      const fix =
        total === undefined ? undefined : (value.startsWith('-') ? '-' : '') + isoOf(Math.abs(total));
      return {
        code: 'duration.invalid',
        path: [...path],
        message: `${at} has a fraction on a part that is not the last one, which ISO 8601 does not allow${didYouMeanText(fix)}`,
        ...write(fix, example),
      };
    }
    case 'no-parts':
    case 'not-iso': {
      const fix = suggestDuration(body, value.startsWith('-') && signed);
      return {
        code: 'duration.invalid',
        path: [...path],
        message: `${at} is not an ISO 8601 duration${didYouMeanText(fix)}`,
        ...write(fix, example),
      };
    }
  }
}

/** The length luxon gives a (possibly ill-signed) duration in milliseconds, unless it has years or months. */
function fixedTotal(value: string): number | undefined {
  const parsed = Duration.fromISO(value.replace(/^\+/, ''));
  if (!parsed.isValid || parsed.years !== 0 || parsed.months !== 0) return undefined;
  const ms = parsed.toMillis();
  return Number.isFinite(ms) ? ms : undefined;
}

/** `90061000` → `P1DT1H1M1S`: days and smaller, never months (they have no fixed length). */
function isoOf(ms: number): string {
  let rest = Math.round(ms);
  const take = (unit: number) => {
    const n = Math.floor(rest / unit);
    rest -= n * unit;
    return n;
  };
  const days = take(86_400_000);
  const hours = take(3_600_000);
  const minutes = take(60_000);
  const seconds = rest / 1000;
  const date = days > 0 ? `${days}D` : '';
  const time = `${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${seconds > 0 ? `${seconds}S` : ''}`;
  if (date === '' && time === '') return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

const UNIT_WORDS: Record<string, string> = {
  s: 'S',
  sec: 'S',
  secs: 'S',
  second: 'S',
  seconds: 'S',
  m: 'M',
  min: 'M',
  mins: 'M',
  minute: 'M',
  minutes: 'M',
  h: 'H',
  hr: 'H',
  hrs: 'H',
  hour: 'H',
  hours: 'H',
  d: 'D',
  day: 'D',
  days: 'D',
  w: 'W',
  week: 'W',
  weeks: 'W',
};

function suggestDuration(raw: string, negative: boolean): string | undefined {
  const sign = negative ? '-' : '';
  const ok = (s: string) => readDuration(s).ok;
  const upper = raw.trim().toUpperCase();
  if (ok(upper)) return sign + upper;
  const words = /^(\d+)\s*([a-z]+)$/i.exec(raw.trim());
  if (words) {
    const unit = UNIT_WORDS[(words[2] ?? '').toLowerCase()];
    if (unit) return sign + (['H', 'M', 'S'].includes(unit) ? `PT${words[1]}${unit}` : `P${words[1]}${unit}`);
  }
  const missingT = /^P(\d+(?:\.\d+)?)([HS])$/.exec(upper);
  if (missingT) return `${sign}PT${missingT[1]}${missingT[2]}`;
  const extraT = /^PT(\d+)([DW])$/.exec(upper);
  if (extraT) return `${sign}P${extraT[1]}${extraT[2]}`;
  return undefined;
}
