/**
 * The journey language: the single source of truth.
 *
 * Every shape a marketer may write in `workflows/*.journey.json` is declared here once, as a
 * TypeBox schema value with a same-named static type. `workflows/journey.schema.json` is generated
 * from `JourneySchema` (see `cli/main.ts schema --write`) and a test fails when the two differ.
 *
 * Stored enum values (step types, channel names, operators, outcomes) are never renamed: journeys,
 * ledger items and dashboards refer to them.
 */
import { type Static, Type } from '@sinclair/typebox';

// ── Scalars ───────────────────────────────────────────────────────────────────────────────────

/** Step ids and journey ids: lowercase words joined by `-` or `_` (they become Step Functions state names). */
export const Identifier = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,63}$',
  title: 'Identifier',
  description: 'Lowercase letters, digits, `-` and `_`, starting with a letter, at most 64 characters.',
});

/** ISO 8601 duration, e.g. `PT1H`, `P3D`, `P1DT12H`. Checked semantically by the validator. */
export const IsoDuration = Type.String({
  title: 'ISO 8601 duration',
  description: 'For example `PT30M`, `PT1H`, `P2D`, `P1W`.',
  examples: ['PT1H', 'P2D'],
});

/** A signed ISO 8601 duration: `-P3D` means three days earlier. */
export const SignedIsoDuration = Type.String({
  title: 'Signed ISO 8601 duration',
  description: 'An ISO 8601 duration, optionally preceded by `-`: `-P3D` is three days earlier.',
  examples: ['-P3D', 'PT2H'],
});

/** Local time of day, 24-hour clock. */
export const LocalTime = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  title: 'Local time of day',
  description: '24-hour `HH:MM` in the customer’s own time zone, e.g. `10:00`.',
});

/** A BCP 47 locale tag such as `en`, `ar`, `fa-IR`. */
export const Locale = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
  title: 'Locale',
  description: 'A BCP 47 language tag: `en`, `ar`, `fa`, `fa-IR`.',
});

/**
 * A dotted path into the data a journey can see: `profile.*`, `event.*` (the event that started
 * the journey) or `product.*` (the product the journey is about, for per-product journeys).
 */
export const FieldPath = Type.String({
  pattern: '^(profile|event|product)(\\.[A-Za-z_][A-Za-z0-9_]*)+$',
  title: 'Field path',
  description:
    'A dotted path starting with `profile.`, `event.` or `product.`, e.g. `profile.attributes.lifetimeValue`.',
});

export const ChannelName = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('push')], {
  title: 'Channel',
});
export type ChannelName = Static<typeof ChannelName>;
export const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'push'];

/** A channel in a send step's ordered list; `preferred` is the customer's own choice. */
export const ChannelChoice = Type.Union([ChannelName, Type.Literal('preferred')], {
  title: 'Channel choice',
  description: '`preferred` means the customer’s stated preference, else the channel they engage with most.',
});
export type ChannelChoice = Static<typeof ChannelChoice>;

// ── Conditions (data, never code) ────────────────────────────────────────────────────────────

export const ComparisonOperator = Type.Union(
  [
    Type.Literal('eq'),
    Type.Literal('ne'),
    Type.Literal('gt'),
    Type.Literal('gte'),
    Type.Literal('lt'),
    Type.Literal('lte'),
    Type.Literal('in'),
    Type.Literal('notIn'),
    Type.Literal('contains'),
    Type.Literal('startsWith'),
    Type.Literal('exists'),
    Type.Literal('notExists'),
  ],
  { title: 'Operator' },
);
export type ComparisonOperator = Static<typeof ComparisonOperator>;

/** Every operator, in declaration order: for the evaluator and the validator, which must know them all. */
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ComparisonOperator.anyOf.map(
  (s) => s.const,
);

/** Conditions nested deeper than this are refused: they come from files, and files can be hostile. */
export const MAX_CONDITION_DEPTH = 32;

export const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
export type Scalar = Static<typeof Scalar>;

/** What the customer did with a message: opened it, clicked a link in it, or reached the goal after it. */
export const EngagementKind = Type.Union(
  [Type.Literal('open'), Type.Literal('click'), Type.Literal('convert')],
  {
    title: 'Engagement',
    description:
      '`open`: opened the email or push notification; `click`: clicked a link in the email; `convert`: reached the journey’s goal after it.',
  },
);
export type EngagementKind = Static<typeof EngagementKind>;
export const ENGAGEMENT_KINDS: readonly EngagementKind[] = EngagementKind.anyOf.map((s) => s.const);

