/**
 * Operator-tunable send-time policy: quiet hours, shared frequency caps, time-zone fallback.
 *
 * `DEFAULT_POLICY` is what runs when nothing is configured; an operator overrides it with
 * `workflows/policy.json`, read by the edges (cli/, functions/, local/) and passed through
 * `parsePolicyConfig`. The engine never reads files itself.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Duration } from 'luxon';
import { ChannelName, IsoDuration, LocalTime } from '../schema.ts';
import { isValidZone } from './zones.ts';

// ── Schema ────────────────────────────────────────────────────────────────────────────────────

/** A daily window in the customer's local time during which a channel must not be used. */
export const QuietHoursWindow = Type.Object(
  {
    start: LocalTime,
    end: LocalTime,
  },
  {
    additionalProperties: false,
    description: '`start` to `end` in local time; `start` after `end` means the window spans midnight.',
  },
);
export type QuietHoursWindow = Static<typeof QuietHoursWindow>;

/** A frequency cap shared by all journeys: at most `limit` sends per rolling `window`. */
export const CapRule = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }),
    limit: Type.Integer({ minimum: 0 }),
    window: IsoDuration,
    channels: Type.Array(ChannelName, { minItems: 1, uniqueItems: true }),
    category: Type.Optional(
      Type.Union([Type.Literal('marketing'), Type.Literal('transactional')], {
        description: 'Only messages of this category count and are limited; absent = every category.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CapRule = Static<typeof CapRule>;

export const PolicyConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    defaultTimeZone: Type.String({
      description: 'IANA zone used when neither the profile nor the journey has a valid one.',
    }),
    quietHours: Type.Partial(Type.Record(ChannelName, QuietHoursWindow), {
      description: 'Per channel; a channel absent here has no quiet hours.',
    }),
    caps: Type.Array(CapRule),
    deferPriorityAtLeast: Type.Integer({
      minimum: 1,
      maximum: 101,
      description:
        'A capped journey with at least this priority is deferred until the cap frees up; lower ones skip the send.',
    }),
    expiresAfter: Type.Object(
      {
        marketing: Type.Optional(IsoDuration),
        transactional: Type.Optional(IsoDuration),
      },
      {
        additionalProperties: false,
        description:
          'How long a held send of each category stays relevant when its step sets no `expiresAfter`; a category absent here never expires.',
      },
    ),
    transactionalExempt: Type.Object(
      {
        quietHours: Type.Boolean({ description: 'Transactional messages ignore quiet hours.' }),
        caps: Type.Boolean({
          description: 'Transactional messages ignore every cap, even one without a `category`.',
        }),
      },
      { additionalProperties: false },
    ),
    learning: Type.Object(
      {
        channelHalfLife: IsoDuration,
        sendTime: Type.Object(
          {
            halfLife: IsoDuration,
            explorationShare: Type.Number({
              minimum: 0,
              maximum: 0.5,
              description:
                'The share of `best` waits that try another hour of the window instead of the learned or fallback time (0 to 0.5).',
            }),
            minEvidence: Type.Number({
              minimum: 0,
              maximum: 1000,
              description:
                'The recency-weighted evidence (an open is 1, a click or reply 3, a conversion 3) a customer needs before their learned time is used; below it, the wait’s `fallback`.',
            }),
          },
          { additionalProperties: false },
        ),
      },
      {
        additionalProperties: false,
        description:
          'Send-time optimisation (`until.time: "best"`) and recency-weighted channel choice (journey `channelChoice: "recency"`): used only by journeys that ask for them. Each engagement counts half as much after each half-life.',
      },
    ),
    maxBehaviourWindow: Type.String({
      description:
        'The longest look-back behaviour conditions may use (ISO duration); also how much history the runtime loads.',
    }),
    retention: Type.Object(
      {
        events: Type.Optional(IsoDuration),
        ledger: Type.Optional(IsoDuration),
        messages: Type.Optional(IsoDuration),
        conversions: Type.Optional(IsoDuration),
      },
      {
        additionalProperties: false,
        description:
          'How long each kind of customer item lives (a DynamoDB TTL on `expiresAt`; engine/privacy/retention.ts): events, ledger (decisions), messages (content as sent, for exports), conversions. Checked against the look-backs and attribution windows that read them.',
      },
    ),
    execution: Type.Optional(
      Type.Union([Type.Literal('standard'), Type.Literal('scale')], {
        description:
          'How journeys that set no `execution` run: `standard` (one Standard execution per customer, the default) or `scale` (Express segments between waits, waits as EventBridge Scheduler timers; docs/scale-mode.md).',
      }),
    ),
  },
  { additionalProperties: false, title: 'Herald send-time policy' },
);
export type PolicyConfig = Static<typeof PolicyConfigSchema>;

// ── Defaults ──────────────────────────────────────────────────────────────────────────────────

/** Deeply frozen: shared by every decision, so an accidental mutation throws instead of leaking. */
export const DEFAULT_POLICY: PolicyConfig = deepFreeze({
  defaultTimeZone: 'UTC',
  quietHours: {
    sms: { start: '21:00', end: '08:00' },
    push: { start: '21:00', end: '08:00' },
  },
  caps: [
    {
      id: 'marketing-7d',
      limit: 3,
      window: 'P7D',
      channels: ['email', 'sms', 'push'],
      category: 'marketing',
    },
    { id: 'sms-1d', limit: 1, window: 'P1D', channels: ['sms'] },
  ],
  deferPriorityAtLeast: 50,
  // A held marketing message older than its cap window is stale; transactional ones never expire.
  expiresAfter: { marketing: 'P7D' },
  // A receipt or a password reset is wanted at once: no quiet hours, no caps (an operator may opt back in).
  transactionalExempt: { quietHours: true, caps: true },
  maxBehaviourWindow: 'P365D',
  retention: { events: 'P400D', ledger: 'P400D', messages: 'P90D', conversions: 'P400D' },
  // Habits change over weeks: a month-old open counts half, for the channel and the hour alike.
  learning: {
    channelHalfLife: 'P30D',
    sendTime: { halfLife: 'P30D', explorationShare: 0.1, minEvidence: 2 },
  },
} satisfies PolicyConfig);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ── Parsing ───────────────────────────────────────────────────────────────────────────────────

export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
  readonly code = 'invalid_policy_config';
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid policy config: ${problems.join('; ')}`, options);
  }
}

/**
 * Reads an operator's policy (JSON text or an already-parsed value). Keys present replace the
 * defaults (`quietHours` and `caps` are replaced whole, so `"quietHours": {}` turns them off);
 * absent keys keep `DEFAULT_POLICY`; `learning` and `learning.sendTime` are merged key by key
 * (`"learning": { "sendTime": { "explorationShare": 0 } }` changes only that). Throws `PolicyConfigError` listing every problem.
 */
export function parsePolicyConfig(input: unknown): PolicyConfig {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (cause) {
      throw new PolicyConfigError(['not valid JSON'], { cause });
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PolicyConfigError(['expected a JSON object']);
  }
  const merged: unknown = withLearningDefaults({ ...structuredClone(DEFAULT_POLICY), ...raw });
  const problems = [...Value.Errors(PolicyConfigSchema, merged)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length > 0) throw new PolicyConfigError(problems);
  const config = merged as PolicyConfig;
  problems.push(...semanticProblems(config));
  if (problems.length > 0) throw new PolicyConfigError(problems);
  const { $schema: _ignored, ...rest } = config;
  return rest;
}

function withLearningDefaults(merged: Record<string, unknown>): Record<string, unknown> {
  const given = merged.learning;
  if (given === DEFAULT_POLICY.learning || !isObject(given)) return merged;
  const sendTime = isObject(given.sendTime)
    ? { ...DEFAULT_POLICY.learning.sendTime, ...given.sendTime }
    : (given.sendTime ?? DEFAULT_POLICY.learning.sendTime);
  return { ...merged, learning: { ...DEFAULT_POLICY.learning, ...given, sendTime } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function semanticProblems(config: PolicyConfig): string[] {
  const problems: string[] = [];
  if (!isValidZone(config.defaultTimeZone)) {
    problems.push(`/defaultTimeZone: unknown IANA time zone "${config.defaultTimeZone}"`);
  }
  for (const [channel, window] of Object.entries(config.quietHours)) {
    if (window && window.start === window.end) {
      problems.push(`/quietHours/${channel}: start and end are equal (use no entry for no quiet hours)`);
    }
  }
  const seen = new Set<string>();
  config.caps.forEach((cap, i) => {
    if (seen.has(cap.id)) problems.push(`/caps/${i}/id: duplicate cap id "${cap.id}"`);
    seen.add(cap.id);
    if (!isPositiveDuration(cap.window)) problems.push(`/caps/${i}/window: not a positive ISO duration`);
  });
  for (const [category, iso] of Object.entries(config.expiresAfter)) {
    if (iso !== undefined && !isPositiveDuration(iso))
      problems.push(`/expiresAfter/${category}: not a positive ISO duration`);
  }
  if (!isPositiveDuration(config.learning.channelHalfLife))
    problems.push('/learning/channelHalfLife: not a positive ISO duration (e.g. "P30D")');
  if (!isPositiveDuration(config.learning.sendTime.halfLife))
    problems.push('/learning/sendTime/halfLife: not a positive ISO duration (e.g. "P30D")');
  if (!isPositiveDuration(config.maxBehaviourWindow)) {
    problems.push('/maxBehaviourWindow: not a positive ISO duration');
  }
  for (const [kind, iso] of Object.entries(config.retention)) {
    if (iso !== undefined && !isPositiveDuration(iso))
      problems.push(`/retention/${kind}: not a positive ISO duration`);
  }
  return problems;
}

/** Where the customer history the runtime loads begins: `maxBehaviourWindow` before `now` (all of it when unreadable). */
export function historySince(config: PolicyConfig, now: Date): Date | undefined {
  const lookBack = Duration.fromISO(config.maxBehaviourWindow);
  return lookBack.isValid ? new Date(now.getTime() - lookBack.toMillis()) : undefined;
}

function isPositiveDuration(iso: string): boolean {
  const d = Duration.fromISO(iso);
  return d.isValid && d.toMillis() > 0;
}

/**
 * The JSON Schema operators' editors use for `workflows/policy.json`, as committed in
 * `workflows/policy.schema.json`. Every key is optional there: absent keys keep the defaults.
 */
export function renderPolicySchema(): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...Type.Partial(PolicyConfigSchema) };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
