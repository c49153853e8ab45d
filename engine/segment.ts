/**
 * Segment spec messages as Herald customer events: what `@segment/analytics-node` posts to
 * `/v1/track`, `/v1/identify` and `/v1/batch` (`{ batch: [...], writeKey, sentAt }`, the write key
 * as the basic-auth user), Segment's HTTP tracking API:
 * https://www.twilio.com/docs/segment/connections/sources/catalog/libraries/server/http-api
 *
 * - `identify` → `profile_updated` with the traits Herald keeps (email, phone, names, locale, time
 *   zone, country), read from `traits`, then `context` (`locale`, `timezone`).
 * - `track` → the Herald event type `SEGMENT_TRACK_EVENTS` names for its `event` (the Segment
 *   e-commerce spec's names: "Order Completed" → `order_placed`, …); a Herald type used as the
 *   event name ("order_placed") passes its properties through unchanged. Properties are renamed
 *   field by field (`order_id` → `orderId`, `products[].product_id` → `items[].productId`); fields
 *   Herald does not know are dropped, and the result is then validated as any event is.
 * - Any other message type (page, screen, group, alias), or a track event with no mapping, is
 *   ignored with a reason: Segment sources send many events Herald has no journey for.
 *
 * Herald keys customers by `userId`; a message with only an `anonymousId` is refused (identify the
 * customer first). The event id is Segment's `messageId`, so a retried batch is deduplicated.
 * Pure: the caller supplies the time (the message's `timestamp`, or the local simulated clock's now).
 */
import type { EventType } from './data.ts';

/** Segment e-commerce/lifecycle event names → Herald event types (the default mapping). */
export const SEGMENT_TRACK_EVENTS: Readonly<Record<string, EventType>> = {
  'Signed Up': 'signed_up',
  'Order Completed': 'order_placed',
  'Cart Viewed': 'cart_updated',
  'Cart Updated': 'cart_updated',
  'Product Viewed': 'product_viewed',
  Unsubscribed: 'unsubscribed',
};

export interface SegmentProblem {
  path: string;
  code: 'segment.invalid' | 'segment.anonymous';
  message: string;
  suggestion?: string;
}