/**
 * A condition over the profile, the triggering event and the customer's behaviour.
 *
 * - `{ "field": "profile.attributes.lifetimeValue", "op": "gte", "value": 500 }`
 * - `{ "did": "order_placed", "within": "P30D" }` — behaviour: the customer has an event of that
 *   type within the window (optionally at least `count` times; `since: "entry"` counts only events
 *   after the customer entered this journey)
 * - `{ "engaged": "send-first-reminder", "with": "open", "within": "P3D" }` — engagement: the
 *   message that step sent in this run was opened (clicked, converted on) within that long of going
 *   out (engine/policy/engagement.ts); false when the step sent nothing
 * - `{ "all": [...] }`, `{ "any": [...] }`, `{ "not": {...} }`
 */
export const Condition = Type.Recursive(
  (This) =>
    Type.Union([
      Type.Object(
        {
          field: FieldPath,
          op: ComparisonOperator,
          value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar)])),
        },
        { additionalProperties: false, title: 'Field comparison' },
      ),
      Type.Object(
        {
          did: Type.String({ description: 'An event type, e.g. `order_placed`.' }),
          within: Type.Optional(IsoDuration),
          since: Type.Optional(
            Type.Literal('entry', { description: 'Only events after the customer entered.' }),
          ),
          count: Type.Optional(
            Type.Integer({ minimum: 1, description: 'At least this many events (default 1).' }),
          ),
          sameProduct: Type.Optional(
            Type.Boolean({ description: 'Only events whose items include the journey’s product.' }),
          ),
        },
        { additionalProperties: false, title: 'Behaviour' },
      ),
      Type.Object(
        {
          engaged: Type.String({
            ...Identifier,
            description:
              'The id of a `send` step of this journey, earlier in the customer’s run, whose message this asks about.',
          }),
          with: EngagementKind,
          within: Type.String({
            ...IsoDuration,
            description:
              'How long after that message went out the open, click or conversion still counts, e.g. `P3D`.',
          }),
        },
        { additionalProperties: false, title: 'Engagement' },
      ),
      Type.Object(
        { all: Type.Array(This, { minItems: 1 }) },
        { additionalProperties: false, title: 'All of' },
      ),
      Type.Object(
        { any: Type.Array(This, { minItems: 1 }) },
        { additionalProperties: false, title: 'Any of' },
      ),
      Type.Object({ not: This }, { additionalProperties: false, title: 'Not' }),
    ]),
  { $id: 'Condition', title: 'Condition' },
);
export type Condition = Static<typeof Condition>;

// ── Steps ─────────────────────────────────────────────────────────────────────────────────────

const stepBase = {
  description: Type.Optional(Type.String({ description: 'A note for people reading the journey.' })),
};

/**
 * Wait. Exactly one of `duration` or `until`:
 * - `duration`: a fixed time from now (`P2D`);
 * - `until.localTime` alone: the next occurrence of that time in the customer's zone;
 * - `until.date`: a date from the event or profile, plus `until.addDaysFrom` days (a numeric field,
 *   e.g. `product.replenishmentDays`), plus `until.offset` (`-P3D`), optionally moved to
 *   `until.localTime` on that day. A date already in the past continues at once.
 *   When the date cannot be computed (the field, or the `addDaysFrom` number, is missing or not a
 *   date), `until.ifMissing` says what happens: `exit` (the default: leave the journey) or `skip`
 *   (go on without the date, at the next `localTime` when there is one).
 * - `until.every: "year"` with `until.date`: the date's next anniversary (engine/policy/anniversary.ts)
 *   plus `offset`, at `localTime`: a birthday. It can also end the journey when that anniversary
 *   comes after the run's deadline (a Standard execution lasts at most a year).
 * `localTime` may also follow a `duration`: "two days later, at 10:00".
 * - `until.time: "best"` (instead of `localTime`, alone or after a `duration`): the customer's best
 *   local time for `until.channel`, learned from their engagement (engine/policy/send-time.ts),
 *   inside `until.window` and outside the channel's quiet hours; `until.fallback` while there is too
 *   little evidence.
 */
