/**
 * Audience enrolment: one batch of profiles judged against an audience journey's segment on one
 * tick, by the same engine code locally (local/audience.ts) and in the audience Map's Lambda
 * (functions/handlers/audience.ts), whether the tick scans the table or reads an export of it
 * (`enrolScanSegment`, `enrolExportFile`: both through `enrolPages` → `enrolBatch`). For each profile: load its history (only when the segment
 * reads behaviour) and its enrolments, plan (engine/audience/enrol.ts), then write the enrolment
 * and start the execution, or record the holdout. Enrolment keys are deterministic in (journey,
 * tick, customer): a re-run of a batch finds them and starts nothing twice; a crash between the
 * write and the start is healed by the re-run, whose start of the same name is `already_started`
 * or a first start. A scale-mode journey (docs/scale-mode.md) enters a run instead of starting an
 * execution, through the same `enterRun` as ingest: its conditional first write is the same guard.
 */
import {
  type AudienceCandidate,
  type AudienceSkipReason,
  needsHistory,
  planAudienceEntry,
  type Segment,
  type Tick,
} from '../../engine/audience/index.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { Profile } from '../../engine/data.ts';
import { entryAllowed } from '../../engine/journey-control.ts';
import { historySince, type PolicyConfig } from '../../engine/policy/index.ts';
import { executionMode } from '../../engine/run-protocol.ts';
import type { Journey } from '../../engine/schema.ts';
import type {
  AudienceExportReader,
  AudienceReader,
  ExecutionStarter,
  JourneyControls,
  Store,
} from '../ports.ts';
import { ScaleNotConfiguredError } from './runs.ts';
import { recordHoldout } from './runtime.ts';

/** Enters one scale-mode run (functions/app/runs.ts `enterRun`, bound to the scale ports). */
export type RunEntry = (enrollment: Enrollment, journey: Journey) => Promise<'started' | 'already_started'>;

export interface AudienceDeps {
  store: Store;
  executions: ExecutionStarter;
  config: PolicyConfig;
  controls?: JourneyControls;
  /** Needed when an audience journey runs in scale mode; without it such a batch fails before it enrols anyone. */
  enterRun?: RunEntry;
  now: () => Date;
}

export interface AudienceBatch {
  journey: Journey;
  segment: Pick<Segment, 'id' | 'condition'>;
  tick: Tick;
  profiles: readonly Profile[];
  /** Hands out paced positions, one per entrant, in order (default: 0, 1, 2, … within the batch). */
  nextPosition?: () => number;
}

export interface AudienceBatchSummary {
  evaluated: number;
  started: number;
  alreadyStarted: number;
  heldOut: number;
  skipped: Partial<Record<AudienceSkipReason | 'journey_draining' | 'journey_stopped', number>>;
}

export function emptySummary(): AudienceBatchSummary {
  return { evaluated: 0, started: 0, alreadyStarted: 0, heldOut: 0, skipped: {} };
}

export function addSummary(into: AudienceBatchSummary, more: AudienceBatchSummary): AudienceBatchSummary {
  into.evaluated += more.evaluated;
  into.started += more.started;
  into.alreadyStarted += more.alreadyStarted;
  into.heldOut += more.heldOut;
  for (const [k, n] of Object.entries(more.skipped))
    into.skipped[k as AudienceSkipReason] = (into.skipped[k as AudienceSkipReason] ?? 0) + (n ?? 0);
  return into;
}

export async function enrolBatch(deps: AudienceDeps, batch: AudienceBatch): Promise<AudienceBatchSummary> {
  const summary = emptySummary();
  const skip = (reason: keyof AudienceBatchSummary['skipped'], n = 1) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
  };
  summary.evaluated = batch.profiles.length;
  const state = deps.controls ? await deps.controls.stateOf(batch.journey.id) : 'active';
  const allowed = entryAllowed(state);
  if (!allowed.ok) {
    skip(allowed.reason, batch.profiles.length);
    return summary;
  }
  const scale = executionMode(batch.journey, deps.config) === 'scale';
  const enterRun = deps.enterRun;
  if (scale && !enterRun) throw new ScaleNotConfiguredError();
  const now = deps.now();
  const withHistory = needsHistory(batch.segment.condition);
  const since = historySince(deps.config, now);
  const ctx = { journey: batch.journey, segment: batch.segment, tick: batch.tick, now, config: deps.config };
  let count = 0;
  const nextPosition = batch.nextPosition ?? (() => count++);
  for (const profile of batch.profiles) {
    const [history, enrollments] = await Promise.all([
      withHistory ? deps.store.listEvents(profile.id, since ? { since } : {}) : Promise.resolve([]),
      deps.store.listEnrollments(profile.id),
    ]);
    const candidate: AudienceCandidate = {
      profile,
      history,
      priorEnrollments: enrollments.map(({ enrollment: e }) => ({
        id: e.id,
        journeyId: e.journeyId,
        enteredAt: e.enteredAt,
      })),
      position: nextPosition,
    };
    const decision = planAudienceEntry(ctx, candidate);
    if (decision.kind === 'skip') {
      skip(decision.reason);
      continue;
    }
    const { enrollment } = decision;
    if (decision.kind === 'heldOut') {
      await recordHoldout(deps.store, enrollment, now, { tick: batch.tick.label, segment: batch.segment.id });
      summary.heldOut++;
      continue;
    }
    await deps.store.putEnrollment({ enrollment, status: 'active', updatedAt: now.toISOString() });
    const started =
      scale && enterRun
        ? await enterRun(enrollment, batch.journey)
        : (await deps.executions.start(enrollment)).status;
    if (started === 'started') summary.started++;
    else summary.alreadyStarted++;
  }
  return summary;
}

