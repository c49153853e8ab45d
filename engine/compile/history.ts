/**
 * The execution history a compiled journey can write, against Step Functions' 25,000-event limit
 * (engine/limits.ts). Counted per state entered in a Standard workflow, from the events the
 * Step Functions API Reference lists (HistoryEvent `type`):
 *
 * - Task calling a Lambda function by ARN: TaskStateEntered, LambdaFunctionScheduled,
 *   LambdaFunctionStarted, LambdaFunctionSucceeded, TaskStateExited — 5; every retried attempt
 *   adds LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionFailed (or TimedOut) — 3.
 * - Task `lambda:invoke.waitForTaskToken`: TaskStateEntered, TaskScheduled, TaskStarted,
 *   TaskSubmitted, TaskSucceeded (or TaskTimedOut), TaskStateExited — 6; retries 3 each.
 * - Wait: WaitStateEntered, WaitStateExited. Choice: ChoiceStateEntered, ChoiceStateExited.
 *   Succeed: SucceedStateEntered, SucceedStateExited. Fail: FailStateEntered.
 * - The execution: ExecutionStarted and ExecutionSucceeded (or Failed, Aborted, TimedOut).
 *
 * The worst case assumes every Task exhausts its Retry (MaxAttempts) before succeeding.
 */
import {
  DEFERRAL_ROUNDS_PER_ATTEMPT,
  HISTORY_MAX_EVENTS,
  MAX_SEND_ATTEMPTS,
  STANDARD_MAX_RUN_MS,
} from '../limits.ts';
import { loops, shortestStepWaitMs, stepGraph } from '../run-budget.ts';
import type { Journey } from '../schema.ts';
import type { AslDefinition, AslState } from './asl.ts';
import { stateNames, WAIT_FOR_TASK_TOKEN_RESOURCE } from './states.ts';

export const HISTORY_EVENTS = {
  execution: 2,
  lambdaTask: 5,
  tokenTask: 6,
  retriedAttempt: 3,
  Wait: 2,
  Choice: 2,
  Succeed: 2,
  Fail: 1,
} as const;

/** The most history events one entry of `state` can write (every retry taken). */
export function stateEvents(state: AslState): number {
  switch (state.Type) {
    case 'Task': {
      const base =
        state.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE
          ? HISTORY_EVENTS.tokenTask
          : HISTORY_EVENTS.lambdaTask;
      const retries = Math.max(0, ...(state.Retry ?? []).map((r) => r.MaxAttempts ?? 3));
      return base + retries * HISTORY_EVENTS.retriedAttempt;
    }
    case 'Wait':
    case 'Choice':
    case 'Succeed':
    case 'Fail':
      return HISTORY_EVENTS[state.Type];
  }
}

export interface LoopHistory {
  /** The journey steps of the loop. */
  steps: string[];
  /** The least fixed waiting in one round, in ms. */
  minRoundWaitMs: number;
  /** Rounds that fit in a year (infinite when a round need not wait). */
  rounds: number;
  /** The most events one round writes (each of its states once). */
  eventsPerRound: number;
}

export interface HistoryBound {
  /** The most events any run can write; compare with HISTORY_MAX_EVENTS. */
  events: number;
  /** Every state once, plus the execution's own events. */
  oncePerState: number;
  /** Every send's deferral rounds, at their bound. */
  deferrals: number;
  loops: LoopHistory[];
}

/** The state's journey step (`send-x.route` → `send-x`), or undefined for `Exited`. */
const ownerOf = (stateName: string) =>
  stateName === stateNames.exited ? undefined : stateName.split('.')[0];

/**
 * An upper bound of the history of any run of `def` (compiled from `journey`):
 * - each state once (a run visits a state more than once only through a loop or a deferral);
 * - each send's deferral loop (`<step>.deferred` → Task → Choice) at most
 *   MAX_SEND_ATTEMPTS × DEFERRAL_ROUNDS_PER_ATTEMPT times per run;
 * - each journey loop (a cycle of steps) as many rounds as fit in a year, given the least fixed
 *   waiting a round is sure to take; every state of the loop once per round.
 */
export function historyBound(journey: Journey, def: AslDefinition): HistoryBound {
  const states = Object.entries(def.States);
  const oncePerState = HISTORY_EVENTS.execution + states.reduce((sum, [, s]) => sum + stateEvents(s), 0);

  let deferrals = 0;
  for (const [name, state] of states) {
    if (!name.endsWith('.deferred') || state.Type !== 'Wait') continue;
    const step = ownerOf(name)!;
    const round =
      stateEvents(state) + stateEvents(def.States[step]!) + stateEvents(def.States[stateNames.route(step)]!);
    deferrals += MAX_SEND_ATTEMPTS * DEFERRAL_ROUNDS_PER_ATTEMPT * round;
  }

  const loopBounds: LoopHistory[] = [];
  for (const steps of loops(stepGraph(journey))) {
    const members = new Set(steps);
    const eventsPerRound = states
      .filter(([name]) => members.has(ownerOf(name) ?? '') && !name.endsWith('.deferred'))
      .reduce((sum, [, s]) => sum + stateEvents(s), 0);
    const minRoundWaitMs = shortestRound(journey, steps);
    const rounds =
      minRoundWaitMs > 0 ? Math.floor(STANDARD_MAX_RUN_MS / minRoundWaitMs) : Number.POSITIVE_INFINITY;
    loopBounds.push({ steps, minRoundWaitMs, rounds, eventsPerRound });
  }
  const looping = loopBounds.reduce((sum, l) => sum + l.rounds * l.eventsPerRound, 0);
  return { events: oncePerState + deferrals + looping, oncePerState, deferrals, loops: loopBounds };
}

/** The least fixed waiting on any cycle through the loop's steps (Dijkstra from each step back to it). */
function shortestRound(journey: Journey, steps: string[]): number {
  const members = new Set(steps);
  const graph = stepGraph(journey);
  const weight = (id: string) => shortestStepWaitMs(journey.steps[id]!);
  let best = Number.POSITIVE_INFINITY;
  for (const origin of steps) {
    const dist = new Map<string, number>([[origin, weight(origin)]]);
    const open = new Set([origin]);
    while (open.size > 0) {
      let current = '';
      let currentDist = Number.POSITIVE_INFINITY;
      for (const id of open) {
        const d = dist.get(id)!;
        if (d < currentDist) [current, currentDist] = [id, d];
      }
      open.delete(current);
      for (const to of graph.get(current) ?? []) {
        if (!members.has(to)) continue;
        if (to === origin) {
          best = Math.min(best, currentDist);
          continue;
        }
        const d = currentDist + weight(to);
        if (d < (dist.get(to) ?? Number.POSITIVE_INFINITY)) {
          dist.set(to, d);
          open.add(to);
        }
      }
    }
  }
  return best;
}

/** Whether every run of the journey stays within the history limit. */
export function fitsHistory(bound: HistoryBound): boolean {
  return bound.events <= HISTORY_MAX_EVENTS;
}
