/**
 * The marketer's data dictionary, `workflows/data.json`: the custom event types, profile attributes
 * and product fields a shop adds to Herald's built-in vocabulary (engine/data.ts), as data. No
 * TypeScript change and no code deploy: the validator, ingest, the step Lambda, `simulate`,
 * `preview` and the graph all read the `Vocabulary` built from it (engine/vocabulary.ts).
 *
 * This TypeBox value is the source of truth; `workflows/data.schema.json` (editor completion) is
 * generated from it by `npm run schema`.
 */
import { type Static, Type } from '@sinclair/typebox';

/** The kinds of value a declared field holds. */
export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'enum', 'list'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** What a `list` may hold. */
export const LIST_ITEM_TYPES = ['string', 'number', 'integer', 'boolean', 'date'] as const;
export type ListItemType = (typeof LIST_ITEM_TYPES)[number];

const NAME = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
const EVENT_NAME = '^[a-z][a-z0-9_]{0,63}$';

const fieldProperties = {
  type: Type.Union(
    FIELD_TYPES.map((t) => Type.Literal(t)),
    {
      description:
        '`string`, `number`, `integer`, `boolean`, `date` (ISO 8601: `2026-02-28` or `2026-02-28T09:00:00Z`), `enum` (one of `values`) or `list` (of `items`).',
    },
  ),
  description: Type.Optional(
    Type.String({ maxLength: 500, description: 'What the field means, for the next marketer.' }),
  ),
  values: Type.Optional(
    Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Number()]), {
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
      description: 'For `enum`: the values the field may take.',
    }),
  ),
  items: Type.Optional(
    Type.Union(
      LIST_ITEM_TYPES.map((t) => Type.Literal(t)),
      { description: 'For `list`: what each item is (default `string`).' },
    ),
  ),
};

export const AttributeDeclaration = Type.Object(
  {
    ...fieldProperties,
    pii: Type.Optional(
      Type.Boolean({
        description: 'Personal data: never written to a log (values are redacted, like email and phone).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'A custom profile attribute, read as `profile.attributes.<name>`.',
  },
);
export type AttributeDeclaration = Static<typeof AttributeDeclaration>;

export const PropertyDeclaration = Type.Object(
  {
    ...fieldProperties,
    required: Type.Optional(
      Type.Boolean({ description: 'Ingest refuses the event without it (default false).' }),
    ),
    updates: Type.Optional(
      Type.String({
        pattern: NAME,
        description:
          'A profile attribute (declared under `attributes` or built in) this property sets when the event arrives.',
      }),
    ),
  },
  { additionalProperties: false, description: 'A property of the event, read as `event.properties.<name>`.' },
);
export type PropertyDeclaration = Static<typeof PropertyDeclaration>;

export const EventDeclaration = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    properties: Type.Record(Type.String({ pattern: NAME }), PropertyDeclaration, {
      additionalProperties: false,
      description: 'The event’s properties; ingest refuses any other.',
    }),
  },
  { additionalProperties: false, description: 'A custom event type producers may send to `POST /events`.' },
);
export type EventDeclaration = Static<typeof EventDeclaration>;

export const ProductFieldDeclaration = Type.Object(fieldProperties, {
  additionalProperties: false,
  description: 'A catalog field templates read as `product.<name>`.',
});
export type ProductFieldDeclaration = Static<typeof ProductFieldDeclaration>;

export const DataDictionary = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    events: Type.Optional(
      Type.Record(Type.String({ pattern: EVENT_NAME }), EventDeclaration, {
        additionalProperties: false,
        description: 'Custom event types, by name (`subscription_renewed`).',
      }),
    ),
    attributes: Type.Optional(
      Type.Record(Type.String({ pattern: NAME }), AttributeDeclaration, {
        additionalProperties: false,
        description: 'Custom profile attributes, by name (`loyaltyTier`).',
      }),
    ),
    product: Type.Optional(
      Type.Record(Type.String({ pattern: NAME }), ProductFieldDeclaration, {
        additionalProperties: false,
        description: 'Custom catalog fields, by name (`brand`).',
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Herald data dictionary',
    description:
      'The custom events, profile attributes and product fields journeys may use (docs/writing-journeys.md, "The data dictionary"). Built-in ones cannot be redefined.',
  },
);
export type DataDictionary = Static<typeof DataDictionary>;

/** The file name, next to the journeys. */
export const DICTIONARY_FILE = 'data.json';

/** The JSON Schema editors use, exactly as committed in workflows/data.schema.json. */
export function renderDictionarySchema(): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...DataDictionary };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
