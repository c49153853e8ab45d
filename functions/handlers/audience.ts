/**
 * Audience Lambda: one child execution of an audience journey's Distributed Map
 * (engine/audience/map-definition.ts) hands it an ItemBatcher batch of parallel-scan segments;
 * it scans each, judges every profile with the journey's segment and enrols the members
 * (functions/app/audience.ts, the code the local runtime runs too). Answers counts only.
 */
import { type AudienceBatchInput, tickAt } from '../../engine/audience/index.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import { type AudienceBatchSummary, addSummary, emptySummary, enrolScanSegment } from '../app/audience.ts';
import { enterRun } from '../app/runs.ts';
import { resolve } from '../app/runtime.ts';
import type { AudienceHandlerDeps } from '../deps.ts';
import { audienceDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

export class AudienceBatchError extends Error {
  override readonly name = 'AudienceBatchError';
  constructor(
    readonly code: 'malformed_batch' | 'unknown_journey' | 'unknown_segment' | 'bad_scheduled_time',
    message: string,
  ) {
    super(message);
  }
}

export function createAudienceHandler(deps: AudienceHandlerDeps) {
  const rt = resolve(deps, 'audience');
  // Scale-mode audience journeys enter runs as ingest's entrants do (functions/app/runs.ts).
  const scale = deps.scale;
  const runEntry = scale
    ? {
        enterRun: (enrollment: Enrollment, journey: Journey) =>
          enterRun(
            { clock: rt.clock, logger: rt.logger, metrics: rt.metrics, journeys: rt.journeys, scale },
            enrollment,
            journey,
          ),
      }
    : {};
  return lambda('audience', rt, async (event: AudienceBatchInput): Promise<AudienceBatchSummary> => {
    const items = Array.isArray(event?.Items) ? event.Items : undefined;
    const journeyId = event?.BatchInput?.journeyId;
    const total = event?.BatchInput?.totalSegments;
    if (!items || typeof journeyId !== 'string' || typeof total !== 'number') {
      throw new AudienceBatchError(
        'malformed_batch',
        'expected { Items: [{ segment, scheduledTime }], BatchInput }',
      );
    }
    const journey = rt.journeys.active().find((j) => j.id === journeyId);
    const schedule = journey?.entry.schedule;
    if (!journey || !schedule)
      throw new AudienceBatchError('unknown_journey', `no audience journey ${journeyId}`);
    const segment = deps.segments.get(journey.entry.segment ?? '');
    if (!segment)
      throw new AudienceBatchError('unknown_segment', `journey ${journeyId}: segment not deployed`);
    const summary = emptySummary();
    for (const item of items) {
      const tick = tickAt(schedule, item.scheduledTime);
      if (!tick)
        throw new AudienceBatchError('bad_scheduled_time', `scheduledTime ${String(item.scheduledTime)}`);
      const done = await enrolScanSegment(
        {
          store: rt.store,
          executions: deps.executions,
          config: deps.config,
          now: () => rt.clock.now(),
          ...(deps.controls ? { controls: deps.controls } : {}),
          ...runEntry,
        },
        deps.reader,
        { journey, segment, tick, scanSegment: item.segment, totalScanSegments: total },
      );
      addSummary(summary, done);
    }
    rt.metrics.addMetric('AudienceEvaluated', 'Count', summary.evaluated);
    rt.metrics.addMetric('AudienceStarted', 'Count', summary.started);
    rt.logger.info('audience batch enrolled', {
      journeyId,
      segments: items.map((i) => i.segment),
      ...summary,
    });
    return summary;
  });
}

export const handler = lazyHandler(async () => createAudienceHandler(await audienceDepsFromEnv()));
