/**
 * Checks the schema cannot express: durations luxon can read, waits that say when, time zones
 * that exist, event types the platform knows, conditions over declared fields, split weights.
 * Input is unchecked (these run even when the schema check failed, so that all problems come out
 * at once): every access is guarded.
 */
import { IANAZone } from 'luxon';
import { parseDuration } from '../duration.ts';
import { describeType, type Vocabulary } from '../vocabulary.ts';
import { condition } from './conditions.ts';
import { expectedKind, isRecord, kindOf, type Path, show, where } from './describe.ts';
import { duration, waitForEventTimeout } from './durations.ts';
import { checkField, type FieldScope } from './fields.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';
import {
  eventType,
  FIELD_PATH,
  isEventType,
  kindMatches,
  SCALAR_TYPES,
  sameKind,
  sameProductWithoutItems,
} from './vocabulary.ts';

export { isEventType } from './vocabulary.ts';

const IDENTIFIER = /^[a-z][a-z0-9_-]{0,63}$/;
/** The schema's pattern for an `update` step's attribute (engine/schema.ts). */
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export function fieldScope(
  journey: Record<string, unknown>,
  attributes: ReadonlySet<string>,
  template: boolean,
  vocabulary: Vocabulary,
): FieldScope {
  const entry = isRecord(journey.entry) ? journey.entry : {};
  const event =
    typeof entry.event === 'string' && isEventType(entry.event, vocabulary) ? entry.event : undefined;
  return { entryEvent: event, forEachItem: isRecord(entry.forEachItem), attributes, template, vocabulary };
}

