/**
 * The validator against a data dictionary: custom fields are declared, typed and checked with the
 * type that fits; problems name the journey or data.json, the JSON path and the fix.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../engine/events.ts';
import { applyEventToProfile } from '../../engine/profile-events.ts';
import {
  checkDictionaryKeepsReleases,
  dictionarySlice,
  type Problem,
  validateDictionaryText,
  validateJourneyValue,
} from '../../engine/validate/index.ts';
import { BUILT_IN_VOCABULARY, buildVocabulary } from '../../engine/vocabulary.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests plant one defect each
type Loose = Record<string, any>;
const base = () =>
  JSON.parse(readFileSync(new URL('../fixtures/invalid/base.valid.json', import.meta.url), 'utf8')) as Loose;
const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');

const { vocabulary } = buildVocabulary({
  events: {
    subscription_renewed: {
      properties: {
        plan: { type: 'enum', values: ['monthly', 'yearly'], required: true },
        renewedOn: { type: 'date' },
        count: { type: 'integer', updates: 'renewalCount' },
      },
    },
  },
  attributes: {
    loyaltyTier: { type: 'enum', values: ['bronze', 'silver', 'gold'] },
    renewalCount: { type: 'number' },
    nickname: { type: 'string' },
    memberSince: { type: 'date' },
    postcode: { type: 'string', pii: true },
  },
});

function withCondition(condition: object): Loose {
  const journey = base();
  journey.entry.condition = condition;
  return journey;
}
const problemsOf = (journey: Loose) =>
  errors(validateJourneyValue(journey, 'j.journey.json', { vocabulary }).problems);

describe('data.json itself', () => {
  it('refuses to redefine a built-in attribute or event, naming the JSON path', () => {
    const text = JSON.stringify(
      { attributes: { vip: { type: 'string' } }, events: { order_placed: { properties: {} } } },
      null,
      2,
    );
    const result = validateDictionaryText(text, 'workflows/data.json');
    expect(result.vocabulary).toBeUndefined();
    expect(result.problems.map((p) => [p.file, p.code, p.path])).toEqual([
      ['workflows/data.json', 'dictionary.redefines-built-in', '/attributes/vip'],
      ['workflows/data.json', 'dictionary.redefines-built-in', '/events/order_placed'],
    ]);
    expect(result.problems[0]?.line).toBe(3);
  });

  it('refuses an enum without values and an update of an attribute of another type', () => {
    const text = JSON.stringify({
      attributes: { tier: { type: 'enum' }, count: { type: 'number' } },
      events: { renewed: { properties: { count: { type: 'string', updates: 'count' } } } },
    });
    const codes = validateDictionaryText(text, 'data.json').problems.map((p) => `${p.code} ${p.path}`);
    expect(codes).toEqual([
      'dictionary.enum-without-values /attributes/tier',
      'dictionary.updates-wrong-type /events/renewed/properties/count/updates',
    ]);
  });

  it('offers the key it meant for a misspelt one', () => {
    const text = JSON.stringify({ attributes: { postcode: { type: 'string', pi: true } } });
    const [problem] = validateDictionaryText(text, 'data.json').problems;
    expect(problem).toMatchObject({
      code: 'schema.unknown-property',
      path: '/attributes/postcode/pi',
      suggestion: 'use `pii`',
    });
  });
});

describe('journeys against the dictionary', () => {
  it('accepts custom attributes and events with the types they are declared with', () => {
    const journey = withCondition({
      all: [
        { field: 'profile.attributes.loyaltyTier', op: 'in', value: ['gold', 'silver'] },
        { field: 'profile.attributes.renewalCount', op: 'gte', value: 3 },
        { field: 'profile.attributes.memberSince', op: 'lt', value: '2025-01-01' },
      ],
    });
    journey.exit = [{ event: 'subscription_renewed' }];
    expect(problemsOf(journey)).toEqual([]);
  });

  it('refuses an undeclared attribute, saying where to declare it', () => {
    const [problem] = problemsOf(withCondition({ field: 'profile.attributes.shoeSize', op: 'exists' }));
    expect(problem?.code).toBe('field.unknown');
    expect(problem?.suggestion).toContain('declare `shoeSize` in workflows/data.json under attributes');
  });

  it('refuses `gte` on a text attribute, suggesting what it meant', () => {
    const [problem] = problemsOf(
      withCondition({ field: 'profile.attributes.nickname', op: 'gte', value: 'm' }),
    );
    expect(problem?.code).toBe('condition.operator-not-for-type');
    expect(problem?.path).toBe('/entry/condition/op');
    expect(problem?.message).toContain('did you mean `in` (or `eq`)?');
  });

  it('refuses `gte` on an enum, and a value the enum does not have, with a did-you-mean', () => {
    expect(
      problemsOf(withCondition({ field: 'profile.attributes.loyaltyTier', op: 'gte', value: 'silver' }))[0]
        ?.code,
    ).toBe('condition.operator-not-for-type');
    const [problem] = problemsOf(
      withCondition({ field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gld' }),
    );
    expect(problem).toMatchObject({
      code: 'condition.unknown-value',
      path: '/entry/condition/value',
      suggestion: 'use `gold`',
    });
  });

  it('lets a date wait read a date attribute, and refuses one on a text attribute', () => {
    const journey = base();
    journey.steps['wait-2-days'] = {
      type: 'wait',
      until: { date: 'profile.attributes.memberSince', offset: 'P1D' },
      next: 'has-ordered',
    };
    expect(problemsOf(journey)).toEqual([]);
    journey.steps['wait-2-days'].until.date = 'profile.attributes.nickname';
    expect(problemsOf(journey).map((p) => p.code)).toEqual(['wait.not-a-date']);
  });

  it('refuses an update with a value outside the enum, with a did-you-mean', () => {
    const journey = base();
    journey.steps['send-nudge'].next = 'mark';
    journey.steps.mark = { type: 'update', attribute: 'loyaltyTier', value: 'silvr', next: 'done' };
    const [problem] = problemsOf(journey);
    expect(problem).toMatchObject({
      code: 'update.wrong-type',
      path: '/steps/mark/value',
      suggestion: 'use `silvr`'.replace('silvr', 'silver'),
    });
  });

  it('checks templates against a custom entry event’s declared properties', () => {
    const journey = base();
    journey.entry = { event: 'subscription_renewed', reentry: { mode: 'never' } };
    delete journey.goal;
    journey.messages.nudge.locales.en.sms.body =
      'Your {{ event.properties.plan }} plan, {{ event.properties.plann }}';
    const [problem] = problemsOf(journey);
    expect(problem?.code).toBe('template.unknown-variable');
    expect(problem?.message).toContain('did you mean `event.properties.plan`');
  });

  it('knows nothing custom without a dictionary', () => {
    const journey = withCondition({ field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gold' });
    expect(
      errors(validateJourneyValue(journey, 'j.json', { vocabulary: BUILT_IN_VOCABULARY }).problems).map(
        (p) => p.code,
      ),
    ).toEqual(['field.unknown']);
  });
});

describe('dictionary changes under released versions', () => {
  const journey = withCondition({ field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gold' });
  const slice = dictionarySlice(journey, vocabulary);
  const released = [
    { file: 'versions/fixture-welcome/1.journey.json', journeyId: 'fixture-welcome', version: 1, slice },
  ];

  it('keeps only what the journey uses in its slice', () => {
    expect(slice).toEqual({
      attributes: { loyaltyTier: { type: 'enum', values: ['bronze', 'silver', 'gold'] } },
    });
  });

  it('refuses a dictionary that drops or retypes a field a released version uses', () => {
    const dropped = buildVocabulary({ attributes: {} }).vocabulary;
    expect(checkDictionaryKeepsReleases(released, dropped, 'workflows/data.json').map((f) => f.code)).toEqual(
      ['dictionary.removed-in-use'],
    );
    const retyped = buildVocabulary({
      attributes: { loyaltyTier: { type: 'enum', values: ['gold'] } },
    }).vocabulary;
    expect(checkDictionaryKeepsReleases(released, retyped, 'workflows/data.json')[0]).toMatchObject({
      code: 'dictionary.changed-in-use',
      path: ['attributes', 'loyaltyTier', 'type'],
    });
    expect(checkDictionaryKeepsReleases(released, vocabulary, 'workflows/data.json')).toEqual([]);
  });
});

describe('ingest against the dictionary', () => {
  const event = (type: string, properties: object) => ({
    id: 'e1',
    type,
    customerId: 'c1',
    time: '2026-03-02T12:00:00Z',
    properties,
  });

  it('refuses a custom event with every problem, and accepts a valid one', () => {
    const bad = validateEvent(event('subscription_renewed', { plan: 'weekly', count: 1.5, other: true }), {
      vocabulary,
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((p) => p.path).sort()).toEqual([
      '/properties/count',
      '/properties/other',
      '/properties/plan',
    ]);
    expect(
      validateEvent(event('subscription_renewed', { plan: 'yearly', renewedOn: '2026-03-02' }), {
        vocabulary,
      }).ok,
    ).toBe(true);
    expect(validateEvent(event('subscription_renewed', { plan: 'yearly' })).ok).toBe(false);
  });

  it('lets profile_updated set declared attributes, type-checked', () => {
    const wrong = validateEvent(
      event('profile_updated', { profile: {}, attributes: { loyaltyTier: 'platinum', shoeSize: 9 } }),
      { vocabulary },
    );
    expect(!wrong.ok && wrong.problems.map((p) => p.path).sort()).toEqual([
      '/properties/attributes/loyaltyTier',
      '/properties/attributes/shoeSize',
    ]);
    const right = validateEvent(
      event('profile_updated', { profile: {}, attributes: { loyaltyTier: 'gold' } }),
      { vocabulary },
    );
    expect(right.ok).toBe(true);
    if (!right.ok) return;
    const { profile } = applyEventToProfile(
      undefined,
      right.event,
      new Date('2026-03-02T12:00:01Z'),
      vocabulary,
    );
    expect(profile.attributes).toEqual({ loyaltyTier: 'gold' });
  });

  it('applies a custom event’s declared updates to the profile', () => {
    const custom = event('subscription_renewed', { plan: 'yearly', count: 4 }) as never;
    const { profile } = applyEventToProfile(
      { id: 'c1', attributes: { renewalCount: 3 } as never },
      custom,
      new Date(),
      vocabulary,
    );
    expect(profile.attributes).toEqual({ renewalCount: 4 });
  });
});
