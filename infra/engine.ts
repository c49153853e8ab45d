/** The only place infra/ reaches into engine/: journeys are validated and compiled at synth time. */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { parsePolicyConfig } from '../engine/policy/index.ts';
export {
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
} from '../engine/validate/index.ts';
