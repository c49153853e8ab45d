/**
 * Which declarations of workflows/data.json a journey depends on, and whether a changed dictionary
 * still gives every released version the meaning it was validated with.
 *
 * `herald release` stores, next to each frozen journey copy (`versions/<id>/<v>.journey.json`), the
 * slice of the dictionary that version uses (`versions/<id>/<v>.data.json`, itself a data
 * dictionary). The dictionary is then free to grow, but the synth and `herald validate` refuse to
 * remove, or change the type of, a field a deployed version's slice declares: a customer part-way
 * through version 1 keeps the `loyaltyTier` version 1 was checked against. A field is retired like
 * a version: once no execution of the versions using it is open (docs/writing-journeys.md).
 *
 * Pure: callers read the files.
 */
import type { DataDictionary } from '../dictionary.ts';
import { describeType, type FieldSpec, type Vocabulary } from '../vocabulary.ts';
import { isRecord } from './describe.ts';
import { templateVariables } from './template-vars.ts';
import type { Finding } from './types.ts';

type Json = Record<string, unknown>;

/** The custom declarations `journey` reads or writes, as a data dictionary (empty parts left out). */
export function dictionarySlice(journey: Json, vocabulary: Vocabulary): DataDictionary {
  const custom = vocabulary.dictionary;
  const events: NonNullable<DataDictionary['events']> = {};
  const attributes: NonNullable<DataDictionary['attributes']> = {};
  const product: NonNullable<DataDictionary['product']> = {};
  const entry = isRecord(journey.entry) ? journey.entry : {};
  const entryEvent = typeof entry.event === 'string' ? entry.event : undefined;

  const useEvent = (type: unknown) => {
    if (typeof type !== 'string') return;
    const decl = custom.events?.[type];
    if (decl && !events[type]) events[type] = { ...decl, properties: {} };
  };
  const usePath = (path: string) => {
    const [root, a, b] = path.split('.');
    if (root === 'profile' && a === 'attributes' && b !== undefined) {
      const decl = custom.attributes?.[b];
      if (decl) attributes[b] = decl;
    } else if (root === 'event' && a === 'properties' && b !== undefined && entryEvent) {
      const decl = custom.events?.[entryEvent]?.properties[b];
      if (decl) {
        useEvent(entryEvent);
        events[entryEvent]!.properties[b] = decl;
        if (decl.updates && custom.attributes?.[decl.updates])
          attributes[decl.updates] = custom.attributes[decl.updates]!;
      }
    } else if (root === 'product' && a !== undefined) {
      const decl = custom.product?.[a];
      if (decl) product[a] = decl;
    }
  };

  useEvent(entryEvent);
  // The entry event's updates shape the profile the journey reads: part of its meaning.
  if (entryEvent) {
    for (const [name, decl] of Object.entries(custom.events?.[entryEvent]?.properties ?? {})) {
      if (decl.updates) usePath(`event.properties.${name}`);
    }
  }
  walk(journey, (node, key) => {
    if (key === 'event' || key === 'did') useEvent(node);
    if ((key === 'field' || key === 'date' || key === 'addDaysFrom') && typeof node === 'string')
      usePath(node);
    if (key === 'attribute' && typeof node === 'string') usePath(`profile.attributes.${node}`);
  });
  for (const template of templates(journey)) {
    for (const use of templateVariables(template)) usePath(use.path);
  }
  return {
    ...(Object.keys(events).length > 0 ? { events } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    ...(Object.keys(product).length > 0 ? { product } : {}),
  };
}

export interface ReleasedSlice {
  /** The released journey copy the slice belongs to. */
  file: string;
  journeyId: string;
  version: number;
  slice: DataDictionary;
}

/**
 * Problems of data.json (`file`), by JSON path: a declaration a deployed version's slice names that
 * is gone or means something else now.
 */
export function checkDictionaryKeepsReleases(
  releases: readonly ReleasedSlice[],
  vocabulary: Vocabulary,
  file: string,
): Finding[] {
  const out: Finding[] = [];
  const retire = `retire the version first (docs/writing-journeys.md, "Retiring a version")`;
  for (const r of releases) {
    const who = `version ${r.version} of journey "${r.journeyId}" (${r.file})`;
    const compare = (
      path: string[],
      label: string,
      was: FieldSpecLike,
      now: FieldSpec | FieldSpecLike | undefined,
    ) => {
      if (!now) {
        out.push({
          code: 'dictionary.removed-in-use',
          path: path.slice(0, -1),
          message: `${label} is used by ${who}, which customers may be part-way through, but ${file} no longer declares it`,
          suggestion: `restore \`${path[path.length - 1]}\` (${describeType(was)}) under ${path.slice(0, -1).join('.')}, or ${retire}`,
        });
      } else if (!keepsMeaning(was, now)) {
        out.push({
          code: 'dictionary.changed-in-use',
          path: [...path, 'type'],
          message: `${label} was ${describeType(was)} when ${who} was released, and is ${describeType(now)} now: customers part-way through it would be judged by another meaning`,
          suggestion: `keep it ${describeType(was)} (an enum may gain values), declare a new field for the new meaning, or ${retire}`,
        });
      }
    };
    for (const [name, was] of Object.entries(r.slice.attributes ?? {})) {
      compare(['attributes', name], `the attribute \`${name}\``, was, vocabulary.attributes[name]);
    }
    for (const [type, was] of Object.entries(r.slice.events ?? {})) {
      const now = vocabulary.dictionary.events?.[type];
      if (!vocabulary.events[type]) {
        out.push({
          code: 'dictionary.removed-in-use',
          path: ['events'],
          message: `the event type \`${type}\` is used by ${who}, which customers may be part-way through, but ${file} no longer declares it`,
          suggestion: `restore \`${type}\` under events, or ${retire}`,
        });
        continue;
      }
      for (const [name, prop] of Object.entries(was.properties)) {
        compare(
          ['events', type, 'properties', name],
          `the property \`${name}\` of \`${type}\``,
          prop,
          now?.properties[name],
        );
      }
    }
    for (const [name, was] of Object.entries(r.slice.product ?? {})) {
      compare(['product', name], `the product field \`${name}\``, was, vocabulary.dictionary.product?.[name]);
    }
  }
  return out;
}

type FieldSpecLike = Parameters<typeof describeType>[0];

/** Same kind; an enum may gain values, never lose one. */
function keepsMeaning(was: FieldSpecLike, now: FieldSpecLike): boolean {
  if (was.type !== now.type) return false;
  if (was.type === 'enum') return (was.values ?? []).every((v) => now.values?.includes(v));
  if (was.type === 'list') return (was.items ?? 'string') === (now.items ?? 'string');
  return true;
}

function walk(
  node: unknown,
  visit: (node: unknown, key: string | undefined) => void,
  key?: string,
  depth = 0,
): void {
  if (depth > 200) return;
  visit(node, key);
  if (Array.isArray(node)) for (const item of node) walk(item, visit, key, depth + 1);
  else if (isRecord(node)) {
    for (const [k, v] of Object.entries(node)) if (k !== 'messages') walk(v, visit, k, depth + 1);
  }
}

function templates(journey: Json): string[] {
  const out: string[] = [];
  const collect = (node: unknown, depth: number) => {
    if (depth > 50) return;
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) for (const n of node) collect(n, depth + 1);
    else if (isRecord(node)) for (const v of Object.values(node)) collect(v, depth + 1);
  };
  collect(journey.messages, 0);
  return out;
}
