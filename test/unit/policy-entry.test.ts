import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent, Product } from '../../engine/data.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import {
  type EntryInput,
  enrollmentId,
  exitsTriggeredBy,
  itemProductIds,
  planEntries,
} from '../../engine/policy/entry.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  CUSTOMER,
  daysBefore,
  event,
  hoursBefore,
  journey,
  MUG,
  NOW,
  profile,
  SHAMPOO,
} from './policy-flow-fixtures.ts';

const welcome = journey({ id: 'welcome', entry: { event: 'signed_up', reentry: { mode: 'never' } } });
const replenishment = journey({
  id: 'replenishment-reminder',
  entry: {
    event: 'order_placed',
    forEachItem: { where: { field: 'product.replenishmentDays', op: 'exists' } },
    reentry: { mode: 'always' },
  },
  exit: [{ event: 'order_placed', sameProduct: true }],
});
const cart = journey({
  id: 'cart-abandonment',
  priority: 80,
  entry: {
    event: 'cart_updated',
    condition: { field: 'event.properties.total', op: 'gt', value: 0 },
    reentry: { mode: 'after', after: 'P7D' },
  },
  exit: [{ event: 'order_placed' }],
  goal: { event: 'order_placed', within: 'P3D' },
});

const catalog = new Map<string, Product>([
  [SHAMPOO.id, SHAMPOO],
  [MUG.id, MUG],
]);

function input(event: CustomerEvent, overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    journeys: [welcome, replenishment, cart],
    event,
    profile: profile(),
    history: [event],
    products: (id) => catalog.get(id),
    priorEnrollments: [],
    now: NOW,
    config: DEFAULT_POLICY,
    ...overrides,
  };
}

const signedUp = event('signed_up', NOW, { profile: {} }, { id: 'evt-signup' });
const order = event(
  'order_placed',
  NOW,
  {
    orderId: 'o-1',
    items: [
      { productId: SHAMPOO.id, quantity: 1 },
      { productId: MUG.id, quantity: 2 },
      { productId: SHAMPOO.id, quantity: 1 },
      { productId: 'prod-gone', quantity: 1 },
    ],
    total: 40,
    currency: 'EUR',
  },
  { id: 'evt-order' },
);
const cartUpdated = (total: number, id = 'evt-cart') =>
  event(
    'cart_updated',
    NOW,
    { cartId: 'c', items: [], total, currency: 'EUR', cartUrl: 'https://x' },
    { id },
  );

