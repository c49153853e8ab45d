/**
 * Audience Lambda: one child execution of an audience journey's Distributed Map
 * (engine/audience/map-definition.ts) hands it an ItemBatcher batch — of parallel-scan segments
 * (the scan branch) or of S3 keys of an export's data files (the export branch, `BatchInput.source
 * = "export"`); it reads each, judges every profile with the journey's segment and enrols the
 * members (functions/app/audience.ts, the code the local runtime runs too). Answers counts only.
 */
import {
  type AudienceBatchInput,
  type AudienceExportBatchInput,
  tickAt,
} from '../../engine/audience/index.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  type AudienceBatchSummary,
  type AudienceDeps,
  addSummary,
  emptySummary,
  enrolExportFile,
  enrolScanSegment,
} from '../app/audience.ts';
import { enterRun } from '../app/runs.ts';
import { resolve } from '../app/runtime.ts';
import type { AudienceHandlerDeps } from '../deps.ts';
import { audienceDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

export class AudienceBatchError extends Error {
  override readonly name = 'AudienceBatchError';
  constructor(
    readonly code:
      | 'malformed_batch'
      | 'unknown_journey'
      | 'unknown_segment'
      | 'bad_scheduled_time'
      | 'export_not_configured'
      | 'unknown_export_file',
    message: string,
  ) {
    super(message);
  }
}

export function createAudienceHandler(deps: AudienceHandlerDeps) {
  const rt = resolve(deps, 'audience');
  // Scale-mode audience journeys enter runs as ingest's entrants do (functions/app/runs.ts).
  const scale = deps.scale;
  const app: AudienceDeps = {
    store: rt.store,
    executions: deps.executions,
    config: deps.config,
    now: () => rt.clock.now(),
    ...(deps.controls ? { controls: deps.controls } : {}),
    ...(scale
      ? {
          enterRun: (enrollment: Enrollment, journey: Journey) =>
            enterRun(
              { clock: rt.clock, logger: rt.logger, metrics: rt.metrics, journeys: rt.journeys, scale },
              enrollment,
              journey,
            ),
        }
      : {}),
  };
  const audienceOf = (journeyId: string) => {
    const journey = rt.journeys.active().find((j) => j.id === journeyId);
    const schedule = journey?.entry.schedule;
    if (!journey || !schedule)
      throw new AudienceBatchError('unknown_journey', `no audience journey ${journeyId}`);
    const segment = deps.segments.get(journey.entry.segment ?? '');
    if (!segment)
      throw new AudienceBatchError('unknown_segment', `journey ${journeyId}: segment not deployed`);
    const tick = (scheduledTime: unknown) => {
      const at = tickAt(schedule, scheduledTime as string);
      if (!at) throw new AudienceBatchError('bad_scheduled_time', `scheduledTime ${String(scheduledTime)}`);
      return at;
    };
    return { journey, segment, tick };
  };

  const scanBatch = async (event: AudienceBatchInput, summary: AudienceBatchSummary) => {
    const total = event.BatchInput.totalSegments;
    const { journey, segment, tick } = audienceOf(event.BatchInput.journeyId);
    for (const item of event.Items) {
      const scan = { journey, segment, tick: tick(item.scheduledTime), scanSegment: item.segment };
      addSummary(summary, await enrolScanSegment(app, deps.reader, { ...scan, totalScanSegments: total }));
    }
    return event.Items.map((i) => i.segment);
  };

  const exportBatch = async (event: AudienceExportBatchInput, summary: AudienceBatchSummary) => {
    const exports = deps.exports;
    if (!exports)
      throw new AudienceBatchError('export_not_configured', 'an export batch, but no export bucket is set');
    const { journey, segment, tick } = audienceOf(event.BatchInput.journeyId);
    const first = event.Items[0];
    const files = first ? await exports.dataFiles(first.key) : [];
    for (const item of event.Items) {
      const fileIndex = files.indexOf(item.key);
      if (fileIndex < 0)
        throw new AudienceBatchError('unknown_export_file', `${item.key} is not in its export's manifest`);
      const file = { key: item.key, fileIndex, totalFiles: files.length };
      addSummary(
        summary,
        await enrolExportFile(app, exports, { journey, segment, tick: tick(item.scheduledTime), ...file }),
      );
    }
    return event.Items.map((i) => i.key);
  };

  return lambda(
    'audience',
    rt,
    async (event: AudienceBatchInput | AudienceExportBatchInput): Promise<AudienceBatchSummary> => {
      const summary = emptySummary();
      const parts = isExportBatch(event)
        ? await exportBatch(event, summary)
        : isScanBatch(event)
          ? await scanBatch(event, summary)
          : undefined;
      if (!parts)
        throw new AudienceBatchError(
          'malformed_batch',
          'expected { Items: [{ segment, scheduledTime }], BatchInput: { journeyId, totalSegments } } or { Items: [{ key, scheduledTime }], BatchInput: { journeyId, source: "export" } }',
        );
      rt.metrics.addMetric('AudienceEvaluated', 'Count', summary.evaluated);
      rt.metrics.addMetric('AudienceStarted', 'Count', summary.started);
      rt.logger.info('audience batch enrolled', {
        journeyId: event.BatchInput.journeyId,
        ...(isExportBatch(event) ? { files: parts } : { segments: parts }),
        ...summary,
      });
      return summary;
    },
  );
}

function isScanBatch(event: unknown): event is AudienceBatchInput {
  const e = event as Partial<AudienceBatchInput> | undefined;
  return (
    Array.isArray(e?.Items) &&
    typeof e?.BatchInput?.journeyId === 'string' &&
    typeof e.BatchInput.totalSegments === 'number'
  );
}

function isExportBatch(event: unknown): event is AudienceExportBatchInput {
  const e = event as Partial<AudienceExportBatchInput> | undefined;
  return (
    Array.isArray(e?.Items) &&
    e.Items.every((i) => typeof i?.key === 'string') &&
    typeof e?.BatchInput?.journeyId === 'string' &&
    e.BatchInput.source === 'export'
  );
}

export const handler = lazyHandler(async () => createAudienceHandler(await audienceDepsFromEnv()));
