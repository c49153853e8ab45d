/**
 * Checks the schema cannot express: durations luxon can read, waits that say when, time zones
 * that exist, event types the platform knows, conditions over declared fields, split weights.
 * Input is unchecked (these run even when the schema check failed, so that all problems come out
 * at once): every access is guarded.
 */
import { Duration, IANAZone } from 'luxon';
import { EVENT_PROPERTIES, EVENT_TYPES, type EventType, ProfileAttributes } from '../data.ts';
import { expectedKind, isRecord, jsonTypeOf, kindOf, type Path, show, where } from './describe.ts';
import { checkField, display, type FieldScope } from './fields.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

const IDENTIFIER = /^[a-z][a-z0-9_-]{0,63}$/;
/** The schema's FieldPath pattern: paths that fail it are reported by the schema check, not twice. */
const FIELD_PATH = /^(profile|event|product)(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** Standard Step Functions executions last at most a year. */
const MAX_RUN_MS = 365 * 24 * 3600 * 1000;

export function fieldScope(
  journey: Record<string, unknown>,
  attributes: ReadonlySet<string>,
  template: boolean,
): FieldScope {
  const entry = isRecord(journey.entry) ? journey.entry : {};
  const event = typeof entry.event === 'string' && isEventType(entry.event) ? entry.event : undefined;
  return { entryEvent: event, forEachItem: isRecord(entry.forEachItem), attributes, template };
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function checkSemantics(journey: Record<string, unknown>, scope: FieldScope): Finding[] {
  const out: Finding[] = [];
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
    eventType(entry.event, ['entry', 'event'], out);
    if (isRecord(entry.reentry)) duration(entry.reentry.after, ['entry', 'reentry', 'after'], false, out);
    if (entry.condition !== undefined) condition(entry.condition, ['entry', 'condition'], scope, out);
    if (isRecord(entry.forEachItem) && scope.entryEvent) {
      const props = EVENT_PROPERTIES[scope.entryEvent].properties as Record<string, unknown>;
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
      eventType(rule.event, ['exit', i, 'event'], out);
      if (rule.sameProduct === true && !scope.forEachItem)
        sameProductWithoutItems(['exit', i, 'sameProduct'], out);
    });
  }
  if (isRecord(journey.goal)) {
    eventType(journey.goal.event, ['goal', 'event'], out);
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
        eventType(step.event, [...at, 'event'], out);
        duration(step.timeout, [...at, 'timeout'], false, out, true);
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
        update(step, at, out);
        break;
      default:
        break;
    }
  }
  return out;
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
  if (!hasDate && until.localTime === undefined) {
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
  if (until.offset !== undefined) duration(until.offset, [...at, 'until', 'offset'], true, out);
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
      const wanted = key === 'date' ? 'string' : 'number';
      if (!kindMatches(wanted, result.type)) {
        out.push({
          code: key === 'date' ? 'wait.not-a-date' : 'wait.not-a-number',
          path: [...at, 'until', key],
          message:
            key === 'date'
              ? `\`${value}\` in ${where(at)} is ${expectedKind(result.type)}, not a date`
              : `\`${value}\` in ${where(at)} is ${expectedKind(result.type)}, not a number of days`,
        });
      }
    }
  }
}

/** Same family: a whole number is a number; anything may be cleared with null. */
function sameKind(declared: string, value: unknown): boolean {
  return value === null || kindMatches(declared, jsonTypeOf(value));
}

