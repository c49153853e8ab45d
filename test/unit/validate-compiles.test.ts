/**
 * "A journey the validator accepts must compile": over random step graphs of every step kind and
 * over mutations of the reference journeys, whenever `validateJourneyText` reports no error,
 * `compileJourney` succeeds and asl-validator accepts its definition. Conversely, a journey the
 * compiler refuses (`no_exit`) is one the validator already rejected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../engine/compile/asl.ts';
import { CompileError, compileJourney, validateAsl } from '../../engine/compile/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { formatProblems, type ValidationResult, validateJourneyText } from '../../engine/validate/index.ts';
import { unreachableStates } from '../helpers/asl-graph.ts';

// biome-ignore lint/suspicious/noExplicitAny: generated and mutated journeys are loose JSON
type Loose = Record<string, any>;

const FIXTURES = new URL('../fixtures/invalid/', import.meta.url);
const WORKFLOWS = new URL('../../workflows/', import.meta.url);
const base = JSON.parse(readFileSync(new URL('base.valid.json', FIXTURES), 'utf8')) as Loose;
const references = readdirSync(WORKFLOWS)
  .filter((f) => f.endsWith('.journey.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, WORKFLOWS), 'utf8')) as Loose);

const validate = (journey: unknown): ValidationResult =>
  validateJourneyText(JSON.stringify(journey, null, 2), 'generated.journey.json');

const hasErrors = (result: ValidationResult) => result.problems.some((p) => p.severity === 'error');

/**
 * The property itself: a journey without validator errors compiles, every state reachable, and
 * (optionally, it is slow) asl-validator accepts it. Returns whether the journey was valid.
 */
function checkAcceptedCompiles(journey: unknown, withAsl: boolean): boolean {
  const result = validate(journey);
  expect(result.problems.some((p) => p.code === 'validator.internal-error')).toBe(false);
  if (hasErrors(result)) {
    expect(result.journey).toBeUndefined();
    return false;
  }
  let def: AslDefinition;
  try {
    def = compileJourney(result.journey as Journey);
  } catch (err) {
    const code = err instanceof CompileError ? err.code : 'crash';
    throw new Error(
      `the validator accepted a journey the compiler refuses (${code}: ${(err as Error).message}):\n${JSON.stringify(journey, null, 2)}\nproblems:\n${formatProblems(result.problems)}`,
    );
  }
  expect(unreachableStates(def)).toEqual([]);
  if (withAsl) expect(validateAsl(def).errors).toEqual([]);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Random step graphs, every kind, with fields the validator can accept.

const WAITS: Loose[] = [
  { type: 'wait', duration: 'PT1H' },
  { type: 'wait', duration: 'P2D' },
  { type: 'wait', duration: 'P1M' },
  { type: 'wait', duration: 'PT0.5S' },
  { type: 'wait', until: { localTime: '10:00' } },
  { type: 'wait', duration: 'P2D', until: { localTime: '09:30' } },
  { type: 'wait', until: { date: 'event.time', offset: '-P3D' } },
];
const CONDITIONS: Loose[] = [
  { did: 'order_placed', within: 'P30D' },
  { field: 'profile.country', op: 'in', value: ['GB', 'IR'] },
  { not: { did: 'order_placed' } },
];
const SENDS: Loose[] = [
  { message: 'welcome', channels: ['preferred', 'email'] },
  { message: 'welcome', channels: ['push'] },
  { message: 'nudge', channels: ['sms', 'email'] },
];
const SPLIT_WEIGHTS = [
  [50, 50],
  [34, 33, 33],
  [90, 10],
];

function stepArb(ids: string[]): fc.Arbitrary<Loose> {
  const id = fc.constantFrom(...ids);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...WAITS), id).map(([w, next]) => ({ ...structuredClone(w), next })),
    fc
      .tuple(id, id, fc.constantFrom('PT1H', 'P1D', 'P7D', 'PT-5M', 'P0D', 'PT0.5S'))
      .map(([onEvent, onTimeout, timeout]) => ({
        type: 'waitForEvent',
        event: 'order_placed',
        timeout,
        onEvent,
        onTimeout,
      })),
    fc
      .tuple(fc.array(fc.tuple(fc.constantFrom(...CONDITIONS), id), { minLength: 1, maxLength: 3 }), id)
      .map(([branches, otherwise]) => ({
        type: 'branch',
        branches: branches.map(([when, next], i) => ({ name: `b${i}`, when: structuredClone(when), next })),
        otherwise,
      })),
    fc.constantFrom(...SPLIT_WEIGHTS).chain((weights) =>
      fc.tuple(...weights.map(() => id)).map((targets) => ({
        type: 'split',
        arms: targets.map((next, i) => ({ name: `arm-${i}`, weight: weights[i]!, next })),
      })),
    ),
    fc
      .tuple(fc.constantFrom(...SENDS), id)
      .map(([send, next]) => ({ type: 'send', ...structuredClone(send), next })),
    fc
      .tuple(fc.constantFrom<[string, unknown]>(['seen', true], ['visits', 3], ['segment', 'vip']), id)
      .map(([[attribute, value], next]) => ({ type: 'update', attribute, value, next })),
    fc.constant({ type: 'exit' }),
  );
}

