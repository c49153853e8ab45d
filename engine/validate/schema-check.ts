/**
 * Schema errors, the way a marketer should read them.
 *
 * ajv judges the whole journey against `JourneySchema` with one compiled validator (the fast path:
 * a valid journey costs one call). Only when it fails do we walk the schema alongside the value,
 * asking ajv about each node in turn. The walk is what turns ajv's raw output into one clear
 * message per mistake: at a union (a step, a condition, a channel) it picks the branch the author
 * most plausibly meant — by the step's `type`, by the keys present, by the value's kind — and
 * reports only that branch's errors, instead of seven "must match a schema in anyOf" lines.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { JourneySchema } from '../schema.ts';
import { SCHEMA_AJV_OPTIONS } from './ajv-options.ts';
import { isRecord, jsonTypeOf, kindOf, type Path, propertyName, show, where } from './describe.ts';
import { PRECOMPILED } from './precompiled.ts';
import { pointerToPath, translate, wrongType } from './schema-messages.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

type Schema = Record<string, unknown>;

const CONDITION_ID = 'Condition';

interface Compiled {
  ajv: Ajv;
  root: Schema;
  condition: Schema | undefined;
  validators: WeakMap<Schema, ValidateFunction>;
}

/** One compiled set per root schema (the journey's, the segment's), each in its own ajv. */
const compiledByRoot = new Map<unknown, Compiled>();
/** The set the current check uses (deref and validatorFor read it during one walk). */
let compiled: Compiled | undefined;

/**
 * A root schema as plain JSON, with every inline copy of the recursive `Condition` replaced by a
 * reference to one registered copy (`condition`): ajv refuses one `$id` defined in several places.
 */
function schemaForAjv(rootSchema: unknown): { root: Schema; condition: Schema | undefined } {
  let condition: Schema | undefined;
  const dedupe = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(dedupe);
    if (!isRecord(node)) return node;
    if (node.$id === CONDITION_ID) {
      if (!condition) {
        condition = {};
        const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, dedupe(v)]));
        Object.assign(condition, copy);
      }
      return { $ref: CONDITION_ID };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, dedupe(v)]));
  };
  const root = dedupe(JSON.parse(JSON.stringify(rootSchema))) as Schema;
  delete root.$id;
  return { root, condition };
}

/**
 * The journey schema the way ajv takes it: what the validator compiles here, and what
 * cli/build.mjs compiles ahead of time (engine/validate/standalone.ts).
 */
export function journeySchemaForAjv(): { root: Schema; condition: Schema | undefined } {
  return schemaForAjv(JourneySchema);
}

function prepare(rootSchema: unknown = JourneySchema): Compiled {
  const known = compiledByRoot.get(rootSchema);
  if (known) {
    compiled = known;
    return known;
  }
  const ajv = new Ajv(SCHEMA_AJV_OPTIONS);
  const { root, condition } = schemaForAjv(rootSchema);
  if (condition) ajv.addSchema(condition);
  compiled = { ajv, root, condition, validators: new WeakMap() };
  compiledByRoot.set(rootSchema, compiled);
  return compiled;
}

function deref(schema: Schema): Schema {
  if (schema.$ref === CONDITION_ID) return (compiled ?? prepare()).condition ?? {};
  return schema;
}

function validatorFor(schema: Schema): ValidateFunction {
  const c = compiled ?? prepare();
  if (schema === c.condition) {
    const registered = c.ajv.getSchema(CONDITION_ID);
    if (registered) return registered;
  }
  const cached = c.validators.get(schema);
  if (cached) return cached;
  const fresh = c.ajv.compile(schema);
  c.validators.set(schema, fresh);
  return fresh;
}

/**
 * Whether the value satisfies the journey schema (or another root, e.g. the segment schema), with
 * readable findings when it does not.
 */
export function checkSchema(
  value: unknown,
  rootSchema: unknown = JourneySchema,
  what = 'journey',
): { valid: boolean; findings: Finding[] } {
  // The built CLI carries the whole-journey check compiled ahead of time (cli/build.mjs): a valid
  // journey never compiles a schema. An invalid one is judged again below by the validator
  // compiled here, whose errors the walk reads, so its findings are the same either way.
  if (rootSchema === JourneySchema && PRECOMPILED?.journey(value)) return { valid: true, findings: [] };
  const c = prepare(rootSchema);
  const validate = validatorFor(c.root);
  if (validate(value)) return { valid: true, findings: [] };
  const firstError = validate.errors?.[0];
  const findings: Finding[] = [];
  walk(value, c.root, [], findings, 0);
  if (findings.length === 0) {
    findings.push({
      code: 'schema.invalid',
      path: firstError ? pointerToPath(firstError.instancePath) : [],
      message: `the ${what} does not match the ${what} schema: ${firstError?.message ?? 'unknown reason'}`,
    });
  }
  return { valid: false, findings };
}

