/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
// The compiler's own modules, not its barrel (which adds asl-validator and jsonata): `herald
// validate` reaches this file through the release checks and loads what it imports on every start.
export { compileJourney } from '../engine/compile/compile.ts';
export { renderAsl } from '../engine/compile/render.ts';
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
