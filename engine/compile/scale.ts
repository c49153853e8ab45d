/**
 * Journey → one Express state machine, entered at a segment (docs/scale-mode.md §2).
 *
 * A segment runs the steps between two waits and ends at the next wait, so no execution is open
 * while the customer waits and none comes near Express's 5-minute limit. Sends, branches, splits
 * and updates are the same Task + Choice states as in Standard mode (engine/compile/compile.ts),
 * calling the same step Lambda with the same StepRequest, plus `run` (the run and its claim).
 *
 * - `Segment` (StartAt) is a Choice on `$.run.entry`: the step a fire starts at.
 * - A `wait` or `waitForEvent` step is a Task named after it (op `arm`): the step Lambda computes
 *   the due time with fresh data, records the run as waiting and arms a Scheduler timer. Its
 *   `<step>.route` Choice ends the segment (`armed` → `Waiting`), ends the journey (`exit`), or goes
 *   straight on (`next`: the time already came, or the awaited event already arrived).
 * - A deferred send (quiet hours, a cap) arms a timer into the same send: `<step>.deferred` is an
 *   `arm` Task with the send's `until`, routed like a wait.
 * - A send, branch or split that can go on into a wait carries `armNext`: the step Lambda arms that
 *   wait (or a send's own deferral) in the same invocation and answers `armed` (its route Choice →
 *   `Waiting`); the `arm` Tasks stay for the other ways in (a segment's start, a time already come,
 *   an arm that failed in the step's invocation).
 * - Express has no `.waitForTaskToken` and no long Waits, so neither appears
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/connect-supported-services.html).
 */
import { assertUnreachable } from '../assert.ts';
import { stepEdges } from '../reach.ts';
import type { Journey } from '../schema.ts';
import type { AslChoiceRule, AslDefinition, AslState, AslTaskState } from './asl.ts';
import { getStep, reachableSteps } from './graph.ts';
import { journeyComment, lambdaTask, stateNames } from './states.ts';

export const scaleStateNames = {
  /** The entry Choice on `$.run.entry`. */
  segment: 'Segment',
  /** Where a segment ends at a wait: a timer or an event owns the run now. */
  waiting: 'Waiting',
  /** An entry this definition does not know (a run armed by a version that had that step). */
  unknownSegment: 'UnknownSegment',
} as const;

/** The steps a segment can start at: the journey's start, where each wait goes, each send (a deferral). */
export function segmentEntries(journey: Journey): string[] {
  const entries = new Set<string>([journey.start]);
  for (const id of reachableSteps(journey)) {
    const s = getStep(journey, id, `/steps/${id}`);
    if (s.type === 'wait') entries.add(s.next);
    if (s.type === 'waitForEvent') {
      entries.add(s.onEvent);
      entries.add(s.onTimeout);
    }
    if (s.type === 'send') entries.add(id);
  }
  return [...entries];
}

/** A Task of the step Lambda in a segment: the Standard Parameters plus the run, keyed by run id. */
function segmentTask(
  journey: Journey,
  op: Parameters<typeof lambdaTask>[1],
  stepId: string,
  comment?: string,
) {
  const task = lambdaTask(journey, op, stepId, comment);
  return {
    ...task,
    Parameters: { ...task.Parameters, 'executionId.$': '$.run.id', 'run.$': '$.run' },
  } satisfies AslTaskState;
}

/**
 * `arm` throws rather than answer when it cannot arm (functions/app/step.ts): retried here a few
 * times; arming again is idempotent (same schedule name, the run's seq already moved).
 */
function armTask(journey: Journey, stepId: string, comment: string): AslTaskState {
  const task = segmentTask(journey, 'arm', stepId, comment);
  return {
    ...task,
    Retry: [
      ...(task.Retry ?? []),
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 },
    ],
  };
}

/** Whether a step's target is a wait this segment would arm (so the step may arm it itself). */
function isWait(journey: Journey, id: string): boolean {
  const type = journey.steps[id]?.type;
  return type === 'wait' || type === 'waitForEvent';
}

/** A Task whose route takes `armed`: it may arm the wait it goes on into (StepRequest.armNext). */
function armingNext(task: AslTaskState): AslTaskState {
  return { ...task, Parameters: { ...task.Parameters, armNext: true } };
}

