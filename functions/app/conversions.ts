/**
 * Ingest's conversion step: the engine says which runs this event converts and which message earns
 * the credit (engine/attribution.ts); this stores each conversion once (conditional put on its
 * deterministic key) and publishes its metrics. Runs held out are converted the same way: they are
 * the control group the uplift is measured against.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { attributionSince, type Conversion, conversionsFor } from '../../engine/attribution.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import type { IngestDeps } from '../deps.ts';
import type { EnrollmentRecord } from '../ports.ts';
import type { Resolved } from './runtime.ts';

/**
 * Ledger items are keyed by their `at` (an ISO string, dynamo-table.ts `ledgerItem`), so the read is a
 * key range; a day of slack keeps an entry whose `at` was written with an offset or without
 * milliseconds inside it. conversionsFor then filters by the exact window.
 */
const LEDGER_SLACK_MS = 86_400_000;

/** Records the conversions this event is; answers how many were new. */
export async function recordConversions(
  rt: Resolved<IngestDeps>,
  event: CustomerEvent,
  enrollments: readonly EnrollmentRecord[],
): Promise<number> {
  const journeyOf = (id: string, version: number) => rt.journeys.get(id, version);
  // Only read the ledger when some run has this event as its goal (most events are not goals).
  const candidates = enrollments.filter(
    (r) => journeyOf(r.enrollment.journeyId, r.enrollment.journeyVersion)?.goal?.event === event.type,
  );
  if (candidates.length === 0) return 0;
  const runs = candidates.map((r) => ({ enrollment: r.enrollment, heldOut: r.reason === 'holdout' }));
  // Only the ledger from the earliest entry whose window holds the event: a loyal customer's
  // ledger keeps 400 days, and a Query's read units count every item it reads.
  const since = attributionSince({ event, runs, journeyOf });
  if (since === undefined) return 0;
  const ledger = await rt.store.listLedger(event.customerId, { since: new Date(since - LEDGER_SLACK_MS) });
  const conversions = conversionsFor({ event, runs, journeyOf, ledger });
  let recorded = 0;
  for (const conversion of conversions) {
    if (!(await rt.store.putConversion(conversion))) continue;
    recorded++;
    publishConversion(rt.metrics, conversion);
  }
  return recorded;
}

/** Metric dimensions of a conversion: held-out runs are variant `holdout`, with no step or channel. */
export function conversionDimensions(c: Conversion): Record<string, string> {
  return {
    journey: c.journeyId,
    step: c.stepId ?? 'none',
    channel: c.channel ?? 'none',
    variant: c.heldOut ? 'holdout' : (c.variant ?? 'none'),
  };
}

/**
 * `Conversions` and `Revenue` (counted revenue only), each by journey and by journey, step, channel
 * and variant: two single-metric lines per metric, each with one plain dimension set (a single
 * metric flushes on `addMetric`; two dimension sets sharing `journey` make Powertools warn).
 */
function publishConversion(metrics: Metrics, c: Conversion): void {
  const sets = [{ journey: c.journeyId }, conversionDimensions(c)];
  const emit = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => {
    for (const dimensions of sets) {
      const single = metrics.singleMetric();
      for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
      single.addMetric(name, unit, value);
    }
  };
  emit('Conversions', MetricUnit.Count, 1);
  if (c.revenue === 'counted' && c.value !== undefined) emit('Revenue', MetricUnit.NoUnit, c.value);
  if (c.revenue === 'other_currency')
    metrics.addMetric('ConversionRevenueRefused_other_currency', 'Count', 1);
}

/** `Entrants` by journey and group (`treated` / `holdout`): the denominators of the conversion rates. */
export function publishEntrant(metrics: Metrics, journeyId: string, group: 'treated' | 'holdout'): void {
  const single = metrics.singleMetric();
  single.addDimension('journey', journeyId);
  single.addDimension('group', group);
  single.addMetric('Entrants', MetricUnit.Count, 1);
}