export const WaitStep = Type.Object(
  {
    type: Type.Literal('wait'),
    ...stepBase,
    duration: Type.Optional(IsoDuration),
    until: Type.Optional(
      Type.Object(
        {
          date: Type.Optional(FieldPath),
          addDaysFrom: Type.Optional(FieldPath),
          every: Type.Optional(
            Type.Literal('year', {
              description:
                'Wait for the next anniversary of `date` (a birthday, a sign-up date): its day and month this year, or next year once this year’s (with `offset` and `localTime`) has passed. 29 February is 28 February in other years.',
            }),
          ),
          offset: Type.Optional(SignedIsoDuration),
          localTime: Type.Optional(LocalTime),
          time: Type.Optional(
            Type.Literal('best', {
              description:
                'The customer’s best local time for `channel`, to 15 minutes, learned from their recent opens, clicks, replies and conversions; `fallback` until there is enough evidence. Needs `channel`, `window` and `fallback`.',
            }),
          ),
          channel: Type.Optional(
            Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('push')], {
              description:
                'With `time: "best"`: the channel whose engagement (and quiet hours) decide the time.',
            }),
          ),
          window: Type.Optional(
            Type.Tuple([LocalTime, LocalTime], {
              description:
                'With `time: "best"`: the local hours a send may go, `["09:00", "21:00"]` (from the first, before the second; the first after the second spans midnight).',
            }),
          ),
          fallback: Type.Optional({
            ...LocalTime,
            description:
              'With `time: "best"`: the local time used while the customer has too little evidence.',
          }),
          ifMissing: Type.Optional(
            Type.Union([Type.Literal('exit'), Type.Literal('skip')], {
              description:
                'When the customer has no such date (or no `addDaysFrom` number): `exit` leaves the journey (the default, so nobody gets a message timed on a date they do not have); `skip` goes on without the date, at the next `localTime` if the step has one.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    next: Identifier,
  },
  { additionalProperties: false, title: 'Wait' },
);
export type WaitStep = Static<typeof WaitStep>;

/** Wait for an event (optionally matching a condition) or until the timeout, whichever comes first. */
export const WaitForEventStep = Type.Object(
  {
    type: Type.Literal('waitForEvent'),
    ...stepBase,
    event: Type.String({ description: 'The event type to wait for, e.g. `order_placed`.' }),
    timeout: IsoDuration,
    onEvent: Identifier,
    onTimeout: Identifier,
  },
  { additionalProperties: false, title: 'Wait for event' },
);
export type WaitForEventStep = Static<typeof WaitForEventStep>;

/** Branch: the first branch whose condition holds wins; otherwise `otherwise`. */
export const BranchStep = Type.Object(
  {
    type: Type.Literal('branch'),
    ...stepBase,
    branches: Type.Array(
      Type.Object(
        { name: Type.Optional(Type.String()), when: Condition, next: Identifier },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    otherwise: Identifier,
  },
  { additionalProperties: false, title: 'Branch' },
);
export type BranchStep = Static<typeof BranchStep>;

/** Weighted random split (A/B test), stable per customer. Weights sum to 100. */
export const SplitStep = Type.Object(
  {
    type: Type.Literal('split'),
    ...stepBase,
    arms: Type.Array(
      Type.Object(
        {
          name: Identifier,
          weight: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
          next: Identifier,
        },
        { additionalProperties: false },
      ),
      { minItems: 2 },
    ),
  },
  { additionalProperties: false, title: 'Split' },
);
export type SplitStep = Static<typeof SplitStep>;

/** Send a message on the first usable channel of an ordered list. */
export const SendStep = Type.Object(
  {
    type: Type.Literal('send'),
    ...stepBase,
    message: Identifier,
    channels: Type.Array(ChannelChoice, { minItems: 1, uniqueItems: true }),
    expiresAfter: Type.Optional({
      ...IsoDuration,
      description:
        'How long the message stays relevant, counted from when the customer first reaches this step. A send held past it (quiet hours, a full cap) is dropped with the reason `expired`. Absent: the policy default for the message category.',
      examples: ['PT6H', 'P2D'],
    }),
    next: Identifier,
  },
  { additionalProperties: false, title: 'Send' },
);
export type SendStep = Static<typeof SendStep>;

/** Set a profile attribute (`profile.attributes.<name>`). */
export const UpdateStep = Type.Object(
  {
    type: Type.Literal('update'),
    ...stepBase,
    attribute: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    value: Scalar,
    next: Identifier,
  },
  { additionalProperties: false, title: 'Update attribute' },
);
export type UpdateStep = Static<typeof UpdateStep>;

export const ExitStep = Type.Object(
  { type: Type.Literal('exit'), ...stepBase, reason: Type.Optional(Type.String()) },
  { additionalProperties: false, title: 'Exit' },
);
export type ExitStep = Static<typeof ExitStep>;

export const Step = Type.Union([
  WaitStep,
  WaitForEventStep,
  BranchStep,
  SplitStep,
  SendStep,
  UpdateStep,
  ExitStep,
]);
export type Step = Static<typeof Step>;
export type StepType = Step['type'];
export const STEP_TYPES: readonly StepType[] = [
  'wait',
  'waitForEvent',
  'branch',
  'split',
  'send',
  'update',
  'exit',
];

// ── Messages ──────────────────────────────────────────────────────────────────────────────────

export const EmailContent = Type.Object(
  {
    subject: Type.String({ minLength: 1 }),
    html: Type.String({ minLength: 1 }),
    text: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Email content' },
);
export const SmsContent = Type.Object(
  { body: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export const PushContent = Type.Object(
  {
    title: Type.String({ minLength: 1 }),
    body: Type.String({ minLength: 1 }),
    deepLink: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** One locale's content: any subset of channels. */
export const LocalizedContent = Type.Object(
  { email: Type.Optional(EmailContent), sms: Type.Optional(SmsContent), push: Type.Optional(PushContent) },
  { additionalProperties: false },
);
export type LocalizedContent = Static<typeof LocalizedContent>;

/** A message: Liquid content per locale. Locale lookup falls back `fa-IR` → `fa` → the journey's default. */
export const Message = Type.Object(
  {
    description: Type.Optional(Type.String()),
    category: Type.Optional(
      Type.Union([Type.Literal('marketing'), Type.Literal('transactional')], {
        description:
          'Marketing messages (the default) count against frequency caps and need marketing consent.',
      }),
    ),
    locales: Type.Record(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }), LocalizedContent),
  },
  { additionalProperties: false, title: 'Message' },
);
export type Message = Static<typeof Message>;

// ── The journey ───────────────────────────────────────────────────────────────────────────────

export const ExitRule = Type.Object(
  {
    event: Type.String({ description: 'Leaving event type, e.g. `order_placed`, `unsubscribed`.' }),
    sameProduct: Type.Optional(
      Type.Boolean({ description: 'Only when the event’s items include the journey’s product.' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Audience entry (engine/audience/): everyone in a segment (workflows/segments/<id>.segment.json)
 * enters, once (`schedule.at`) or on every tick of a recurring schedule (`schedule.cron`). An
 * event-entered journey may instead say `inSegment`: the event starts it only for segment members.
 */
export const AudienceSchedule = Type.Object(
  {
    at: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$',
        description: 'One time: a local date and time `YYYY-MM-DDTHH:MM` in `zone`, e.g. `2026-05-01T09:00`.',
      }),
    ),
    cron: Type.Optional(
      Type.String({
        description:
          'Recurring: five fields `minute hour day-of-month month day-of-week` in `zone`, e.g. `0 9 * * MON` (every Monday at 09:00). Day of month and day of week cannot both be set.',
        examples: ['0 9 * * MON', '30 8 1 * *'],
      }),
    ),
    zone: Type.String({
      description:
        'An IANA time zone (`Asia/Dubai`), or `customer`: each customer enters at that local time in their own zone (a broadcast at 09:00 local rolls around the world).',
      examples: ['customer', 'Asia/Dubai', 'UTC'],
    }),
  },
  { additionalProperties: false, title: 'Schedule' },
);
export type AudienceSchedule = Static<typeof AudienceSchedule>;

export const Pacing = Type.Object(
  {
    perMinute: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'At most this many customers enter per minute of a tick (a broadcast’s send rate).',
    }),
    endBy: Type.Optional(
      Type.String({
        ...IsoDuration,
        description:
          'How long after the tick entering may go on (e.g. `PT6H`); customers whose turn would come later do not enter this tick (`pacing_end_by`).',
      }),
    ),
  },
  { additionalProperties: false, title: 'Pacing' },
);
export type Pacing = Static<typeof Pacing>;

const SegmentRef = Type.String({
  ...Identifier,
  description: 'The id of a segment in workflows/segments/<id>.segment.json.',
});

const AudienceEntryFields = {
  segment: Type.Optional(SegmentRef),
  schedule: Type.Optional(AudienceSchedule),
  pacing: Type.Optional(Pacing),
  inSegment: Type.Optional(
    Type.String({
      ...SegmentRef,
      description:
        'Event entry only: the event starts the journey only when the customer is in this segment at that moment.',
    }),
  ),
};

export const Journey = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Identifier,
    version: Type.Integer({
      minimum: 1,
      description: 'Bump on every change; running customers finish on their version.',
    }),
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    priority: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'When frequency caps collide, the higher priority journey sends and the lower one waits.',
    }),
    defaultLocale: Locale,
    channelChoice: Type.Optional(
      Type.Union([Type.Literal('lifetime'), Type.Literal('recency')], {
        description:
          'How `preferred` picks a channel for a customer with no stated preference: `lifetime` (the default) counts every open and click ever; `recency` weighs each by its age (policy `learning.channelHalfLife`).',
      }),
    ),
    defaultTimeZone: Type.Optional(
      Type.String({
        description: 'IANA time zone for customers whose profile has none or an invalid one (default `UTC`).',
        examples: ['UTC', 'Europe/London'],
      }),
    ),
    entry: Type.Object(
      {
        event: Type.Optional(
          Type.String({
            description:
              'The event type that starts the journey, e.g. `signed_up`. An audience journey has `segment` and `schedule` instead.',
          }),
        ),
        ...AudienceEntryFields,
        condition: Type.Optional(Condition),
        forEachItem: Type.Optional(
          Type.Object(
            {
              where: Type.Optional(Condition),
            },
            {
              additionalProperties: false,
              description:
                'Start one run per item of `event.properties.items` (e.g. one per ordered product); `product.*` is that item’s catalog entry.',
            },
          ),
        ),
        reentry: Type.Union(
          [
            Type.Object({ mode: Type.Literal('never') }, { additionalProperties: false }),
            Type.Object({ mode: Type.Literal('always') }, { additionalProperties: false }),
            Type.Object({ mode: Type.Literal('after'), after: IsoDuration }, { additionalProperties: false }),
          ],
          {
            description:
              'Whether a customer who already entered may enter again: never, always, or after a cool-down.',
          },
        ),
      },
      { additionalProperties: false },
    ),
    exit: Type.Optional(
      Type.Array(ExitRule, { description: 'Events that end the journey for the customer.' }),
    ),
    goal: Type.Optional(
      Type.Object(
        {
          event: Type.String({ description: 'The conversion event, e.g. `order_placed`.' }),
          within: IsoDuration,
          exitOnConversion: Type.Optional(
            Type.Boolean({
              description:
                'Whether reaching the goal ends the run (default true). Either way the conversion is recorded (docs/analytics.md).',
            }),
          ),
          currency: Type.Optional(
            Type.String({
              pattern: '^[A-Z]{3}$',
              description:
                'ISO 4217 code revenue is reported in, e.g. `EUR`. A goal event in another currency counts as a conversion, but its value is left out of revenue (never converted: docs/analytics.md).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    holdout: Type.Optional(
      Type.Object(
        {
          percent: Type.Number({
            minimum: 0,
            maximum: 50,
            description: 'Share of entrants kept out (control group), stable per customer.',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    execution: Type.Optional(
      Type.Union([Type.Literal('standard'), Type.Literal('scale')], {
        description:
          '`standard`: one Standard Step Functions execution per customer run, waits as Wait states (audit-friendly, for low volumes). `scale`: the journey runs as Express segments between its waits, each wait an EventBridge Scheduler timer, so no execution is open while the customer waits (docs/scale-mode.md). Absent: the policy’s `execution`, else `standard`.',
      }),
    ),
    maxLateness: Type.Optional(
      Type.Object(
        {
          after: IsoDuration,
          action: Type.Union([Type.Literal('skip'), Type.Literal('sendAnyway'), Type.Literal('nextWindow')], {
            description:
              'What a timer that fires later than `after` past its due time does: `skip` ends the run without sending, `sendAnyway` goes on, `nextWindow` waits for the same time of day on the next day that is not past.',
          }),
        },
        {
          additionalProperties: false,
          description:
            'Scale mode only: how late a wait may end before the action applies (default: no limit).',
        },
      ),
    ),
    start: Identifier,
    steps: Type.Record(Type.String(), Step),
    messages: Type.Record(Type.String(), Message),
    partials: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}(\\.[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$' }),
        Type.String(),
        {
          description:
            'Written by `npx herald release`, not by hand: the shared partials (workflows/partials/<name>[.<locale>].liquid) this version renders, pinned with it so that a changed partial reaches customers only in a new version.',
        },
      ),
    ),
  },
  { additionalProperties: false, title: 'Herald journey', $id: 'https://herald.dev/journey.schema.json' },
);
export type Journey = Static<typeof Journey>;
export const JourneySchema = Journey;
