/**
 * The vocabulary journeys, ingest and the runtime speak: the built-in events, profile attributes and
 * product fields of engine/data.ts, merged with the shop's own from `workflows/data.json`
 * (engine/dictionary.ts). Pure: `buildVocabulary(dictionary)` is the one way to make one, and every
 * checker takes the result as a parameter — nothing looks the vocabulary up globally.
 *
 * Each field is kept twice: as a `FieldSpec` (its declared kind, enum values, PII flag) and inside a
 * JSON Schema (the shape ajv validates events with and the validator walks paths through). The
 * schemas carry their field's kind under `x-herald` so a path walk knows a `date` from a string.
 */
import { EVENT_PROPERTIES, PRODUCT_FIELDS, Profile, ProfileAttributes } from './data.ts';
import type {
  AttributeDeclaration,
  DataDictionary,
  FieldType,
  ListItemType,
  PropertyDeclaration,
} from './dictionary.ts';

type Schema = Record<string, unknown>;

export interface FieldSpec {
  type: FieldType;
  values?: readonly (string | number)[];
  items?: ListItemType;
  description?: string;
  /** Personal data: redacted from logs. */
  pii: boolean;
  /** From engine/data.ts rather than data.json. */
  builtIn: boolean;
}

export interface PropertySpec extends FieldSpec {
  required: boolean;
  /** The profile attribute this property sets when the event arrives. */
  updates?: string;
}

export interface EventSpec {
  builtIn: boolean;
  description?: string;
  /** The properties' JSON Schema (`additionalProperties: false`): what ingest validates. */
  schema: Schema;
  /** Declared properties (custom events only; built-in ones are described by `schema`). */
  properties: Readonly<Record<string, PropertySpec>>;
}

export interface Vocabulary {
  readonly eventTypes: readonly string[];
  readonly events: Readonly<Record<string, EventSpec>>;
  readonly attributes: Readonly<Record<string, FieldSpec>>;
  /** `Profile` with every attribute (built-in and custom) under `attributes`. */
  readonly profile: Schema;
  /** The catalog entry with custom product fields added. */
  readonly product: Schema;
  /** Attribute names whose values never reach a log. */
  readonly piiAttributes: ReadonlySet<string>;
  /** The dictionary this was built from (`{}` for the built-in vocabulary alone). */
  readonly dictionary: DataDictionary;
}

/** A problem in data.json, by JSON path; engine/validate/dictionary.ts locates and words it for the file. */
export interface DictionaryIssue {
  code: string;
  path: (string | number)[];
  message: string;
  suggestion?: string;
}

/** ISO 8601 date or date-time: `2026-02-28`, `2026-02-28T09:00:00Z`, `2026-02-28T09:00:00.000+03:30`. */
export const DATE_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})?)?$';

/** The JSON Schema of one declared field, annotated with its kind. */
export function fieldSchema(spec: {
  type: FieldType;
  values?: readonly (string | number)[];
  items?: ListItemType;
}): Schema {
  const mark = { 'x-herald': spec.type };
  switch (spec.type) {
    case 'string':
      return { type: 'string', maxLength: 2048, ...mark };
    case 'number':
      return { type: 'number', ...mark };
    case 'integer':
      return { type: 'integer', ...mark };
    case 'boolean':
      return { type: 'boolean', ...mark };
    case 'date':
      return { type: 'string', pattern: DATE_PATTERN, ...mark };
    case 'enum': {
      const values = [...(spec.values ?? [])];
      const type = values.every((v) => typeof v === 'number') ? 'number' : 'string';
      return { type, enum: values, ...mark };
    }
    case 'list':
      return { type: 'array', maxItems: 100, items: fieldSchema({ type: spec.items ?? 'string' }), ...mark };
  }
}

/** Built-in timestamps engine/data.ts types as plain strings; a `format: 'date'`/`'date-time'` also marks one. */
const BUILT_IN_DATE_ATTRIBUTES = new Set(['lastOrderAt', 'firstOrderAt']);

/** A built-in attribute's kind, read off its engine/data.ts schema. */
function builtInType(name: string, schema: Schema): FieldType {
  const format = schema.format;
  if (BUILT_IN_DATE_ATTRIBUTES.has(name) || format === 'date' || format === 'date-time') return 'date';
  switch (schema.type) {
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'list';
    default:
      return 'string';
  }
}

/** The built-in events whose `properties.attributes` set declared profile attributes. */
export const PROFILE_EVENTS = ['signed_up', 'profile_updated'] as const;

/** Built-in timestamp fields outside `attributes`, marked so a date wait may read them. */
const DATE_MARK = { 'x-herald': 'date' };

