/**
 * The validator says what the rest of Herald will do: a condition it accepts is one the evaluator
 * can hold true, and its suggestions fit where they are offered.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../engine/policy/conditions.ts';
import { type Condition, MAX_CONDITION_DEPTH } from '../../engine/schema.ts';
import {
  loadJourneySetOrThrow,
  type Problem,
  validateJourneySet,
  validateJourneyValue,
} from '../../engine/validate/index.ts';
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

describe('journeys validated as a set', () => {
  const source = (file: string, id: string) => {
    const journey = base();
    journey.id = id;
    return { file, text: JSON.stringify(journey, null, 2) };
  };

  it('refuses two files with one id, in both files, each naming the other', () => {
    const results = validateJourneySet([
      source('a.journey.json', 'welcome'),
      source('b.journey.json', 'welcome'),
    ]);
    for (const [result, other] of [
      [results[0], 'b.journey.json'],
      [results[1], 'a.journey.json'],
    ] as const) {
      expect(result?.journey).toBeUndefined();
      expect(result?.problems).toMatchObject([
        { code: 'journey.duplicate-id', path: '/id', line: 3, column: 9 },
      ]);
      expect(result?.problems[0]?.message).toContain(other);
    }
  });

  it('refuses ids that differ only by `-` and `_`, and accepts ids that differ in a letter', () => {
    const clash = validateJourneySet([source('a.json', 'cart-reminder'), source('b.json', 'cart_reminder')]);
    expect(clash.map((r) => r.problems.map((p) => p.code))).toEqual([
      ['journey.id-collision'],
      ['journey.id-collision'],
    ]);
    const fine = validateJourneySet([source('a.json', 'cart-reminder'), source('b.json', 'cart-reminder2')]);
    expect(fine.every((r) => r.journey !== undefined && r.problems.length === 0)).toBe(true);
  });

  it('reserves the `audience-` prefix: `audience-x` would be the name of journey x’s enrolment state machine', () => {
    const [reserved, fine] = validateJourneySet([
      source('a.json', 'audience-winback'),
      source('b.json', 'winback-audience'),
    ]);
    expect(reserved?.journey).toBeUndefined();
    expect(reserved?.problems).toMatchObject([
      { code: 'journey.reserved-id', path: '/id', line: 3, column: 9, severity: 'error' },
    ]);
    expect(reserved?.problems[0]?.message).toContain('<stack>-audience-winback');
    expect(fine?.journey).toBeDefined();
    expect(fine?.problems).toEqual([]);
  });

  it('lists every failing file in the error that stops the synth', () => {
    expect(() =>
      loadJourneySetOrThrow([source('a.journey.json', 'welcome'), source('b.journey.json', 'welcome')]),
    ).toThrow(/a\.journey\.json, b\.journey\.json are not valid journeys \(2 errors\)/);
  });
});

describe('suggestions fit their place', () => {
  const problemsFor = (mutate: (j: Loose) => void) => {
    const journey = base();
    mutate(journey);
    return validateJourneyValue(journey, 'j.json').problems;
  };

  it('offers an attribute name, not a camel-cased path, where an attribute name goes', () => {
    const [problem] = problemsFor((j) => {
      j.steps['send-nudge'].next = 'mark';
      j.steps.mark = { type: 'update', attribute: 'profile.attributes.lifetimeValu', value: 3, next: 'done' };
    });
    expect(problem).toMatchObject({ path: '/steps/mark/attribute', suggestion: 'use `lifetimeValue`' });
  });

  it('keeps a new attribute’s own name when it is written as a path', () => {
    const [problem] = problemsFor((j) => {
      j.steps['send-nudge'].next = 'mark';
      j.steps.mark = {
        type: 'update',
        attribute: 'profile.attributes.nudgedTwice',
        value: true,
        next: 'done',
      };
    });
    expect(problem?.suggestion).toBe('use `nudgedTwice`');
  });

  it('points a profile field that is really an attribute at `profile.attributes`, in templates too', () => {
    const [problem] = problemsFor((j) => {
      j.messages.welcome.locales.en.push.body = 'You have spent {{ profile.lifetimeValue }}';
    });
    expect(problem?.suggestion).toBe('use `profile.attributes.lifetimeValue`');
  });

  it.each([
    ['fa_IR', 'fa-IR'],
    ['EN-gb', 'en-GB'],
    ['zh_hant_tw', 'zh-Hant-TW'],
  ])('suggests the BCP 47 tag `%s` means, as a locale key and as the default locale', (written, meant) => {
    const asKey = problemsFor((j) => {
      j.messages.welcome.locales[written] = j.messages.welcome.locales.fa;
      delete j.messages.welcome.locales.fa;
    });
    expect(asKey.find((p) => p.path === `/messages/welcome/locales/${written}`)?.suggestion).toBe(
      `use \`${meant}\``,
    );
    const asDefault = problemsFor((j) => {
      j.defaultLocale = written;
    });
    expect(asDefault.find((p) => p.path === '/defaultLocale')?.suggestion).toBe(`use \`${meant}\``);
  });
});