const armedRule = (): AslChoiceRule => ({
  Variable: '$.result.outcome',
  StringEquals: 'armed',
  Next: scaleStateNames.waiting,
});

export function buildScaleDefinition(journey: Journey): AslDefinition {
  const order = reachableSteps(journey);
  const step = (id: string) => getStep(journey, id, `/steps/${id}`);
  const states: Record<string, AslState> = {};
  const exitRule = (): AslChoiceRule => ({
    Variable: '$.result.outcome',
    StringEquals: 'exit',
    Next: stateNames.exited,
  });
  const armRoute = (targets: string[]): AslChoiceRule[] => [
    armedRule(),
    exitRule(),
    ...[...new Set(targets)].map((to) => ({ Variable: '$.result.next', StringEquals: to, Next: to })),
  ];

  states[scaleStateNames.segment] = {
    Type: 'Choice',
    Comment: 'Where this segment starts: the step the run’s timer, event or entry points at',
    Choices: segmentEntries(journey).map((id) => ({ Variable: '$.run.entry', StringEquals: id, Next: id })),
    Default: scaleStateNames.unknownSegment,
  };

  for (const id of order) {
    const s = step(id);
    const comment = s.description;
    switch (s.type) {
      case 'wait':
      case 'waitForEvent': {
        const targets = s.type === 'wait' ? [s.next] : [s.onEvent, s.onTimeout];
        states[id] = {
          ...armTask(journey, id, comment ?? `Arms the timer ${id} waits for; the segment ends`),
          Next: stateNames.route(id),
        };
        states[stateNames.route(id)] = { Type: 'Choice', Choices: armRoute(targets) };
        break;
      }
      case 'send': {
        // Every send may arm: its own deferral (quiet hours, a cap), or the wait it goes on into.
        states[id] = { ...armingNext(segmentTask(journey, 'send', id, comment)), Next: stateNames.route(id) };
        states[stateNames.route(id)] = {
          Type: 'Choice',
          Choices: [
            armedRule(),
            { Variable: '$.result.outcome', StringEquals: 'next', Next: s.next },
            { Variable: '$.result.outcome', StringEquals: 'defer', Next: stateNames.deferred(id) },
            exitRule(),
          ],
        };
        const deferred = segmentTask(
          journey,
          'arm',
          id,
          `Quiet hours or a frequency cap: a timer runs ${id} again`,
        );
        states[stateNames.deferred(id)] = {
          ...deferred,
          Parameters: { ...deferred.Parameters, 'until.$': '$.result.until' },
          Next: `${stateNames.deferred(id)}.route`,
        };
        states[`${stateNames.deferred(id)}.route`] = { Type: 'Choice', Choices: armRoute([id]) };
        break;
      }
      case 'update': {
        states[id] = { ...segmentTask(journey, 'update', id, comment), Next: s.next };
        break;
      }
      case 'branch':
      case 'split': {
        const targets = [...new Set(stepEdges(id, s).map((e) => e.to))];
        const task = segmentTask(journey, s.type, id, comment);
        if (targets.length === 1) {
          states[id] = { ...task, Next: targets[0]! };
          break;
        }
        const arms = targets.some((to) => isWait(journey, to));
        states[id] = { ...(arms ? armingNext(task) : task), Next: stateNames.route(id) };
        states[stateNames.route(id)] = {
          Type: 'Choice',
          Choices: [
            ...(arms ? [armedRule()] : []),
            exitRule(),
            ...targets.map((to) => ({ Variable: '$.result.next', StringEquals: to, Next: to })),
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
  states[stateNames.exited] = {
    Type: 'Succeed',
    Comment: 'The step Lambda ended the journey early; $.result.reason says why',
  };
  states[scaleStateNames.waiting] = {
    Type: 'Succeed',
    Comment:
      'The run waits for its timer or event (DynamoDB run item + EventBridge Scheduler); no execution stays open',
  };
  states[scaleStateNames.unknownSegment] = {
    Type: 'Fail',
    Error: 'Herald.UnknownSegment',
    Cause: 'The run points at a step this journey version does not have',
  };
  return {
    Comment: journeyComment(journey, 'scale: Express segments between waits'),
    QueryLanguage: 'JSONPath',
    StartAt: scaleStateNames.segment,
    States: states,
  };
}
