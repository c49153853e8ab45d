/**
 * Journey → Amazon States Language, lean on state transitions (AWS bills Standard workflows per
 * transition). See docs/transitions.md for the design and the counts per reference journey.
 *
 * - Each reachable step is one state named after its id; helper states are `<step>.<role>`.
 * - `wait` with a fixed duration is a Wait with `Seconds`: no Lambda.
 * - `wait` that needs a timestamp (local time, a date, months) is a Wait on `$.result.until`. The
 *   step Lambda that ran just before already put `until` there (a `next` result that leads to such
 *   a wait carries it, see engine/contract.ts); only when the wait is entered from somewhere else
 *   (the start, another wait, a wait-for-event) does a `<step>.schedule` Task compute it first.
 * - A `wait` on a date that ends the journey when the date is missing (`ifMissing: "exit"`, the
 *   default) is entered through a `<step>.date-check` Choice (exit → `Exited`, else the Wait),
 *   except from a send, branch or split, whose own Choice gets the same `exit` rule.
 * - `send` is a Task and a Choice on `$.result.outcome`: next / defer (→ `<step>.deferred` Wait on
 *   `$.result.until` → the same Task again) / exit (→ `Exited`).
 * - `update` is a Task going straight on: it can only go one way, so it has no Choice.
 * - `branch` / `split` are a Task and a Choice on `$.result.next` (plus `exit`); a Choice with one
 *   target is left out.
 * - `waitForEvent` is a `.waitForTaskToken` Task: success → `onEvent`, `States.Timeout` → `onTimeout`.
 * - `exit` is a Succeed state.
 */
import { assertUnreachable } from '../assert.ts';
import { stepEdges } from '../reach.ts';
import type { ExecutionMode } from '../run-protocol.ts';
import type { Journey, Step } from '../schema.ts';
import { type AslChoiceRule, type AslDefinition, type AslState, isTerminal } from './asl.ts';
import { CompileError } from './errors.ts';
import {
  durationSeconds,
  getStep,
  reachableSteps,
  timeoutSeconds,
  waitCanExit,
  waitNeedsTimestamp,
} from './graph.ts';
import { limitProblems } from './limits.ts';
import { buildScaleDefinition } from './scale.ts';
import { journeyComment, lambdaTask, stateNames, waitForTokenTask } from './states.ts';

/**
 * How an edge leaves its step: from a step Lambda's `next` result (which can carry `until`) through
 * a Choice that also routes `exit` (`routed`: send, a branch or split with several targets) or
 * straight (`direct`: update, a single-target branch or split), or not from a Lambda (`other`).
 */
type Via = 'routed' | 'direct' | 'other';

function viaOf(id: string, s: Step): Via {
  switch (s.type) {
    case 'send':
      return 'routed';
    case 'branch':
    case 'split':
      return new Set(stepEdges(id, s).map((e) => e.to)).size > 1 ? 'routed' : 'direct';
    case 'update':
      return 'direct';
    default:
      return 'other';
  }
}

/**
 * The journey's state machine, refused (CompileError) when a run of it could outgrow what Step
 * Functions allows: 25,000 history events or a year (engine/compile/limits.ts).
 */
export function compileJourney(journey: Journey, options: { execution?: ExecutionMode } = {}): AslDefinition {
  // Scale mode has no long-lived execution: neither the history nor the year limit applies.
  if (options.execution === 'scale') return buildScaleDefinition(journey);
  const def = buildDefinition(journey);
  const [problem] = limitProblems(journey, def);
  if (problem) {
    throw new CompileError(
      problem.code,
      `/${problem.path.join('/')}`,
      `${problem.message}; ${problem.suggestion}`,
    );
  }
  return def;
}

