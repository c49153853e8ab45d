/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { DICTIONARY_FILE } from '../engine/dictionary.ts';
export { parsePolicyConfig } from '../engine/policy/index.ts';
export {
  checkDictionaryKeepsReleases,
  checkReleases,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
  loadVocabularyOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  type ReleasedFile,
  type ReleasedSlice,
} from '../engine/validate/index.ts';
