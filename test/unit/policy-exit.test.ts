import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { evaluateCondition } from '../../engine/policy/conditions.ts';
import { checkExit } from '../../engine/policy/exit.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  context,
  daysBefore,
  enrollment,
  event,
  hoursBefore,
  journey,
  SHAMPOO,
} from './policy-flow-fixtures.ts';

const trigger = event(
  'order_placed',
  daysBefore(10),
  { items: [{ productId: SHAMPOO.id, quantity: 1 }] },
  { id: 'trigger' },
);
const run = enrollment({ enteredAt: daysBefore(10), event: trigger, productId: SHAMPOO.id });
const order = (productId: string, time: string) =>
  event('order_placed', time, { orderId: `o-${time}`, items: [{ productId, quantity: 1 }] });

const withExit = journey({ exit: [{ event: 'order_placed', sameProduct: true }, { event: 'unsubscribed' }] });
const withGoal = journey({ goal: { event: 'order_placed', within: 'P7D' } });
const goalNoExit = journey({ goal: { event: 'order_placed', within: 'P7D', exitOnConversion: false } });

describe('checkExit', () => {
  const cases: Array<[string, Journey, CustomerEvent[], string | undefined]> = [
    ['nothing happened', withExit, [trigger], undefined],
    ['the triggering event never exits its own run', withExit, [trigger], undefined],
    [
      'an exit event of the same product',
      withExit,
      [order(SHAMPOO.id, daysBefore(1)), trigger],
      'exit_event:order_placed',
    ],
    ['sameProduct ignores other products', withExit, [order('prod-mug', daysBefore(1)), trigger], undefined],
    [
      'an exit event without sameProduct',
      withExit,
      [event('unsubscribed', hoursBefore(2), {}), trigger],
      'exit_event:unsubscribed',
    ],
    ['an exit event before entry does not count', withExit, [order(SHAMPOO.id, daysBefore(11))], undefined],
    ['an event after now has not happened yet', withExit, [order(SHAMPOO.id, hoursBefore(-1))], undefined],
    ['goal conversion inside the window', withGoal, [order('prod-mug', daysBefore(5))], 'converted'],
    ['goal conversion after the window', withGoal, [order('prod-mug', daysBefore(2))], undefined],
    [
      'exitOnConversion false keeps the customer in',
      goalNoExit,
      [order('prod-mug', daysBefore(5))],
      undefined,
    ],
    [
      'an event of another customer',
      withExit,
      [{ ...order(SHAMPOO.id, daysBefore(1)), customerId: 'other' }],
      undefined,
    ],
    [
      'an event with an unreadable time',
      withExit,
      [{ ...order(SHAMPOO.id, daysBefore(1)), time: 'soon' }],
      undefined,
    ],
  ];
  it.each(cases)('%s', (_name, j, history, reason) => {
    expect(checkExit(context({ journey: j, enrollment: run, history }))?.reason).toBe(reason);
  });

  it('reports the earliest ending event, with its id', () => {
    const both = journey({
      exit: [{ event: 'unsubscribed' }],
      goal: { event: 'order_placed', within: 'P30D' },
    });
    const unsub = event('unsubscribed', daysBefore(1), {});
    const converted = order('prod-mug', daysBefore(3));
    expect(
      checkExit(context({ journey: both, enrollment: run, history: [unsub, converted, trigger] })),
    ).toEqual({
      reason: 'converted',
      eventId: converted.id,
    });
  });

  it('counts from when a late-delivered trigger happened, not only from when it arrived', () => {
    const cartAt = hoursBefore(3);
    const lateCart = enrollment({
      enteredAt: hoursBefore(1),
      event: event('cart_updated', cartAt, { total: 10 }, { id: 'late-cart' }),
    });
    const orderedMeanwhile = event('order_placed', hoursBefore(2), { items: [] });
    const cartJourney = journey({ exit: [{ event: 'order_placed' }] });
    expect(
      checkExit(context({ journey: cartJourney, enrollment: lateCart, history: [orderedMeanwhile] })),
    ).toEqual({
      reason: 'exit_event:order_placed',
      eventId: orderedMeanwhile.id,
    });
    expect(
      evaluateCondition(
        { did: 'order_placed', since: 'entry' },
        context({ enrollment: lateCart, history: [orderedMeanwhile] }),
      ),
    ).toBe(true);
  });
});
