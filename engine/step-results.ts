/**
 * What a step's result means beyond itself: the shape its compiled state can route on, the next
 * wait's timestamp, and whether the journey ends.
 */
import { waitCanExit, waitNeedsTimestamp } from './compile/graph.ts';
import type { StepOp, StepResult } from './contract.ts';
import type { DecisionContext } from './policy/context.ts';
import { decideFlow, type FlowOp } from './policy/flow.ts';
import type { Journey, Step } from './schema.ts';

/** After an unexpected failure, a send is tried again this much later. */
export const RETRY_AFTER_ERROR_MS = 5 * 60_000;

/**
 * A flow decision in the shape its compiled state routes on. An update's state goes straight on
 * whatever the answer (an exit it found is acted on by the next send's own check), and a schedule's
 * Wait needs a timestamp (now, when the decision has none).
 */
export function routableFlowResult(op: FlowOp, step: Step, result: StepResult, now: Date): StepResult {
  if (op === 'update' && step.type === 'update' && result.outcome === 'exit') {
    return { outcome: 'next', next: step.next };
  }
  if (op === 'schedule' && result.outcome !== 'wait') {
    // A wait that can end the journey has a check Choice that routes the exit (see contract.ts).
    if (result.outcome === 'exit' && step.type === 'wait' && waitCanExit(step)) return result;
    return { outcome: 'wait', until: now.toISOString() };
  }
  return result;
}

/**
 * The contract (engine/contract.ts): a `next` into a wait that needs a timestamp carries `until`,
 * computed exactly as `schedule` would, because the workflow goes straight to that Wait.
 */
export function withNextUntil(result: StepResult, journey: Journey, ctx: DecisionContext): StepResult {
  if (result.outcome !== 'next') return result;
  const next = journey.steps[result.next];
  if (next?.type !== 'wait' || !waitNeedsTimestamp(next)) return result;
  const scheduled = decideFlow('schedule', next, ctx, result.next).result;
  if (scheduled.outcome === 'exit' && waitCanExit(next)) return { ...result, exit: scheduled.reason };
  if (scheduled.outcome !== 'wait') return { ...result, until: ctx.now.toISOString() };
  return {
    ...result,
    until: scheduled.until,
    ...(scheduled.sendTime ? { sendTime: scheduled.sendTime } : {}),
  };
}

/**
 * The reason the journey ends after this result, when it ends: an exit outcome, a `next` that
 * carries `exit` (into a date wait whose date is missing), or a `next` into an exit step.
 */
export function endsJourney(result: StepResult, journey: Journey): string | undefined {
  if (result.outcome === 'exit') return result.reason;
  if (result.outcome !== 'next') return undefined;
  if (result.exit !== undefined) return result.exit;
  const next = journey.steps[result.next];
  return next?.type === 'exit' ? (next.reason ?? `exit:${result.next}`) : undefined;
}

/**
 * What a send or a wait for an event answers after an unexpected failure: the send is tried again
 * later, and a wait for an event's answer is not read (its Task waits for the token). The flow ops
 * (branch, split, update, schedule) answer nothing: their failure is thrown for the Task's retrier
 * (functions/app/step.ts `StepRetryError`), since any answer would route the run for good.
 */
export function answerAfterError(op: StepOp, now: Date): StepResult {
  switch (op) {
    case 'send':
      return {
        outcome: 'defer',
        until: new Date(now.getTime() + RETRY_AFTER_ERROR_MS).toISOString(),
        reason: 'retry',
      };
    case 'waitForEvent':
      return { outcome: 'wait', until: now.toISOString() };
    default:
      return { outcome: 'exit', reason: 'runtime_error' };
  }
}
