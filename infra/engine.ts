/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { parsePolicyConfig } from '../engine/policy/index.ts';
export {
  checkReleases,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  type ReleasedFile,
} from '../engine/validate/index.ts';
