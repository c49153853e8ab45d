/**
 * Reconciler Lambda, every few minutes: fires runs whose timer was lost (a crash between the run's
 * arm and CreateSchedule) or whose segment died while holding the run (docs/scale-mode.md §5).
 */
import { reconcileRuns } from '../app/runs.ts';
import { resolve } from '../app/runtime.ts';
import type { FireDeps } from '../deps.ts';
import { fireDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

export function createReconcileHandler(deps: FireDeps) {
  const rt = resolve(deps, 'reconcile');
  return lambda('reconcile', rt, async () => reconcileRuns(rt, deps.reconcile ?? {}));
}

export const handler = lazyHandler(async () => createReconcileHandler(await fireDepsFromEnv()));
