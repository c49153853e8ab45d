/**
 * The operator's control of a journey (engine/journey-control.ts) applied to one step: paused holds
 * it, stopped ends the run, and each hold and stop is kept in the customer's ledger.
 */

import type { StepRequest, StepResult } from '../../engine/contract.ts';
import { type ControlState, gateStep } from '../../engine/journey-control.ts';
import { stepKey } from '../../engine/ledger.ts';
import type { FlowOp } from '../../engine/policy/index.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { routableFlowResult } from '../../engine/step-results.ts';
import type { DecisionItems } from '../ports.ts';
import { enrollmentEnd } from './runtime.ts';
import type { StepRuntime } from './send.ts';

/**
 * The operator's control of the journey (engine/journey-control.ts), before anything else: a paused
 * journey holds its sends (nothing is claimed, so the send runs whole when it looks again), a stopped
 * one ends the run here with `journey_stopped`. Each hold and stop is kept in the customer's ledger.
 */
export async function controlGate(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
  state: ControlState,
): Promise<StepResult | undefined> {
  const now = rt.clock.now();
  const gate = gateStep(state, request.op, now);
  if (gate.kind === 'proceed') return undefined;
  let result: StepResult;
  if (gate.kind === 'hold') {
    result = { outcome: 'defer', until: gate.until.toISOString(), reason: 'journey_paused' };
  } else if (request.op === 'send') {
    result = { outcome: 'exit', reason: gate.reason };
  } else if (request.op === 'waitForEvent') {
    // No token is stored: the wait ends at its timeout and the step after it exits.
    result = { outcome: 'wait', until: now.toISOString() };
  } else {
    result = routableFlowResult(request.op as FlowOp, step, { outcome: 'exit', reason: gate.reason }, now);
  }
  rt.metrics.addMetric(gate.kind === 'hold' ? 'StepsHeldPaused' : 'StepsExitedStopped', 'Count', 1);
  // A stopped journey ends the enrollment in the ledger entry's batch (`Store.putLedger`'s `ended`).
  const ended =
    gate.kind === 'exit' ? enrollmentEnd(request.enrollment, 'stopped', gate.reason, now) : undefined;
  await rt.store.putLedger(
    {
      id: `control#${stepKey(request.executionId, request.stepId)}#${now.getTime()}`,
      kind: 'decision',
      at: now.toISOString(),
      customerId: request.enrollment.customerId,
      outcome: gate.kind === 'hold' ? 'deferred' : 'exited',
      reasons: [gate.kind === 'hold' ? 'journey_paused' : gate.reason],
      journeyId: journey.id,
      journeyVersion: journey.version,
      stepId: request.stepId,
      op: request.op,
      executionId: request.executionId,
      ...(result.outcome === 'defer' ? { until: result.until } : {}),
      result,
    },
    { ended },
  );
  return result;
}

/**
 * The gate after a decision's read: the control came in that read's BatchGetItem unless the cache
 * held it (`controlOf` in loadDecision). No write precedes the read (a flow op writes after its
 * decision; a send claims with its first write, engine/send-protocol.ts), so reading before the gate
 * changes nothing a paused or stopped journey would see.
 */
export async function gateOnRead(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: Step,
  controls: DecisionItems['controls'],
): Promise<StepResult | undefined> {
  if (!rt.controls) return undefined;
  if (controls) rt.controls.remember(controls);
  const state = controls?.has(journey.id)
    ? (controls.get(journey.id)?.state ?? 'active')
    : await rt.controls.stateOf(journey.id);
  return controlGate(rt, request, journey, step, state);
}
