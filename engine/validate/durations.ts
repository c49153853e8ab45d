/** ISO 8601 durations, read by luxon, with a fix offered for the everyday ways people write them. */
import { Duration } from 'luxon';
import { type Path, show, where } from './describe.ts';
import { didYouMeanText } from './suggest.ts';
import type { Finding } from './types.ts';

/** Standard Step Functions executions last at most a year. */
const MAX_RUN_MS = 365 * 24 * 3600 * 1000;

/** `PT1H`, `P3D`, `P1DT12H`; `-P3D` only where a signed duration is allowed. */
export function duration(
  value: unknown,
  path: Path,
  signed: boolean,
  out: Finding[],
  runLength = false,
): void {
  if (typeof value !== 'string') return;
  const negative = value.startsWith('-');
  const body = negative ? value.slice(1) : value;
  const parsed = Duration.fromISO(body);
  const valid = parsed.isValid && /\d/.test(body);
  if (!valid || (negative && !signed)) {
    const fix = valid ? body : suggestDuration(body, negative && signed);
    out.push({
      code: 'duration.invalid',
      path: [...path],
      message:
        negative && !signed && valid
          ? `${show(value)} in ${where(path)} is negative; only \`until.offset\` may go back in time`
          : `${show(value)} in ${where(path)} is not an ISO 8601 duration${didYouMeanText(fix)}`,
      suggestion: fix
        ? `use \`${fix}\``
        : 'write it like `PT30M` (30 minutes), `PT1H` (1 hour), `P2D` (2 days) or `P1W` (1 week)',
    });
    return;
  }
  if (runLength && parsed.toMillis() > MAX_RUN_MS) {
    out.push({
      code: 'duration.too-long',
      path: [...path],
      message: `${show(value)} in ${where(path)} is longer than a year, the longest a journey run can last`,
    });
  }
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
  const ok = (s: string) => Duration.fromISO(s).isValid && /\d/.test(s);
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
