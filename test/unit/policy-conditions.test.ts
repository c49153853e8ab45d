import { describe, expect, it } from 'vitest';
import { evaluateCondition, explainCondition } from '../../engine/policy/conditions.ts';
import { type Condition, MAX_CONDITION_DEPTH } from '../../engine/schema.ts';
import {
  context,
  daysBefore,
  enrollment,
  event,
  hoursBefore,
  NOW,
  profile,
  SHAMPOO,
} from './policy-flow-fixtures.ts';

const ctx = context({
  profile: profile({
    firstName: 'Sara',
    locale: 'fa-IR',
    timeZone: 'Asia/Tehran',
    attributes: {
      lifetimeValue: 750,
      ordersCount: 3,
      vip: true,
      city: 'Tehran',
      lastOrderAt: '2024-06-01T10:00:00Z',
      welcomeOfferCode: 'HELLO10',
    },
  }),
  enrollment: enrollment({
    event: event('cart_updated', hoursBefore(3), {
      cartId: 'cart-9',
      items: [{ productId: 'prod-shampoo', quantity: 2 }],
      total: 24,
      currency: 'EUR',
      cartUrl: 'https://example.com/cart',
    }),
  }),
  product: SHAMPOO,
});

describe('field comparisons', () => {
  const cases: Array<[string, Condition, boolean]> = [
    ['number gte holds', { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 }, true],
    ['number gte fails', { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 1000 }, false],
    ['number lt', { field: 'profile.attributes.ordersCount', op: 'lt', value: 4 }, true],
    [
      'number vs numeric string does not compare',
      { field: 'profile.attributes.lifetimeValue', op: 'gt', value: '100' },
      false,
    ],
    ['string vs number does not compare', { field: 'profile.attributes.city', op: 'gt', value: 1 }, false],
    ['plain strings do not order', { field: 'profile.attributes.city', op: 'gt', value: 'Abadan' }, false],
    ['eq string', { field: 'profile.attributes.city', op: 'eq', value: 'Tehran' }, true],
    ['eq is type-strict', { field: 'profile.attributes.ordersCount', op: 'eq', value: '3' }, false],
    ['eq boolean', { field: 'profile.attributes.vip', op: 'eq', value: true }, true],
    ['ne on a different value', { field: 'profile.attributes.city', op: 'ne', value: 'Shiraz' }, true],
    [
      'ne on a missing field is true',
      { field: 'profile.attributes.cartReminderVariant', op: 'ne', value: 'a' },
      true,
    ],
    [
      'eq on a missing field is false',
      { field: 'profile.attributes.cartReminderVariant', op: 'eq', value: 'a' },
      false,
    ],
    [
      'gt on a missing field is false',
      { field: 'profile.attributes.firstOrderAt', op: 'gt', value: 1 },
      false,
    ],
    [
      'ISO dates order as dates',
      { field: 'profile.attributes.lastOrderAt', op: 'gt', value: '2024-05-31' },
      true,
    ],
    [
      'ISO dates order across offsets',
      { field: 'profile.attributes.lastOrderAt', op: 'lt', value: '2024-06-01T14:00:00+03:30' },
      true,
    ],
    [
      'ISO dates are equal when the instant is',
      { field: 'profile.attributes.lastOrderAt', op: 'eq', value: '2024-06-01T13:30:00+03:30' },
      true,
    ],
    [
      'a timestamp without an offset is UTC, not the host zone',
      { field: 'profile.attributes.lastOrderAt', op: 'eq', value: '2024-06-01T10:00:00' },
      true,
    ],
    [
      'a date against a non-date does not compare',
      { field: 'profile.attributes.lastOrderAt', op: 'gt', value: 'yesterday' },
      false,
    ],
    ['in', { field: 'profile.locale', op: 'in', value: ['fa', 'fa-IR'] }, true],
    ['in misses', { field: 'profile.locale', op: 'in', value: ['en', 'ar'] }, false],
    ['in without an array is false', { field: 'profile.locale', op: 'in', value: 'fa-IR' }, false],
    ['notIn', { field: 'profile.locale', op: 'notIn', value: ['en', 'ar'] }, true],
    ['notIn hits', { field: 'profile.locale', op: 'notIn', value: ['fa-IR'] }, false],
    [
      'contains on a string',
      { field: 'profile.attributes.welcomeOfferCode', op: 'contains', value: 'LO1' },
      true,
    ],
    ['startsWith', { field: 'profile.attributes.welcomeOfferCode', op: 'startsWith', value: 'HEL' }, true],
    [
      'startsWith on a number is false',
      { field: 'profile.attributes.ordersCount', op: 'startsWith', value: '3' },
      false,
    ],
    ['exists', { field: 'profile.firstName', op: 'exists' }, true],
    ['exists on missing', { field: 'profile.lastName', op: 'exists' }, false],
    ['notExists on missing', { field: 'profile.lastName', op: 'notExists' }, true],
    ['event properties', { field: 'event.properties.total', op: 'gte', value: 20 }, true],
    ['event type', { field: 'event.type', op: 'eq', value: 'cart_updated' }, true],
    ['product fields', { field: 'product.replenishmentDays', op: 'eq', value: 30 }, true],
    [
      'contains on an array of scalars is false for objects',
      { field: 'event.properties.items', op: 'contains', value: 'prod-shampoo' },
      false,
    ],
    ['a path through a scalar is missing', { field: 'profile.firstName.length', op: 'exists' }, false],
    ['the prototype chain is never followed', { field: 'profile.constructor', op: 'exists' }, false],
  ];
  it.each(cases)('%s', (_name, cond, expected) => {
    expect(evaluateCondition(cond, ctx)).toBe(expected);
  });

  it('contains finds a scalar in an array field', () => {
    const withTags = context({
      enrollment: enrollment({ event: event('signed_up', NOW, { tags: ['a', 'b'] }) }),
    });
    expect(evaluateCondition({ field: 'event.properties.tags', op: 'contains', value: 'b' }, withTags)).toBe(
      true,
    );
    expect(evaluateCondition({ field: 'event.properties.tags', op: 'contains', value: 'c' }, withTags)).toBe(
      false,
    );
  });

  it('reads product fields as missing when the journey has no product', () => {
    const noProduct = context();
    expect(evaluateCondition({ field: 'product.replenishmentDays', op: 'exists' }, noProduct)).toBe(false);
  });
});

