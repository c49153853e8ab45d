/**
 * Decisions for the steps that move a customer along without sending: branch, split, update and
 * the `schedule` of a wait. As everywhere in the policy, the exit check comes first: a customer
 * who converted or met an exit event leaves before anything else happens.
 */
import { assertUnreachable } from '../assert.ts';
import type { StepResult } from '../contract.ts';
import { RUN_DEADLINE_REASON } from '../limits.ts';
import type { BranchStep, Scalar, SplitStep, Step, UpdateStep, WaitStep } from '../schema.ts';
import { evaluateCondition } from './conditions.ts';
import type { DecisionContext } from './context.ts';
import { checkExit, pastRunDeadline } from './exit.ts';
import { assignArm } from './split.ts';
import { planWait } from './time.ts';

export type FlowOp = 'branch' | 'split' | 'update' | 'schedule';

/** Set `profile.attributes[attribute] = value`; the caller applies it. */
export interface AttributeChange {
  attribute: string;
  value: Scalar;
}

export interface FlowDecision {
  result: StepResult;
  /** Only for `update` (and only when the customer did not exit). */
  change?: AttributeChange;
  /** Personal-data-free facts for the ledger and simulate, e.g. a zone fallback. */
  notes?: string[];
}

const EXPECTED_STEP: Record<FlowOp, Step['type']> = {
  branch: 'branch',
  split: 'split',
  update: 'update',
  schedule: 'wait',
};

/**
 * `stepId` keys the split hash; when omitted it is found in `ctx.journey.steps` (pass
 * `journey.steps[stepId]` itself, or an equal copy).
 */
export function decideFlow(op: FlowOp, step: Step, ctx: DecisionContext, stepId?: string): FlowDecision {
  const exit = checkExit(ctx);
  if (exit) return { result: { outcome: 'exit', reason: exit.reason } };
  if (pastRunDeadline(ctx)) return { result: { outcome: 'exit', reason: RUN_DEADLINE_REASON } };
  if (step?.type !== EXPECTED_STEP[op]) {
    // A compiled workflow out of step with its journey: leave rather than guess.
    return { result: { outcome: 'exit', reason: `invalid_step:${op}` } };
  }
  switch (op) {
    case 'branch':
      return branch(step as BranchStep, ctx);
    case 'split':
      return split(step as SplitStep, stepId ?? stepIdOf(step, ctx), ctx);
    case 'update':
      return update(step as UpdateStep);
    case 'schedule':
      return schedule(step as WaitStep, ctx, stepId ?? stepIdOf(step, ctx));
    default:
      return assertUnreachable(op);
  }
}

function branch(step: BranchStep, ctx: DecisionContext): FlowDecision {
  for (const [index, candidate] of step.branches.entries()) {
    if (evaluateCondition(candidate.when, ctx)) {
      return {
        result: { outcome: 'next', next: candidate.next, detail: { branch: candidate.name ?? `#${index}` } },
      };
    }
  }
  return { result: { outcome: 'next', next: step.otherwise, detail: { branch: 'otherwise' } } };
}

function split(step: SplitStep, stepId: string, ctx: DecisionContext): FlowDecision {
  const arm = assignArm(ctx.enrollment.customerId, ctx.journey.id, stepId, step.arms);
  if (!arm) return { result: { outcome: 'exit', reason: 'invalid_step:split' } };
  return { result: { outcome: 'next', next: arm.next, detail: { arm: arm.name } } };
}

function update(step: UpdateStep): FlowDecision {
  return {
    result: { outcome: 'next', next: step.next },
    change: { attribute: step.attribute, value: step.value },
  };
}

function schedule(step: WaitStep, ctx: DecisionContext, stepId: string): FlowDecision {
  const plan = planWait(step, ctx, stepId);
  const notes: string[] = [...plan.notes];
  if (plan.sendTime) notes.push(`best_time:${plan.sendTime.rule}`);
  return {
    result: plan.exit
      ? { outcome: 'exit', reason: plan.exit }
      : {
          outcome: 'wait',
          until: plan.until.toISOString(),
          ...(plan.sendTime ? { sendTime: plan.sendTime } : {}),
        },
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** The step's id in its journey (the split hash is keyed by it, so arms survive other edits). */
function stepIdOf(step: Step, ctx: DecisionContext): string {
  const entries = Object.entries(ctx.journey.steps);
  const same = entries.find(([, candidate]) => candidate === step);
  if (same) return same[0];
  const text = JSON.stringify(step);
  return entries.find(([, candidate]) => JSON.stringify(candidate) === text)?.[0] ?? text;
}
