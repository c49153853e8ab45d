import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../engine/data.ts';
import { validateEvent } from '../../engine/events.ts';
import { mapSegmentMessage, SEGMENT_TRACK_EVENTS } from '../../engine/segment.ts';

const TIME = '2026-03-02T09:00:00.000Z';
const map = (message: unknown, eventTypes?: Record<string, string>) =>
  mapSegmentMessage(message, { time: TIME, known: EVENT_TYPES, ...(eventTypes ? { eventTypes } : {}) });

/** The mapped event, checked by the same validator ingest uses. */
function valid(message: unknown) {
  const mapped = map(message);
  if (mapped.kind !== 'event') throw new Error(`not mapped: ${JSON.stringify(mapped)}`);
  const checked = validateEvent(mapped.event);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.event;
}

describe('Segment spec messages as Herald events', () => {
  it('maps every name of the default table to a Herald event type', () => {
    for (const type of Object.values(SEGMENT_TRACK_EVENTS)) expect(EVENT_TYPES).toContain(type);
  });

  it('turns an identify call into profile_updated with the traits Herald keeps, and drops the rest', () => {
    const event = valid({
      type: 'identify',
      userId: 'u1',
      messageId: 'm1',
      traits: { email: 'a@example.com', first_name: 'Ana', plan: 'pro', address: { country: 'GB' } },
      context: { locale: 'en-GB', timezone: 'Europe/London' },
    });
    expect(event).toEqual({
      id: 'm1',
      type: 'profile_updated',
      customerId: 'u1',
      time: TIME,
      properties: {
        profile: {
          email: 'a@example.com',
          firstName: 'Ana',
          locale: 'en-GB',
          timeZone: 'Europe/London',
          country: 'GB',
        },
      },
    });
  });

  it('renames the e-commerce spec’s Order Completed fields to order_placed’s', () => {
    const event = valid({
      type: 'track',
      event: 'Order Completed',
      userId: 'u1',
      messageId: 'm2',
      properties: {
        order_id: 'o1',
        revenue: 30,
        currency: 'usd',
        coupon: 'X',
        products: [{ product_id: 'p1', price: 15, quantity: 2, name: 'Mug' }, { sku: 'p2' }],
      },
    });
    expect(event.type).toBe('order_placed');
    expect(event.properties).toEqual({
      orderId: 'o1',
      total: 30,
      currency: 'USD',
      items: [
        { productId: 'p1', quantity: 2, price: 15 },
        { productId: 'p2', quantity: 1 },
      ],
    });
  });

  it('maps Cart Viewed to cart_updated, summing the total when the call has none', () => {
    const event = valid({
      type: 'track',
      event: 'Cart Viewed',
      userId: 'u1',
      messageId: 'm3',
      properties: {
        cart_id: 'c1',
        currency: 'EUR',
        url: 'https://shop.example/cart',
        products: [{ product_id: 'p1', price: 5, quantity: 3 }],
      },
    });
    expect(event.properties).toEqual({
      cartId: 'c1',
      items: [{ productId: 'p1', quantity: 3, price: 5 }],
      total: 15,
      currency: 'EUR',
      cartUrl: 'https://shop.example/cart',
    });
  });

  it('passes a Herald event type used as the event name through unchanged', () => {
    const event = valid({
      type: 'track',
      event: 'product_viewed',
      userId: 'u1',
      messageId: 'm4',
      properties: { productId: 'p9' },
    });
    expect(event).toMatchObject({ type: 'product_viewed', properties: { productId: 'p9' } });
  });

  it('ignores calls Herald has no event for, saying why', () => {
    expect(map({ type: 'track', event: 'Newsletter Opened', userId: 'u1' })).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('Newsletter Opened'),
    });
    expect(map({ type: 'page', userId: 'u1', name: 'Home' })).toMatchObject({ kind: 'ignored' });
  });

  it('refuses an anonymous call: Herald keys customers by userId', () => {
    expect(map({ type: 'track', event: 'Signed Up', anonymousId: 'a1' })).toMatchObject({
      kind: 'refused',
      problems: [{ path: '/userId', code: 'segment.anonymous' }],
    });
  });

  it('follows a configured mapping instead of the default table', () => {
    const mapped = map(
      { type: 'track', event: 'Checkout Done', userId: 'u1' },
      { 'Checkout Done': 'order_placed' },
    );
    expect(mapped).toMatchObject({ kind: 'event', event: { type: 'order_placed' } });
    expect(map({ type: 'track', event: 'Order Completed', userId: 'u1' }, {})).toMatchObject({
      kind: 'ignored',
    });
  });
});
