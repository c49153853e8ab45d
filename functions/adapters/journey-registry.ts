/**
 * The journeys a handler knows, validated in full on load (an invalid journey is a bug; loading
 * fails loudly rather than running half a journey). Every version present is kept, so a customer
 * finishes on the version they entered. Used by local runs, simulate and tests; the deployed
 * Lambdas read journeys infra already validated at synth (deployed-config.ts).
 */
import type { Journey } from '../../engine/schema.ts';
import { formatProblems, validateJourneyValue } from '../../engine/validate/index.ts';
import type { JourneyRegistry } from '../ports.ts';
import { InvalidJourneyError, journeyRegistryOf } from './deployed-config.ts';

export { InvalidJourneyError, journeyRegistryOf, loadJourneyRegistryFile } from './deployed-config.ts';

export function createJourneyRegistry(values: readonly unknown[]): JourneyRegistry {
  const journeys: Journey[] = values.map((value, index) => {
    const result = validateJourneyValue(value, `journey #${index}`);
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (!result.journey || errors.length > 0) throw new InvalidJourneyError(formatProblems(errors));
    return result.journey;
  });
  return journeyRegistryOf(journeys);
}
