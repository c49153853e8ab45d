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
import type { Journey, Step } from '../schema.ts';
import { type AslChoiceRule, type AslDefinition, type AslState, isTerminal } from './asl.ts';
import { CompileError } from './errors.ts';
import { durationSeconds, getStep, reachableSteps, timeoutSeconds, waitNeedsTimestamp } from './graph.ts';
import { journeyComment, lambdaTask, stateNames, waitForTokenTask } from './states.ts';

/** Whether an edge leaves a step Lambda's `next` result (which can carry `until`) or not. */
type Via = 'lambda' | 'other';

const LAMBDA_STEPS: ReadonlySet<Step['type']> = new Set(['send', 'update', 'branch', 'split']);

export function compileJourney(journey: Journey): AslDefinition {
  const order = reachableSteps(journey);
  const step = (id: string) => getStep(journey, id, `/steps/${id}`);

  // Timestamp waits entered other than from a step Lambda's `next` need their own schedule Task.
  const needsScheduleTask = new Set<string>();
  const noteEntry = (to: string, via: Via) => {
    const target = step(to);
    if (via === 'other' && target.type === 'wait' && waitNeedsTimestamp(target)) needsScheduleTask.add(to);
  };
  noteEntry(journey.start, 'other');
  for (const id of order) {
    const via: Via = LAMBDA_STEPS.has(step(id).type) ? 'lambda' : 'other';
    for (const edge of stepEdges(id, step(id))) noteEntry(edge.to, via);
  }

  /** The state an edge into step `to` lands on. */
  const enter = (to: string, via: Via): string =>
    via === 'other' && needsScheduleTask.has(to) ? stateNames.schedule(to) : to;

  const states: Record<string, AslState> = {};
  let exitUsed = false;
  const exitRule = (): AslChoiceRule => {
    exitUsed = true;
    return { Variable: '$.result.outcome', StringEquals: 'exit', Next: stateNames.exited };
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
              Next: id,
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
            { Variable: '$.result.outcome', StringEquals: 'next', Next: enter(s.next, 'lambda') },
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
        states[id] = { ...lambdaTask(journey, 'update', id, comment), Next: enter(s.next, 'lambda') };
        break;
      }
      case 'branch':
      case 'split': {
        const targets = [...new Set(stepEdges(id, s).map((e) => e.to))];
        const task = lambdaTask(journey, s.type, id, comment);
        if (targets.length === 1) {
          states[id] = { ...task, Next: enter(targets[0]!, 'lambda') };
          break;
        }
        states[id] = { ...task, Next: stateNames.route(id) };
        states[stateNames.route(id)] = {
          Type: 'Choice',
          Choices: [
            // First: an `exit` result has no `next` to compare.
            exitRule(),
            ...targets.map((to) => ({
              Variable: '$.result.next',
              StringEquals: to,
              Next: enter(to, 'lambda'),
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

  return {
    Comment: journeyComment(journey, 'lean'),
    QueryLanguage: 'JSONPath',
    StartAt: enter(journey.start, 'other'),
    States: states,
  };
}
