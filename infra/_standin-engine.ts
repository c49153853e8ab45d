// TEMPORARY stand-in for engine/validate (see infra/engine.ts). Delete when they land.
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
