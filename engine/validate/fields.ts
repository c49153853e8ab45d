/**
 * What a journey may read: `profile.*`, `event.*` (the entry event), `product.*` (per-item
 * journeys) and, in templates, `journey.*` and `links.*`. Paths are checked against the scope's
 * vocabulary (built-in engine/data.ts plus workflows/data.json, engine/vocabulary.ts), so
 * `profile.frstName` is caught before a customer sees a blank.
 */
import type { Vocabulary } from '../vocabulary.ts';
import { isRecord } from './describe.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';

export type Segment = string | number | { dynamic: true };

export interface FieldScope {
  /** The entry event type, when it is a known one. */
  entryEvent: string | undefined;
  /** What may be read: built-in fields and the shop's data dictionary. */
  vocabulary: Vocabulary;
  forEachItem: boolean;
  /** Declared attributes plus those the journey itself sets with `update` steps. */
  attributes: ReadonlySet<string>;
  /** Templates also see `journey.*` and `links.*`; conditions do not. */
  template: boolean;
}

export type FieldCheck =
  | {
      ok: true;
      /** The JSON type the path holds when the dictionary says (`string`, `integer`, `date`, …). */
      type?: string;
      /** An enum's values. */
      values?: readonly (string | number)[];
    }
  | { ok: false; reason: 'unknown' | 'product-unavailable'; message: string; suggestion?: string };

type Schema = Record<string, unknown>;

const ANY: Schema = {};
const LIQUID_ARRAY_PROPS = ['first', 'last', 'size'];

const JOURNEY_FIELDS: Schema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
};
const LINK_FIELDS: Schema = { type: 'object', properties: { unsubscribe: { type: 'string' } } };

/** The attributes a journey may read: those the vocabulary declares. */
export function declaredAttributes(vocabulary: Vocabulary): Set<string> {
  return new Set(Object.keys(vocabulary.attributes));
}

function eventSchema(scope: FieldScope): Schema {
  const properties: Schema = scope.entryEvent
    ? (scope.vocabulary.events[scope.entryEvent]?.schema ?? ANY)
    : ANY;
  return {
    type: 'object',
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      time: { type: 'string', 'x-herald': 'date' },
      customerId: { type: 'string' },
      properties,
    },
  };
}

/** Check one dotted path, e.g. `['profile', 'attributes', 'vip']`. */
export function checkField(segments: readonly Segment[], scope: FieldScope): FieldCheck {
  const [root, ...rest] = segments;
  const roots = scope.template
    ? ['profile', 'event', 'product', 'journey', 'links']
    : ['profile', 'event', 'product'];
  if (typeof root !== 'string' || !roots.includes(root)) {
    const name = typeof root === 'string' ? root : '?';
    const guess = didYouMean(name, roots);
    return {
      ok: false,
      reason: 'unknown',
      message: `\`${display(segments)}\` is not something a journey can read${didYouMeanText(guess)}; available: ${listOf(roots.map((r) => `${r}.…`))}`,
      ...(guess ? { suggestion: `use \`${display([guess, ...rest])}\`` } : {}),
    };
  }
  if (root === 'product' && !scope.forEachItem) {
    return {
      ok: false,
      reason: 'product-unavailable',
      message: `\`${display(segments)}\` needs a product, but this journey does not run once per ordered item`,
      suggestion: 'add `"forEachItem": {}` to the entry, or read the product from `event.properties`',
    };
  }
  const schema: Schema =
    root === 'profile'
      ? scope.vocabulary.profile
      : root === 'event'
        ? eventSchema(scope)
        : root === 'product'
          ? scope.vocabulary.product
          : root === 'journey'
            ? JOURNEY_FIELDS
            : LINK_FIELDS;
  return walkPath(segments, 1, schema, scope);
}

function walkPath(
  segments: readonly Segment[],
  index: number,
  schema: Schema,
  scope: FieldScope,
): FieldCheck {
  let current = schema;
  for (let i = index; i < segments.length; i++) {
    const seg = segments[i];
    if (typeof seg === 'object') return { ok: true }; // `a[b]`: the key is only known at send time
    const isAttributes = i === 2 && segments[0] === 'profile' && segments[1] === 'attributes';
    if (isAttributes) {
      if (scope.attributes.has(String(seg))) {
        if (i !== segments.length - 1) return { ok: true };
        return typeOf(attributeSchema(scope.vocabulary, String(seg)));
      }
      const known = [...scope.attributes];
      const guess = didYouMean(String(seg), known);
      return {
        ok: false,
        reason: 'unknown',
        message: `\`${display(segments)}\` is not a declared profile attribute${didYouMeanText(guess ? `profile.attributes.${guess}` : undefined)}`,
        suggestion: guess
          ? `use \`profile.attributes.${guess}\``
          : `declare \`${String(seg)}\` in workflows/data.json under attributes (or use one of ${listOf(known)})`,
      };
    }
    if (seg === undefined) break;
    const next = childOf(current, seg);
    if (next === 'open') return { ok: true };
    if (next !== undefined) {
      current = next;
      continue;
    }
    return unknownAt(segments, i, current, scope);
  }
  return typeOf(current);
}

/** The type a field holds: its declared kind (`date`, `enum`'s values) when the vocabulary marks one. */
function typeOf(schema: Schema | undefined): FieldCheck {
  const kind = schema?.['x-herald'];
  const values = Array.isArray(schema?.enum) ? { values: schema.enum as (string | number)[] } : {};
  if (kind === 'date') return { ok: true, type: 'date' };
  return typeof schema?.type === 'string' ? { ok: true, type: schema.type, ...values } : { ok: true };
}

