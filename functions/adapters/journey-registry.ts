/**
 * The journeys a handler knows: bundled journey JSON, validated on load (an invalid journey is a
 * deploy bug; loading fails loudly rather than running half a journey). Every version present is
 * kept, so a customer finishes on the version they entered.
 */
import { readFileSync } from 'node:fs';
import type { Journey } from '../../engine/schema.ts';
import { formatProblems, validateJourneyValue } from '../../engine/validate/index.ts';
import type { JourneyRegistry } from '../ports.ts';

export class InvalidJourneyError extends Error {
  override readonly name = 'InvalidJourneyError';
  readonly code = 'invalid_journey';
}

export function createJourneyRegistry(values: readonly unknown[]): JourneyRegistry {
  const byKey = new Map<string, Journey>();
  const newest = new Map<string, Journey>();
  values.forEach((value, index) => {
    const name = `journey #${index}`;
    const result = validateJourneyValue(value, name);
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (!result.journey || errors.length > 0) throw new InvalidJourneyError(formatProblems(errors));
    const journey = result.journey;
    byKey.set(`${journey.id}@${journey.version}`, journey);
    const current = newest.get(journey.id);
    if (!current || current.version < journey.version) newest.set(journey.id, journey);
  });
  return {
    get: (journeyId, version) => byKey.get(`${journeyId}@${version}`),
    active: () => [...newest.values()],
  };
}

/** `JOURNEYS_FILE`: a JSON array of journeys (infra bundles it next to the handler). */
export function loadJourneyRegistryFile(file: string): JourneyRegistry {
  const values = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(values)) throw new InvalidJourneyError(`${file}: expected a JSON array of journeys`);
  return createJourneyRegistry(values);
}
