export type { AslDefinition, AslState } from './asl.ts';
export { buildDefinition, compileJourney } from './compile.ts';
export { CompileError } from './errors.ts';
export { waitNeedsTimestamp } from './graph.ts';
export { HISTORY_EVENTS, type HistoryBound, historyBound, stateEvents } from './history.ts';
export { type LimitCode, type LimitProblem, limitProblems } from './limits.ts';
export { compileNaive } from './naive.ts';
export { renderAsl } from './render.ts';
export { buildScaleDefinition, scaleStateNames, segmentEntries } from './scale.ts';
export { LAMBDA_SERVICE_ERRORS, stateNames, WAIT_FOR_TASK_TOKEN_RESOURCE } from './states.ts';
export {
  longestPathTransitions,
  type PathCost,
  shortestPathTransitions,
  terminalPaths,
} from './transitions.ts';
export { validateAsl } from './validate-asl.ts';
