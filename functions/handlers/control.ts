/**
 * Control Lambda: `PUT /journeys/{id}/control` (IAM-authorised) with `{ "action": "pause" | "resume"
 * | "drain" | "stop", "note"?: string }`. Answers 200 with the journey's state before and after, 400
 * for a body that is not such an object, 404 for a journey this deploy does not run, 409 for a
 * transition the state machine refuses (engine/journey-control.ts) or a write that kept conflicting.
 * `herald journey <action> <id>` invokes this same handler (cli/commands/journey.ts).
 */
import { CONTROL_ACTIONS, isControlAction } from '../../engine/journey-control.ts';
import { readJsonBody } from '../../engine/json-body.ts';
import { didYouMean, didYouMeanText } from '../../engine/validate/suggest.ts';
import { applyControl } from '../app/control.ts';
import { resolve } from '../app/runtime.ts';
import type { ControlDeps } from '../deps.ts';
import { controlDepsFromEnv } from '../env.ts';
import { httpJsonBody, json, lambda, lazyHandler } from './lambda.ts';

const MAX_NOTE = 500;

export interface ControlRequest {
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string | undefined>;
}

export function createControlHandler(deps: ControlDeps) {
  const rt = resolve(deps, 'control');
  return lambda(
    'control',
    rt,
    async (event: ControlRequest) => {
      const journeyId = event.pathParameters?.id ?? '';
      const known = [...new Set(rt.journeys.active().map((j) => j.id))].sort();
      if (!known.includes(journeyId)) {
        const message = `no journey \`${journeyId}\` in this deploy${didYouMeanText(didYouMean(journeyId, known))}`;
        return json(404, {
          problems: [
            {
              path: '/pathParameters/id',
              code: 'unknown_journey',
              message,
              suggestion: `one of: ${known.join(', ')}`,
            },
          ],
        });
      }
      const body = readJsonBody(httpJsonBody(event), {
        maxBytes: 4096,
        notObjectMessage: 'the body must be a JSON object: { "action": "pause" }',
      });
      if (!body.ok) return json(400, { problems: body.problems });
      const { action, note } = body.value;
      const problems = [];
      if (!isControlAction(action)) {
        const suggestion = didYouMean(String(action ?? ''), CONTROL_ACTIONS);
        problems.push({
          path: '/action',
          code: 'invalid_action',
          message: `action must be one of ${CONTROL_ACTIONS.join(', ')}${didYouMeanText(suggestion)}`,
        });
      }
      if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) {
        problems.push({
          path: '/note',
          code: 'invalid_note',
          message: `note must be text of at most ${MAX_NOTE} characters`,
        });
      }
      if (problems.length > 0 || !isControlAction(action)) return json(400, { problems });
      const outcome = await applyControl(rt, journeyId, action, note as string | undefined);
      if (!outcome.ok) {
        rt.logger.warn('journey control refused', { journeyId, action, code: outcome.code });
        return json(409, outcome);
      }
      rt.logger.info('journey control', {
        journeyId,
        action,
        previous: outcome.previous,
        state: outcome.state,
      });
      return json(200, outcome);
    },
    { http: true },
  );
}

export const handler = lazyHandler(async () => createControlHandler(await controlDepsFromEnv()));