describe('behaviour conditions', () => {
  const entered = daysBefore(2);
  const trigger = event('signed_up', entered, {}, { id: 'trigger' });
  const history = [
    event('order_placed', hoursBefore(5), {
      orderId: 'o3',
      items: [{ productId: 'prod-shampoo', quantity: 1 }],
    }),
    trigger,
    event('order_placed', daysBefore(10), { orderId: 'o2', items: [{ productId: 'prod-mug', quantity: 1 }] }),
    event('order_placed', daysBefore(40), {
      orderId: 'o1',
      items: [{ productId: 'prod-shampoo', quantity: 1 }],
    }),
    event('product_viewed', hoursBefore(1), { productId: 'prod-shampoo' }),
    event('order_placed', hoursBefore(-5), {
      orderId: 'future',
      items: [{ productId: 'prod-shampoo', quantity: 1 }],
    }),
  ];
  const behaviour = context({
    history,
    enrollment: enrollment({ enteredAt: entered, event: trigger, productId: 'prod-shampoo' }),
  });

  const cases: Array<[string, Condition, boolean]> = [
    ['did within a window', { did: 'order_placed', within: 'P30D' }, true],
    ['did not within a short window', { did: 'order_placed', within: 'PT2H' }, false],
    ['count within a window', { did: 'order_placed', within: 'P30D', count: 2 }, true],
    ['count beyond what happened', { did: 'order_placed', within: 'P30D', count: 3 }, false],
    ['without a window: anything inside the configured maximum', { did: 'order_placed', count: 3 }, true],
    ['events after now have not happened yet', { did: 'order_placed', count: 4 }, false],
    ['since entry', { did: 'order_placed', since: 'entry' }, true],
    ['since entry counts only after entry', { did: 'order_placed', since: 'entry', count: 2 }, false],
    ['since entry never counts the trigger', { did: 'signed_up', since: 'entry' }, false],
    ['without since, the trigger counts', { did: 'signed_up', within: 'P7D' }, true],
    ['sameProduct via items', { did: 'order_placed', within: 'P30D', sameProduct: true }, true],
    ['sameProduct count', { did: 'order_placed', within: 'P60D', sameProduct: true, count: 2 }, true],
    ['sameProduct via productId', { did: 'product_viewed', within: 'P1D', sameProduct: true }, true],
    ['an unknown event type', { did: 'refunded', within: 'P30D' }, false],
    ['an invalid window is false', { did: 'order_placed', within: 'soon' }, false],
  ];
  it.each(cases)('%s', (_name, cond, expected) => {
    expect(evaluateCondition(cond, behaviour)).toBe(expected);
  });

  it('sameProduct is false when the enrollment is not about a product', () => {
    const noProduct = { ...behaviour, enrollment: enrollment({ enteredAt: entered, event: trigger }) };
    expect(evaluateCondition({ did: 'order_placed', within: 'P30D', sameProduct: true }, noProduct)).toBe(
      false,
    );
  });

  it('never looks further back than maxBehaviourWindow', () => {
    const short = { ...behaviour, config: { ...behaviour.config, maxBehaviourWindow: 'P20D' } };
    expect(evaluateCondition({ did: 'order_placed', within: 'P60D', count: 3 }, short)).toBe(false);
    expect(evaluateCondition({ did: 'order_placed', within: 'P60D', count: 2 }, short)).toBe(true);
  });

  it('counts a duplicated event once', () => {
    const once = event('order_placed', hoursBefore(1), { orderId: 'x', items: [] });
    const dup = context({ history: [once, { ...once }] });
    expect(evaluateCondition({ did: 'order_placed', within: 'P1D', count: 2 }, dup)).toBe(false);
  });

  it('includes an event exactly at the edge of the window', () => {
    const edge = context({ history: [event('order_placed', daysBefore(30), { items: [] })] });
    expect(evaluateCondition({ did: 'order_placed', within: 'P30D' }, edge)).toBe(true);
    expect(evaluateCondition({ did: 'order_placed', within: 'P29D' }, edge)).toBe(false);
  });
});