function builtInProfile(): Schema {
  const profile = structuredClone(Profile) as unknown as Schema;
  const props = profile.properties as Record<string, Schema>;
  for (const key of ['createdAt', 'updatedAt']) props[key] = { ...props[key], ...DATE_MARK };
  return profile;
}

/** The vocabulary of `dictionary` merged into the built-in one, and every problem found doing so. */
export function buildVocabulary(dictionary: DataDictionary): {
  vocabulary: Vocabulary;
  issues: DictionaryIssue[];
} {
  const issues: DictionaryIssue[] = [];
  const attributes: Record<string, FieldSpec> = {};
  const attributeSchemas: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(ProfileAttributes.properties as Record<string, Schema>)) {
    attributes[name] = { type: builtInType(name, schema), pii: false, builtIn: true };
    attributeSchemas[name] = { ...schema, 'x-herald': attributes[name].type };
  }
  const profileFields = Object.keys((Profile as unknown as Schema).properties as Schema);
  for (const [name, decl] of Object.entries(dictionary.attributes ?? {})) {
    const at = ['attributes', name];
    if (Object.hasOwn(attributes, name)) {
      issues.push(redefined(at, `profile attribute \`${name}\``));
      continue;
    }
    if (profileFields.includes(name)) {
      issues.push({
        code: 'dictionary.redefines-built-in',
        path: at,
        message: `\`${name}\` is a built-in profile field (\`profile.${name}\`), not an attribute; it cannot be declared again`,
        suggestion: `remove it from attributes, or give the attribute another name`,
      });
      continue;
    }
    if (!declarationFits(decl, at, issues)) continue;
    attributes[name] = spec(decl, false, decl.pii === true);
    attributeSchemas[name] = fieldSchema(decl);
  }

  const events: Record<string, EventSpec> = {};
  for (const [type, schema] of Object.entries(EVENT_PROPERTIES)) {
    events[type] = { builtIn: true, schema: schema as unknown as Schema, properties: {} };
  }
  // A producer sets any declared attribute with `profile_updated` (or at sign-up), type-checked.
  for (const type of PROFILE_EVENTS) {
    const base = EVENT_PROPERTIES[type] as unknown as Schema;
    const attributesSchema = { type: 'object', properties: attributeSchemas, additionalProperties: false };
    const schema = { ...base, properties: { ...(base.properties as Schema), attributes: attributesSchema } };
    events[type] = { builtIn: true, schema, properties: {} };
  }
  for (const [type, decl] of Object.entries(dictionary.events ?? {})) {
    const at = ['events', type];
    if (Object.hasOwn(events, type)) {
      issues.push(redefined(at, `event type \`${type}\``));
      continue;
    }
    const properties: Record<string, PropertySpec> = {};
    const schemas: Record<string, Schema> = {};
    const required: string[] = [];
    for (const [name, prop] of Object.entries(decl.properties ?? {})) {
      const propAt = [...at, 'properties', name];
      if (!declarationFits(prop, propAt, issues)) continue;
      properties[name] = propertySpec(prop);
      schemas[name] = fieldSchema(prop);
      if (prop.required === true) required.push(name);
      if (prop.updates !== undefined) updateFits(prop, propAt, attributes, issues);
    }
    events[type] = {
      builtIn: false,
      ...(decl.description !== undefined ? { description: decl.description } : {}),
      schema: { type: 'object', properties: schemas, required, additionalProperties: false },
      properties,
    };
  }

  const product = structuredClone(PRODUCT_FIELDS) as unknown as Schema;
  const productProps = product.properties as Record<string, Schema>;
  for (const [name, decl] of Object.entries(dictionary.product ?? {})) {
    const at = ['product', name];
    if (Object.hasOwn(productProps, name)) {
      issues.push(redefined(at, `product field \`${name}\``));
      continue;
    }
    if (!declarationFits(decl, at, issues)) continue;
    productProps[name] = fieldSchema(decl);
  }

  const profile = builtInProfile();
  (profile.properties as Record<string, Schema>).attributes = {
    type: 'object',
    properties: attributeSchemas,
    // Undeclared keys in a stored profile stay as engine/data.ts allows them (journeys cannot read them).
    additionalProperties: structuredClone(ProfileAttributes.additionalProperties),
  };
  const vocabulary: Vocabulary = {
    eventTypes: Object.keys(events),
    events,
    attributes,
    profile,
    product,
    piiAttributes: new Set(Object.entries(attributes).flatMap(([n, s]) => (s.pii ? [n] : []))),
    dictionary,
  };
  return { vocabulary, issues };
}

