/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { parsePolicyConfig } from '../engine/policy/index.ts';
export {
  formatProblems,
  JourneyValidationError,
  loadJourneySetOrThrow,
  type Problem,
} from '../engine/validate/index.ts';