export function checkSemantics(journey: Record<string, unknown>, scope: FieldScope): Finding[] {
  const out: Finding[] = [];
  const vocabulary = scope.vocabulary;
  const entry = isRecord(journey.entry) ? journey.entry : undefined;
  const steps = isRecord(journey.steps) ? journey.steps : {};

  // Time zone.
  const zone = journey.defaultTimeZone;
  if (typeof zone === 'string' && !IANAZone.isValidZone(zone)) {
    const guess = didYouMean(zone, timeZones());
    out.push({
      code: 'timezone.unknown',
      path: ['defaultTimeZone'],
      message: guess
        ? `unknown time zone ${show(zone)}${didYouMeanText(guess)}`
        : `unknown time zone ${show(zone)}: use an IANA name such as \`Europe/London\` or \`Asia/Tehran\``,
      suggestion: guess
        ? `use \`${guess}\``
        : 'use an IANA time zone name, e.g. `UTC`, `Europe/London`, `Asia/Tehran`',
    });
  }

  // Entry, exit, goal.
  if (entry) {
    eventType(entry.event, ['entry', 'event'], out, vocabulary);
    if (isRecord(entry.reentry)) duration(entry.reentry.after, ['entry', 'reentry', 'after'], false, out);
    if (entry.condition !== undefined) condition(entry.condition, ['entry', 'condition'], scope, out);
    if (isRecord(entry.forEachItem) && scope.entryEvent) {
      const props = (vocabulary.events[scope.entryEvent]?.schema.properties ?? {}) as Record<string, unknown>;
      if (!Object.hasOwn(props, 'items')) {
        out.push({
          code: 'entry.no-items',
          path: ['entry', 'forEachItem'],
          atKey: true,
          message: `\`forEachItem\` starts one run per item of the entry event, but \`${scope.entryEvent}\` events have no items`,
          suggestion:
            'start on an event with items (`order_placed`, `cart_updated`), or remove `forEachItem`',
        });
      }
    }
    if (isRecord(entry.forEachItem) && entry.forEachItem.where !== undefined) {
      condition(entry.forEachItem.where, ['entry', 'forEachItem', 'where'], scope, out);
    }
  }
  if (Array.isArray(journey.exit)) {
    journey.exit.forEach((rule, i) => {
      if (!isRecord(rule)) return;
      eventType(rule.event, ['exit', i, 'event'], out, vocabulary);
      if (rule.sameProduct === true && !scope.forEachItem)
        sameProductWithoutItems(['exit', i, 'sameProduct'], out);
    });
  }
  if (isRecord(journey.goal)) {
    eventType(journey.goal.event, ['goal', 'event'], out, vocabulary);
    duration(journey.goal.within, ['goal', 'within'], false, out);
  }

  // Steps.
  for (const [id, step] of Object.entries(steps)) {
    if (!IDENTIFIER.test(id)) {
      out.push({
        code: 'step.invalid-id',
        path: ['steps', id],
        atKey: true,
        message: `step id ${show(id)} is not valid: use lowercase letters, digits, \`-\` and \`_\`, starting with a letter (at most 64 characters)`,
      });
    }
    if (!isRecord(step)) continue;
    const at: Path = ['steps', id];
    switch (step.type) {
      case 'wait':
        wait(step, at, scope, out);
        break;
      case 'waitForEvent':
        eventType(step.event, [...at, 'event'], out, vocabulary);
        waitForEventTimeout(step, at, out);
        break;
      case 'branch':
        if (Array.isArray(step.branches)) {
          step.branches.forEach((b, i) => {
            if (isRecord(b) && b.when !== undefined)
              condition(b.when, [...at, 'branches', i, 'when'], scope, out);
          });
        }
        break;
      case 'split':
        split(step, at, out);
        break;
      case 'update':
        update(step, at, out, vocabulary);
        break;
      case 'send':
        expiresAfter(step, at, out);
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * `until.time: "best"` (engine/policy/send-time.ts) needs its channel, window and fallback; it
 * replaces `localTime` and, for now, cannot follow a date (it may follow a `duration`).
 */
function bestTime(until: Record<string, unknown>, at: Path, hasDate: boolean, out: Finding[]): void {
  const here = [...at, 'until'];
  if (until.time !== 'best') {
    if (until.time === undefined) {
      const extra = ['channel', 'window', 'fallback'].filter((k) => until[k] !== undefined);
      out.push({
        code: 'wait.best-time-settings-without-best',
        path: [...here, extra[0] ?? 'window'],
        message: `${where(at)} sets ${extra.map((k) => `\`${k}\``).join(', ')}, which only \`"time": "best"\` reads`,
        suggestion: 'add `"time": "best"`, or remove them',
      });
    }
    return;
  }
  const missing = ['channel', 'window', 'fallback'].filter((k) => until[k] === undefined);
  if (missing.length > 0) {
    out.push({
      code: 'wait.best-time-incomplete',
      path: here,
      message: `${where(at)} waits for the best time but does not say ${missing.map((k) => `\`${k}\``).join(', ')}`,
      suggestion:
        'write `"until": { "time": "best", "channel": "email", "window": ["09:00", "21:00"], "fallback": "10:00" }`',
    });
  }
  if (until.localTime !== undefined) {
    out.push({
      code: 'wait.best-time-and-local-time',
      path: [...here, 'localTime'],
      message: `${where(at)} has both \`time: "best"\` and \`localTime\`: it can wait for one time of day only`,
      suggestion:
        'remove `localTime`, or move it to `fallback` (used while the customer has too little data)',
    });
  }
  if (hasDate) {
    out.push({
      code: 'wait.best-time-with-date',
      path: [...here, 'time'],
      message: `${where(at)} waits for a date and the best time: \`time: "best"\` follows \`duration\` only`,
      suggestion: 'use `"localTime": "10:00"` with a date',
    });
  }
  const window = Array.isArray(until.window) ? until.window : undefined;
  const minutes = (t: unknown) =>
    typeof t === 'string' && /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(t)
      ? Number(t.slice(0, 2)) * 60 + Number(t.slice(3))
      : undefined;
  const start = minutes(window?.[0]);
  const end = minutes(window?.[1]);
  if (start !== undefined && end !== undefined && start === end) {
    out.push({
      code: 'wait.best-time-empty-window',
      path: [...here, 'window'],
      message: `${where(at)}: the window starts and ends at ${String(window?.[0])}, so no time is inside it`,
      suggestion: 'give a start before the end, e.g. `["09:00", "21:00"]`',
    });
    return;
  }
  const fallback = minutes(until.fallback);
  if (start !== undefined && end !== undefined && fallback !== undefined) {
    const inside = start < end ? fallback >= start && fallback < end : fallback >= start || fallback < end;
    if (!inside) {
      out.push({
        code: 'wait.best-time-fallback-outside-window',
        path: [...here, 'fallback'],
        message: `${where(at)}: the fallback ${String(until.fallback)} is outside the window ${String(window?.[0])}–${String(window?.[1])}`,
        suggestion: `pick a fallback inside the window, e.g. "${String(window?.[0])}"`,
      });
    }
  }
}

