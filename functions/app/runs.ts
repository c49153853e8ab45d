/**
 * Scale mode's use cases (docs/scale-mode.md): enter a run, fire a timer, arm a wait, claim a wait
 * for an event, finish or exit a run, reconcile lost timers. Every decision about the run record is
 * engine/run-protocol.ts's; here they are applied through the ports, in the order that keeps a
 * crash recoverable: the due-index entry before the arm that it indexes, the arm before the timer.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { Duration } from 'luxon';
import { durationSeconds, timeoutSeconds, waitNeedsTimestamp } from '../../engine/compile/graph.ts';
import { stateNames } from '../../engine/compile/states.ts';
import type { Enrollment, StepRequest, StepResult } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { stepKey } from '../../engine/ledger.ts';
import { decideFlow } from '../../engine/policy/index.ts';
import {
  type ArmedWait,
  arm,
  claim,
  claimEvent,
  decideLateness,
  enter,
  exitRun,
  finish,
  type MaxLateness,
  RUN_LEASE_MS,
  type RunRecord,
  refusal,
} from '../../engine/run-protocol.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { routableFlowResult } from '../../engine/step-results.ts';
import type { ScaleDeps } from '../deps.ts';
import { errorFacts } from '../observability.ts';
import type { Clock, DueEntry, JourneyRegistry } from '../ports.ts';
import { ARRIVAL_SLACK_MS, engagementQuery, loadDecisionContext } from './runtime.ts';
import type { StepRuntime } from './send.ts';

export class ScaleNotConfiguredError extends Error {
  override readonly name = 'ScaleNotConfiguredError';
  readonly code = 'scale_not_configured';
  readonly retryable = false;
  constructor() {
    super('a scale-mode journey ran on a Lambda without run store, timers and segments (SCHEDULE_GROUP …)');
  }
}

export interface RunRuntime {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  journeys: JourneyRegistry;
  scale: ScaleDeps;
}

/** What the fire Lambda receives: the schedule's `Target.Input`. */
export interface FireInput {
  customerId: string;
  runId: string;
  seq: number;
}

export type FireOutcome =
  | { status: 'started' | 'finished' | 'skipped_late' | 'rearmed' }
  | { status: 'refused'; reason: ReturnType<typeof refusal> };

export function maxLatenessOf(journey: Journey): MaxLateness | undefined {
  const max = journey.maxLateness;
  if (!max) return undefined;
  return { afterMs: Duration.fromISO(max.after).toMillis(), action: max.action };
}

/** Starts the segment at the run's entry, or — when the entry is an exit step — finishes the run. */
async function startOrFinish(
  rt: RunRuntime,
  record: RunRecord,
  token: string,
): Promise<'started' | 'finished'> {
  const journey = rt.journeys.get(record.journeyId, record.journeyVersion);
  const step = journey?.steps[record.entry];
  if (!journey || step?.type === 'exit') {
    const reason = !journey
      ? 'unknown_journey_version'
      : (step?.type === 'exit' && step.reason) || `exit:${record.entry}`;
    if (!journey)
      rt.logger.error('run on a journey version this deploy does not carry', { runId: record.runId });
    await rt.scale.runs.transitionRun(
      record.customerId,
      record.runId,
      finish({ seq: record.seq, token, reason, nowMs: rt.clock.now().getTime() }),
      rt.clock.now(),
    );
    return 'finished';
  }
  await rt.scale.segments.startSegment({
    enrollment: record.enrollment,
    run: { id: record.runId, seq: record.seq, entry: record.entry, token },
    result: {},
  });
  return 'started';
}

// ── Ingest ──────────────────────────────────────────────────────────────────────────────────

/** A new entrant: the run item (seq 0, claimed by its first segment) and the first segment. */
export async function enterRun(
  rt: RunRuntime,
  enrollment: Enrollment,
  journey: Journey,
): Promise<'started' | 'already_started'> {
  const now = rt.clock.now();
  const token = randomUUID();
  // Indexed first: if the segment never starts, the reconciler finds the run claimed past its lease.
  await rt.scale.runs.putDue({
    customerId: enrollment.customerId,
    runId: enrollment.id,
    seq: 0,
    dueMs: now.getTime(),
  });
  const entered = await rt.scale.runs.transitionRun(
    enrollment.customerId,
    enrollment.id,
    enter({ enrollment, entry: journey.start, token, nowMs: now.getTime() }),
    now,
  );
  if (!entered.applied) return 'already_started';
  // An audience entrant waits for its local time and pacing slot first (`enrollment.notBefore`,
  // Standard mode's compiled `entry.not-before` Wait): here that wait is the run's first timer.
  const notBeforeMs = enrollment.notBefore ? Date.parse(enrollment.notBefore) : Number.NaN;
  if (notBeforeMs > now.getTime()) {
    await armWait(rt, entered.record, token, {
      kind: 'timer',
      entry: journey.start,
      dueMs: notBeforeMs,
      waitStep: stateNames.notBefore,
    });
    return 'started';
  }
  await startOrFinish(rt, entered.record, token);
  return 'started';
}