export interface TickScan {
  journey: Journey;
  segment: Pick<Segment, 'id' | 'condition'>;
  tick: Tick;
  /** Which parallel-scan segment this call reads, of how many (default: the whole table, 0 of 1). */
  scanSegment?: number;
  totalScanSegments?: number;
  /**
   * Paced positions interleave across scan segments (and local shards): the n-th entrant of part
   * `offset` of `stride` parts is `n * stride + offset`, so the parts together keep the pace when
   * they are of similar size, without talking to each other.
   */
  stride?: number;
  offset?: number;
  pageSize?: number;
}

/** One scan segment of the table, page by page, through `enrolBatch`: a tick's enrolment run (or its share of it). */
export async function enrolScanSegment(
  deps: AudienceDeps,
  reader: AudienceReader,
  scan: TickScan,
): Promise<AudienceBatchSummary> {
  const total = scan.totalScanSegments ?? 1;
  const part = scan.scanSegment ?? 0;
  return enrolPages(
    deps,
    scanSegment(reader, part, total, { limit: scan.pageSize ?? 200 }),
    { journey: scan.journey, segment: scan.segment, tick: scan.tick },
    { stride: scan.stride ?? total, offset: scan.offset ?? part },
  );
}

export interface ExportFileRead {
  journey: Journey;
  segment: Pick<Segment, 'id' | 'condition'>;
  tick: Tick;
  /** The data file's S3 key, and its place among the export's data files (its manifest's order). */
  key: string;
  fileIndex: number;
  totalFiles: number;
  pageSize?: number;
}

/**
 * One data file of a DynamoDB export of the table, through the same `enrolPages` as a scan
 * segment: each data file is one part of the tick, as a scan segment is, so their paced positions
 * interleave the same way (`n * files + index`).
 */
export async function enrolExportFile(
  deps: AudienceDeps,
  reader: AudienceExportReader,
  file: ExportFileRead,
): Promise<AudienceBatchSummary> {
  return enrolPages(
    deps,
    reader.profiles(file.key, { pageSize: file.pageSize ?? 200 }),
    { journey: file.journey, segment: file.segment, tick: file.tick },
    { stride: file.totalFiles, offset: file.fileIndex },
  );
}

/**
 * A part of a tick's candidates, page by page, through `enrolBatch`, whichever way it was read (a
 * scan segment, an export data file): the n-th entrant of part `offset` of `stride` parts is paced
 * at position `n * stride + offset`.
 */
export async function enrolPages(
  deps: AudienceDeps,
  pages: AsyncIterable<Profile[]>,
  audience: Pick<AudienceBatch, 'journey' | 'segment' | 'tick'>,
  part: { stride: number; offset: number },
): Promise<AudienceBatchSummary> {
  let entrants = 0;
  const nextPosition = () => entrants++ * part.stride + part.offset;
  const summary = emptySummary();
  for await (const profiles of pages) {
    addSummary(summary, await enrolBatch(deps, { ...audience, profiles, nextPosition }));
  }
  return summary;
}

/** Every profile of one scan segment, page by page (bounded by `maxPages`). */
export async function* scanSegment(
  reader: AudienceReader,
  segment: number,
  totalSegments: number,
  options: { limit?: number; maxPages?: number } = {},
): AsyncGenerator<Profile[]> {
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < (options.maxPages ?? 1_000_000); page++) {
    const result = await reader.scanPage({
      segment,
      totalSegments,
      ...(startKey ? { startKey } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    yield result.profiles;
    if (!result.nextKey) return;
    startKey = result.nextKey;
  }
}
