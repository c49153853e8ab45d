/**
 * The step Lambda's use case: find the journey version the customer entered, then dispatch on the
 * op. Sends go through runSend (claims, caps, providers); flow ops are pure decisions on fresh data.
 * Unexpected failures never escape as an unhandled error: each op answers in a shape its compiled
 * state routes on (see engine/contract.ts), and the failure is logged and counted.
 */
import { Duration } from 'luxon';
import { STEP_RETRY_ERROR } from '../../engine/compile/states.ts';
import type { EventArrivedOutput, StepRequest, StepResult } from '../../engine/contract.ts';
import { stepKey } from '../../engine/ledger.ts';
import { decideFlow, type FlowOp } from '../../engine/policy/index.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import {
  answerAfterError,
  endsJourney,
  routableFlowResult,
  withNextUntil,
} from '../../engine/step-results.ts';
import { errorFacts } from '../observability.ts';
import { controlGate, gateOnRead } from './control-gate.ts';
import { armNextWait, armStep, finishRunOf, ScaleNotConfiguredError } from './runs.ts';
import { ARRIVAL_SLACK_MS, endedEnrollment, engagementQuery, loadDecision } from './runtime.ts';
import { runSend, type StepRuntime } from './send.ts';

const FLOW_OPS = new Set<string>(['branch', 'split', 'update', 'schedule']);

/** A flow decision that failed for a fault; the state machine retries the Task on its name. */
export class StepRetryError extends Error {
  override name = STEP_RETRY_ERROR;
  readonly code = 'step_retry';
  constructor(op: string, cause: unknown) {
    super(`the ${op} decision failed; the state machine tries it again`, { cause });
  }
}

export async function runStep(rt: StepRuntime, request: StepRequest): Promise<StepResult> {
  // The version is static in the compiled Task state, so each state machine version asks for its
  // own; the bundle carries every version still in use (infra/journeys.ts).
  const journey = rt.journeys.get(request.journeyId, request.journeyVersion);
  const step = journey?.steps[request.stepId];
  if (!journey || !step) {
    rt.logger.error('unknown journey step', {
      journeyId: request.journeyId,
      journeyVersion: request.journeyVersion,
      stepId: request.stepId,
    });
    return { outcome: 'exit', reason: 'unknown_step' };
  }
  const answered = await dispatch(rt, request, journey, step);
  const result =
    request.run && rt.scale && request.armNext
      ? await armNextWait({ ...rt, scale: rt.scale }, request, journey, answered)
      : answered;
  // Scale mode: a step that ends the journey ends the run, so no timer or reconciler revives it.
  const ended = request.run && rt.scale ? endsJourney(result, journey) : undefined;
  if (ended !== undefined && rt.scale) await finishRunOf({ ...rt, scale: rt.scale }, request, ended);
  return result;
}

async function dispatch(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
): Promise<StepResult> {
  try {
    if (request.op === 'arm') {
      if (!rt.scale) throw new ScaleNotConfiguredError();
      return await armStep({ ...rt, scale: rt.scale }, request, journey, step);
    }
    // A flow op and a send read their journey's control with their decision (runFlow, runSend);
    // the others first.
    if (!FLOW_OPS.has(request.op) && request.op !== 'send' && rt.controls) {
      const held = await controlGate(rt, request, journey, step, await rt.controls.stateOf(journey.id));
      if (held) return held;
    }
    if (request.op === 'send' && step.type === 'send') return await runSend(rt, request, journey, step);
    if (request.op === 'waitForEvent' && step.type === 'waitForEvent')
      return await registerWait(rt, request, step);
    if (FLOW_OPS.has(request.op)) return await runFlow(rt, request, journey, step);
    rt.logger.error('op does not match step', {
      journeyId: journey.id,
      stepId: request.stepId,
      op: request.op,
    });
    return { outcome: 'exit', reason: `invalid_step:${request.op}` };
  } catch (error) {
    // An arm that failed must not end the run: the Task's retry arms again (idempotent), and a
    // segment that fails for good leaves the run claimed, which the reconciler takes over.
    if (request.op === 'arm') throw error;
    rt.logger.error('step failed', {
      customerId: request.enrollment?.customerId,
      stepId: request.stepId,
      ...errorFacts(error),
    });
    rt.metrics.addMetric('StepErrors', 'Count', 1);
    // A flow decision is made again by the Task's retrier (STEP_RETRY_ERROR): any answer would be
    // wrong for good (a branch's exit, an update without its change, a wait that ends now).
    if (FLOW_OPS.has(request.op)) throw new StepRetryError(request.op, error);
    return answerAfterError(request.op, rt.clock.now());
  }
}