const MAX_DEPTH = 64;

function walk(value: unknown, rawSchema: Schema, path: Path, out: Finding[], depth: number): void {
  if (depth > MAX_DEPTH) {
    out.push({ code: 'schema.too-deep', path: [...path], message: `${where(path)} is nested too deeply` });
    return;
  }
  const schema = deref(rawSchema);
  const validate = validatorFor(schema);
  if (validate(value)) return;
  const errors = [...(validate.errors ?? [])];
  if (Array.isArray(schema.anyOf)) {
    walkUnion(value, schema, path, out, depth);
    return;
  }
  const ownErrors = errors.filter((e) => e.instancePath === '');
  const typeError = ownErrors.find((e) => e.keyword === 'type');
  if (typeError) {
    out.push(wrongType(value, [String(schema.type)], path));
    return;
  }
  if (isRecord(value) && (isRecord(schema.properties) || isRecord(schema.patternProperties))) {
    for (const e of ownErrors) out.push(translate(e, value, schema, path));
    for (const [key, child] of Object.entries(value)) {
      const sub = childSchema(schema, key);
      if (sub) walk(child, sub, [...path, key], out, depth + 1);
    }
    return;
  }
  const items = schema.items;
  if (Array.isArray(value) && isRecord(items)) {
    for (const e of ownErrors) out.push(translate(e, value, schema, path));
    (value as unknown[]).forEach((item, i) => {
      walk(item, items, [...path, i], out, depth + 1);
    });
    return;
  }
  for (const e of errors) out.push(translate(e, value, schema, path));
}

function childSchema(schema: Schema, key: string): Schema | undefined {
  const props = schema.properties;
  if (isRecord(props) && Object.hasOwn(props, key) && isRecord(props[key])) return props[key];
  const patterns = schema.patternProperties;
  if (isRecord(patterns)) {
    for (const [pattern, sub] of Object.entries(patterns)) {
      if (isRecord(sub) && new RegExp(pattern, 'u').test(key)) return sub;
    }
  }
  return undefined;
}

// ── Unions ────────────────────────────────────────────────────────────────────────────────────

/** Names other tools give step kinds, so `delay` still finds `wait`. */
const STEP_SYNONYMS: Record<string, string> = {
  delay: 'wait',
  sleep: 'wait',
  pause: 'wait',
  timer: 'wait',
  waitfor: 'waitForEvent',
  waituntil: 'waitForEvent',
  trigger: 'waitForEvent',
  condition: 'branch',
  if: 'branch',
  decision: 'branch',
  choice: 'branch',
  abtest: 'split',
  ab: 'split',
  experiment: 'split',
  random: 'split',
  message: 'send',
  email: 'send',
  sms: 'send',
  push: 'send',
  notify: 'send',
  set: 'update',
  attribute: 'update',
  end: 'exit',
  stop: 'exit',
  finish: 'exit',
};

const NOUNS: Record<string, string> = {
  Channel: 'channel',
  'Channel choice': 'channel',
  Operator: 'operator',
};

