/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
// Modules, not the compiler's and the policy's barrels (asl-validator, jsonata, the send policy):
// `herald validate` reaches this file through the release checks and loads it on every start.
export { compileJourney } from '../engine/compile/compile.ts';
export { renderAsl } from '../engine/compile/render.ts';
export { DICTIONARY_FILE } from '../engine/dictionary.ts';
export { PARTIAL_FILE_SUFFIX, parsePartialKey, pinPartials } from '../engine/partials.ts';
export { parsePolicyConfig } from '../engine/policy/config.ts';
export { retentionProblems } from '../engine/privacy/retention.ts';
export { executionMode } from '../engine/run-protocol.ts';
export {
  alreadyValidatedCopy,
  checkDictionaryKeepsReleases,
  checkReleases,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
  loadVocabularyOrThrow,
  locateFindings,
  type PartialSources,
  type Problem,
  partialSourceProblems,
  RELEASES_DIR,
  type ReleasedFile,
  type ReleasedSlice,
  type SetOptions,
  type ValidateOptions,
} from '../engine/validate/index.ts';
export { LineIndex } from '../engine/validate/json.ts';