describe('combinators', () => {
  const yes: Condition = { field: 'profile.attributes.vip', op: 'eq', value: true };
  const no: Condition = { field: 'profile.attributes.vip', op: 'eq', value: false };
  const cases: Array<[string, Condition, boolean]> = [
    ['all true', { all: [yes, yes] }, true],
    ['all with one false', { all: [yes, no] }, false],
    ['any with one true', { any: [no, yes] }, true],
    ['any all false', { any: [no, no] }, false],
    ['not', { not: no }, true],
    ['nested', { all: [yes, { any: [no, { not: no }] }] }, true],
    ['empty all is false', { all: [] } as unknown as Condition, false],
    ['empty any is false', { any: [] } as unknown as Condition, false],
  ];
  it.each(cases)('%s', (_name, cond, expected) => {
    expect(evaluateCondition(cond, ctx)).toBe(expected);
  });
});

describe('defensive evaluation', () => {
  const malformed: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'vip'],
    ['an array', [{ field: 'profile.firstName', op: 'exists' }]],
    ['an unknown shape', { segment: 'vip' }],
    ['an unknown operator', { field: 'profile.firstName', op: 'matches', value: '.*' }],
    ['a non-string field', { field: 42, op: 'exists' }],
    ['all that is not an array', { all: { field: 'profile.firstName', op: 'exists' } }],
    ['a behaviour count of zero', { did: 'order_placed', count: 0 }],
    ['a behaviour with an unknown since', { did: 'order_placed', since: 'signup' }],
    ['not of garbage', { not: { segment: 'vip' } }],
    ['not of an unknown operator', { not: { field: 'profile.firstName', op: 'matches' } }],
  ];
  it.each(malformed)('%s is false and does not throw', (_name, cond) => {
    expect(evaluateCondition(cond as Condition, ctx)).toBe(false);
  });

  it('refuses nesting deeper than the bound instead of recursing without end', () => {
    let deep: Condition = { field: 'profile.firstName', op: 'exists' };
    for (let i = 0; i < MAX_CONDITION_DEPTH + 5; i++) deep = { all: [deep] };
    expect(evaluateCondition(deep, ctx)).toBe(false);
    let shallow: Condition = { field: 'profile.firstName', op: 'exists' };
    for (let i = 0; i < 10; i++) shallow = { all: [shallow] };
    expect(evaluateCondition(shallow, ctx)).toBe(true);
  });

  it('survives a self-referencing condition object', () => {
    const loop: { all: unknown[] } = { all: [] };
    loop.all.push(loop);
    expect(evaluateCondition(loop as unknown as Condition, ctx)).toBe(false);
  });
});

describe('explaining a condition', () => {
  it('shows every sub-condition, what it saw, and never personal contact data', () => {
    const withEmail = context({
      profile: profile({ email: 'sara@example.com', attributes: { lifetimeValue: 900 } }),
      history: [
        event('order_placed', hoursBefore(2), { items: [] }),
        event('order_placed', daysBefore(3), { items: [] }),
      ],
    });
    const trace = explainCondition(
      {
        all: [
          { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 },
          { field: 'profile.email', op: 'contains', value: '@example.com' },
          { not: { did: 'order_placed', within: 'P7D', count: 3 } },
        ],
      },
      withEmail,
    );
    expect(trace).toEqual({
      result: true,
      test: 'all',
      children: [
        { result: true, test: 'profile.attributes.lifetimeValue gte 500', actual: 900 },
        { result: true, test: 'profile.email contains "@example.com"', actual: '[personal data]' },
        {
          result: true,
          test: 'not',
          children: [{ result: false, test: 'did order_placed within P7D at least 3 times', found: 2 }],
        },
      ],
    });
    expect(JSON.stringify(trace)).not.toContain('sara@');
  });
});