function attributeSchema(vocabulary: Vocabulary, name: string): Schema | undefined {
  const attributes = (vocabulary.profile.properties as Record<string, Schema>).attributes;
  return (attributes?.properties as Record<string, Schema> | undefined)?.[name];
}

/** The schema of `schema[seg]`; `'open'` when anything goes below; undefined when `seg` is not there. */
function childOf(schema: Schema, seg: string | number): Schema | 'open' | undefined {
  if (Array.isArray(schema.anyOf)) {
    for (const b of schema.anyOf as Schema[]) {
      const found = childOf(b, seg);
      if (found !== undefined) return found;
    }
    return seg === 'size' ? 'open' : undefined;
  }
  const type = schema.type;
  if (type === undefined && !isRecord(schema.properties)) return 'open';
  if (seg === 'size') return 'open';
  if (type === 'array') {
    if (typeof seg === 'number' || LIQUID_ARRAY_PROPS.includes(seg)) {
      return isRecord(schema.items) ? schema.items : 'open';
    }
    return undefined;
  }
  if (type === 'object' || isRecord(schema.properties)) {
    const props = isRecord(schema.properties) ? schema.properties : {};
    const key = String(seg);
    if (Object.hasOwn(props, key) && isRecord(props[key])) return props[key];
    if (isRecord(schema.patternProperties)) {
      for (const [pattern, sub] of Object.entries(schema.patternProperties)) {
        if (isRecord(sub) && new RegExp(pattern, 'u').test(key)) return sub;
      }
    }
    if (isRecord(schema.additionalProperties) || schema.additionalProperties === true) return 'open';
    return undefined;
  }
  return undefined;
}

function unknownAt(segments: readonly Segment[], i: number, parent: Schema, scope: FieldScope): FieldCheck {
  const seg = String(segments[i]);
  const prefix = display(segments.slice(0, i));
  // `profile.lifetimeValue` for `profile.attributes.lifetimeValue`: custom attributes live one level down.
  const attribute = segments[0] === 'profile' && i === 1 ? attributeNamed(seg, scope) : undefined;
  if (attribute) {
    const fixed = display(['profile', 'attributes', attribute, ...segments.slice(2)]);
    return {
      ok: false,
      reason: 'unknown',
      message: `\`${display(segments)}\` is not a field of \`profile\` — did you mean the attribute \`${fixed}\`?`,
      suggestion: `use \`${fixed}\``,
    };
  }
  const candidates = isRecord(parent.properties) ? Object.keys(parent.properties) : [];
  const guess = didYouMean(seg, candidates);
  if (guess) {
    const fixed = display([...segments.slice(0, i), guess, ...segments.slice(i + 1)]);
    return {
      ok: false,
      reason: 'unknown',
      message: `\`${display(segments)}\` is not a field of \`${prefix}\` — did you mean \`${fixed}\`?`,
      suggestion: `use \`${fixed}\``,
    };
  }
  // `event.orderId` for `event.properties.orderId`: the most common slip with events.
  if (segments[0] === 'event' && i === 1 && scope.entryEvent) {
    const props = (scope.vocabulary.events[scope.entryEvent]?.schema.properties ?? {}) as Record<
      string,
      unknown
    >;
    if (Object.hasOwn(props, seg)) {
      const fixed = display(['event', 'properties', ...segments.slice(1)]);
      return {
        ok: false,
        reason: 'unknown',
        message: `\`${display(segments)}\` is not an event field — did you mean \`${fixed}\`?`,
        suggestion: `use \`${fixed}\``,
      };
    }
  }
  const isEventProps = segments[0] === 'event' && segments[1] === 'properties' && i === 2;
  const what = isEventProps
    ? scope.entryEvent
      ? `a property of \`${scope.entryEvent}\` events`
      : 'an event property'
    : `a field of \`${prefix}\``;
  const kind = typeof parent.type === 'string' && parent.type !== 'object' ? parent.type : undefined;
  return {
    ok: false,
    reason: 'unknown',
    message:
      kind && kind !== 'array'
        ? `\`${display(segments)}\` reads inside \`${prefix}\`, which is ${kind === 'string' ? 'text' : `a ${kind}`} with no fields`
        : `\`${display(segments)}\` is not ${what}`,
    ...(isEventProps && scope.entryEvent && scope.vocabulary.events[scope.entryEvent]?.builtIn === false
      ? {
          suggestion: `declare \`${seg}\` in workflows/data.json under events.${scope.entryEvent}.properties${candidates.length > 0 ? ` (available: ${listOf(candidates.map((c) => `${prefix}.${c}`))})` : ''}`,
        }
      : segments[0] === 'product' && i === 1
        ? {
            suggestion: `declare \`${seg}\` in workflows/data.json under product${candidates.length > 0 ? ` (available: ${listOf(candidates.map((c) => `${prefix}.${c}`))})` : ''}`,
          }
        : candidates.length > 0
          ? { suggestion: `available: ${listOf(candidates.map((c) => `${prefix}.${c}`))}` }
          : {}),
  };
}

/** A declared attribute written the same way but for case, or (failing a closer profile field) close to it. */
function attributeNamed(name: string, scope: FieldScope): string | undefined {
  const attributes = [...scope.attributes];
  const exact = attributes.find((a) => a.toLowerCase() === name.toLowerCase());
  if (exact) return exact;
  const profileFields = Object.keys(scope.vocabulary.profile.properties as Schema);
  return didYouMean(name, profileFields) ? undefined : didYouMean(name, attributes);
}

export function display(segments: readonly Segment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'object') out += '[…]';
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
