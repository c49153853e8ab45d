import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ValidationResult, validateJourneyText } from '../../engine/validate/index.ts';

/**
 * Whatever text arrives, the validator answers: either a journey (and no errors) or at least one
 * error, each fully located. It never throws, and never falls back on its internal-error problem.
 */
function expectAnswered(text: string): ValidationResult {
  const result = validateJourneyText(text, 'fuzz.json');
  const errors = result.problems.filter((p) => p.severity === 'error');
  expect(result.journey === undefined).toBe(errors.length > 0);
  for (const p of result.problems) {
    expect(p.code).not.toBe('validator.internal-error');
    expect(p.code).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
    expect(p.file).toBe('fuzz.json');
    expect(p.path === '' || p.path.startsWith('/')).toBe(true);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.column).toBeGreaterThanOrEqual(1);
    expect(p.message.length).toBeGreaterThan(0);
  }
  return result;
}

const FIXTURE = new URL('../fixtures/invalid/base.valid.json', import.meta.url);
const WORKFLOWS = new URL('../../workflows/', import.meta.url);
const seeds: unknown[] = [
  JSON.parse(readFileSync(FIXTURE, 'utf8')),
  ...readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith('.journey.json'))
    .map((f) => JSON.parse(readFileSync(new URL(f, WORKFLOWS), 'utf8'))),
];

type Path = (string | number)[];

/** Every path into a value, so that a mutation can strike anywhere. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push(...pathsOf(v, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  }
  return out;
}

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'rename'; at: number; name: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.string(),
      fc.constantFrom(
        '',
        'P',
        '-P3D',
        'PT1H',
        'email',
        'preferred',
        'send',
        'wait',
        'done',
        '{{',
        '{% if %}',
        null,
        0,
        -1,
        101,
      ),
    ),
  }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), name: fc.string({ maxLength: 12 }) }),
);

function mutate(seed: unknown, mutations: Mutation[]): unknown {
  let root = structuredClone(seed);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length]!;
    if (path.length === 0) {
      if (m.kind === 'replace') root = m.value;
      continue;
    }
    // biome-ignore lint/suspicious/noExplicitAny: a mutation may strike any node of any shape
    const parent = path.slice(0, -1).reduce<any>((node, seg) => node[seg], root);
    const key = path[path.length - 1]!;
    if (m.kind === 'replace') parent[key] = structuredClone(m.value);
    else if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (m.kind === 'delete') delete parent[key];
    else {
      const value = parent[key];
      delete parent[key];
      parent[m.name] = value;
    }
  }
  return root;
}

describe('validator robustness (fast-check)', () => {
  it('answers every random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        expectAnswered(text);
      }),
      { numRuns: 300 },
    );
  });

  it('answers every random JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const result = expectAnswered(JSON.stringify(value) ?? 'null');
        expect(result.journey).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  // fast-check found it (seed 1561855616): a pinned partial replaced by null crashed the checks
  // that render pins.
  it('answers a journey whose pinned partial is not text', () => {
    const welcome = seeds.find((s) => (s as { id?: string }).id === 'welcome') as Record<string, unknown>;
    const broken = { ...welcome, partials: { ...(welcome.partials as object), footer: null } };
    const result = expectAnswered(JSON.stringify(broken, null, 2));
    expect(result.problems.some((p) => p.path === '/partials/footer' && p.severity === 'error')).toBe(true);
  });

  it('answers every mutation of a valid journey: deleted keys, wrong types, random strings, renamed keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          expectAnswered(JSON.stringify(mutate(seed, mutations), null, 2));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers every truncation and every stray character of a valid journey', () => {
    const texts = seeds.map((s) => JSON.stringify(s, null, 2));
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.nat(), fc.string({ maxLength: 3 }), (text, at, junk) => {
        const cut = at % (text.length + 1);
        expectAnswered(text.slice(0, cut));
        expectAnswered(text.slice(0, cut) + junk + text.slice(cut));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation that cuts the journey short', () => {
    const text = JSON.stringify(seeds[0], null, 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 2 }), (cut) => {
        const result = expectAnswered(text.slice(0, cut));
        expect(result.journey).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('an audience schedule of the wrong type (found by the fuzzer)', () => {
  it.each([[[]], [{}], [1], [null]])(
    'answers a cron of %j with a schema finding, not an internal error',
    async (cron) => {
      const journey = JSON.parse(
        readFileSync(new URL('../../workflows/win-back.journey.json', import.meta.url), 'utf8'),
      );
      journey.entry.schedule.cron = cron;
      const text = JSON.stringify(
        await validateJourneyText(JSON.stringify(journey), 'win-back.journey.json'),
      );
      expect(text).not.toContain('validator.internal-error');
      expect(text).toContain('cron');
    },
  );
});