/** The customer's runs waiting for this event claim their wait and continue at `onEvent`. */
export async function claimEventWaits(rt: RunRuntime, event: CustomerEvent): Promise<number> {
  const now = rt.clock.now();
  let resumed = 0;
  for (const run of await rt.scale.runs.listRuns(event.customerId)) {
    if (run.status !== 'waiting' || run.waitKind !== 'event' || run.awaitEvent !== event.type) continue;
    if ((run.dueMs ?? 0) <= now.getTime() || !run.onEvent) continue;
    // As in Standard mode (ingest.ts): an event from before the wait began does not end it.
    if (Date.parse(event.time) < (run.armedAt ?? 0) - ARRIVAL_SLACK_MS) continue;
    const token = randomUUID();
    const claimed = await rt.scale.runs.transitionRun(
      run.customerId,
      run.runId,
      claimEvent({ seq: run.seq, eventType: event.type, onEvent: run.onEvent, token, nowMs: now.getTime() }),
      now,
    );
    if (!claimed.applied) continue;
    await disarmQuietly(rt, run.runId, run.seq);
    await startOrFinish(rt, claimed.record, token);
    resumed++;
  }
  return resumed;
}

/** An exit event (or a stopped journey) ends the run; its pending timer is deleted where it still exists. */
export async function exitRunOf(rt: RunRuntime, enrollment: Enrollment, reason: string): Promise<boolean> {
  const now = rt.clock.now();
  const exited = await rt.scale.runs.transitionRun(
    enrollment.customerId,
    enrollment.id,
    exitRun({ reason, nowMs: now.getTime() }),
    now,
  );
  if (!exited.applied) return false;
  await disarmQuietly(rt, enrollment.id, exited.record.seq);
  return true;
}

async function disarmQuietly(rt: RunRuntime, runId: string, seq: number): Promise<void> {
  try {
    await rt.scale.timers.disarm({ runId, seq });
  } catch (error) {
    // The timer then fires into a failed claim, which costs one short invocation and nothing else.
    rt.logger.warn('could not delete a pending timer', { runId, seq, ...errorFacts(error) });
  }
}

// ── Fire (the Scheduler target) and the reconciler ──────────────────────────────────────────

export async function fireRun(rt: RunRuntime, input: FireInput): Promise<FireOutcome> {
  const now = rt.clock.now();
  const token = randomUUID();
  const claimed = await rt.scale.runs.transitionRun(
    input.customerId,
    input.runId,
    claim({ seq: input.seq, token, nowMs: now.getTime() }),
    now,
  );
  if (!claimed.applied) {
    const reason = refusal(claim({ seq: input.seq, token, nowMs: now.getTime() }), claimed.current);
    rt.metrics.addMetric('RunFiresStale', 'Count', 1);
    return { status: 'refused', reason };
  }
  const record = claimed.record;
  const journey = rt.journeys.get(record.journeyId, record.journeyVersion);
  const max = journey ? maxLatenessOf(journey) : undefined;
  const decision = decideLateness({
    dueMs: record.dueMs ?? now.getTime(),
    nowMs: now.getTime(),
    ...(max ? { max } : {}),
  });
  rt.metrics.addMetric('RunLateness', 'Milliseconds', decision.latenessMs);
  if (decision.kind === 'skip') {
    await rt.scale.runs.transitionRun(
      record.customerId,
      record.runId,
      finish({ seq: record.seq, token, reason: 'too_late', nowMs: now.getTime() }),
      now,
    );
    rt.metrics.addMetric('RunsLateSkipped', 'Count', 1);
    return { status: 'skipped_late' };
  }
  if (decision.kind === 'rearm') {
    const wait: ArmedWait =
      record.waitKind === 'event' && record.awaitEvent && record.onEvent
        ? {
            kind: 'event',
            entry: record.entry,
            dueMs: decision.dueMs,
            waitStep: record.waitStep ?? record.entry,
            awaitEvent: record.awaitEvent,
            onEvent: record.onEvent,
          }
        : {
            kind: 'timer',
            entry: record.entry,
            dueMs: decision.dueMs,
            waitStep: record.waitStep ?? record.entry,
          };
    await armWait(rt, record, token, wait);
    rt.metrics.addMetric('RunsLateRearmed', 'Count', 1);
    return { status: 'rearmed' };
  }
  return { status: await startOrFinish(rt, record, token) };
}

