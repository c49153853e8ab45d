/**
 * The data dictionary: the shapes of profiles, customer events and catalog products.
 *
 * It is the published event schema (ingest validates every incoming event against `CustomerEvent`
 * and the per-type property schema), and it is what the journey validator checks template
 * variables and condition fields against: `profile.firstName` is declared here, `profile.frstName`
 * is not.
 */
import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { ChannelName } from './schema.ts';

// ── Profile ───────────────────────────────────────────────────────────────────────────────────

export const ConsentStatus = Type.Union([
  Type.Literal('opted_in'),
  Type.Literal('opted_out'),
  Type.Literal('unknown'),
]);
export type ConsentStatus = Static<typeof ConsentStatus>;

export const Consent = Type.Object({
  status: ConsentStatus,
  at: Type.String({
    description: 'When the decision was made: the event time, capped at its arrival (UTC ISO, ms).',
  }),
  source: Type.String({
    description: 'Where the consent came from: signup_form, unsubscribe_link, sms_stop, …',
  }),
});
export type Consent = Static<typeof Consent>;

export const PushToken = Type.Object({
  platform: Type.Union([Type.Literal('APNS'), Type.Literal('GCM')]),
  token: Type.String({ minLength: 1 }),
});
export type PushToken = Static<typeof PushToken>;

/** One engagement the feedback Lambda kept, for recency-weighted choices (engine/policy/recency.ts). */
export const RecentEngagement = Type.Object({
  at: Type.String({ description: 'When the customer engaged (UTC ISO).' }),
  kind: Type.Union([Type.Literal('open'), Type.Literal('click'), Type.Literal('reply')]),
});
export type RecentEngagement = Static<typeof RecentEngagement>;

/** The newest engagements kept per channel: bounded, so the profile item stays small (about 2 KB). */
export const RECENT_ENGAGEMENT_LIMIT = 48;

export const Engagement = Type.Object({
  opens: Type.Integer({ minimum: 0 }),
  clicks: Type.Integer({ minimum: 0 }),
  /** SMS replies other than STOP (two-way SMS). */
  replies: Type.Optional(Type.Integer({ minimum: 0 })),
  lastAt: Type.Optional(Type.String()),
  /**
   * The newest engagements, newest first, at most RECENT_ENGAGEMENT_LIMIT: what send-time
   * optimisation and recency-weighted channel choice read, with the profile the step already reads
   * (no extra DynamoDB read). Machine opens (Apple Mail Privacy Protection prefetches) are never here.
   */
  recent: Type.Optional(Type.Array(RecentEngagement, { maxItems: RECENT_ENGAGEMENT_LIMIT })),
});
export type Engagement = Static<typeof Engagement>;

/** Custom profile attributes journeys may read (`profile.attributes.*`). */
export const ProfileAttributes = Type.Object(
  {
    lifetimeValue: Type.Optional(Type.Number({ minimum: 0 })),
    ordersCount: Type.Optional(Type.Integer({ minimum: 0 })),
    lastOrderAt: Type.Optional(Type.String()),
    firstOrderAt: Type.Optional(Type.String()),
    vip: Type.Optional(Type.Boolean()),
    city: Type.Optional(Type.String()),
    welcomeOfferCode: Type.Optional(Type.String()),
    cartReminderVariant: Type.Optional(Type.String()),
    // moves to workflows/data.json with the data dictionary
    birthday: Type.Optional(
      Type.String({
        format: 'date',
        description:
          'The customer’s date of birth, `YYYY-MM-DD` (a real date: `1992-02-29`, never `1990-02-29`). A yearly wait also reads `--MM-DD`, a birthday given without its year.',
      }),
    ),
  },
  { additionalProperties: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]) },
);

/** The profile fields `signed_up` and `profile_updated` set, each ordered by its own change time. */
export const TraitName = Type.Union([
  Type.Literal('email'),
  Type.Literal('phone'),
  Type.Literal('firstName'),
  Type.Literal('lastName'),
  Type.Literal('locale'),
  Type.Literal('timeZone'),
  Type.Literal('country'),
  Type.Literal('preferredChannel'),
]);
export type TraitName = Static<typeof TraitName>;

export const Profile = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  email: Type.Optional(Type.String()),
  phone: Type.Optional(Type.String({ description: 'E.164 after normalisation.' })),
  pushTokens: Type.Optional(Type.Array(PushToken)),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  timeZone: Type.Optional(Type.String({ description: 'IANA zone, e.g. Asia/Tehran.' })),
  country: Type.Optional(Type.String()),
  preferredChannel: Type.Optional(ChannelName),
  consent: Type.Optional(Type.Partial(Type.Record(ChannelName, Consent))),
  suppressed: Type.Optional(
    Type.Partial(
      Type.Record(ChannelName, Type.Object({ reason: Type.String(), at: Type.String() }), {
        description: 'Hard bounce, complaint, STOP reply, invalid token.',
      }),
    ),
  ),
  engagement: Type.Optional(Type.Partial(Type.Record(ChannelName, Engagement))),
  attributes: Type.Optional(ProfileAttributes),
  traitsAt: Type.Optional(
    Type.Partial(Type.Record(TraitName, Type.String()), {
      description:
        'When each trait last changed (the event time, normalised): an older event does not overwrite it (engine/profile-events.ts).',
    }),
  ),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
});
export type Profile = Static<typeof Profile>;

