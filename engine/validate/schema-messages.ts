/** One ajv error, or one wrong type, in words a marketer understands. */
import type { ErrorObject } from 'ajv';
import { ProfileAttributes } from '../data.ts';
import { expectedKind, isRecord, kindOf, type Path, propertyName, show, where } from './describe.ts';
import { didYouMean, didYouMeanText, listOf, suggestAttributeName, suggestLocale } from './suggest.ts';
import type { Finding } from './types.ts';

type Schema = Record<string, unknown>;

/**
 * Names other tools use for one of ours, too far apart for a spelling guess: `"time": "09:00"`
 * (as Braze and issue 13's sketch write it) is `localTime` where `time` is not a property (inside
 * `until`, `time` is `"best"`, and a fixed time there is answered in the `const` case below).
 */
const PROPERTY_SYNONYMS: Record<string, string> = { time: 'localTime' };

export function wrongType(value: unknown, expected: string[], path: Path): Finding {
  const kinds = [...new Set(expected.map(expectedKind))];
  const actual = `${kindOf(value)}${isScalar(value) ? ` ${show(value)}` : ''}`;
  const hint = wrongTypeHint(value, expected, path);
  return {
    code: 'schema.wrong-type',
    path: [...path],
    message: `${subjectOf(path)} must be ${kinds.join(' or ')}, not ${actual}`,
    ...(hint ? { suggestion: hint } : {}),
  };
}

