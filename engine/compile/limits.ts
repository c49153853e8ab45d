/**
 * The Step Functions limits a compiled journey must fit before it is deployed (engine/limits.ts):
 * its execution history (≤ 25,000 events) and its duration (≤ one year for Standard). The compiler
 * refuses a journey that does not fit, and the validator reports the same problems with a fix, so
 * the two always agree (test/unit/validate-compiles.test.ts).
 */
import { HISTORY_MAX_EVENTS } from '../limits.ts';
import { longestStepWaitMs, longestWait, RUN_BUDGET_MS, uncheckedLoops } from '../run-budget.ts';
import type { Journey } from '../schema.ts';
import type { AslDefinition } from './asl.ts';
import { historyBound } from './history.ts';

export type LimitCode = 'limits.history-too-long' | 'limits.run-too-long' | 'limits.loop-without-check';

export interface LimitProblem {
  code: LimitCode;
  path: (string | number)[];
  message: string;
  suggestion: string;
}

const DAY_MS = 24 * 3600 * 1000;
const days = (ms: number) => `${Math.round((ms / DAY_MS) * 10) / 10} days`;
const loopText = (steps: string[]) => steps.map((s) => `\`${s}\``).join(', ');

export function limitProblems(journey: Journey, def: AslDefinition): LimitProblem[] {
  const problems: LimitProblem[] = [];

  // A loop in which no step can end the run goes on past any deadline (engine/run-budget.ts).
  const [loop] = uncheckedLoops(journey);
  const unchecked = loop !== undefined;
  if (loop) {
    problems.push({
      code: 'limits.loop-without-check',
      path: ['steps', [...loop].sort()[0]!],
      message: `steps ${loopText(loop)} can loop through waits alone, with no send, branch or split to end the run: a Standard execution lasts at most a year, and nothing in that loop could stop it in time`,
      suggestion: 'put a `send`, or a `branch` with a way out, inside the loop',
    });
  }

  const longest = longestWait(journey);
  if (longest.ms > RUN_BUDGET_MS) {
    // Where the waiting crosses the budget: the step a marketer should shorten or cut.
    let sum = 0;
    let at = longest.path[longest.path.length - 1] ?? journey.start;
    for (const id of longest.path) {
      sum += longestStepWaitMs(journey.steps[id]!);
      if (sum > RUN_BUDGET_MS) {
        at = id;
        break;
      }
    }
    problems.push({
      code: 'limits.run-too-long',
      path: ['steps', at],
      message: `a customer can wait up to ${days(longest.ms)} on the way ${loopText(longest.path.filter((id) => journey.steps[id]?.type !== 'exit'))}: longer than a year less a day (${days(RUN_BUDGET_MS)}), and a Standard execution lasts at most a year (waits at their longest, a day per send for quiet hours)`,
      suggestion:
        'shorten the waits, or split the journey in two: end this one and let an event start the next',
    });
  }

  if (!unchecked) {
    const bound = historyBound(journey, def);
    if (bound.events > HISTORY_MAX_EVENTS) {
      const worst = [...bound.loops].sort(
        (a, b) => b.rounds * b.eventsPerRound - a.rounds * a.eventsPerRound,
      )[0];
      const loopy = worst && worst.rounds * worst.eventsPerRound > HISTORY_MAX_EVENTS / 2;
      problems.push({
        code: 'limits.history-too-long',
        path: loopy ? ['steps', [...worst.steps].sort()[0]!] : ['start'],
        message: loopy
          ? `steps ${loopText(worst.steps)} loop ${Number.isFinite(worst.rounds) ? `up to ${worst.rounds} times a year` : 'with no fixed wait, so without bound'}, writing up to ${Number.isFinite(bound.events) ? bound.events : 'unbounded'} execution history events; Step Functions fails a run at ${HISTORY_MAX_EVENTS}`
          : `a run can write up to ${bound.events} execution history events (each send may defer up to its bound); Step Functions fails a run at ${HISTORY_MAX_EVENTS}`,
        suggestion: loopy
          ? 'add a fixed `duration` wait to the loop (longer rounds mean fewer of them in a year), or shorten the loop'
          : 'split the journey in two, with fewer steps each',
      });
    }
  }
  return problems;
}
