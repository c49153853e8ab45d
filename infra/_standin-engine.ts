// TEMPORARY stand-in for engine/validate + engine/compile (see infra/engine.ts). Delete when they land.
import { STEP_FUNCTION_ARN_PLACEHOLDER } from '../engine/contract.ts';
import type { Journey } from '../engine/schema.ts';

export class JourneyValidationError extends Error {
  override readonly name = 'JourneyValidationError';
}

export function loadJourneyOrThrow(text: string, file: string): Journey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JourneyValidationError(`${file}: not valid JSON (${String(cause)})`);
  }
  const journey = value as Journey;
  if (typeof journey.id !== 'string' || !journey.steps || !(journey.start in journey.steps)) {
    throw new JourneyValidationError(`${file}: /start: step "${String(journey.start)}" does not exist`);
  }
  return journey;
}

export type AslDefinition = { StartAt: string; States: Record<string, unknown> };

export function compileJourney(journey: Journey): AslDefinition {
  return {
    StartAt: journey.start,
    States: {
      [journey.start]: {
        Type: 'Task',
        Resource: STEP_FUNCTION_ARN_PLACEHOLDER,
        Parameters: { op: 'send', journeyId: journey.id, 'enrollment.$': '$.enrollment' },
        End: true,
      },
    },
  };
}

export function renderAsl(def: AslDefinition): string {
  return JSON.stringify(def, null, 2);
}
