/**
 * The only place infra/ reaches into engine/ to validate and compile journeys at synth time.
 *
 * TEMPORARY: engine/validate and engine/compile are being written in parallel; until they land this
 * re-exports a stand-in with the same names (infra/_standin-engine.ts). Swap the import below and
 * delete the stand-in when they do.
 */
export { compileJourney, loadJourneyOrThrow, renderAsl } from './_standin-engine.ts';