const LOCALE_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$';
const HTTP_URL_PATTERN = '^https?://[^\\s]+$';

// ── Catalog ───────────────────────────────────────────────────────────────────────────────────

/**
 * A catalog entry, as `PUT /products` and `herald catalog import` accept it (engine/catalog.ts) and
 * as the table stores it. Bounded so one item stays far below DynamoDB's 400 KB item limit.
 */
export const Product = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: 'The `productId` order items carry.' }),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'The default-locale name.' }),
    /** Names per locale; templates read `product.name`, already resolved to the customer's locale. */
    names: Type.Optional(
      Type.Record(Type.String({ pattern: LOCALE_PATTERN }), Type.String({ minLength: 1, maxLength: 200 }), {
        maxProperties: 50,
        additionalProperties: false,
        description: 'Names per locale (`ar`, `fa-IR`, …).',
      }),
    ),
    price: Type.Number({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. `EUR`.' }),
    imageUrl: Type.String({ maxLength: 2048, pattern: HTTP_URL_PATTERN }),
    url: Type.String({ maxLength: 2048, pattern: HTTP_URL_PATTERN }),
    replenishmentDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        // A replenishment journey waits the cycle (less a few days) and then sends, all inside one
        // Standard execution, which AWS ends after one year (engine/run-budget.ts).
        maximum: 330,
        description: 'Days one unit lasts; products without it never enter the replenishment journey.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Product = Static<typeof Product>;

// ── Events ────────────────────────────────────────────────────────────────────────────────────

const LineItem = Type.Object(
  {
    productId: Type.String({ minLength: 1, maxLength: 128 }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    price: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const ProfileTraits = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    lastName: Type.Optional(Type.String({ maxLength: 100 })),
    locale: Type.Optional(Type.String({ maxLength: 35 })),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    country: Type.Optional(Type.String({ maxLength: 2 })),
    preferredChannel: Type.Optional(ChannelName),
    pushToken: Type.Optional(PushToken),
    consent: Type.Optional(Type.Partial(Type.Record(ChannelName, Type.Boolean()))),
  },
  { additionalProperties: false },
);

/**
 * Properties per event type. Unknown event types are refused by ingest; the validator uses these
 * to check `event.properties.*` references in templates and conditions.
 */
export const EVENT_PROPERTIES = {
  signed_up: Type.Object(
    { source: Type.Optional(Type.String({ maxLength: 64 })), profile: ProfileTraits },
    {
      additionalProperties: false,
    },
  ),
  profile_updated: Type.Object({ profile: ProfileTraits }, { additionalProperties: false }),
  cart_updated: Type.Object(
    {
      cartId: Type.String({ minLength: 1, maxLength: 128 }),
      items: Type.Array(LineItem, { maxItems: 100 }),
      total: Type.Number({ minimum: 0 }),
      currency: Type.String({ minLength: 3, maxLength: 3 }),
      cartUrl: Type.String({ maxLength: 2048 }),
    },
    { additionalProperties: false },
  ),
  order_placed: Type.Object(
    {
      orderId: Type.String({ minLength: 1, maxLength: 128 }),
      items: Type.Array(LineItem, { minItems: 1, maxItems: 100 }),
      total: Type.Number({ minimum: 0 }),
      currency: Type.String({ minLength: 3, maxLength: 3 }),
    },
    { additionalProperties: false },
  ),
  product_viewed: Type.Object(
    { productId: Type.String({ minLength: 1, maxLength: 128 }) },
    {
      additionalProperties: false,
    },
  ),
  // After an erasure (engine/privacy/erasure.ts) the customer's events are refused until this one:
  // the customer consents again, and the profile is built anew from `profile`.
  consent_renewed: Type.Object(
    { source: Type.String({ minLength: 1, maxLength: 64 }), profile: Type.Optional(ProfileTraits) },
    { additionalProperties: false },
  ),
  unsubscribed: Type.Object(
    { channel: Type.Optional(ChannelName), scope: Type.Optional(Type.String({ maxLength: 64 })) },
    { additionalProperties: false },
  ),
} satisfies Record<string, TObject>;
export type EventType = keyof typeof EVENT_PROPERTIES;
export const EVENT_TYPES = Object.keys(EVENT_PROPERTIES) as EventType[];

/** Maximum accepted size of one serialised event, in bytes. */
export const MAX_EVENT_BYTES = 16 * 1024;

/** The envelope every customer event arrives in (HTTP API body or EventBridge `detail`). */
export const CustomerEvent = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Producer-assigned id; a replay changes nothing.',
    }),
    type: Type.String({ minLength: 1, maxLength: 64 }),
    customerId: Type.String({ minLength: 1, maxLength: 128 }),
    time: Type.String({ format: 'date-time' }),
    properties: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type CustomerEvent = Static<typeof CustomerEvent>;

/** Fields templates may read from `product.*` (the catalog entry, name resolved to the locale). */
export const PRODUCT_FIELDS: TSchema = Product;
