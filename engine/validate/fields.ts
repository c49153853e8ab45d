/**
 * What a journey may read: `profile.*`, `event.*` (the entry event), `product.*` (per-item
 * journeys) and, in templates, `journey.*` and `links.*`. Paths are checked against the data
 * dictionary in engine/data.ts, so `profile.frstName` is caught before a customer sees a blank.
 */
import type { TSchema } from '@sinclair/typebox';
import { EVENT_PROPERTIES, type EventType, PRODUCT_FIELDS, Profile, ProfileAttributes } from '../data.ts';
import { isRecord } from './describe.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';

export type Segment = string | number | { dynamic: true };

export interface FieldScope {
  /** The entry event type, when it is a known one. */
  entryEvent: EventType | undefined;
  forEachItem: boolean;
  /** Declared attributes plus those the journey itself sets with `update` steps. */
  attributes: ReadonlySet<string>;
  /** Templates also see `journey.*` and `links.*`; conditions do not. */
  template: boolean;
}

export type FieldCheck =
  | {
      ok: true;
      /** The JSON type the path holds when the dictionary says (`string`, `integer`, …). */
      type?: string;
      /** Its declared string format, when it has one (`date`, `date-time`). */
      format?: string;
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

export function declaredAttributes(extra: Iterable<string>): Set<string> {
  return new Set([...Object.keys(ProfileAttributes.properties), ...extra]);
}

function eventSchema(scope: FieldScope): Schema {
  const properties: TSchema | Schema = scope.entryEvent ? EVENT_PROPERTIES[scope.entryEvent] : ANY;
  return {
    type: 'object',
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
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
      ? (Profile as unknown as Schema)
      : root === 'event'
        ? eventSchema(scope)
        : root === 'product'
          ? (PRODUCT_FIELDS as unknown as Schema)
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
        const declared = (ProfileAttributes.properties as Record<string, Schema>)[String(seg)];
        return typeOf(declared);
      }
      const known = [...scope.attributes];
      const guess = didYouMean(String(seg), known);
      return {
        ok: false,
        reason: 'unknown',
        message: `\`${display(segments)}\` is not a declared profile attribute${didYouMeanText(guess ? `profile.attributes.${guess}` : undefined)}`,
        suggestion: guess
          ? `use \`profile.attributes.${guess}\``
          : `use one of ${listOf(known)}, or declare the attribute in engine/data.ts`,
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

function typeOf(schema: Schema | undefined): FieldCheck {
  if (typeof schema?.type !== 'string') return { ok: true };
  return typeof schema.format === 'string'
    ? { ok: true, type: schema.type, format: schema.format }
    : { ok: true, type: schema.type };
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
    const props = EVENT_PROPERTIES[scope.entryEvent].properties as Record<string, unknown>;
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
    ...(candidates.length > 0
      ? { suggestion: `available: ${listOf(candidates.map((c) => `${prefix}.${c}`))}` }
      : {}),
  };
}

/** A declared attribute written the same way but for case, or (failing a closer profile field) close to it. */
function attributeNamed(name: string, scope: FieldScope): string | undefined {
  const attributes = [...scope.attributes];
  const exact = attributes.find((a) => a.toLowerCase() === name.toLowerCase());
  if (exact) return exact;
  const profileFields = Object.keys((Profile as unknown as Schema).properties as Schema);
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