/** Index, record, then create the timer: a crash between any two leaves something the reconciler finds. */
async function armWait(
  rt: RunRuntime,
  record: Pick<RunRecord, 'customerId' | 'runId' | 'seq'>,
  token: string,
  wait: ArmedWait,
): Promise<{ armed: true; seq: number } | { armed: false; current: RunRecord | undefined }> {
  const now = rt.clock.now();
  const timer = {
    customerId: record.customerId,
    runId: record.runId,
    seq: record.seq + 1,
    dueMs: wait.dueMs,
  };
  await rt.scale.runs.putDue(timer);
  const armed = await rt.scale.runs.transitionRun(
    record.customerId,
    record.runId,
    arm({ seq: record.seq, token, wait, nowMs: now.getTime() }),
    now,
  );
  if (!armed.applied) {
    const current = armed.current;
    // A retry of an arm that was recorded but whose timer was not created: create it now.
    const mine =
      current?.status === 'waiting' && current.seq === timer.seq && current.waitStep === wait.waitStep;
    if (!mine) return { armed: false, current };
  }
  await rt.scale.timers.arm(timer);
  return { armed: true, seq: timer.seq };
}

export interface ReconcileSummary {
  checked: number;
  fired: number;
  /** Entries whose check or fire threw; the sweep went on past them. */
  failed: number;
}

/** Raised at the end of a sweep in which some entries failed, so the invocation counts as an error. */
export class ReconcileIncompleteError extends Error {
  override name = 'ReconcileIncompleteError';
  readonly code = 'reconcile_incomplete';
  constructor(readonly summary: ReconcileSummary) {
    super(`${summary.failed} of ${summary.checked} due entries could not be reconciled; the rest were`);
  }
}

/**
 * Lost timers: every due-index entry of the last `lookbackMs` whose run still waits on that seq
 * `graceMs` after its due time (its schedule was never created), or is claimed past the lease (its
 * segment died), is fired here through the same use case the Scheduler target runs.
 *
 * One entry that fails (a fault, a segment that cannot start) does not hold up the others behind
 * it: each is tried, and a sweep with failures ends in ReconcileIncompleteError once all were,
 * which the function's error alarm sees. The next sweep tries the failed ones again.
 */
export async function reconcileRuns(
  rt: RunRuntime,
  options: { lookbackMs?: number; graceMs?: number } = {},
): Promise<ReconcileSummary> {
  const nowMs = rt.clock.now().getTime();
  const lookbackMs = options.lookbackMs ?? 120 * 60_000;
  const graceMs = options.graceMs ?? 10 * 60_000;
  const summary: ReconcileSummary = { checked: 0, fired: 0, failed: 0 };
  for (const entry of await rt.scale.runs.listDue(nowMs - lookbackMs, nowMs - graceMs)) {
    summary.checked++;
    try {
      if (await reconcileEntry(rt, entry, nowMs, graceMs)) {
        summary.fired++;
        rt.metrics.addMetric('RunsReconciled', 'Count', 1);
      }
    } catch (error) {
      summary.failed++;
      rt.metrics.addMetric('RunsReconcileFailed', 'Count', 1);
      rt.logger.error('reconcile entry failed', { runId: entry.runId, seq: entry.seq, ...errorFacts(error) });
    }
  }
  if (summary.failed > 0) throw new ReconcileIncompleteError(summary);
  return summary;
}

