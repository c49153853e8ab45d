/** Dependencies with their defaults filled in, shared by the use cases in functions/app. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Enrollment, StepResult } from '../../engine/contract.ts';
import {
  type DecisionContext,
  engagedSteps,
  historySince,
  type PolicyConfig,
} from '../../engine/policy/index.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { endsJourney } from '../../engine/step-results.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../engine/vocabulary.ts';
import type { ObservedDeps } from '../deps.ts';
import { createLogger, createMetrics } from '../observability.ts';
import {
  type CapWindow,
  type Clock,
  type DecisionItems,
  type EnrollmentRecord,
  type EnrollmentStatus,
  type Store,
  systemClock,
} from '../ports.ts';

/** How long before a wait started an event still counts as its arrival (ingest and step agree). */
export const ARRIVAL_SLACK_MS = 60_000;

export type Resolved<D extends ObservedDeps> = Omit<D, 'clock' | 'logger' | 'metrics' | 'vocabulary'> & {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  vocabulary: Vocabulary;
};

export function resolve<D extends ObservedDeps>(deps: D, service: string): Resolved<D> {
  const vocabulary = deps.vocabulary ?? BUILT_IN_VOCABULARY;
  return {
    ...deps,
    clock: deps.clock ?? systemClock,
    logger: deps.logger ?? createLogger(service, { sensitiveKeys: vocabulary.piiAttributes }),
    metrics: deps.metrics ?? createMetrics(service),
    vocabulary,
  };
}

/**
 * The enrollment's final record when a step's result ends the journey (`endsJourney`), or
 * undefined: a step writes it in its ledger entry's batch (`Store.putLedger`'s `ended`) instead of
 * an UpdateItem of its own.
 */
export function endedEnrollment(
  enrollment: Enrollment,
  result: StepResult,
  journey: Journey,
  now: Date,
): EnrollmentRecord | undefined {
  const reason = endsJourney(result, journey);
  return reason === undefined ? undefined : enrollmentEnd(enrollment, 'exited', reason, now);
}

/** The enrollment's last record, whole: what `setEnrollmentStatus` would leave on its item. */
export function enrollmentEnd(
  enrollment: Enrollment,
  status: EnrollmentStatus,
  reason: string,
  now: Date,
): EnrollmentRecord {
  return { enrollment, status, updatedAt: now.toISOString(), reason };
}

/** The send steps of this run an engagement condition asks about (a branch's conditions). */
export interface EngagementQuery {
  executionId: string;
  steps: readonly string[];
}

/**
 * Everything a decision reads, fresh: the profile, the look-back of events, the product, and for
 * a branch with engagement conditions what the send steps they name sent in this run.
 */
export async function loadDecisionContext(
  store: Store,
  journey: Journey,
  enrollment: Enrollment,
  now: Date,
  config: PolicyConfig,
  engaged?: EngagementQuery,
): Promise<DecisionContext> {
  return (await loadDecision(store, { journey, enrollment, now, config, ...(engaged ? { engaged } : {}) }))
    .ctx;
}

export interface DecisionReads {
  journey: Journey;
  enrollment: Enrollment;
  now: Date;
  config: PolicyConfig;
  engaged?: EngagementQuery;
  /** A send also reads the customer's cap window, in the same request as the profile. */
  caps?: boolean;
  /** A flow op also reads its journey's control (when not cached), in the same request. */
  controlOf?: string;
  /** A send also reads its step record (the lazy claim), in the same request. */
  stepKey?: string;
}

/**
 * `loadDecisionContext`'s reads in as few requests as the layout allows: the items read by key
 * (profile, product, cap window, control, the engaged steps' claims and engagement) in one
 * BatchGetItem, the events in one Query, side by side.
 */
export async function loadDecision(
  store: Store,
  reads: DecisionReads,
): Promise<{
  ctx: DecisionContext;
  caps?: CapWindow;
  controls?: DecisionItems['controls'];
  profileRead?: DecisionItems['profileRead'];
  step?: DecisionItems['step'];
}> {
  const { journey, enrollment, now, config, engaged } = reads;
  const since = historySince(config, now);
  const steps = engaged?.steps ?? [];
  const [items, history] = await Promise.all([
    store.readDecisionItems(enrollment.customerId, {
      ...(enrollment.productId ? { productId: enrollment.productId } : {}),
      ...(reads.caps ? { caps: true } : {}),
      ...(reads.controlOf !== undefined ? { controlOf: reads.controlOf } : {}),
      ...(engaged && steps.length > 0 ? { engaged } : {}),
      ...(reads.stepKey !== undefined ? { stepKey: reads.stepKey } : {}),
    }),
    store.listEvents(enrollment.customerId, since ? { since } : {}),
  ]);
  const ctx: DecisionContext = {
    journey,
    enrollment,
    profile: items.profile ?? { id: enrollment.customerId },
    history,
    now,
    config,
    ...(items.product ? { product: items.product } : {}),
    ...(items.engagement ? { engagement: items.engagement } : {}),
  };
  return {
    ctx,
    ...(items.caps ? { caps: items.caps } : {}),
    ...(items.controls ? { controls: items.controls } : {}),
    ...(items.profileRead ? { profileRead: items.profileRead } : {}),
    ...(items.step ? { step: items.step } : {}),
  };
}

/** The engagement a branch step's conditions need (undefined for any other step, or none). */
export function engagementQuery(step: Step | undefined, executionId: string): EngagementQuery | undefined {
  if (step?.type !== 'branch') return undefined;
  const steps = [...new Set(step.branches.flatMap((b) => engagedSteps(b.when)))];
  return steps.length > 0 ? { executionId, steps } : undefined;
}

/**
 * A held-out entrant (ingest's and the audience's): the enrolment exits at once with `holdout`, and
 * the ledger keeps one holdout item, its id deterministic so that a re-run rewrites it.
 */
export async function recordHoldout(
  store: Store,
  enrollment: Enrollment,
  now: Date,
  facts: Record<string, string>,
): Promise<void> {
  await store.putEnrollment({
    enrollment,
    status: 'exited',
    updatedAt: now.toISOString(),
    reason: 'holdout',
  });
  await store.putLedger({
    id: `holdout#${enrollment.id}`,
    kind: 'holdout',
    at: enrollment.enteredAt,
    customerId: enrollment.customerId,
    outcome: 'holdout',
    reasons: ['holdout'],
    journeyId: enrollment.journeyId,
    journeyVersion: enrollment.journeyVersion,
    variant: 'holdout',
    facts,
  });
}