function wait(step: Record<string, unknown>, at: Path, scope: FieldScope, out: Finding[]): void {
  const hasDuration = step.duration !== undefined;
  const until = isRecord(step.until) ? step.until : undefined;
  if (hasDuration) duration(step.duration, [...at, 'duration'], false, out, true);
  if (!hasDuration && step.until === undefined) {
    out.push({
      code: 'wait.missing-duration-or-until',
      path: [...at],
      message: `${where(at)} does not say how long to wait`,
      suggestion: 'add `"duration": "P2D"` or `"until": { "localTime": "10:00" }`',
    });
    return;
  }
  if (!until) return;
  const hasDate = until.date !== undefined;
  if (hasDuration && (hasDate || until.addDaysFrom !== undefined || until.offset !== undefined)) {
    out.push({
      code: 'wait.both-duration-and-until',
      path: [...at, 'until'],
      message: `${where(at)} has both \`duration\` and \`until.date\`: it can wait a fixed time or until a date, not both`,
      suggestion: 'keep one of them (a `duration` may be combined with `until.localTime` only)',
    });
  }
  const best = until.time === 'best';
  if (best || until.window !== undefined || until.fallback !== undefined || until.channel !== undefined) {
    bestTime(until, at, hasDate, out);
  }
  if (!hasDate && until.localTime === undefined && !best) {
    out.push({
      code: 'wait.until-without-date-or-time',
      path: [...at, 'until'],
      message: `${where(at)} waits \`until\` nothing: give a \`date\`, a \`localTime\`, or both`,
      suggestion: 'add `"localTime": "10:00"` or `"date": "event.time"`',
    });
  } else if (!hasDate && (until.offset !== undefined || until.addDaysFrom !== undefined)) {
    out.push({
      code: 'wait.offset-without-date',
      path: [...at, 'until'],
      message: `${where(at)} moves a date by \`offset\`/\`addDaysFrom\`, but has no \`until.date\` to start from`,
      suggestion: 'add `"date": "event.time"` (or another date field)',
    });
  }
  if (!hasDate && until.ifMissing !== undefined) {
    out.push({
      code: 'wait.if-missing-without-date',
      path: [...at, 'until', 'ifMissing'],
      message: `${where(at)} says what to do when the date is missing (\`ifMissing\`), but waits for no \`until.date\``,
      suggestion: 'remove `ifMissing`, or add `"date": "profile.attributes.lastOrderAt"`',
    });
  }
  if (until.offset !== undefined) duration(until.offset, [...at, 'until', 'offset'], true, out);
  if (until.every !== undefined) yearly(until, at, scope, out);
  for (const key of ['date', 'addDaysFrom'] as const) {
    const value = until[key];
    if (typeof value !== 'string' || !FIELD_PATH.test(value)) continue;
    const result = checkField(value.split('.'), scope);
    if (!result.ok) {
      out.push({
        code: result.reason === 'product-unavailable' ? 'field.product-unavailable' : 'field.unknown',
        path: [...at, 'until', key],
        message: `${where(at)}: ${result.message}`,
        ...(result.suggestion ? { suggestion: result.suggestion } : {}),
      });
    } else if (result.type !== undefined) {
      const wanted = key === 'date' ? 'date' : 'number';
      // Text under a yearly wait is `wait.yearly-not-a-date`, reported by yearly().
      const yearlyText = key === 'date' && until.every === 'year' && result.type === 'string';
      if (!kindMatches(wanted, result.type) && !yearlyText) {
        out.push({
          code: key === 'date' ? 'wait.not-a-date' : 'wait.not-a-number',
          path: [...at, 'until', key],
          message:
            key === 'date'
              ? `\`${value}\` in ${where(at)} is ${expectedKind(result.type)}, not a date: a date wait reads a field declared \`"type": "date"\``
              : `\`${value}\` in ${where(at)} is ${expectedKind(result.type)}, not a number of days`,
        });
      }
    }
  }
}

/** An offset of a year or more would skip an anniversary rather than move it. */
const MAX_YEARLY_OFFSET_MS = 365 * 24 * 3600 * 1000;

/** `until.every: "year"`: a date field to count from, no `addDaysFrom`, an offset within the year. */
function yearly(until: Record<string, unknown>, at: Path, scope: FieldScope, out: Finding[]): void {
  if (until.every !== 'year') return; // the schema check names the allowed value
  if (until.date === undefined) {
    out.push({
      code: 'wait.every-without-date',
      path: [...at, 'until', 'every'],
      message: `${where(at)} repeats every year, but has no \`until.date\` whose anniversary to wait for`,
      suggestion: 'add `"date": "profile.attributes.birthday"` (or another date field)',
    });
  }
  if (until.addDaysFrom !== undefined) {
    out.push({
      code: 'wait.every-with-add-days',
      path: [...at, 'until', 'addDaysFrom'],
      message: `${where(at)} waits for a yearly anniversary and also adds \`addDaysFrom\` days: a yearly wait moves only by \`offset\``,
      suggestion: 'remove `addDaysFrom`, or remove `every` to wait for the date plus those days once',
    });
  }
  const offset = typeof until.offset === 'string' ? parseDuration(until.offset, { signed: true }) : undefined;
  if (offset && Math.abs(offset.as('milliseconds')) >= MAX_YEARLY_OFFSET_MS) {
    out.push({
      code: 'wait.yearly-offset-too-long',
      path: [...at, 'until', 'offset'],
      message: `${show(until.offset)} in ${where(at)} moves a yearly anniversary by a year or more, which skips it`,
      suggestion:
        'keep the offset within the year, e.g. `"-P1D"` for the day before or `"-P1W"` for a week before',
    });
  }
  if (typeof until.date !== 'string' || !FIELD_PATH.test(until.date)) return;
  const field = checkField(until.date.split('.'), scope);
  // Unknown fields and non-text non-dates are reported by the `date` check in `until`; text is this
  // problem (and not also `wait.not-a-date`), with the yearly fix.
  if (!field.ok || field.type !== 'string') return;
  out.push({
    code: 'wait.yearly-not-a-date',
    path: [...at, 'until', 'date'],
    message: `\`${until.date}\` in ${where(at)} is text, not a declared date: a yearly wait needs a day and a month to come back to`,
    suggestion:
      'wait on a date field such as `profile.attributes.birthday` (`YYYY-MM-DD`) or `event.time`, or declare this attribute `"type": "date"` in workflows/data.json',
  });
}

