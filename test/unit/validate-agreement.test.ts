/**
 * The validator says what the rest of Herald will do: a condition it accepts is one the evaluator
 * can hold true, and its suggestions fit where they are offered.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../engine/policy/conditions.ts';
import { type Condition, MAX_CONDITION_DEPTH } from '../../engine/schema.ts';
import { type Problem, validateJourneyValue } from '../../engine/validate/index.ts';
import { context, profile } from './policy-flow-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests plant one defect each in loose JSON
type Loose = Record<string, any>;

const baseText = readFileSync(new URL('../fixtures/invalid/base.valid.json', import.meta.url), 'utf8');
const base = () => JSON.parse(baseText) as Loose;
const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');

function nested(levels: number): Condition {
  let cond: Condition = { field: 'profile.firstName', op: 'exists' };
  for (let i = 0; i < levels; i++) cond = { all: [cond] };
  return cond;
}

describe('condition depth', () => {
  const ctx = context({ profile: profile({ firstName: 'Sara' }) });

  it(`accepts a condition ${MAX_CONDITION_DEPTH} levels deep, which holds at run time`, () => {
    const journey = base();
    journey.entry.condition = nested(MAX_CONDITION_DEPTH);
    expect(errors(validateJourneyValue(journey, 'j.json').problems)).toEqual([]);
    expect(evaluateCondition(nested(MAX_CONDITION_DEPTH), ctx)).toBe(true);
  });

  it('refuses one level more, which the evaluator would silently hold false', () => {
    const journey = base();
    journey.steps['has-ordered'].branches[0].when = nested(MAX_CONDITION_DEPTH + 1);
    const problems = errors(validateJourneyValue(journey, 'j.json').problems);
    expect(problems).toMatchObject([
      {
        code: 'condition.too-deep',
        path: `/steps/has-ordered/branches/0/when${'/all/0'.repeat(MAX_CONDITION_DEPTH + 1)}`,
      },
    ]);
    expect(problems[0]?.message).toContain(`at most ${MAX_CONDITION_DEPTH} levels`);
    expect(evaluateCondition(nested(MAX_CONDITION_DEPTH + 1), ctx)).toBe(false);
  });
});