/** Only the steps reachable from `s0` are kept: the validator rejects unreachable ones outright. */
function keepReachable(steps: Record<string, Loose>): Record<string, Loose> {
  const seen = new Set(['s0']);
  const queue = ['s0'];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const s = steps[id]!;
    const targets = [
      s.next,
      s.otherwise,
      s.onEvent,
      s.onTimeout,
      ...(s.branches ?? []).map((b: Loose) => b.next),
      ...(s.arms ?? []).map((a: Loose) => a.next),
    ].filter((t): t is string => typeof t === 'string');
    for (const t of targets) {
      if (!seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  return Object.fromEntries(Object.entries(steps).filter(([k]) => seen.has(k)));
}

const graphJourneyArb: fc.Arbitrary<Loose> = fc.integer({ min: 1, max: 8 }).chain((n) => {
  const ids = [...Array.from({ length: n }, (_, i) => `s${i}`), 'end'];
  return fc.array(stepArb(ids), { minLength: n, maxLength: n }).map((steps) => {
    const journey = structuredClone(base);
    journey.id = 'random-graph';
    journey.start = 's0';
    journey.steps = keepReachable({
      ...Object.fromEntries(steps.map((s, i) => [`s${i}`, s])),
      end: { type: 'exit' },
    });
    return journey;
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations of the reference journeys (and the small fixture), aimed at the step graph.

const KINDS: Loose[] = [
  { type: 'wait', duration: 'P1D' },
  { type: 'wait', until: { localTime: '10:00' } },
  { type: 'update', attribute: 'seen', value: true },
  { type: 'exit' },
];
const VALUES: unknown[] = [
  'P1M',
  'P1Y',
  'PT0S',
  'P0D',
  'PT0.5S',
  'P2W',
  'PT90M',
  '-P1D',
  'P366D',
  'PT1H30M',
  'P1DT12H',
  // Odd forms: negative and mixed-sign parts, an empty time part, lower case, misplaced fractions.
  'PT-5M',
  'PT1H-30M',
  '-PT-5M',
  'P1DT',
  'p1d',
  'PT1.5H',
  'PT1.5H30M',
  'P1Y2M',
  'P',
  '+P1D',
];

type GraphMutation =
  | { kind: 'retarget'; at: number; to: number }
  | { kind: 'restart'; to: number }
  | { kind: 'retype'; at: number; as: number; to: number }
  | { kind: 'delete-step'; at: number }
  | { kind: 'value'; at: number; value: number };

const graphMutation: fc.Arbitrary<GraphMutation> = fc.oneof(
  fc.record({ kind: fc.constant('retarget' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('restart' as const), to: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat(), as: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('delete-step' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.nat() }),
);

/** Every place a step names another: [holder object, key]. */
function referenceSlots(journey: Loose): [Loose, string][] {
  const slots: [Loose, string][] = [];
  for (const step of Object.values(journey.steps ?? {}) as Loose[]) {
    for (const key of ['next', 'otherwise', 'onEvent', 'onTimeout']) if (key in step) slots.push([step, key]);
    for (const list of [step.branches, step.arms]) {
      if (Array.isArray(list)) for (const item of list) slots.push([item, 'next']);
    }
  }
  return slots;
}

/** Every string-valued duration-ish slot in the steps and goal, for `value` mutations. */
function durationSlots(journey: Loose): [Loose, string][] {
  const slots: [Loose, string][] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (['duration', 'timeout', 'within', 'offset'].includes(k) && typeof v === 'string') {
          slots.push([node as Loose, k]);
        } else visit(v);
      }
    }
  };
  visit(journey.steps);
  visit(journey.goal);
  return slots;
}

function mutateGraph(seed: Loose, mutations: GraphMutation[]): Loose {
  const journey = structuredClone(seed);
  for (const m of mutations) {
    const ids = Object.keys(journey.steps);
    if (ids.length === 0) break;
    const pick = (n: number) => ids[n % ids.length]!;
    switch (m.kind) {
      case 'retarget': {
        const slots = referenceSlots(journey);
        if (slots.length === 0) break;
        const [holder, key] = slots[m.at % slots.length]!;
        holder[key] = pick(m.to);
        break;
      }
      case 'restart':
        journey.start = pick(m.to);
        break;
      case 'retype': {
        const id = pick(m.at);
        const kind = structuredClone(KINDS[m.as % KINDS.length]!);
        journey.steps[id] = kind.type === 'exit' ? kind : { ...kind, next: pick(m.to) };
        break;
      }
      case 'delete-step': {
        // Remove a step and send everything that went to it where it went (or to the first step).
        const id = pick(m.at);
        const step = journey.steps[id] as Loose;
        delete journey.steps[id];
        const rest = Object.keys(journey.steps);
        if (rest.length === 0) break;
        const onward = typeof step.next === 'string' && step.next !== id ? step.next : rest[0]!;
        for (const [holder, key] of referenceSlots(journey)) if (holder[key] === id) holder[key] = onward;
        if (journey.start === id) journey.start = onward;
        break;
      }
      case 'value': {
        const slots = durationSlots(journey);
        if (slots.length === 0) break;
        const [holder, key] = slots[m.at % slots.length]!;
        holder[key] = VALUES[m.value % VALUES.length];
        break;
      }
    }
  }
  return journey;
}

const mutatedJourneyArb = fc
  .tuple(fc.constantFrom(base, ...references), fc.array(graphMutation, { minLength: 1, maxLength: 4 }))
  .map(([seed, mutations]) => mutateGraph(seed, mutations));

// ---------------------------------------------------------------------------------------------

describe('a journey the validator accepts compiles', () => {
  it('holds for the reference journeys and the fixture, with asl-validator', () => {
    for (const journey of [base, ...references]) expect(checkAcceptedCompiles(journey, true)).toBe(true);
  });

  it('holds for random step graphs of every kind (the generator yields valid and invalid ones)', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(graphJourneyArb, (journey) => {
        if (checkAcceptedCompiles(journey, false)) valid++;
        else invalid++;
      }),
      { numRuns: 250 },
    );
    // The generator must exercise both sides, or the property proves nothing.
    expect(valid).toBeGreaterThan(25);
    expect(invalid).toBeGreaterThan(5);
  });

  it('holds for mutations of the reference journeys (retargeted steps, new kinds, deleted steps, odd durations)', () => {
    let valid = 0;
    fc.assert(
      fc.property(mutatedJourneyArb, (journey) => {
        if (checkAcceptedCompiles(journey, false)) valid++;
      }),
      { numRuns: 250 },
    );
    expect(valid).toBeGreaterThan(25);
  });

  // asl-validator builds its schema validator on every call (about 0.3 s): a modest sample of valid ones.
  it('gives definitions asl-validator accepts, for a sample of accepted random and mutated journeys', () => {
    fc.assert(
      fc.property(fc.oneof(graphJourneyArb, mutatedJourneyArb), (journey) => {
        fc.pre(!hasErrors(validate(journey)));
        checkAcceptedCompiles(journey, true);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects every random step graph the compiler refuses as never ending (no_exit) with step.never-ends', () => {
    fc.assert(
      fc.property(graphJourneyArb, (journey) => {
        let code: string | undefined;
        try {
          compileJourney(journey as Journey);
        } catch (err) {
          code = err instanceof CompileError ? err.code : 'crash';
        }
        fc.pre(code === 'no_exit');
        const result = validate(journey);
        expect(result.journey).toBeUndefined();
        expect(result.problems.some((p) => p.code === 'step.never-ends' && p.severity === 'error')).toBe(
          true,
        );
      }),
      { numRuns: 40 },
    );
  });
});