/** Herald's own vocabulary, with no data.json. */
export const BUILT_IN_VOCABULARY: Vocabulary = buildVocabulary({}).vocabulary;

function spec(decl: AttributeDeclaration | PropertyDeclaration, builtIn: boolean, pii: boolean): FieldSpec {
  return {
    type: decl.type,
    ...(decl.values !== undefined ? { values: decl.values } : {}),
    ...(decl.type === 'list' ? { items: decl.items ?? 'string' } : {}),
    ...(decl.description !== undefined ? { description: decl.description } : {}),
    pii,
    builtIn,
  };
}

function propertySpec(decl: PropertyDeclaration): PropertySpec {
  return {
    ...spec(decl, false, false),
    required: decl.required === true,
    ...(decl.updates !== undefined ? { updates: decl.updates } : {}),
  };
}

function redefined(path: (string | number)[], what: string): DictionaryIssue {
  return {
    code: 'dictionary.redefines-built-in',
    path,
    message: `${what} is built into Herald (engine/data.ts) and cannot be redefined`,
    suggestion: 'remove this declaration (the built-in one applies), or choose another name',
  };
}

/** `values` only (and always) on an enum, `items` only on a list. */
function declarationFits(
  decl: { type: FieldType; values?: readonly unknown[]; items?: string },
  at: (string | number)[],
  issues: DictionaryIssue[],
): boolean {
  const before = issues.length;
  if (decl.type === 'enum' && decl.values === undefined) {
    issues.push({
      code: 'dictionary.enum-without-values',
      path: at,
      message: `an \`enum\` lists the values it may take, but \`${at.join('.')}\` has no \`values\``,
      suggestion: 'add `"values": ["bronze", "silver", "gold"]`',
    });
  }
  if (decl.type !== 'enum' && decl.values !== undefined) {
    issues.push({
      code: 'dictionary.values-without-enum',
      path: [...at, 'values'],
      message: `\`values\` belongs to an \`enum\`, but \`${at.join('.')}\` is a \`${decl.type}\``,
      suggestion: 'set `"type": "enum"`, or remove `values`',
    });
  }
  if (decl.type !== 'list' && decl.items !== undefined) {
    issues.push({
      code: 'dictionary.items-without-list',
      path: [...at, 'items'],
      message: `\`items\` belongs to a \`list\`, but \`${at.join('.')}\` is a \`${decl.type}\``,
      suggestion: 'set `"type": "list"`, or remove `items`',
    });
  }
  return issues.length === before;
}

function updateFits(
  prop: PropertyDeclaration,
  at: (string | number)[],
  attributes: Record<string, FieldSpec>,
  issues: DictionaryIssue[],
): void {
  const name = prop.updates as string;
  const target = attributes[name];
  if (!target) {
    issues.push({
      code: 'dictionary.updates-unknown-attribute',
      path: [...at, 'updates'],
      message: `this property updates \`${name}\`, which is not a declared profile attribute`,
      suggestion: `declare \`${name}\` in workflows/data.json under attributes`,
    });
    return;
  }
  if (!typesAgree(prop, target)) {
    issues.push({
      code: 'dictionary.updates-wrong-type',
      path: [...at, 'updates'],
      message: `this property is ${describeType(prop)}, but the attribute \`${name}\` it updates is ${describeType(target)}`,
      suggestion: `give the property the attribute's type (${describeType(target)})`,
    });
  }
}

/** Whether a value of `from` is always a valid value of `to`. */
export function typesAgree(
  from: { type: FieldType; values?: readonly (string | number)[]; items?: ListItemType },
  to: { type: FieldType; values?: readonly (string | number)[]; items?: ListItemType },
): boolean {
  if (to.type === 'number') return from.type === 'number' || from.type === 'integer';
  if (to.type === 'string')
    return (
      from.type === 'string' ||
      (from.type === 'enum' && from.values?.every((v) => typeof v === 'string') === true)
    );
  if (to.type === 'enum')
    return from.type === 'enum' && (from.values ?? []).every((v) => to.values?.includes(v));
  if (to.type === 'list') return from.type === 'list' && (from.items ?? 'string') === (to.items ?? 'string');
  return from.type === to.type;
}

export function describeType(s: {
  type: FieldType;
  values?: readonly (string | number)[];
  items?: ListItemType;
}): string {
  if (s.type === 'enum') return `an enum (${(s.values ?? []).map((v) => JSON.stringify(v)).join(', ')})`;
  if (s.type === 'list') return `a list of ${s.items ?? 'string'}`;
  return `a \`${s.type}\``;
}