/** Fires one due entry's run if its timer was lost; whether it fired. */
async function reconcileEntry(
  rt: RunRuntime,
  entry: DueEntry,
  nowMs: number,
  graceMs: number,
): Promise<boolean> {
  const run = await rt.scale.runs.getRun(entry.customerId, entry.runId);
  if (!run || run.seq !== entry.seq) return false;
  const lost =
    (run.status === 'waiting' && (run.dueMs ?? 0) < nowMs - graceMs) ||
    (run.status === 'claimed' && (run.claimedAt ?? 0) < nowMs - RUN_LEASE_MS);
  if (!lost) return false;
  const outcome = await fireRun(rt, { customerId: entry.customerId, runId: entry.runId, seq: entry.seq });
  return outcome.status !== 'refused';
}

// ── The step Lambda's side: arm a wait, finish a run ────────────────────────────────────────

type ScaleStepRuntime = StepRuntime & { scale: ScaleDeps };

/**
 * `arm` (op): the due time of a wait (as `schedule` computes it, with fresh data), of a wait for an
 * event (its timeout; an event that already arrived continues at once), or of a deferred send
 * (`until`). A time already come goes straight on, as a Standard Wait would.
 */
export async function armStep(
  rt: ScaleStepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
): Promise<StepResult> {
  const run = request.run;
  if (!run) return { outcome: 'exit', reason: 'no_run' };
  const now = rt.clock.now();
  const wait = await waitOf(rt, request, journey, step, now);
  if ('result' in wait) return wait.result;
  if (wait.dueMs <= now.getTime()) return { outcome: 'next', next: wait.entry };
  const armed = await armWait(
    { ...rt, journeys: rt.journeys },
    { customerId: request.enrollment.customerId, runId: run.id, seq: run.seq },
    run.token,
    wait,
  );
  if (!armed.armed) {
    // Another invocation holds the run now, or it ended: this segment stops here.
    return {
      outcome: 'exit',
      reason: `run_${refusal(arm({ seq: run.seq, token: run.token, wait, nowMs: now.getTime() }), armed.current)}`,
    };
  }
  return { outcome: 'armed', until: new Date(wait.dueMs).toISOString(), seq: armed.seq };
}

/**
 * `armNext` (a send, branch or split whose route takes `armed`): the step answered `next` into a
 * wait, so this invocation arms that wait now, as its `arm` Task would, and the segment ends here —
 * one step Lambda invocation fewer per wait, and for a timestamp wait no second read, since the
 * result's `until` is what `schedule` computes (engine/contract.ts). Anything else — not a wait, a
 * time already come, an arm that failed — answers the step's own result, and the wait's `arm` Task
 * does what it always did (with its retries).
 */
export async function armNextWait(
  rt: ScaleStepRuntime,
  request: StepRequest,
  journey: Journey,
  result: StepResult,
): Promise<StepResult> {
  const run = request.run;
  if (!run || !request.armNext) return result;
  const now = rt.clock.now();
  if (result.outcome === 'defer') {
    // A deferred send: the timer runs the same send again at `until`, as `<step>.deferred` would.
    const dueMs = Date.parse(result.until);
    if (Number.isNaN(dueMs) || dueMs <= now.getTime()) return result;
    return armInStep(rt, request, result, {
      kind: 'timer',
      entry: request.stepId,
      waitStep: request.stepId,
      dueMs,
    });
  }
  if (result.outcome !== 'next' || result.exit !== undefined) return result;
  const next = journey.steps[result.next];
  if (next?.type !== 'wait' && next?.type !== 'waitForEvent') return result;
  try {
    const asArm = { ...request, op: 'arm' as const, stepId: result.next };
    const dueMs = result.until === undefined ? Number.NaN : Date.parse(result.until);
    const wait: ArmedWait | { result: StepResult } =
      next.type === 'wait' && !Number.isNaN(dueMs)
        ? { kind: 'timer', entry: next.next, waitStep: result.next, dueMs }
        : await waitOf(rt, asArm, journey, next, now);
    if ('result' in wait || wait.dueMs <= now.getTime()) return result;
    return await armInStep(rt, request, result, wait);
  } catch (error) {
    rt.logger.warn('could not read the next wait in the same invocation; its arm Task will', {
      runId: run.id,
      stepId: result.next,
      ...errorFacts(error),
    });
    return result;
  }
}

