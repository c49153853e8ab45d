/**
 * The journey as the compilers walk it: the steps reachable from `start` (edges from
 * engine/reach.ts), and durations in seconds. Shared by the lean and the naive compiler.
 */
import { readDuration } from '../duration.ts';
import { stepEdges } from '../reach.ts';
import type { Journey, Step, WaitStep } from '../schema.ts';
import { CompileError } from './errors.ts';

export function getStep(journey: Journey, id: string, path: string): Step {
  const step = Object.hasOwn(journey.steps, id) ? journey.steps[id] : undefined;
  if (!step) throw new CompileError('missing_step', path, `no step named \`${id}\``);
  return step;
}

/**
 * Steps reachable from `start`, breadth first, edges in the order they are written. Unreachable
 * steps are left out: Step Functions rejects a definition with a state nothing leads to.
 */
export function reachableSteps(journey: Journey): string[] {
  getStep(journey, journey.start, '/start');
  const order = [journey.start];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    for (const edge of stepEdges(id, getStep(journey, id, `/steps/${id}`))) {
      getStep(journey, edge.to, edge.path);
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        order.push(edge.to);
      }
    }
  }
  return order;
}

/**
 * An ISO 8601 duration (`PT1H`, `P3D`) in whole seconds, rounding up; read by engine/duration.ts,
 * the validator's own reading, so the two never disagree.
 */
export function durationSeconds(iso: string, path: string): number {
  const reading = readDuration(iso);
  const seconds = reading.ok ? reading.duration.as('seconds') : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new CompileError(
      'invalid_duration',
      path,
      `\`${iso}\` is not an ISO 8601 duration such as PT1H or P3D`,
    );
  }
  return Math.ceil(seconds);
}

/**
 * A wait-for-event timeout in seconds. Step Functions wants `TimeoutSeconds` of at least 1
 * (docs.aws.amazon.com/step-functions/latest/dg/state-task.html); a zero timeout could never take
 * the event branch, and the validator refuses it (`waitForEvent.zero-timeout`).
 */
export function timeoutSeconds(iso: string, path: string): number {
  const seconds = durationSeconds(iso, path);
  if (seconds === 0) {
    throw new CompileError(
      'invalid_duration',
      path,
      `a timeout of \`${iso}\` ends before any event can arrive`,
    );
  }
  return seconds;
}

/** Years and months have no fixed length in seconds: such a wait is computed on the calendar. */
function hasCalendarUnits(iso: string): boolean {
  const reading = readDuration(iso);
  return reading.ok && reading.calendar;
}

/**
 * Whether a wait step needs a timestamp computed by the step Lambda (a `Wait` with
 * `TimestampPath: $.result.until`) rather than a fixed `Seconds`: any `until` (local time of day,
 * a date from the event or profile), or a duration in months or years.
 */
export function waitNeedsTimestamp(step: WaitStep): boolean {
  return step.until !== undefined || (step.duration !== undefined && hasCalendarUnits(step.duration));
}

/**
 * Whether a wait can end the journey: a wait on a date whose `ifMissing` is `exit` (the default)
 * leaves when the customer has no such date, and a yearly wait (`every: "year"`) also when the next
 * anniversary comes after the run's deadline (engine/policy/time.ts). Its compiled Wait is preceded
 * by a check Choice.
 */
export function waitCanExit(step: WaitStep): boolean {
  if (step.until?.date === undefined) return false;
  return step.until.every === 'year' || step.until.ifMissing !== 'skip';
}