function kindMatches(a: string, b: string): boolean {
  const numeric = (t: string) => t === 'number' || t === 'integer';
  return a === b || (numeric(a) && numeric(b));
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

function update(step: Record<string, unknown>, at: Path, out: Finding[]): void {
  if (typeof step.attribute !== 'string' || !Object.hasOwn(step, 'value')) return;
  const declared = (ProfileAttributes.properties as Record<string, { type?: unknown }>)[step.attribute];
  const type = typeof declared?.type === 'string' ? declared.type : undefined;
  if (type && SCALAR_TYPES.has(type) && !sameKind(type, step.value)) {
    out.push({
      code: 'update.wrong-type',
      path: [...at, 'value'],
      message: `\`${step.attribute}\` holds ${expectedKind(type)}, but ${where(at)} sets it to ${kindOf(step.value)} ${show(step.value)}`,
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

function eventType(value: unknown, path: Path, out: Finding[]): void {
  if (typeof value !== 'string' || isEventType(value)) return;
  const guess = didYouMean(value, EVENT_TYPES);
  out.push({
    code: 'event.unknown-type',
    path: [...path],
    message: `unknown event type ${show(value)} in ${where(path)}${didYouMeanText(guess)}`,
    suggestion: guess ? `use \`${guess}\`` : `use one of ${listOf(EVENT_TYPES)}`,
  });
}

function sameProductWithoutItems(path: Path, out: Finding[]): void {
  out.push({
    code: 'journey.same-product-without-items',
    path: [...path],
    message: `\`sameProduct\` in ${where(path)} needs a product, but this journey does not run once per ordered item`,
    suggestion: 'add `"forEachItem": {}` to the entry, or remove `sameProduct`',
  });
}

const OPERATORS = new Set<string>([
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'exists',
  'notExists',
]);
const LIST_OPS = new Set(['in', 'notIn']);
const TYPED_OPS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn']);
const NO_VALUE_OPS = new Set(['exists', 'notExists']);
const MAX_CONDITION_DEPTH = 32;

function condition(cond: unknown, path: Path, scope: FieldScope, out: Finding[], depth = 0): void {
  if (!isRecord(cond) || depth > MAX_CONDITION_DEPTH) return;
  for (const key of ['all', 'any'] as const) {
    const list = cond[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      condition(c, [...path, key, i], scope, out, depth + 1);
    });
  }
  if (cond.not !== undefined) condition(cond.not, [...path, 'not'], scope, out, depth + 1);
  if (cond.did !== undefined) {
    eventType(cond.did, [...path, 'did'], out);
    duration(cond.within, [...path, 'within'], false, out);
    if (cond.sameProduct === true && !scope.forEachItem)
      sameProductWithoutItems([...path, 'sameProduct'], out);
  }
  if (typeof cond.field === 'string' && FIELD_PATH.test(cond.field)) {
    const result = checkField(cond.field.split('.'), scope);
    if (!result.ok) {
      out.push({
        code: result.reason === 'product-unavailable' ? 'field.product-unavailable' : 'field.unknown',
        path: [...path, 'field'],
        message: `condition in ${where(path)}: ${result.message}`,
        ...(result.suggestion ? { suggestion: result.suggestion } : {}),
      });
    } else if (
      result.type !== undefined &&
      SCALAR_TYPES.has(result.type) &&
      typeof cond.op === 'string' &&
      TYPED_OPS.has(cond.op) &&
      Object.hasOwn(cond, 'value')
    ) {
      const values = Array.isArray(cond.value) ? cond.value : [cond.value];
      const odd = values.find((v) => !sameKind(result.type!, v));
      if (odd !== undefined) {
        out.push({
          code: 'condition.type-mismatch',
          path: [...path, 'value'],
          message: `\`${cond.field}\` holds ${expectedKind(result.type)}, but the condition in ${where(path)} compares it with ${kindOf(odd)} ${show(odd)}, which never compares as intended`,
          suggestion:
            result.type === 'string'
              ? `write ${show(JSON.stringify(String(odd)))}`
              : 'write the value without quotes',
        });
      }
    }
  }
  if (typeof cond.op === 'string' && OPERATORS.has(cond.op) && typeof cond.field === 'string') {
    const op = cond.op;
    const has = Object.hasOwn(cond, 'value');
    if (LIST_OPS.has(op) && has && !Array.isArray(cond.value)) {
      out.push({
        code: 'condition.value-not-list',
        path: [...path, 'value'],
        message: `\`${op}\` compares against a list, but \`value\` in ${where(path)} is a single value`,
        suggestion: `write \`"value": [${JSON.stringify(cond.value)}]\``,
      });
    } else if (!NO_VALUE_OPS.has(op) && !has) {
      out.push({
        code: 'condition.missing-value',
        path: [...path],
        message: `the condition on \`${display(cond.field.split('.'))}\` in ${where(path)} uses \`${op}\` but has no \`value\` to compare with`,
        suggestion: 'add `"value": …`, or use `exists` / `notExists`',
      });
    } else if (!LIST_OPS.has(op) && !NO_VALUE_OPS.has(op) && Array.isArray(cond.value)) {
      out.push({
        code: 'condition.unexpected-list',
        path: [...path, 'value'],
        message: `\`${op}\` compares against one value, but \`value\` in ${where(path)} is a list`,
        suggestion: 'use `in` / `notIn` to match any value of a list',
      });
    }
  }
}

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

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return zones;
}
