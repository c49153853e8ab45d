/**
 * The only place infra/ reaches into engine/ to validate and compile journeys at synth time.
 *
 * TEMPORARY: engine/validate is being written in parallel; until it is committed, `loadJourneyOrThrow`
 * comes from a stand-in with the same signature (infra/_standin-engine.ts). Delete it when it lands.
 */
export { compileJourney, renderAsl } from '../engine/compile/index.ts';
export { loadJourneyOrThrow } from './_standin-engine.ts';
