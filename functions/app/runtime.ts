/** Dependencies with their defaults filled in, shared by the use cases in functions/app. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Enrollment } from '../../engine/contract.ts';
import { type DecisionContext, historySince, type PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../engine/vocabulary.ts';
import type { ObservedDeps } from '../deps.ts';
import { createLogger, createMetrics } from '../observability.ts';
import { type Clock, type Store, systemClock } from '../ports.ts';

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

/** Everything a decision reads, fresh: the profile, the look-back of events, the product. */
export async function loadDecisionContext(
  store: Store,
  journey: Journey,
  enrollment: Enrollment,
  now: Date,
  config: PolicyConfig,
): Promise<DecisionContext> {
  const since = historySince(config, now);
  const [profile, history, product] = await Promise.all([
    store.getProfile(enrollment.customerId),
    store.listEvents(enrollment.customerId, since ? { since } : {}),
    enrollment.productId ? store.getProduct(enrollment.productId) : Promise.resolve(undefined),
  ]);
  return {
    journey,
    enrollment,
    profile: profile ?? { id: enrollment.customerId },
    history,
    now,
    config,
    ...(product ? { product } : {}),
  };
}
