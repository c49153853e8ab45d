/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { PARTIAL_FILE_SUFFIX, parsePartialKey, pinPartials } from '../engine/partials.ts';
export { parsePolicyConfig } from '../engine/policy/index.ts';
export {
  checkReleases,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
  locateFindings,
  type PartialSources,
  type Problem,
  partialSourceProblems,
  RELEASES_DIR,
  type ReleasedFile,
  type SetOptions,
  type ValidateOptions,
} from '../engine/validate/index.ts';
export { LineIndex } from '../engine/validate/json.ts';
