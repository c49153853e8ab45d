/**
 * Who enters which journey when an event arrives, and which running enrollments it ends.
 *
 * Ingest calls `planEntries` after storing the event and `exitsTriggeredBy` for the customer's
 * active enrollments; both are pure. Enrollment ids are deterministic, so a replayed event maps to
 * the same Step Functions execution name and starts nothing new. An event that is a backfill when
 * it arrives (older than a day) starts nothing: it is history, not news.
 */
import { createHash } from 'node:crypto';
import { Duration } from 'luxon';
import { isMember, type Segment } from '../audience/segment.ts';
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent, Product, Profile } from '../data.ts';
import { isBackfill } from '../event-time.ts';
import { EXECUTION_NAME_MAX_CHARS } from '../limits.ts';
import type { Journey } from '../schema.ts';
import { evaluateCondition } from './conditions.ts';
import type { PolicyConfig } from './config.ts';
import { type DecisionContext, instant } from './context.ts';
import { exitReasonFor } from './exit.ts';
import { isHeldOut } from './split.ts';

// ── Enrollment ids ────────────────────────────────────────────────────────────────────────────

const HASH_CHARS = 32;

/**
 * A valid Step Functions execution name (≤ 80 characters of `[A-Za-z0-9_-]`, see engine/limits.ts),
 * deterministic in (journey id, version, customer, event id, product id), and readable:
 * `<journey>-v<version>-<hash>`. Every input the event schema accepts (ids of up to 128 characters
 * of any script, emoji included) lives only in the hash, so a replayed event gets the same name.
 */
export function enrollmentId(
  journey: Pick<Journey, 'id' | 'version'>,
  customerId: string,
  eventId: string,
  productId?: string,
): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([journey.id, journey.version, customerId, eventId, productId ?? null]))
    .digest('hex')
    .slice(0, HASH_CHARS);
  // The whole prefix is sanitised: a version the schema accepts may print as `1e+21`.
  const prefix = `${journey.id}-v${journey.version}`
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, EXECUTION_NAME_MAX_CHARS - HASH_CHARS - 1);
  return `${prefix}-${hash}`;
}

// ── Entry planning ────────────────────────────────────────────────────────────────────────────

export interface PriorEnrollment {
  /** When known: a prior enrollment with the candidate's own id is a replay, not a re-entry. */
  id?: string;
  journeyId: string;
  enteredAt: string;
  productId?: string;
}

export type EntrySkipReason =
  | 'entry_condition_false'
  /** `entry.inSegment`: the customer is not in the segment (or the segment is not deployed). */
  | 'not_in_segment'
  | 'no_items'
  | 'unknown_product'
  | 'item_condition_false'
  | 'reentry_never'
  | 'reentry_cooldown'
  /** The event happened more than a day before it arrived (engine/event-time.ts, BACKFILL_AGE_MS). */
  | 'backfill'
  /** An operator drained or stopped the journey (engine/journey-control.ts): no new entrants. */
  | 'journey_draining'
  | 'journey_stopped';

export interface EntrySkip {
  journeyId: string;
  reason: EntrySkipReason;
  productId?: string;
}

export interface EntryInput {
  /** The journeys currently live (one version per id). */
  journeys: readonly Journey[];
  /** The validated event that just arrived. */
  event: CustomerEvent;
  /** The profile after this event was applied. */
  profile: Profile;
  /** The customer's events (including this one), newest first. */
  history: CustomerEvent[];
  /** Catalog lookup for `forEachItem` journeys; the caller preloads `itemProductIds(event)`. */
  products: (productId: string) => Product | undefined;
  /** The customer's earlier enrollments, any journey, any version (held-out ones included). */
  priorEnrollments: readonly PriorEnrollment[];
  now: Date;
  config: PolicyConfig;
  /** Segments by id, for `entry.inSegment` (engine/audience/segment.ts). */
  segments?: ReadonlyMap<string, Pick<Segment, 'condition'>>;
}

export interface EntryPlan {
  /** Start one execution each (name = `id`). */
  start: Enrollment[];
  /** Eligible but in the journey's control group: record them, start nothing. */
  heldOut: Enrollment[];
  /** Journeys listening for this event type that the customer did not enter, and why. */
  skipped: EntrySkip[];
}