describe('enrollment ids', () => {
  it('are valid Step Functions execution names', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_-]{0,63}$/),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.string({ minLength: 1, maxLength: 128 }),
        fc.string({ minLength: 1, maxLength: 128 }),
        fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: undefined }),
        (id, version, customerId, eventId, productId) => {
          const name = enrollmentId({ id, version }, customerId, eventId, productId);
          expect(name.length).toBeLessThanOrEqual(80);
          expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
        },
      ),
    );
  });

  it('are deterministic and differ when any coordinate differs', () => {
    const base = enrollmentId({ id: 'welcome', version: 1 }, 'c1', 'e1');
    expect(enrollmentId({ id: 'welcome', version: 1 }, 'c1', 'e1')).toBe(base);
    expect(base.startsWith('welcome-v1-')).toBe(true);
    const variants = [
      enrollmentId({ id: 'welcome', version: 2 }, 'c1', 'e1'),
      enrollmentId({ id: 'welcomes', version: 1 }, 'c1', 'e1'),
      enrollmentId({ id: 'welcome', version: 1 }, 'c2', 'e1'),
      enrollmentId({ id: 'welcome', version: 1 }, 'c1', 'e2'),
      enrollmentId({ id: 'welcome', version: 1 }, 'c1', 'e1', 'p1'),
      // No delimiter ambiguity: moving characters between fields changes the id.
      enrollmentId({ id: 'welcome', version: 1 }, 'c1e', '1'),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('planning entries', () => {
  it('starts the journeys whose entry event matches', () => {
    const plan = planEntries(input(signedUp));
    expect(plan.start.map((e) => e.journeyId)).toEqual(['welcome']);
    expect(plan.start[0]).toEqual<Enrollment>({
      id: enrollmentId(welcome, CUSTOMER, 'evt-signup'),
      customerId: CUSTOMER,
      journeyId: 'welcome',
      journeyVersion: 1,
      enteredAt: NOW.toISOString(),
      event: signedUp,
    });
    expect(plan.heldOut).toEqual([]);
    expect(plan.skipped).toEqual([]);
  });

  it('starts nothing for an entry event that happened more than a day before it arrived (a backfill)', () => {
    const old = event('signed_up', hoursBefore(25), { profile: {} }, { id: 'evt-old-signup' });
    const plan = planEntries(input(old));
    expect(plan.start).toEqual([]);
    expect(plan.skipped).toEqual([{ journeyId: 'welcome', reason: 'backfill' }]);
  });

  it('still starts a journey for an entry event that is a few hours late', () => {
    const late = event('signed_up', hoursBefore(23), { profile: {} }, { id: 'evt-late-signup' });
    expect(planEntries(input(late)).start.map((e) => e.journeyId)).toEqual(['welcome']);
  });

  it('starts one run per distinct item whose product satisfies `where`', () => {
    const plan = planEntries(input(order));
    expect(plan.start).toHaveLength(1);
    expect(plan.start[0]).toMatchObject({ journeyId: 'replenishment-reminder', productId: SHAMPOO.id });
    expect(plan.start[0]?.id).toBe(enrollmentId(replenishment, CUSTOMER, 'evt-order', SHAMPOO.id));
    expect(plan.skipped).toEqual([
      { journeyId: 'replenishment-reminder', reason: 'item_condition_false', productId: MUG.id },
      { journeyId: 'replenishment-reminder', reason: 'unknown_product', productId: 'prod-gone' },
    ]);
  });

  it('records a per-item journey with no items', () => {
    const empty = { ...order, id: 'evt-empty', properties: { ...order.properties, items: [] } };
    expect(planEntries(input(empty)).skipped).toEqual([
      { journeyId: 'replenishment-reminder', reason: 'no_items' },
    ]);
  });

  it('applies the entry condition', () => {
    expect(planEntries(input(cartUpdated(0))).skipped).toEqual([
      { journeyId: 'cart-abandonment', reason: 'entry_condition_false' },
    ]);
    expect(planEntries(input(cartUpdated(10))).start.map((e) => e.journeyId)).toEqual(['cart-abandonment']);
  });

  it('evaluates the entry condition with behaviour from history', () => {
    const repeat = journey({
      id: 'second-order',
      entry: {
        event: 'order_placed',
        condition: { did: 'order_placed', within: 'P90D', count: 2 },
        reentry: { mode: 'always' },
      },
    });
    const first = planEntries(input(order, { journeys: [repeat] }));
    expect(first.skipped).toEqual([{ journeyId: 'second-order', reason: 'entry_condition_false' }]);
    const earlier = event('order_placed', daysBefore(20), { orderId: 'o-0', items: [] });
    const second = planEntries(input(order, { journeys: [repeat], history: [order, earlier] }));
    expect(second.start).toHaveLength(1);
  });

  describe('re-entry', () => {
    const cases: Array<[string, Journey, CustomerEvent, EntryInput['priorEnrollments'], string | undefined]> =
      [
        ['never: a first entry starts', welcome, signedUp, [], undefined],
        [
          'never: a second entry is refused',
          welcome,
          signedUp,
          [{ journeyId: 'welcome', enteredAt: daysBefore(400) }],
          'reentry_never',
        ],
        [
          'never: other journeys do not count',
          welcome,
          signedUp,
          [{ journeyId: 'cart-abandonment', enteredAt: daysBefore(1) }],
          undefined,
        ],
        [
          'never: a replay of the same event is not a re-entry',
          welcome,
          signedUp,
          [
            {
              id: enrollmentId(welcome, CUSTOMER, 'evt-signup'),
              journeyId: 'welcome',
              enteredAt: hoursBefore(1),
            },
          ],
          undefined,
        ],
        [
          'after: inside the cool-down is refused',
          cart,
          cartUpdated(10),
          [{ journeyId: 'cart-abandonment', enteredAt: daysBefore(6) }],
          'reentry_cooldown',
        ],
        [
          'after: the latest prior entry counts',
          cart,
          cartUpdated(10),
          [
            { journeyId: 'cart-abandonment', enteredAt: daysBefore(30) },
            { journeyId: 'cart-abandonment', enteredAt: daysBefore(2) },
          ],
          'reentry_cooldown',
        ],
        [
          'after: once the cool-down has passed it starts',
          cart,
          cartUpdated(10),
          [{ journeyId: 'cart-abandonment', enteredAt: daysBefore(7) }],
          undefined,
        ],
        [
          'after: an unreadable prior timestamp blocks rather than risk a duplicate',
          cart,
          cartUpdated(10),
          [{ journeyId: 'cart-abandonment', enteredAt: 'last tuesday' }],
          'reentry_cooldown',
        ],
        [
          'always: starts again',
          replenishment,
          order,
          [{ journeyId: 'replenishment-reminder', enteredAt: hoursBefore(1), productId: SHAMPOO.id }],
          undefined,
        ],
      ];
    it.each(cases)('%s', (_name, j, evt, prior, reason) => {
      const plan = planEntries(input(evt, { journeys: [j], priorEnrollments: prior }));
      if (reason === undefined) {
        expect(plan.start).toHaveLength(1);
        expect(plan.skipped.filter((s) => s.reason.startsWith('reentry'))).toEqual([]);
      } else {
        expect(plan.start).toEqual([]);
        expect(plan.skipped.map((s) => s.reason)).toEqual([reason]);
      }
    });

    it('is judged per product for per-item journeys', () => {
      const once = journey({
        ...replenishment,
        entry: { ...replenishment.entry, reentry: { mode: 'never' } },
      });
      const mixed = {
        ...order,
        properties: {
          ...order.properties,
          items: [
            { productId: SHAMPOO.id, quantity: 1 },
            { productId: 'prod-conditioner', quantity: 1 },
          ],
        },
      };
      const conditioner: Product = { ...SHAMPOO, id: 'prod-conditioner', name: 'Conditioner' };
      const plan = planEntries(
        input(mixed, {
          journeys: [once],
          products: (id) => (id === conditioner.id ? conditioner : catalog.get(id)),
          priorEnrollments: [{ journeyId: once.id, enteredAt: daysBefore(90), productId: SHAMPOO.id }],
        }),
      );
      expect(plan.start.map((e) => e.productId)).toEqual(['prod-conditioner']);
      expect(plan.skipped).toEqual([{ journeyId: once.id, reason: 'reentry_never', productId: SHAMPOO.id }]);
    });
  });

  it('puts the holdout share in heldOut instead of starting them, stably', () => {
    const held = journey({ ...welcome, holdout: { percent: 50 } });
    let heldOut = 0;
    for (let i = 0; i < 400; i++) {
      const evt = { ...signedUp, id: `e-${i}`, customerId: `c-${i}` };
      const plan = planEntries(input(evt, { journeys: [held] }));
      const again = planEntries(input(evt, { journeys: [held] }));
      expect(again).toEqual(plan);
      expect(plan.start.length + plan.heldOut.length).toBe(1);
      heldOut += plan.heldOut.length;
    }
    expect(heldOut).toBeGreaterThan(140);
    expect(heldOut).toBeLessThan(260);
  });

  it('is deterministic: the same event plans the same enrollment ids', () => {
    expect(planEntries(input(order))).toEqual(planEntries(input(order)));
  });
});

describe('exits triggered by an arriving event', () => {
  const cartEnrollment: Enrollment = {
    id: 'cart-run',
    customerId: CUSTOMER,
    journeyId: 'cart-abandonment',
    journeyVersion: 1,
    enteredAt: daysBefore(1),
    event: cartUpdated(10, 'evt-cart-entry'),
  };
  const shampooRun: Enrollment = {
    id: 'shampoo-run',
    customerId: CUSTOMER,
    journeyId: 'replenishment-reminder',
    journeyVersion: 1,
    enteredAt: daysBefore(20),
    event: { ...order, id: 'evt-old-order' },
    productId: SHAMPOO.id,
  };
  const mugRun: Enrollment = { ...shampooRun, id: 'mug-run', productId: MUG.id };
  const welcomeRun: Enrollment = {
    id: 'welcome-run',
    customerId: CUSTOMER,
    journeyId: 'welcome',
    journeyVersion: 1,
    enteredAt: daysBefore(1),
    event: signedUp,
  };
  const active = [cartEnrollment, shampooRun, mugRun, welcomeRun];
  const journeys = [welcome, replenishment, cart];
  const newOrder = (items: string[], extra: Partial<CustomerEvent> = {}) =>
    event(
      'order_placed',
      NOW,
      {
        orderId: 'o-9',
        items: items.map((productId) => ({ productId, quantity: 1 })),
        total: 1,
        currency: 'EUR',
      },
      extra,
    );

  it('ends the cart run and only the replenishment runs of the re-ordered product', () => {
    expect(exitsTriggeredBy(newOrder([SHAMPOO.id]), active, journeys).map((e) => e.id)).toEqual([
      'cart-run',
      'shampoo-run',
    ]);
  });

  it('ignores events of other customers, the triggering event itself and events before entry', () => {
    expect(
      exitsTriggeredBy(newOrder([SHAMPOO.id], { customerId: 'someone-else' }), active, journeys),
    ).toEqual([]);
    expect(exitsTriggeredBy({ ...order, id: 'evt-old-order' }, [shampooRun], journeys)).toEqual([]);
    expect(
      exitsTriggeredBy(newOrder([SHAMPOO.id], { time: daysBefore(21) }), [shampooRun], journeys),
    ).toEqual([]);
  });

  it('ends a run on goal conversion only inside the window and unless exitOnConversion is false', () => {
    const goalOnly = journey({ id: 'goal-only', goal: { event: 'order_placed', within: 'P3D' } });
    const keepGoing = journey({
      id: 'keep-going',
      goal: { event: 'order_placed', within: 'P3D', exitOnConversion: false },
    });
    const run = (j: Journey, enteredAt: string): Enrollment => ({
      ...welcomeRun,
      id: j.id,
      journeyId: j.id,
      enteredAt,
    });
    const runs = [
      run(goalOnly, daysBefore(1)),
      run(keepGoing, daysBefore(1)),
      { ...run(goalOnly, daysBefore(5)), id: 'late' },
    ];
    expect(exitsTriggeredBy(newOrder([MUG.id]), runs, [goalOnly, keepGoing]).map((e) => e.id)).toEqual([
      'goal-only',
    ]);
  });

  it('leaves runs of unknown journeys alone and judges each run by its own version', () => {
    const v2 = journey({ ...cart, version: 2, exit: [], goal: undefined });
    expect(exitsTriggeredBy(newOrder([]), [cartEnrollment], [cart, v2])).toEqual([cartEnrollment]);
    // Without its exact version, a run is judged by the journey with the same id.
    expect(exitsTriggeredBy(newOrder([]), [cartEnrollment], [v2])).toEqual([]);
    expect(exitsTriggeredBy(newOrder([]), [{ ...cartEnrollment, journeyVersion: 2 }], [cart, v2])).toEqual(
      [],
    );
    expect(exitsTriggeredBy(newOrder([]), [{ ...cartEnrollment, journeyId: 'gone' }], journeys)).toEqual([]);
  });
});

describe('products to preload', () => {
  it('lists the distinct product ids of the event items, in order, ignoring malformed items', () => {
    const messy = event('order_placed', NOW, {
      items: [
        { productId: 'b' },
        { productId: 'a' },
        { productId: 'b' },
        { quantity: 1 },
        null,
        'c',
        { productId: '' },
      ],
    });
    expect(itemProductIds(messy)).toEqual(['b', 'a']);
    expect(itemProductIds(event('signed_up', NOW, {}))).toEqual([]);
  });
});
