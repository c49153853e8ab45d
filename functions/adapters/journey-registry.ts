/**
 * The journeys a handler knows, validated in full on load (an invalid journey is a bug; loading
 * fails loudly rather than running half a journey). Every version present is kept, so a customer
 * finishes on the version they entered. Used by local runs, simulate and tests; the deployed
 * Lambdas read journeys infra already validated at synth (deployed-config.ts).
 */
import type { Journey } from '../../engine/schema.ts';
import { formatProblems, validateJourneyValue } from '../../engine/validate/index.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../engine/vocabulary.ts';
import type { JourneyRegistry } from '../ports.ts';
import { InvalidJourneyError, journeyRegistryOf } from './deployed-config.ts';

export {
  InvalidJourneyError,
  journeyRegistryOf,
  loadJourneyRegistryFile,
  loadVocabularyFile,
} from './deployed-config.ts';

/** `vocabulary`: what the journeys may read (workflows/data.json merged in); the built-in one by default. */
export function createJourneyRegistry(
  values: readonly unknown[],
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): JourneyRegistry {
  const journeys: Journey[] = values.map((value, index) => {
    const result = validateJourneyValue(value, `journey #${index}`, { vocabulary });
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (!result.journey || errors.length > 0) throw new InvalidJourneyError(formatProblems(errors));
    return result.journey;
  });
  return journeyRegistryOf(journeys);
}
