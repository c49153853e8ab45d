import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCondition, explainCondition } from '../../engine/policy/conditions.ts';
import { COMPARISON_OPERATORS, type Condition } from '../../engine/schema.ts';
import { context, daysBefore, event, hoursBefore, profile } from './policy-flow-fixtures.ts';

const ctx = context({
  profile: profile({ firstName: 'Ana', attributes: { lifetimeValue: 120, vip: false, city: 'Lisbon' } }),
  history: [
    event('order_placed', hoursBefore(30), { items: [] }),
    event('product_viewed', daysBefore(3), { productId: 'p1' }),
  ],
});

const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    field: fc.constantFrom(
      'profile.firstName',
      'profile.attributes.lifetimeValue',
      'profile.attributes.vip',
      'profile.attributes.city',
      'profile.attributes.missing',
      'event.type',
    ),
    op: fc.constantFrom(...COMPARISON_OPERATORS),
    value: fc.oneof(
      fc.constantFrom<string | number | boolean | null>('Ana', 'Lisbon', 120, 100, 500, true, false, null),
      fc.array(fc.constantFrom('Ana', 'Lisbon', 120), { maxLength: 3 }),
    ),
  }) as fc.Arbitrary<Condition>,
  fc.record(
    {
      did: fc.constantFrom('order_placed', 'product_viewed', 'signed_up'),
      within: fc.constantFrom('PT1H', 'P1D', 'P2D', 'P7D'),
      count: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: ['did'] },
  ),
);

const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('condition') }),
  ) as fc.Arbitrary<Condition>,
}));

describe('conditions (properties)', () => {
  it('never throw, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        expect(typeof evaluateCondition(junk as Condition, ctx)).toBe('boolean');
      }),
    );
  });

  it('explanations reach the same verdict as evaluation', () => {
    fc.assert(fc.property(condition, (c) => explainCondition(c, ctx).result === evaluateCondition(c, ctx)));
    fc.assert(
      fc.property(
        fc.anything(),
        (junk) =>
          explainCondition(junk as Condition, ctx).result === evaluateCondition(junk as Condition, ctx),
      ),
    );
  });

  it('`not` negates every well-formed condition', () => {
    fc.assert(
      fc.property(condition, (c) => evaluateCondition({ not: c }, ctx) === !evaluateCondition(c, ctx)),
    );
  });

  it('`all` and `any` agree with every and some', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 4 }), (cs) => {
        const each = cs.map((c) => evaluateCondition(c, ctx));
        expect(evaluateCondition({ all: cs }, ctx)).toBe(each.every(Boolean));
        expect(evaluateCondition({ any: cs }, ctx)).toBe(each.some(Boolean));
      }),
    );
  });

  it('behaviour is monotonic: a wider window or a lower count never turns true into false', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('order_placed', 'product_viewed'),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        (did, days, count) => {
          const narrow = evaluateCondition({ did, within: `P${days}D`, count }, ctx);
          const wide = evaluateCondition({ did, within: `P${days + 1}D`, count }, ctx);
          const fewer = evaluateCondition({ did, within: `P${days}D`, count: Math.max(1, count - 1) }, ctx);
          expect(!narrow || (wide && fewer)).toBe(true);
        },
      ),
    );
  });
});
