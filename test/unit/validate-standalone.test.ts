/**
 * The built CLI judges "valid or not" with the schema checks compiled ahead of time
 * (engine/validate/standalone.ts, put in place of engine/validate/precompiled.ts by cli/build.mjs);
 * everything else compiles them with ajv at run time. Both must give the same answer on every
 * journey and data dictionary, valid or not: this runs the very code the build embeds beside the
 * run-time validators, so a schema change cannot leave the build's copy stale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataDictionary } from '../../engine/dictionary.ts';
import { SCHEMA_AJV_OPTIONS } from '../../engine/validate/ajv-options.ts';
import { PRECOMPILED } from '../../engine/validate/precompiled.ts';
import { journeySchemaForAjv } from '../../engine/validate/schema-check.ts';
import { standaloneValidators } from '../../engine/validate/standalone.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const json = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

/** A generated CommonJS module's export, evaluated as esbuild's bundle evaluates it. */
function load(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', code)(module, module.exports, createRequire(import.meta.url));
  return module.exports as ValidateFunction;
}

let standalone: { journey: ValidateFunction; dictionary: ValidateFunction };
let runtime: { journey: ValidateFunction; dictionary: ValidateFunction };

beforeAll(() => {
  const code = standaloneValidators();
  standalone = { journey: load(code.journey), dictionary: load(code.dictionary) };
  const ajv = new Ajv(SCHEMA_AJV_OPTIONS);
  const { root, condition } = journeySchemaForAjv();
  if (condition) ajv.addSchema(condition);
  runtime = { journey: ajv.compile(root), dictionary: new Ajv(SCHEMA_AJV_OPTIONS).compile(DataDictionary) };
});

function journeys(): { name: string; value: unknown }[] {
  const out: { name: string; value: unknown }[] = [];
  for (const f of readdirSync(join(ROOT, 'workflows')).filter((f) => f.endsWith('.journey.json'))) {
    out.push({ name: `workflows/${f}`, value: json(`workflows/${f}`) });
  }
  for (const id of readdirSync(join(ROOT, 'workflows/versions'))) {
    for (const f of readdirSync(join(ROOT, 'workflows/versions', id)).filter((f) =>
      f.endsWith('.journey.json'),
    )) {
      out.push({ name: `workflows/versions/${id}/${f}`, value: json(`workflows/versions/${id}/${f}`) });
    }
  }
  for (const f of readdirSync(join(ROOT, 'test/fixtures/invalid')).filter((f) => f.endsWith('.json'))) {
    try {
      out.push({ name: `test/fixtures/invalid/${f}`, value: json(`test/fixtures/invalid/${f}`) });
    } catch {
      // a JSON syntax fixture: never reaches the schema check
    }
  }
  return out;
}

/** The same verdict and the same errors (the run-time errors are what the findings are made of). */
function expectSame(a: ValidateFunction, b: ValidateFunction, value: unknown): boolean {
  const verdict = a(value);
  expect(b(value)).toBe(verdict);
  expect(b.errors ?? null).toEqual(a.errors ?? null);
  return verdict;
}

describe('the schema checks compiled ahead of time', () => {
  it('are what the built CLI runs (the sources carry none)', () => {
    expect(PRECOMPILED).toBeUndefined();
  });

  it('judge every shipped, released and invalid-fixture journey as the run-time validator does', () => {
    const all = journeys();
    const verdicts = all.map(({ value }) => expectSame(runtime.journey, standalone.journey, value));
    // Both kinds are in the sample, so agreement is not all "valid" or all "invalid".
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(10);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThanOrEqual(10);
  });

  it('judge journeys broken in each part of the schema as the run-time validator does', () => {
    const base = json('workflows/welcome.journey.json') as Record<string, unknown>;
    const steps = base.steps as Record<string, Record<string, unknown>>;
    const first = Object.keys(steps)[0]!;
    const broken: unknown[] = [
      { ...base, version: 'two' },
      { ...base, priority: 1000 },
      { ...base, unknown: true },
      { ...base, steps: { ...steps, [first]: { ...steps[first], type: 'wiat' } } },
      { ...base, steps: { ...steps, [first]: { ...steps[first], retries: 3 } } },
      { ...base, entry: { ...(base.entry as object), condition: { field: 'profile.x', op: 'nope' } } },
      { ...base, messages: 'none' },
      {},
      [],
      'journey',
    ];
    for (const value of broken) expect(expectSame(runtime.journey, standalone.journey, value)).toBe(false);
  });

  it('judge data dictionaries, valid and not, as the run-time validator does', () => {
    const data = json('workflows/data.json') as Record<string, unknown>;
    expect(expectSame(runtime.dictionary, standalone.dictionary, data)).toBe(true);
    expect(expectSame(runtime.dictionary, standalone.dictionary, {})).toBe(true);
    const events = data.events as Record<string, { properties: Record<string, unknown> }>;
    const [type, event] = Object.entries(events)[0]!;
    const broken: unknown[] = [
      { ...data, extra: 1 },
      { ...data, events: { ...events, 'Bad-Name': event } },
      { ...data, events: { ...events, [type]: { ...event, properties: { x: { type: 'integr' } } } } },
      { ...data, attributes: { tier: { type: 'colour' } } },
      { ...data, attributes: [] },
      [],
    ];
    for (const value of broken)
      expect(expectSame(runtime.dictionary, standalone.dictionary, value)).toBe(false);
  });
});
