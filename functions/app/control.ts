/**
 * Changing a journey's control (engine/journey-control.ts decides; this reads, decides and writes
 * with the stored version as the condition, so two operators acting at once are serialised: the
 * second one's action is judged against the first one's result).
 */
import { type ControlAction, type ControlState, transitionControl } from '../../engine/journey-control.ts';
import type { ControlDeps } from '../deps.ts';
import type { Resolved } from './runtime.ts';

/** Conflicting writers are rare (operators); a few rounds are plenty. */
const MAX_ROUNDS = 5;

export type ControlOutcome =
  | { ok: true; journeyId: string; previous: ControlState; state: ControlState; changed: boolean }
  | {
      ok: false;
      code: 'invalid_transition';
      journeyId: string;
      state: ControlState;
      message: string;
      suggestion: string;
    }
  | { ok: false; code: 'conflict'; journeyId: string; message: string };

export async function applyControl(
  rt: Resolved<ControlDeps>,
  journeyId: string,
  action: ControlAction,
  note?: string,
): Promise<ControlOutcome> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await rt.controls.get(journeyId);
    const from = current?.state ?? 'active';
    const transition = transitionControl(from, action);
    if (!transition.ok) {
      const { code, message, suggestion } = transition;
      return { ok: false, code, journeyId, state: from, message, suggestion };
    }
    if (!transition.changed) return { ok: true, journeyId, previous: from, state: from, changed: false };
    const written = await rt.controls.put(
      {
        journeyId,
        state: transition.to,
        updatedAt: rt.clock.now().toISOString(),
        ...(note ? { note } : {}),
      },
      current?.version ?? 0,
    );
    if (written) {
      rt.metrics.addMetric(`JourneyControl_${action}`, 'Count', 1);
      return { ok: true, journeyId, previous: from, state: transition.to, changed: true };
    }
  }
  return { ok: false, code: 'conflict', journeyId, message: 'the control kept changing; try again' };
}
