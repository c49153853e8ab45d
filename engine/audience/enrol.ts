/**
 * Who of a segment enters an audience journey on a tick, and when: the same re-entry rule, holdout
 * and journey controls as event entry (engine/policy/entry.ts), with an enrolment key
 * deterministic in (journey, tick, customer), so a re-run of the tick — a retried Map batch, a
 * Scheduler retry, a re-run by hand — finds the enrolment already there and enrols nobody twice.
 *
 * Pacing: a tick's entrants are spread at `pacing.perMinute` per minute from the tick, in the
 * order of their position (the caller's deterministic order); positions past `endBy` do not enter
 * this tick (`pacing_end_by`). The customer's run waits until `notBefore` (the compiled
 * `entry.not-before` Wait), which is also the customer's local time for `zone: "customer"`.
 */
import { createHash } from 'node:crypto';
import { Duration } from 'luxon';
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent, Profile } from '../data.ts';
import { EXECUTION_NAME_MAX_CHARS } from '../limits.ts';
import type { PolicyConfig } from '../policy/config.ts';
import { instant } from '../policy/context.ts';
import type { PriorEnrollment } from '../policy/entry.ts';
import { isHeldOut } from '../policy/split.ts';
import type { Journey } from '../schema.ts';
import { customerEntryInstant, type Tick } from './schedule.ts';
import { isMember, type Segment } from './segment.ts';

/** The event type an audience enrolment carries as its `event` (no customer event started it). */
export const AUDIENCE_EVENT_TYPE = 'audience_entered';

const HASH_CHARS = 32;

/**
 * `<journey>-<hash of (journey, tick, customer)>`: a valid execution name (≤ 80 of
 * `[A-Za-z0-9_-]`). The version is left out on purpose: a tick re-run after a deploy is still
 * the same tick for the customer.
 */
export function audienceEnrollmentId(journeyId: string, tickLabel: string, customerId: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(['audience', journeyId, tickLabel, customerId]))
    .digest('hex')
    .slice(0, HASH_CHARS);
  const prefix = journeyId
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, EXECUTION_NAME_MAX_CHARS - HASH_CHARS - 2);
  return `${prefix}-a${hash}`;
}

export type AudienceSkipReason =
  | 'not_in_segment'
  | 'already_enrolled'
  | 'reentry_never'
  | 'reentry_cooldown'
  | 'pacing_end_by';

export type AudienceDecision =
  | { kind: 'start'; enrollment: Enrollment }
  | { kind: 'heldOut'; enrollment: Enrollment }
  | { kind: 'skip'; reason: AudienceSkipReason; enrollmentId: string };

export interface AudienceCandidate {
  profile: Profile;
  /** Newest first; may be empty when the segment reads no behaviour (`needsHistory`). */
  history: readonly CustomerEvent[];
  priorEnrollments: readonly PriorEnrollment[];
  /**
   * The customer's place in the tick's paced order (0-based); without pacing it does not matter. A
   * function is asked only for a customer who enters, so non-members leave no gaps in the pace.
   */
  position: number | (() => number);
}

export interface AudienceTickContext {
  journey: Journey;
  segment: Pick<Segment, 'id' | 'condition'>;
  tick: Tick;
  /** When this decision is made (the segment is judged as of now). */
  now: Date;
  config: PolicyConfig;
}

export function planAudienceEntry(ctx: AudienceTickContext, candidate: AudienceCandidate): AudienceDecision {
  const { journey, tick } = ctx;
  const customerId = candidate.profile.id;
  const id = audienceEnrollmentId(journey.id, tick.label, customerId);
  if (candidate.priorEnrollments.some((p) => p.id === id)) {
    return { kind: 'skip', reason: 'already_enrolled', enrollmentId: id };
  }
  const member = isMember(ctx.segment, {
    profile: candidate.profile,
    history: candidate.history,
    now: ctx.now,
    config: ctx.config,
  });
  if (!member) return { kind: 'skip', reason: 'not_in_segment', enrollmentId: id };
  const blocked = reentryBlock(journey, candidate.priorEnrollments, ctx.now);
  if (blocked) return { kind: 'skip', reason: blocked, enrollmentId: id };
  const notBefore = pacedInstant(ctx, candidate);
  if (notBefore === undefined) return { kind: 'skip', reason: 'pacing_end_by', enrollmentId: id };
  const enteredAt = ctx.now.toISOString();
  const enrollment: Enrollment = {
    id,
    customerId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    enteredAt,
    notBefore: notBefore.toISOString(),
    event: {
      id: `audience:${journey.id}:${tick.label}`,
      type: AUDIENCE_EVENT_TYPE,
      customerId,
      time: tick.runAt.toISOString(),
      properties: { segment: ctx.segment.id, tick: tick.label },
    },
  };
  return isHeldOut(journey, customerId) ? { kind: 'heldOut', enrollment } : { kind: 'start', enrollment };
}

/** The customer's entry instant plus their pacing slot, or undefined past `endBy`. */
function pacedInstant(ctx: AudienceTickContext, candidate: AudienceCandidate): Date | undefined {
  const entry = ctx.journey.entry;
  const schedule = entry.schedule;
  const base = schedule
    ? customerEntryInstant(schedule, ctx.tick, candidate.profile.timeZone, ctx.journey.defaultTimeZone)
    : ctx.tick.runAt;
  const pacing = entry.pacing;
  if (!pacing) return base;
  const position = typeof candidate.position === 'function' ? candidate.position() : candidate.position;
  const minute = Math.floor(Math.max(0, position) / pacing.perMinute);
  if (pacing.endBy !== undefined) {
    const endBy = Duration.fromISO(pacing.endBy);
    if (endBy.isValid && minute * 60_000 >= endBy.toMillis()) return undefined;
  }
  return new Date(base.getTime() + minute * 60_000);
}

/** engine/policy/entry.ts's rule, against the customer's earlier runs of this journey. */
function reentryBlock(
  journey: Journey,
  prior: readonly PriorEnrollment[],
  now: Date,
): 'reentry_never' | 'reentry_cooldown' | undefined {
  const rule = journey.entry.reentry;
  if (rule.mode === 'always') return undefined;
  const earlier = prior.filter((p) => p.journeyId === journey.id);
  if (earlier.length === 0) return undefined;
  if (rule.mode === 'never') return 'reentry_never';
  const coolDown = Duration.fromISO(rule.after);
  const latest = Math.max(...earlier.map((p) => instant(p.enteredAt) ?? Number.POSITIVE_INFINITY));
  if (!coolDown.isValid || !Number.isFinite(latest)) return 'reentry_cooldown';
  return now.getTime() - latest < coolDown.toMillis() ? 'reentry_cooldown' : undefined;
}
