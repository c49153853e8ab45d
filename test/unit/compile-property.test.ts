/**
 * Properties of the compiler over random journey graphs: any journey whose references resolve
 * compiles to a definition asl-validator accepts, with no state Step Functions would reject as
 * unreachable, byte-identical however its steps are ordered, and never dearer than the naive baseline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AslDefinition, isTerminal } from '../../engine/compile/asl.ts';
import {
  buildDefinition,
  CompileError,
  compileJourney,
  compileNaive,
  limitProblems,
  longestPathTransitions,
  renderAsl,
  validateAsl,
} from '../../engine/compile/index.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { unreachableStates } from '../helpers/asl-graph.ts';

const WAITS: Step[] = [
  { type: 'wait', duration: 'PT1H', next: '' },
  { type: 'wait', duration: 'P1M', next: '' },
  { type: 'wait', until: { localTime: '10:00' }, next: '' },
  { type: 'wait', duration: 'P2D', until: { localTime: '09:30' }, next: '' },
  { type: 'wait', until: { date: 'event.time', offset: '-P3D' }, next: '' },
];

/** A step of any kind whose targets are drawn from `ids` (filled in by `pick`). */
function stepArb(ids: string[]): fc.Arbitrary<Step> {
  const id = fc.constantFrom(...ids);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...WAITS), id).map(([w, next]) => ({ ...w, next }) as Step),
    fc.tuple(id, id).map(([onEvent, onTimeout]) => ({
      type: 'waitForEvent' as const,
      event: 'order_placed',
      timeout: 'P1D',
      onEvent,
      onTimeout,
    })),
    fc.tuple(fc.array(id, { minLength: 1, maxLength: 3 }), id).map(([targets, otherwise]) => ({
      type: 'branch' as const,
      branches: targets.map((next) => ({ when: { did: 'order_placed' }, next })),
      otherwise,
    })),
    fc.array(id, { minLength: 2, maxLength: 3 }).map((targets) => ({
      type: 'split' as const,
      arms: targets.map((next, i) => ({ name: `arm-${i}`, weight: 100 / targets.length, next })),
    })),
    id.map((next) => ({ type: 'send' as const, message: 'm', channels: ['email' as const], next })),
    id.map((next) => ({ type: 'update' as const, attribute: 'seen', value: true, next })),
    fc.constant({ type: 'exit' as const }),
  );
}

const journeyArb: fc.Arbitrary<Journey> = fc.integer({ min: 1, max: 9 }).chain((n) => {
  const ids = [...Array.from({ length: n }, (_, i) => `s${i}`), 'end'];
  return fc.array(stepArb(ids), { minLength: n, maxLength: n }).map(
    (steps): Journey => ({
      id: 'random',
      version: 1,
      name: 'Random',
      priority: 50,
      defaultLocale: 'en',
      entry: { event: 'signed_up', reentry: { mode: 'never' } },
      start: 's0',
      steps: { ...Object.fromEntries(steps.map((s, i) => [`s${i}`, s])), end: { type: 'exit' } },
      messages: {},
    }),
  );
});

/** Steps that can end a run: exit steps, and Tasks with a Choice that routes `exit`. */
function canEnd(step: Step): boolean {
  switch (step.type) {
    case 'exit':
    case 'send':
      return true;
    case 'branch':
      return new Set([...step.branches.map((b) => b.next), step.otherwise]).size > 1;
    case 'split':
      return new Set(step.arms.map((a) => a.next)).size > 1;
    default:
      return false;
  }
}

/**
 * The lean definition, or undefined for a journey that can never end (only waits, waits for
 * events and updates going round): the compiler must refuse exactly those, with `no_exit`.
 * (The shape before the Step Functions limit checks, which random graphs often fail: those are
 * held to their own property below.)
 */
function compileLean(journey: Journey): AslDefinition | undefined {
  try {
    return buildDefinition(journey);
  } catch (err) {
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).code).toBe('no_exit');
    const reachable = Object.keys(compileNaive(journey).States).filter((n) =>
      Object.hasOwn(journey.steps, n),
    );
    expect(reachable.some((id) => canEnd(journey.steps[id]!))).toBe(false);
    return undefined;
  }
}

describe('compiling any journey graph', () => {
  it('never leaves a state unreachable (Step Functions rejects those) and always has a terminal state', () => {
    fc.assert(
      fc.property(journeyArb, (journey) => {
        for (const def of [compileLean(journey), compileNaive(journey)]) {
          if (!def) continue;
          expect(unreachableStates(def)).toEqual([]);
          expect(Object.values(def.States).some(isTerminal)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  // asl-validator builds its JSON Schema validator on every call (about 0.3 s): fewer runs here.
  it('gives definitions asl-validator accepts, for the lean compiler and the baseline', () => {
    fc.assert(
      fc.property(journeyArb, (journey) => {
        for (const def of [compileLean(journey), compileNaive(journey)]) {
          if (def) expect(validateAsl(def).errors).toEqual([]);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('renders the same bytes whatever order the steps are written in', () => {
    fc.assert(
      fc.property(journeyArb, (journey) => {
        const reversed = { ...journey, steps: Object.fromEntries(Object.entries(journey.steps).reverse()) };
        const def = compileLean(journey);
        fc.pre(def !== undefined);
        expect(renderAsl(buildDefinition(reversed))).toBe(renderAsl(def!));
      }),
      { numRuns: 150 },
    );
  });

  it('never costs more transitions on its longest path than the naive baseline', () => {
    fc.assert(
      fc.property(journeyArb, (journey) => {
        const def = compileLean(journey);
        // Only journeys the compiler deploys: a loop of waits alone (refused by limits) has no cost to compare.
        fc.pre(def !== undefined && limitProblems(journey, def).length === 0);
        expect(longestPathTransitions(def!).transitions).toBeLessThanOrEqual(
          longestPathTransitions(compileNaive(journey)).transitions,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('refuses exactly the graphs a Step Functions limit would break, with the first problem', () => {
    fc.assert(
      fc.property(journeyArb, (journey) => {
        const def = compileLean(journey);
        fc.pre(def !== undefined);
        const [problem] = limitProblems(journey, def!);
        if (!problem) {
          expect(compileJourney(journey)).toEqual(def);
          return;
        }
        expect(() => compileJourney(journey)).toThrow(
          expect.objectContaining({ code: problem.code, path: `/${problem.path.join('/')}` }),
        );
      }),
      { numRuns: 150 },
    );
  });
});