/** An `update` writes a declared attribute, with a value of its declared type. */
function update(step: Record<string, unknown>, at: Path, out: Finding[], vocabulary: Vocabulary): void {
  // A name the schema refuses (`profile.attributes.x`) is reported there, with the fix.
  if (typeof step.attribute !== 'string' || !ATTRIBUTE_NAME.test(step.attribute)) return;
  const spec = vocabulary.attributes[step.attribute];
  if (!spec) {
    const known = Object.keys(vocabulary.attributes);
    const guess = didYouMean(step.attribute, known);
    out.push({
      code: 'update.undeclared-attribute',
      path: [...at, 'attribute'],
      message: `${where(at)} sets \`${step.attribute}\`, which is not a declared profile attribute${didYouMeanText(guess)}`,
      suggestion: guess
        ? `use \`${guess}\``
        : `declare \`${step.attribute}\` in workflows/data.json under attributes (declared: ${listOf(known)})`,
    });
    return;
  }
  if (!Object.hasOwn(step, 'value')) return;
  const value = step.value;
  const type = spec.type === 'enum' ? undefined : spec.type === 'list' ? 'array' : spec.type;
  const wrongEnum =
    spec.type === 'enum' && value !== null && !(spec.values ?? []).includes(value as string | number);
  const wrongScalar = type !== undefined && SCALAR_TYPES.has(type) && !sameKind(type, value);
  const wrongList = spec.type === 'list' && value !== null && !Array.isArray(value);
  if (wrongEnum || wrongScalar || wrongList) {
    const guess =
      wrongEnum && typeof value === 'string' ? didYouMean(value, (spec.values ?? []).map(String)) : undefined;
    out.push({
      code: 'update.wrong-type',
      path: [...at, 'value'],
      message: `\`${step.attribute}\` holds ${type && type !== 'array' ? expectedKind(type) : describeType(spec)}, but ${where(at)} sets it to ${kindOf(value)} ${show(value)}${didYouMeanText(guess)}`,
      ...(guess ? { suggestion: `use ${show(guess)}` } : {}),
    });
  }
}

function split(step: Record<string, unknown>, at: Path, out: Finding[]): void {
  if (!Array.isArray(step.arms)) return;
  const weights = step.arms.map((a) => (isRecord(a) && typeof a.weight === 'number' ? a.weight : undefined));
  if (weights.every((w) => w !== undefined)) {
    const sum = weights.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 100) > 1e-9) {
      out.push({
        code: 'split.weights-not-100',
        path: [...at, 'arms'],
        message: `the arms of ${where(at)} have weights adding up to ${Number(sum.toFixed(6))}; they must add up to 100`,
        suggestion: `adjust the weights by ${Number((100 - sum).toFixed(6))}`,
      });
    }
  }
  const seen = new Set<string>();
  step.arms.forEach((arm, i) => {
    if (!isRecord(arm) || typeof arm.name !== 'string') return;
    if (seen.has(arm.name)) {
      out.push({
        code: 'split.duplicate-arm',
        path: [...at, 'arms', i, 'name'],
        message: `${where(at)} has two arms called \`${arm.name}\`; results could not tell them apart`,
      });
    }
    seen.add(arm.name);
  });
}

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return zones;
}

/** A send's relevance: a positive duration (`PT0S` would drop every held message at once). */
function expiresAfter(step: Record<string, unknown>, at: Path, out: Finding[]): void {
  if (step.expiresAfter === undefined) return;
  const parsed = duration(step.expiresAfter, [...at, 'expiresAfter'], false, out, true);
  if (parsed === undefined || parsed.toMillis() > 0) return;
  out.push({
    code: 'send.expires-at-once',
    path: [...at, 'expiresAfter'],
    message: `${where(at)} expires after ${show(step.expiresAfter)}: a held message would be dropped at once`,
    suggestion:
      'give it the time it stays relevant, e.g. `"expiresAfter": "PT6H"`, or leave it out for the policy default',
  });
}