async function runFlow(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
): Promise<StepResult> {
  const op = request.op as FlowOp;
  const now = rt.clock.now();
  const engaged = engagementQuery(step, request.executionId);
  // The control comes in the decision's own request unless it is cached. No write precedes this
  // read, so reading before the gate changes nothing a paused or stopped journey would see.
  const controlOf = rt.controls?.uncached([journey.id])[0];
  const { ctx, controls, profileRead } = await loadDecision(rt.store, {
    journey,
    enrollment: request.enrollment,
    now,
    config: rt.config,
    ...(engaged ? { engaged } : {}),
    ...(controlOf !== undefined ? { controlOf } : {}),
  });
  const held = await gateOnRead(rt, request, journey, step, controls);
  if (held) return held;
  const decision = decideFlow(op, step, ctx, request.stepId);
  const change = decision.change;
  if (change) {
    // From the decision's own read of the profile: a write since then fails the version check,
    // and the update reads again.
    await rt.store.updateProfile(
      request.enrollment.customerId,
      (current) => ({
        ...(current ?? { id: request.enrollment.customerId }),
        attributes: { ...current?.attributes, [change.attribute]: change.value },
        updatedAt: now.toISOString(),
      }),
      profileRead ? { read: profileRead } : {},
    );
  }
  const result = withNextUntil(routableFlowResult(op, step, decision.result, now), journey, ctx);
  // A result that ends the journey rewrites the enrollment in the ledger entry's batch.
  const ended = endedEnrollment(request.enrollment, result, journey, now);
  await rt.store.putLedger(
    {
      id: `flow#${stepKey(request.executionId, request.stepId)}`,
      kind: 'decision',
      at: now.toISOString(),
      customerId: request.enrollment.customerId,
      outcome: result.outcome === 'exit' ? 'exited' : 'next',
      reasons: decision.notes ?? [],
      journeyId: journey.id,
      journeyVersion: journey.version,
      stepId: request.stepId,
      op,
      executionId: request.executionId,
      ...(result.outcome === 'next' && result.detail?.arm ? { variant: result.detail.arm } : {}),
      result,
    },
    { ended },
  );
  return result;
}

async function registerWait(
  rt: StepRuntime,
  request: StepRequest,
  step: Extract<Step, { type: 'waitForEvent' }>,
): Promise<StepResult> {
  const now = rt.clock.now();
  const timeout = Duration.fromISO(step.timeout);
  const expiresAt = new Date(now.getTime() + (timeout.isValid ? timeout.toMillis() : 0)).toISOString();
  if (!request.taskToken) {
    rt.logger.error('waitForEvent without a task token', { stepId: request.stepId });
    return { outcome: 'wait', until: expiresAt };
  }
  await rt.store.putWaitToken({
    customerId: request.enrollment.customerId,
    eventType: step.event,
    executionId: request.executionId,
    stepId: request.stepId,
    onEvent: step.onEvent,
    taskToken: request.taskToken,
    createdAt: now.toISOString(),
    expiresAt,
  });
  await resumeIfAlreadyArrived(rt, request, step, now);
  // The answer is discarded: the Task ends with ingest's SendTaskSuccess or with its timeout.
  return { outcome: 'wait', until: expiresAt };
}

/**
 * An event that arrived while the token was being stored found nothing to resume at ingest. Events
 * count as arrivals from `ARRIVAL_SLACK_MS` before the wait (ingest uses the same window), and the
 * token's conditional removal makes exactly one of ingest and this step resume the task.
 */
async function resumeIfAlreadyArrived(
  rt: StepRuntime,
  request: StepRequest,
  step: Extract<Step, { type: 'waitForEvent' }>,
  now: Date,
): Promise<void> {
  if (!rt.executions || !request.taskToken) return;
  const since = new Date(now.getTime() - ARRIVAL_SLACK_MS);
  const history = await rt.store.listEvents(request.enrollment.customerId, { since });
  const arrived = history.find((e) => e.type === step.event && e.id !== request.enrollment.event.id);
  if (!arrived) return;
  const [token] = (await rt.store.listWaitTokens(request.enrollment.customerId, step.event)).filter(
    (w) => w.executionId === request.executionId && w.stepId === request.stepId,
  );
  if (!token || !(await rt.store.deleteWaitToken(token))) return;
  const output: EventArrivedOutput = { outcome: 'next', next: step.onEvent, eventId: arrived.id };
  try {
    await rt.executions.sendTaskSuccess(request.taskToken, output);
  } catch (error) {
    // Put the token back so ingest can still resume the wait (e.g. no SendTaskSuccess permission).
    await rt.store.putWaitToken(token);
    rt.logger.warn('could not resume an early wait', { stepId: request.stepId, ...errorFacts(error) });
  }
}