export function planEntries(input: EntryInput): EntryPlan {
  const plan: EntryPlan = { start: [], heldOut: [], skipped: [] };
  const enteredAt = input.now.toISOString();
  const at = instant(input.event.time);
  const backfill = at === undefined || isBackfill(at, input.now);
  for (const journey of input.journeys) {
    if (journey.entry.event !== input.event.type) continue;
    if (backfill) {
      plan.skipped.push({ journeyId: journey.id, reason: 'backfill' });
      continue;
    }
    const base: Enrollment = {
      id: enrollmentId(journey, input.event.customerId, input.event.id),
      customerId: input.event.customerId,
      journeyId: journey.id,
      journeyVersion: journey.version,
      enteredAt,
      event: input.event,
    };
    const ctx = (enrollment: Enrollment, product?: Product): DecisionContext => ({
      journey,
      enrollment,
      profile: input.profile,
      history: input.history,
      now: input.now,
      config: input.config,
      ...(product ? { product } : {}),
    });

    if (journey.entry.condition && !evaluateCondition(journey.entry.condition, ctx(base))) {
      plan.skipped.push({ journeyId: journey.id, reason: 'entry_condition_false' });
      continue;
    }
    const inSegment = journey.entry.inSegment;
    if (inSegment !== undefined) {
      const segment = input.segments?.get(inSegment);
      const member =
        segment !== undefined &&
        isMember(segment, {
          profile: input.profile,
          history: input.history,
          now: input.now,
          config: input.config,
        });
      if (!member) {
        plan.skipped.push({ journeyId: journey.id, reason: 'not_in_segment' });
        continue;
      }
    }

    const candidates: Enrollment[] = [];
    if (journey.entry.forEachItem) {
      const productIds = itemProductIds(input.event);
      if (productIds.length === 0) plan.skipped.push({ journeyId: journey.id, reason: 'no_items' });
      for (const productId of productIds) {
        const product = input.products(productId);
        if (!product) {
          plan.skipped.push({ journeyId: journey.id, reason: 'unknown_product', productId });
          continue;
        }
        const enrollment: Enrollment = {
          ...base,
          id: enrollmentId(journey, input.event.customerId, input.event.id, productId),
          productId,
        };
        const where = journey.entry.forEachItem.where;
        if (where && !evaluateCondition(where, ctx(enrollment, product))) {
          plan.skipped.push({ journeyId: journey.id, reason: 'item_condition_false', productId });
          continue;
        }
        candidates.push(enrollment);
      }
    } else {
      candidates.push(base);
    }

    for (const enrollment of candidates) {
      const blocked = reentryBlock(journey, enrollment, input.priorEnrollments, input.now);
      if (blocked) {
        plan.skipped.push({
          journeyId: journey.id,
          reason: blocked,
          ...(enrollment.productId ? { productId: enrollment.productId } : {}),
        });
      } else if (isHeldOut(journey, enrollment.customerId)) {
        plan.heldOut.push(enrollment);
      } else {
        plan.start.push(enrollment);
      }
    }
  }
  return plan;
}

/** Distinct product ids of `event.properties.items`, in order: what ingest preloads for `products`. */
export function itemProductIds(event: CustomerEvent): string[] {
  const items: unknown = event.properties?.items;
  if (!Array.isArray(items)) return [];
  const ids = new Set<string>();
  for (const item of items) {
    const id: unknown =
      typeof item === 'object' && item !== null ? (item as { productId?: unknown }).productId : undefined;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
  }
  return [...ids];
}

/**
 * The re-entry rule against earlier enrollments in the same journey (for per-product journeys:
 * the same product). A prior enrollment with the candidate's own id is this very event replayed.
 */
function reentryBlock(
  journey: Journey,
  candidate: Enrollment,
  prior: readonly PriorEnrollment[],
  now: Date,
): EntrySkipReason | undefined {
  const rule = journey.entry.reentry;
  if (rule.mode === 'always') return undefined;
  const earlier = prior.filter(
    (p) =>
      p.journeyId === journey.id &&
      p.id !== candidate.id &&
      (candidate.productId === undefined || p.productId === candidate.productId),
  );
  if (earlier.length === 0) return undefined;
  if (rule.mode === 'never') return 'reentry_never';
  const coolDown = Duration.fromISO(rule.after);
  const latest = Math.max(...earlier.map((p) => instant(p.enteredAt) ?? Number.POSITIVE_INFINITY));
  // An unreadable cool-down or prior timestamp blocks: better one message too few than a duplicate.
  if (!coolDown.isValid || !Number.isFinite(latest)) return 'reentry_cooldown';
  return now.getTime() - latest < coolDown.toMillis() ? 'reentry_cooldown' : undefined;
}

// ── Exits on arrival ──────────────────────────────────────────────────────────────────────────

/**
 * The active enrollments this event ends (exit rules, or goal conversion when `exitOnConversion`
 * is not false). Each enrollment is judged by its own journey version when present in `journeys`.
 */
export function exitsTriggeredBy(
  event: CustomerEvent,
  active: readonly Enrollment[],
  journeys: readonly Journey[],
): Enrollment[] {
  return active.filter((enrollment) => {
    const journey =
      journeys.find((j) => j.id === enrollment.journeyId && j.version === enrollment.journeyVersion) ??
      journeys.find((j) => j.id === enrollment.journeyId);
    return journey !== undefined && exitReasonFor(event, enrollment, journey) !== undefined;
  });
}