/** The state machine without the limit checks: what `limitProblems` measures. */
export function buildDefinition(journey: Journey): AslDefinition {
  const order = reachableSteps(journey);
  const step = (id: string) => getStep(journey, id, `/steps/${id}`);

  // Timestamp waits entered other than from a step Lambda's `next` need their own schedule Task;
  // waits that can exit, entered other than through a Choice that routes `exit`, a check Choice.
  const needsScheduleTask = new Set<string>();
  const needsDateCheck = new Set<string>();
  const noteEntry = (to: string, via: Via) => {
    const target = step(to);
    if (target.type !== 'wait') return;
    if (via === 'other' && waitNeedsTimestamp(target)) needsScheduleTask.add(to);
    if (via !== 'routed' && waitCanExit(target)) needsDateCheck.add(to);
  };
  noteEntry(journey.start, 'other');
  for (const id of order) {
    for (const edge of stepEdges(id, step(id))) noteEntry(edge.to, viaOf(id, step(id)));
  }

  const canExit = (id: string) => {
    const target = step(id);
    return target.type === 'wait' && waitCanExit(target);
  };

  /** The state an edge into step `to` lands on. */
  const enter = (to: string, via: Via): string => {
    if (via === 'other' && needsScheduleTask.has(to)) return stateNames.schedule(to);
    if (via === 'direct' && needsDateCheck.has(to)) return stateNames.dateCheck(to);
    return to;
  };

  const states: Record<string, AslState> = {};
  let exitUsed = false;
  const exitRule = (): AslChoiceRule => {
    exitUsed = true;
    return { Variable: '$.result.outcome', StringEquals: 'exit', Next: stateNames.exited };
  };
  // A `next` into a wait whose date is missing carries `exit` instead of `until` (contract.ts).
  const missingDateRules = (...targets: string[]): AslChoiceRule[] => {
    if (!targets.some((to) => canExit(to))) return [];
    exitUsed = true;
    return [{ Variable: '$.result.exit', IsPresent: true, Next: stateNames.exited }];
  };

  for (const id of order) {
    const s = step(id);
    const at = `/steps/${id}`;
    const comment = s.description;
    switch (s.type) {
      case 'wait': {
        if (waitNeedsTimestamp(s)) {
          if (needsScheduleTask.has(id)) {
            states[stateNames.schedule(id)] = {
              ...lambdaTask(journey, 'schedule', id, `Computes when ${id} ends`),
              Next: needsDateCheck.has(id) ? stateNames.dateCheck(id) : id,
            };
          }
          if (needsDateCheck.has(id)) {
            // IsPresent: comparing a path that is absent fails the execution (AWS Step Functions,
            // "Choice workflow state"), and a `next` result carries either `exit` or `until`.
            states[stateNames.dateCheck(id)] = {
              Type: 'Choice',
              Comment:
                s.until?.every === 'year'
                  ? `Ends the journey when the date ${id} waits for is missing, or its next anniversary comes after the run's deadline`
                  : `Ends the journey when the date ${id} waits for is missing`,
              Choices: [
                exitRule(),
                ...missingDateRules(id),
                { Variable: '$.result.until', IsPresent: true, Next: id },
              ],
            };
          }
          states[id] = {
            Type: 'Wait',
            ...(comment ? { Comment: comment } : {}),
            TimestampPath: '$.result.until',
            Next: enter(s.next, 'other'),
          };
        } else {
          if (s.duration === undefined) {
            throw new CompileError('invalid_journey', at, 'a wait needs `duration` or `until`');
          }
          states[id] = {
            Type: 'Wait',
            ...(comment ? { Comment: comment } : {}),
            Seconds: durationSeconds(s.duration, `${at}/duration`),
            Next: enter(s.next, 'other'),
          };
        }
        break;
      }
      case 'waitForEvent': {
        states[id] = {
          ...waitForTokenTask(journey, id, timeoutSeconds(s.timeout, `${at}/timeout`), comment),
          Next: enter(s.onEvent, 'other'),
          Catch: [
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.result', Next: enter(s.onTimeout, 'other') },
          ],
        };
        break;
      }
      case 'send': {
        states[id] = { ...lambdaTask(journey, 'send', id, comment), Next: stateNames.route(id) };
        states[stateNames.route(id)] = {
          Type: 'Choice',
          Choices: [
            ...missingDateRules(s.next),
            { Variable: '$.result.outcome', StringEquals: 'next', Next: enter(s.next, 'routed') },
            { Variable: '$.result.outcome', StringEquals: 'defer', Next: stateNames.deferred(id) },
            exitRule(),
          ],
        };
        states[stateNames.deferred(id)] = {
          Type: 'Wait',
          Comment: `Quiet hours or a frequency cap: wait, then run ${id} again`,
          TimestampPath: '$.result.until',
          Next: id,
        };
        break;
      }
      case 'update': {
        states[id] = { ...lambdaTask(journey, 'update', id, comment), Next: enter(s.next, 'direct') };
        break;
      }
      case 'branch':
      case 'split': {
        const targets = [...new Set(stepEdges(id, s).map((e) => e.to))];
        const task = lambdaTask(journey, s.type, id, comment);
        if (targets.length === 1) {
          states[id] = { ...task, Next: enter(targets[0]!, 'direct') };
          break;
        }
        states[id] = { ...task, Next: stateNames.route(id) };
        states[stateNames.route(id)] = {
          Type: 'Choice',
          Choices: [
            // First: an `exit` result has no `next` to compare.
            exitRule(),
            ...missingDateRules(...targets),
            ...targets.map((to) => ({
              Variable: '$.result.next',
              StringEquals: to,
              Next: enter(to, 'routed'),
            })),
          ],
        };
        break;
      }
      case 'exit': {
        states[id] = { Type: 'Succeed', ...(s.reason || comment ? { Comment: s.reason ?? comment } : {}) };
        break;
      }
      default:
        return assertUnreachable(s);
    }
  }
  if (exitUsed) {
    states[stateNames.exited] = {
      Type: 'Succeed',
      Comment: 'The step Lambda ended the journey early; $.result.reason says why',
    };
  }

  if (!Object.values(states).some(isTerminal)) {
    // Only waits, waits for events and updates, going round forever: nothing could ever end it.
    throw new CompileError(
      'no_exit',
      '/start',
      'no exit step and no send, branch or split can be reached: the journey never ends',
    );
  }

  let startAt = enter(journey.start, 'other');
  if (journey.entry.segment !== undefined) {
    // Audience entry (engine/audience/): the run waits for the customer's own local time of the
    // tick and their pacing slot, written into the enrollment by the enrolment batch.
    states[stateNames.notBefore] = {
      Type: 'Wait',
      Comment: "Audience entry: wait for the customer's local time of the tick and their pacing slot",
      TimestampPath: '$.enrollment.notBefore',
      Next: startAt,
    };
    startAt = stateNames.notBefore;
  }

  return {
    Comment: journeyComment(journey, 'lean'),
    QueryLanguage: 'JSONPath',
    StartAt: startAt,
    States: states,
  };
}