/** "step `a`", "message `m`", "`channels` in step `a`", "`entry` in the journey". */
function subjectOf(path: Path): string {
  const name = propertyName(path);
  if (name === undefined) return path.length === 0 ? 'the journey' : 'this entry';
  if (path.length === 2 && path[0] === 'steps') return `step \`${name}\``;
  if (path.length === 2 && path[0] === 'messages') return `message \`${name}\``;
  const parent = path.slice(0, -1);
  return `\`${name}\` in ${where(parent)}`;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The usual slips: `"50%"` for 50, `"email"` for `["email"]`, `"10:00"` for `{ "localTime": "10:00" }`. */
function wrongTypeHint(value: unknown, expected: string[], path: Path): string | undefined {
  const name = propertyName(path);
  if (typeof value === 'string') {
    const numeric = value.trim().replace(/%$/, '');
    if (
      (expected.includes('number') || expected.includes('integer')) &&
      numeric !== '' &&
      Number.isFinite(Number(numeric))
    ) {
      return `write \`${Number(numeric)}\` without quotes`;
    }
    if (expected.includes('array')) return `write a list: \`[${JSON.stringify(value)}]\``;
    if (name === 'until' && /^\d{1,2}:\d{2}$/.test(value))
      return `write \`{ "localTime": ${JSON.stringify(value)} }\``;
    if (name === 'condition' || name === 'when' || name === 'where') {
      return 'write conditions as data, e.g. `{ "field": "profile.country", "op": "eq", "value": "GB" }`';
    }
  }
  if (typeof value === 'number' && expected.includes('integer'))
    return `use a whole number such as \`${Math.round(value)}\``;
  if (name === 'holdout' && typeof value === 'number') return `write \`{ "percent": ${value} }\``;
  return undefined;
}

export function translate(e: ErrorObject, value: unknown, schema: Schema, path: Path): Finding {
  const at = [...path, ...pointerToPath(e.instancePath)];
  const params = e.params as Record<string, unknown>;
  const name = propertyName(at);
  const subject = name === undefined ? 'the value' : `\`${name}\``;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const props = isRecord(schema.properties) ? schema.properties : {};
      const prop = isRecord(props[missing]) ? (props[missing] as Schema) : {};
      // Shared scalars (Identifier, Field path…) carry a title and a format description, not a purpose.
      const description = prop.title === undefined ? prop.description : undefined;
      return {
        code: 'schema.missing-property',
        path: at,
        message: `${where(at)} is missing \`${missing}\`${typeof description === 'string' ? ` (${lowerFirst(description).replace(/\.$/, '')})` : ''}`,
        suggestion: `add \`"${missing}"\``,
      };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      if (isRecord(schema.patternProperties) && !isRecord(schema.properties)) {
        return invalidKey(extra, schema, at);
      }
      const allowed = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
      const synonym = PROPERTY_SYNONYMS[extra];
      const guess = synonym && allowed.includes(synonym) ? synonym : didYouMean(extra, allowed);
      return {
        code: 'schema.unknown-property',
        path: [...at, extra],
        atKey: true,
        message: `unknown property \`${extra}\` in ${where(at)}${didYouMeanText(guess)}`,
        suggestion: guess ? `rename it to \`${guess}\`` : `remove it; allowed here: ${listOf(allowed)}`,
      };
    }
    case 'type':
      return wrongType(value, [String(params.type)], at);
    case 'const':
    case 'enum': {
      const options = e.keyword === 'const' ? [params.allowedValue] : (params.allowedValues as unknown[]);
      // `"time": "09:00"` (Braze's word, issue 13's sketch): a fixed time is `localTime`; `time` is only `best`.
      const fixedTime = name === 'time' && typeof value === 'string' && /^\d{1,2}:\d{2}$/.test(value);
      return {
        code: 'schema.unknown-value',
        path: at,
        message: `${subject} in ${where(at)} must be ${listOf(options.map(String))}`,
        ...(fixedTime
          ? {
              suggestion: `for a fixed time write \`"localTime": ${JSON.stringify(value)}\`; \`"time": "best"\` learns the customer’s own`,
            }
          : {}),
      };
    }
    case 'pattern': {
      const title = typeof schema.title === 'string' ? schema.title : undefined;
      const description = typeof schema.description === 'string' ? schema.description : undefined;
      const fix =
        typeof value !== 'string'
          ? undefined
          : title === 'Identifier'
            ? toIdentifier(value)
            : name === 'attribute'
              ? (suggestAttributeName(value, Object.keys(ProfileAttributes.properties)) ??
                toAttributeName(value))
              : title === 'Locale'
                ? suggestLocale(value)
                : undefined;
      return {
        code: 'schema.invalid-format',
        path: at,
        message: `${show(value)} is not a valid ${title ? lowerFirst(title) : subject} in ${where(at)}${description ? `: ${lowerFirst(description).replace(/\.$/, '')}` : name === 'attribute' ? ': use letters, digits and `_` only' : ''}`,
        ...(fix ? { suggestion: `use \`${fix}\`` } : {}),
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const limit = String(params.limit);
      const relation = {
        minimum: `at least ${limit}`,
        maximum: `at most ${limit}`,
        exclusiveMinimum: `more than ${limit}`,
        exclusiveMaximum: `less than ${limit}`,
      }[e.keyword];
      return {
        code: 'schema.out-of-range',
        path: at,
        message: `${subject} in ${where(at)} must be ${relation}, not ${show(value)}`,
      };
    }
    case 'minLength':
      return { code: 'schema.empty-text', path: at, message: `${subject} in ${where(at)} must not be empty` };
    case 'minItems':
      return {
        code: 'schema.too-few-items',
        path: at,
        message: `${subject} in ${where(at)} needs at least ${String(params.limit)} ${Number(params.limit) === 1 ? 'entry' : 'entries'}`,
      };
    case 'uniqueItems':
      return {
        code: 'schema.duplicate-item',
        path: at,
        message: `${subject} in ${where(at)} lists the same entry twice (positions ${String(params.j)} and ${String(params.i)})`,
        suggestion: 'remove the repeated entry',
      };
    default:
      return {
        code: 'schema.invalid',
        path: at,
        message: `${subject} in ${where(at)} ${e.message ?? 'is invalid'}`,
      };
  }
}

function invalidKey(key: string, schema: Schema, path: Path): Finding {
  const patterns = Object.keys(schema.patternProperties as Schema);
  const matches = (k: string) => patterns.some((p) => new RegExp(p, 'u').test(k));
  const isLocale = propertyName(path) === 'locales';
  const lower = key.toLowerCase();
  const fix = isLocale ? suggestLocale(key) : matches(lower) ? lower : undefined;
  return {
    code: 'schema.invalid-format',
    path: [...path, key],
    atKey: true,
    message: isLocale
      ? `\`${key}\` is not a valid locale tag in ${where(path)}: use a BCP 47 tag such as \`en\`, \`ar\` or \`fa-IR\``
      : `\`${key}\` is not an allowed name in ${where(path)}`,
    ...(fix ? { suggestion: `use \`${fix}\`` } : {}),
  };
}

function toIdentifier(value: string): string | undefined {
  const slug = value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return slug.length > 0 && slug !== value ? slug : undefined;
}

function toAttributeName(value: string): string | undefined {
  const words = value.split(/[^A-Za-z0-9_]+/).filter(Boolean);
  const camel = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1))).join('');
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(camel) && camel !== value ? camel : undefined;
}

function lowerFirst(text: string): string {
  return /^[A-Z](?![A-Z0-9])/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