export type SegmentMapping =
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'ignored'; reason: string }
  | { kind: 'refused'; problems: SegmentProblem[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (...values: unknown[]): string | undefined =>
  values.find((v): v is string => typeof v === 'string' && v.length > 0);
const num = (...values: unknown[]): number | undefined =>
  values.find((v): v is number => typeof v === 'number' && Number.isFinite(v));

/** Only the fields that are there: Herald's schemas refuse `undefined`-valued and unknown keys. */
function defined(record: Obj): Obj {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** Segment traits (and context) → Herald's profile traits. */
export function segmentTraits(traits: Obj, context: Obj = {}): Obj {
  const address = isObj(traits.address) ? traits.address : {};
  return defined({
    email: str(traits.email),
    phone: str(traits.phone),
    firstName: str(traits.firstName, traits.first_name),
    lastName: str(traits.lastName, traits.last_name),
    locale: str(traits.locale, context.locale),
    timeZone: str(traits.timeZone, traits.timezone, context.timezone),
    country: str(address.country, traits.country),
    consent: consent(traits.consent),
  });
}

/** `consent: { email: true, sms: false }` (Herald's own trait; Segment has no standard one). */
function consent(value: unknown): Obj | undefined {
  if (!isObj(value)) return undefined;
  const kept = Object.fromEntries(
    ['email', 'sms', 'push'].filter((c) => typeof value[c] === 'boolean').map((c) => [c, value[c]]),
  );
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function items(products: unknown): Obj[] {
  if (!Array.isArray(products)) return [];
  return products.filter(isObj).map((p) =>
    defined({
      productId: str(p.product_id, p.productId, p.sku, p.id),
      quantity: num(p.quantity) ?? 1,
      price: num(p.price),
    }),
  );
}

function properties(type: EventType, props: Obj, message: Obj): Obj {
  const context = isObj(message.context) ? message.context : {};
  switch (type) {
    case 'order_placed': {
      return defined({
        orderId: str(props.order_id, props.orderId, props.checkout_id),
        items: items(props.products ?? props.items),
        total: num(props.total, props.revenue, props.value),
        currency: str(props.currency)?.toUpperCase(),
      });
    }
    case 'cart_updated': {
      const lines = items(props.products ?? props.items);
      const sum = lines.reduce((n, l) => n + (Number(l.price) || 0) * Number(l.quantity), 0);
      return defined({
        cartId: str(props.cart_id, props.cartId),
        items: lines,
        total: num(props.total, props.value) ?? sum,
        currency: str(props.currency)?.toUpperCase(),
        cartUrl: str(props.cart_url, props.cartUrl, props.url),
      });
    }
    case 'product_viewed':
      return defined({ productId: str(props.product_id, props.productId, props.sku) });
    case 'signed_up': {
      const traits = isObj(context.traits) ? context.traits : {};
      return defined({
        source: str(props.source, props.method, props.type),
        profile: segmentTraits({ ...traits, ...props }, context),
      });
    }
    case 'unsubscribed':
      return defined({ channel: str(props.channel), scope: str(props.scope) });
    case 'profile_updated':
      return { profile: segmentTraits(isObj(props.profile) ? props.profile : props, context) };
    case 'consent_renewed':
      return defined({ source: str(props.source) ?? 'segment', profile: segmentTraits(props, context) });
  }
}

/**
 * One Segment message as a Herald event (not yet validated: the ingest validator judges it), or why
 * not. `eventTypes` is the mapping in force (default `SEGMENT_TRACK_EVENTS`); `known` the Herald types.
 */
export function mapSegmentMessage(
  message: unknown,
  options: { time: string; known: readonly string[]; eventTypes?: Readonly<Record<string, string>> },
): SegmentMapping {
  if (!isObj(message))
    return {
      kind: 'refused',
      problems: [{ path: '', code: 'segment.invalid', message: 'not a JSON object' }],
    };
  const kind = message.type;
  const eventTypes = options.eventTypes ?? SEGMENT_TRACK_EVENTS;
  let type: string | undefined;
  let props: Obj = {};
  if (kind === 'identify') {
    type = 'profile_updated';
    props = { profile: segmentTraits(isObj(message.traits) ? message.traits : {}, ctx(message)) };
  } else if (kind === 'track') {
    const name = str(message.event);
    if (!name)
      return {
        kind: 'refused',
        problems: [
          { path: '/event', code: 'segment.invalid', message: 'a track call needs an `event` name' },
        ],
      };
    type = eventTypes[name] ?? (options.known.includes(name) ? name : undefined);
    if (!type)
      return {
        kind: 'ignored',
        reason: `no Herald event for the Segment event "${name.slice(0, 64)}" (mapped: ${Object.keys(eventTypes).join(', ')})`,
      };
    const raw = isObj(message.properties) ? message.properties : {};
    props = type === name ? raw : properties(type as EventType, raw, message);
  } else {
    return {
      kind: 'ignored',
      reason: `Segment ${String(kind).slice(0, 32)} calls are not customer events in Herald`,
    };
  }
  const customerId = str(message.userId);
  if (!customerId)
    return {
      kind: 'refused',
      problems: [
        {
          path: '/userId',
          code: 'segment.anonymous',
          message: 'Herald keys customers by userId; this message has none',
          suggestion: 'call identify with a userId, then send the customer’s events with it',
        },
      ],
    };
  const id = str(message.messageId);
  return {
    kind: 'event',
    event: {
      // Segment's messageId makes a retried batch a duplicate; without one, ingest refuses the event.
      ...(id ? { id } : {}),
      type,
      customerId,
      time: options.time,
      properties: props,
    },
  };
}

function ctx(message: Obj): Obj {
  return isObj(message.context) ? message.context : {};
}