function walkUnion(value: unknown, schema: Schema, path: Path, out: Finding[], depth: number): void {
  const branches = (schema.anyOf as Schema[]).map(deref);
  const noun = NOUNS[String(schema.title)] ?? `\`${propertyName(path) ?? 'value'}\``;

  const consts = literals(schema);
  if (consts) {
    const options = consts.map(String);
    if (typeof value === 'string') {
      const guess = didYouMean(value, options);
      out.push({
        code: 'schema.unknown-value',
        path: [...path],
        message: `unknown ${noun} ${show(value)} in ${where(path)}${didYouMeanText(guess)}`,
        suggestion: guess ? `use \`${guess}\`` : `use one of ${listOf(options)}`,
      });
    } else {
      out.push({
        code: 'schema.wrong-type',
        path: [...path],
        message: `${noun} in ${where(path)} must be one of ${listOf(options)}, not ${kindOf(value)}`,
      });
    }
    return;
  }

  const objectBranches = branches.filter((b) => b.type === 'object' && isRecord(b.properties));
  const disc = discriminator(objectBranches);
  if (disc && isRecord(value)) {
    const options = objectBranches.map((b) => String(((b.properties as Schema)[disc] as Schema).const));
    const isStep = path.length === 2 && path[0] === 'steps';
    const label = isStep && disc === 'type' ? 'step type' : `\`${disc}\``;
    if (!Object.hasOwn(value, disc)) {
      out.push({
        code: isStep ? 'step.missing-type' : 'schema.missing-property',
        path: [...path],
        message: `${where(path)} is missing \`${disc}\` (one of ${listOf(options)})`,
        suggestion: `add \`"${disc}": "…"\` with one of ${listOf(options)}`,
      });
      return;
    }
    const chosen = objectBranches.find(
      (b) => ((b.properties as Schema)[disc] as Schema).const === value[disc],
    );
    if (chosen) {
      walk(value, chosen, path, out, depth + 1);
      return;
    }
    const actual = value[disc];
    const synonym =
      isStep && typeof actual === 'string'
        ? STEP_SYNONYMS[actual.toLowerCase().replace(/[^a-z]/g, '')]
        : undefined;
    const guess = typeof actual === 'string' ? (didYouMean(actual, options) ?? synonym) : undefined;
    out.push({
      code: isStep ? 'step.unknown-type' : 'schema.unknown-value',
      path: [...path, disc],
      message: `unknown ${label} ${show(actual)} in ${where(path)}${didYouMeanText(guess)}`,
      suggestion: guess ? `use \`${guess}\`` : `use one of ${listOf(options)}`,
    });
    return;
  }

  const actualType = jsonTypeOf(value);
  const compatible = branches.filter((b) => typesOf(b).some((t) => typeAccepts(t, actualType)));
  if (compatible.length === 0) {
    out.push(wrongType(value, [...new Set(branches.flatMap(typesOf))], path));
    return;
  }
  if (compatible.length === 1 || !isRecord(value)) {
    walk(value, compatible[0] as Schema, path, out, depth + 1);
    return;
  }
  const keys = Object.keys(value);
  const scored = compatible.map((b) => {
    const props = isRecord(b.properties) ? Object.keys(b.properties) : [];
    return { branch: b, score: keys.filter((k) => props.includes(k)).length };
  });
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
  if (best.score === 0) {
    const shapes = compatible.map((b) => {
      const required = Array.isArray(b.required) ? (b.required as string[]) : [];
      const title = typeof b.title === 'string' ? b.title.toLowerCase() : 'object';
      return `${title} (${required.map((r) => `\`${r}\``).join(' + ') || 'any keys'})`;
    });
    const what = schema.title === 'Condition' ? 'a condition' : `\`${propertyName(path) ?? 'this value'}\``;
    out.push({
      code: 'schema.invalid-shape',
      path: [...path],
      message: `${what} in ${where(path)} has none of the expected keys: use one of ${shapes.join(', ')}`,
    });
    return;
  }
  walk(value, best.branch, path, out, depth + 1);
}

/** All values of a union made only of constants (possibly nested unions), else undefined. */
function literals(schema: Schema): unknown[] | undefined {
  const s = deref(schema);
  if (Object.hasOwn(s, 'const')) return [s.const];
  if (Array.isArray(s.enum)) return s.enum;
  if (!Array.isArray(s.anyOf)) return undefined;
  const out: unknown[] = [];
  for (const b of s.anyOf as Schema[]) {
    const inner = literals(b);
    if (!inner) return undefined;
    out.push(...inner);
  }
  return out;
}

/** A property every branch pins to a different constant (`type` of a step, `mode` of re-entry). */
function discriminator(branches: Schema[]): string | undefined {
  if (branches.length < 2) return undefined;
  const first = branches[0]?.properties as Schema;
  for (const key of Object.keys(first)) {
    const all = branches.every((b) => {
      const p = (b.properties as Schema)[key];
      return isRecord(p) && Object.hasOwn(p, 'const');
    });
    if (all) return key;
  }
  return undefined;
}

function typesOf(schema: Schema): string[] {
  const s = deref(schema);
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).flatMap(typesOf);
  return ['any'];
}

function typeAccepts(schemaType: string, actual: string): boolean {
  return schemaType === 'any' || schemaType === actual || (schemaType === 'number' && actual === 'integer');
}
