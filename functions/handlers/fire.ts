/**
 * Fire Lambda: EventBridge Scheduler's target for every scale-mode timer (docs/scale-mode.md §4).
 * The event is the schedule's `Target.Input`; it claims the run by its seq and starts the segment.
 * A malformed event is refused (logged, not thrown: a retry would not make it valid).
 */
import { type FireInput, fireRun } from '../app/runs.ts';
import { resolve } from '../app/runtime.ts';
import type { FireDeps } from '../deps.ts';
import { fireDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

export function createFireHandler(deps: FireDeps) {
  const rt = resolve(deps, 'fire');
  return lambda('fire', rt, async (event: unknown) => {
    if (!isFireInput(event)) {
      rt.logger.error('malformed timer event');
      rt.metrics.addMetric('RunFiresMalformed', 'Count', 1);
      return { status: 'malformed' as const };
    }
    rt.logger.appendKeys({ runId: event.runId, seq: event.seq });
    return fireRun(rt, event);
  });
}

function isFireInput(value: unknown): value is FireInput {
  const v = value as Partial<FireInput> | null;
  return typeof v?.customerId === 'string' && typeof v.runId === 'string' && Number.isInteger(v.seq);
}

export const handler = lazyHandler(async () => createFireHandler(await fireDepsFromEnv()));
