/**
 * Audience segments: a named condition over a customer's profile and behaviour, as data
 * (`workflows/segments/<id>.segment.json`). Not to be confused with engine/segment.ts, which is the
 * Segment (segment.com) event spec.
 *
 * A segment uses the branch condition language (engine/schema.ts `Condition`) restricted to what
 * is known about a customer without a journey: `profile.*` fields (attributes, country, city,
 * lifetime value, consent, suppression, engagement) and behaviour (`did` an event within a
 * window). `event.*`, `product.*`, `engaged` and `since: "entry"` belong to a journey run and are
 * refused by the validator (engine/audience/validate.ts). Evaluation is the very evaluator branches
 * use (engine/policy/conditions.ts), so a segment and a branch with the same condition agree.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent, Profile } from '../data.ts';
import { type ConditionTrace, evaluateCondition, explainCondition } from '../policy/conditions.ts';
import type { PolicyConfig } from '../policy/config.ts';
import type { DecisionContext } from '../policy/context.ts';
import { Condition, Identifier, type Journey } from '../schema.ts';

export const SegmentSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Type.String({
      ...Identifier,
      description: 'The segment’s id: the file is `<id>.segment.json`; journeys refer to it by this id.',
    }),
    name: Type.String({ minLength: 1, description: 'A name for people, e.g. `VIPs in the UAE`.' }),
    description: Type.Optional(Type.String()),
    condition: Condition,
  },
  { additionalProperties: false, title: 'Herald segment', $id: 'https://herald.dev/segment.schema.json' },
);
export type Segment = Static<typeof SegmentSchema>;

export const SEGMENT_FILE_SUFFIX = '.segment.json';

/** What one membership question looks at: the profile, the customer's events (newest first), `now`. */
export interface MemberInput {
  profile: Profile;
  history: readonly CustomerEvent[];
  now: Date;
  config: PolicyConfig;
}

/** Whether the condition reads behaviour (`did`): only then does a caller need the history. */
export function needsHistory(condition: unknown, depth = 0): boolean {
  if (depth > 40 || typeof condition !== 'object' || condition === null) return false;
  const c = condition as Record<string, unknown>;
  if ('did' in c) return true;
  for (const key of ['all', 'any'] as const) {
    const list = c[key];
    if (Array.isArray(list) && list.some((x) => needsHistory(x, depth + 1))) return true;
  }
  return 'not' in c && needsHistory(c.not, depth + 1);
}

const NO_JOURNEY = {
  id: 'segment',
  version: 1,
  name: 'segment',
  priority: 1,
  defaultLocale: 'en',
  entry: { reentry: { mode: 'always' } },
  start: 'exit',
  steps: { exit: { type: 'exit' } },
  messages: {},
} as unknown as Journey;

/**
 * The decision context a segment is judged in: the customer and `now`, no journey run. The
 * placeholder enrollment's event is never read (the validator refuses `event.*` in segments).
 */
function memberContext(input: MemberInput): DecisionContext {
  const at = input.now.toISOString();
  const enrollment: Enrollment = {
    id: '',
    customerId: input.profile.id,
    journeyId: '',
    journeyVersion: 0,
    enteredAt: at,
    event: { id: '', type: '', customerId: input.profile.id, time: at, properties: {} },
  };
  return {
    journey: NO_JOURNEY,
    enrollment,
    profile: input.profile,
    history: input.history as CustomerEvent[],
    now: input.now,
    config: input.config,
  };
}

export function isMember(segment: Pick<Segment, 'condition'>, input: MemberInput): boolean {
  return evaluateCondition(segment.condition, memberContext(input));
}

/** The same verdict as `isMember`, with what each sub-condition saw (for `herald simulate`). */
export function explainMembership(segment: Pick<Segment, 'condition'>, input: MemberInput): ConditionTrace {
  return explainCondition(segment.condition, memberContext(input));
}
