import type { CustomerEvent } from '../../../engine/data.ts';

/** A sign-up of an English-speaking London customer who consents to email, at `time`. */
export function signedUpEvent(customerId: string, time: Date): CustomerEvent {
  return {
    id: `signup-${customerId}`,
    type: 'signed_up',
    customerId,
    time: time.toISOString(),
    properties: {
      profile: {
        email: `${customerId}@example.com`,
        firstName: 'Ada',
        locale: 'en',
        timeZone: 'Europe/London',
        consent: { email: true },
      },
    },
  };
}

/** An order of one `p1` at 10, id `<customer>-o1` unless given, at `time` (ISO). */
export function orderPlacedEvent(customerId: string, time: string, id = `${customerId}-o1`): CustomerEvent {
  return {
    id,
    type: 'order_placed',
    customerId,
    time,
    properties: { orderId: id, items: [{ productId: 'p1', quantity: 1, price: 10 }], total: 10 },
  };
}
