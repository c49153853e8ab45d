/** Step Lambda: invoked by the compiled workflows with a StepRequest; answers the StepResult they route on. */
import type { StepRequest, StepResult } from '../../engine/contract.ts';
import { createRenderer } from '../../engine/policy/index.ts';
import { resolve } from '../app/runtime.ts';
import { runStep } from '../app/step.ts';
import type { StepDeps } from '../deps.ts';
import { stepDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

const DEFAULT_LEASE_MS = 5 * 60_000;

export function createStepHandler(deps: StepDeps) {
  const rt = {
    ...resolve(deps, 'step'),
    renderer: deps.renderer ?? createRenderer(),
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
  };
  return lambda('step', rt, async (request: StepRequest): Promise<StepResult> => {
    if (!isStepRequest(request)) {
      rt.logger.error('malformed step request');
      return { outcome: 'exit', reason: 'invalid_request' };
    }
    rt.logger.appendKeys({
      customerId: request.enrollment.customerId,
      journeyId: request.journeyId,
      stepId: request.stepId,
    });
    return runStep(rt, request);
  });
}

function isStepRequest(value: unknown): value is StepRequest {
  const r = value as Partial<StepRequest> | null;
  return (
    typeof r?.op === 'string' &&
    typeof r.journeyId === 'string' &&
    typeof r.journeyVersion === 'number' &&
    typeof r.stepId === 'string' &&
    typeof r.executionId === 'string' &&
    typeof r.enrollment?.customerId === 'string' &&
    typeof r.enrollment.event === 'object'
  );
}

export const handler = lazyHandler(async () => createStepHandler(await stepDepsFromEnv()));