/** Arms `wait` for the step's run; on any refusal or failure the step's own result stands. */
async function armInStep(
  rt: ScaleStepRuntime,
  request: StepRequest,
  result: StepResult,
  wait: ArmedWait,
): Promise<StepResult> {
  const run = request.run;
  if (!run) return result;
  try {
    const armed = await armWait(
      rt,
      { customerId: request.enrollment.customerId, runId: run.id, seq: run.seq },
      run.token,
      wait,
    );
    if (!armed.armed) return result;
    return { outcome: 'armed', until: new Date(wait.dueMs).toISOString(), seq: armed.seq };
  } catch (error) {
    // The arm Task after this step arms again: same due-index entry, same schedule name.
    rt.logger.warn('could not arm in the same invocation; the arm Task will', {
      runId: run.id,
      waitStep: wait.waitStep,
      ...errorFacts(error),
    });
    return result;
  }
}

async function waitOf(
  rt: ScaleStepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
  now: Date,
): Promise<ArmedWait | { result: StepResult }> {
  const stepId = request.stepId;
  switch (step.type) {
    case 'send': {
      const dueMs = Date.parse(request.until ?? '');
      return {
        kind: 'timer',
        entry: stepId,
        waitStep: stepId,
        dueMs: Number.isNaN(dueMs) ? now.getTime() : dueMs,
      };
    }
    case 'wait': {
      if (!waitNeedsTimestamp(step)) {
        const seconds = durationSeconds(step.duration ?? 'PT0S', `/steps/${stepId}/duration`);
        return { kind: 'timer', entry: step.next, waitStep: stepId, dueMs: now.getTime() + seconds * 1000 };
      }
      const ctx = await loadDecisionContext(
        rt.store,
        journey,
        request.enrollment,
        now,
        rt.config,
        engagementQuery(step, request.executionId),
      );
      const decision = decideFlow('schedule', step, ctx, stepId);
      const scheduled = routableFlowResult('schedule', step, decision.result, now);
      if (scheduled.outcome === 'exit') return { result: scheduled };
      if (scheduled.outcome === 'wait' && scheduled.sendTime)
        await recordBestTime(rt, request, journey, scheduled, decision.notes ?? [], now);
      const until = scheduled.outcome === 'wait' ? Date.parse(scheduled.until) : now.getTime();
      return { kind: 'timer', entry: step.next, waitStep: stepId, dueMs: until };
    }
    case 'waitForEvent': {
      // Standard mode's rule (step.ts resumeIfAlreadyArrived): an event from just before the wait counts.
      const since = new Date(now.getTime() - ARRIVAL_SLACK_MS);
      const history = await rt.store.listEvents(request.enrollment.customerId, { since });
      if (history.some((e) => e.type === step.event && e.id !== request.enrollment.event.id)) {
        return { result: { outcome: 'next', next: step.onEvent } };
      }
      const seconds = Math.max(1, timeoutSeconds(step.timeout, `/steps/${stepId}/timeout`));
      return {
        kind: 'event',
        entry: step.onTimeout,
        waitStep: stepId,
        dueMs: now.getTime() + seconds * 1000,
        awaitEvent: step.event,
        onEvent: step.onEvent,
      };
    }
    default:
      return { result: { outcome: 'exit', reason: `invalid_step:arm` } };
  }
}

/**
 * A best-time wait armed at a segment's start: its choice and evidence go to the ledger as Standard
 * mode's `schedule` records them (functions/app/step.ts runFlow); one write, only for `best` waits.
 * (A best-time wait after a send or branch has them in that step's own record, in both modes.)
 */
async function recordBestTime(
  rt: ScaleStepRuntime,
  request: StepRequest,
  journey: Journey,
  result: Extract<StepResult, { outcome: 'wait' }>,
  reasons: string[],
  now: Date,
): Promise<void> {
  await rt.store.putLedger({
    id: `flow#${stepKey(request.executionId, request.stepId)}`,
    kind: 'decision',
    at: now.toISOString(),
    customerId: request.enrollment.customerId,
    outcome: 'next',
    reasons,
    journeyId: journey.id,
    journeyVersion: journey.version,
    stepId: request.stepId,
    op: 'schedule',
    executionId: request.executionId,
    result,
  });
}

/** A segment's step ended the journey: the run is done (its holder's claim fences the write). */
export async function finishRunOf(rt: ScaleStepRuntime, request: StepRequest, reason: string): Promise<void> {
  const run = request.run;
  if (!run) return;
  const now = rt.clock.now();
  await rt.scale.runs.transitionRun(
    request.enrollment.customerId,
    run.id,
    finish({ seq: run.seq, token: run.token, reason, nowMs: now.getTime() }),
    now,
  );
}
