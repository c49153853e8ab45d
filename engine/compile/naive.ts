/**
 * The naive baseline for the cost comparison (bench/): what a straightforward interpreter-style
 * compiler produces. Every step except `exit` is a step Lambda Task followed by a Choice on its
 * result, even where the Task can only go one way; every wait, fixed or not, asks the Lambda for
 * its timestamp. It runs the same contract, so it is a fair, working baseline, not a strawman.
 */
import { assertUnreachable } from '../assert.ts';
import { stepEdges } from '../reach.ts';
import type { Journey } from '../schema.ts';
import type { AslChoiceRule, AslDefinition, AslState } from './asl.ts';
import { getStep, reachableSteps, timeoutSeconds } from './graph.ts';
import { journeyComment, lambdaTask, stateNames, waitForTokenTask } from './states.ts';

const outcome = (value: string, next: string): AslChoiceRule => ({
  Variable: '$.result.outcome',
  StringEquals: value,
  Next: next,
});

export function compileNaive(journey: Journey): AslDefinition {
  const states: Record<string, AslState> = {};
  const exit = outcome('exit', stateNames.exited);
  for (const id of reachableSteps(journey)) {
    const s = getStep(journey, id, `/steps/${id}`);
    const at = `/steps/${id}`;
    const route = stateNames.route(id);
    switch (s.type) {
      case 'wait': {
        const timer = `${id}.timer`;
        states[id] = { ...lambdaTask(journey, 'schedule', id), Next: route };
        states[route] = { Type: 'Choice', Choices: [outcome('wait', timer), exit] };
        states[timer] = { Type: 'Wait', TimestampPath: '$.result.until', Next: s.next };
        break;
      }
      case 'waitForEvent':
        states[id] = {
          ...waitForTokenTask(journey, id, timeoutSeconds(s.timeout, `${at}/timeout`)),
          Next: route,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.result', Next: s.onTimeout }],
        };
        states[route] = { Type: 'Choice', Choices: [outcome('next', s.onEvent), exit] };
        break;
      case 'send':
        states[id] = { ...lambdaTask(journey, 'send', id), Next: route };
        states[route] = {
          Type: 'Choice',
          Choices: [outcome('next', s.next), outcome('defer', stateNames.deferred(id)), exit],
        };
        states[stateNames.deferred(id)] = { Type: 'Wait', TimestampPath: '$.result.until', Next: id };
        break;
      case 'update':
        states[id] = { ...lambdaTask(journey, 'update', id), Next: route };
        states[route] = { Type: 'Choice', Choices: [outcome('next', s.next), exit] };
        break;
      case 'branch':
      case 'split': {
        const targets = [...new Set(stepEdges(id, s).map((e) => e.to))];
        states[id] = { ...lambdaTask(journey, s.type, id), Next: route };
        states[route] = {
          Type: 'Choice',
          Choices: [
            exit,
            ...targets.map((to) => ({ Variable: '$.result.next', StringEquals: to, Next: to })),
          ],
        };
        break;
      }
      case 'exit':
        states[id] = { Type: 'Succeed' };
        break;
      default:
        return assertUnreachable(s);
    }
  }
  // Only when some Choice can go there: Step Functions rejects unreachable states.
  if (Object.values(states).some((s) => s.Type === 'Choice')) states[stateNames.exited] = { Type: 'Succeed' };
  return {
    Comment: journeyComment(journey, 'naive baseline'),
    QueryLanguage: 'JSONPath',
    StartAt: journey.start,
    States: states,
  };
}
