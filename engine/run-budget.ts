/**
 * How long a journey can make a customer wait, against Standard's one-year maximum execution time
 * (engine/limits.ts). Pure and bounded: works on the step graph, each step visited a bounded
 * number of times, so the validator can run it on any schema-valid journey.
 *
 * Statically, every way through the journey must wait less than a year (less the margin): fixed
 * durations at their longest (a month 31 days, a year 366), a local time of day up to 25 hours (a
 * DST day), a date wait its positive offset plus its `addDaysFrom` field's declared maximum plus
 * 25 hours, a wait for an event its timeout, and each send a day for quiet hours. A yearly date
 * wait (`every: "year"`) counts like a date wait: its next anniversary may be up to a year and a
 * day away, more than any run may last, so it is bounded at run time instead: a customer whose
 * next anniversary comes after the run's deadline leaves at once (`anniversary_after_deadline`,
 * engine/policy/time.ts) rather than being sent nothing a year later. A loop is
 * counted once (each step at most once per way through): its rounds are bounded at run time by the
 * run's deadline, which the step Lambda enforces (`runDeadline`), so every loop must pass a step
 * whose answer can end the run.
 */
import { Duration } from 'luxon';
import { waitNeedsTimestamp } from './compile/graph.ts';
import type { Enrollment } from './contract.ts';
import { Product, ProfileAttributes } from './data.ts';
import { RUN_MARGIN_MS, STANDARD_MAX_RUN_MS } from './limits.ts';
import { stepEdges } from './reach.ts';
import type { Journey, Step } from './schema.ts';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** A local time of day comes within a day, or 25 hours across a DST change. */
const LOCAL_TIME_MAX_MS = 25 * HOUR_MS;
/** Quiet hours hold a send at most until the next allowed minute, within a day. */
const QUIET_HOURS_MAX_MS = DAY_MS;

/** The most waiting a static analysis allows on any way through a journey. */
export const RUN_BUDGET_MS = STANDARD_MAX_RUN_MS - RUN_MARGIN_MS;

/**
 * The declared `maximum` of a numeric field `until.addDaysFrom` reads (engine/data.ts), or 0 when
 * it has none: such a wait is then bounded only at run time, by the run's deadline.
 */
function addDaysMax(field: string): number {
  const [root, ...rest] = field.split('.');
  const schema =
    root === 'product' && rest.length === 1
      ? (Product.properties as Record<string, { maximum?: number }>)[rest[0]!]
      : root === 'profile' && rest[0] === 'attributes' && rest.length === 2
        ? (ProfileAttributes.properties as Record<string, { maximum?: number }>)[rest[1]!]
        : undefined;
  return schema?.maximum ?? 0;
}

/** `duration` at its longest (calendar months and years at their longest); 0 when unreadable. */
export function longestMs(iso: string | undefined): number {
  if (iso === undefined) return 0;
  const negative = iso.startsWith('-');
  const d = Duration.fromISO(negative ? iso.slice(1) : iso);
  if (!d.isValid || negative) return 0;
  const fixed = d.minus({ years: d.years, months: d.months }).toMillis();
  return Math.max(0, fixed + d.months * 31 * DAY_MS + d.years * 366 * DAY_MS);
}

/** `duration` at its shortest (a month 28 days, a year 365); 0 when unreadable. */
export function shortestMs(iso: string | undefined): number {
  if (iso === undefined) return 0;
  const d = Duration.fromISO(iso);
  if (!d.isValid) return 0;
  const fixed = d.minus({ years: d.years, months: d.months }).toMillis();
  return Math.max(0, fixed + d.months * 28 * DAY_MS + d.years * 365 * DAY_MS);
}

/** The longest a step can hold a customer (`undefined` for a date wait with no static bound). */
export function longestStepWaitMs(step: Step): number {
  switch (step.type) {
    case 'wait': {
      const until = step.until;
      if (until?.date !== undefined) {
        const addDays = until.addDaysFrom === undefined ? 0 : addDaysMax(until.addDaysFrom);
        return (
          longestMs(until.offset) + addDays * DAY_MS + (until.localTime !== undefined ? LOCAL_TIME_MAX_MS : 0)
        );
      }
      return longestMs(step.duration) + (until?.localTime !== undefined ? LOCAL_TIME_MAX_MS : 0);
    }
    case 'waitForEvent':
      return longestMs(step.timeout);
    case 'send':
      return QUIET_HOURS_MAX_MS;
    default:
      return 0;
  }
}

/**
 * The least a step is sure to hold a customer: a fixed duration. A local time, a date or an event
 * can come at once; deferrals are bounded separately (MAX_SEND_ATTEMPTS).
 */
export function shortestStepWaitMs(step: Step): number {
  return step.type === 'wait' && step.until?.date === undefined ? shortestMs(step.duration) : 0;
}

/** Steps whose Lambda answer can end the run (as engine/validate/graph.ts and the compiler see it). */
export function canEndRun(step: Step, id: string): boolean {
  if (step.type === 'send' || step.type === 'exit') return true;
  if (step.type === 'branch' || step.type === 'split')
    return new Set(stepEdges(id, step).map((e) => e.to)).size > 1;
  return false;
}

/** The steps reachable from `start` and their edges (unknown targets dropped). */
export function stepGraph(journey: Journey): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = [journey.start];
  while (queue.length > 0) {
    const id = queue.pop()!;
    const step = Object.hasOwn(journey.steps, id) ? journey.steps[id] : undefined;
    if (graph.has(id) || !step) continue;
    const out = stepEdges(id, step)
      .map((e) => e.to)
      .filter((to) => Object.hasOwn(journey.steps, to));
    graph.set(id, out);
    queue.push(...out);
  }
  return graph;
}

/** Strongly connected components that contain a cycle, each as its step ids. */
export function loops(graph: Map<string, string[]>): string[][] {
  const reach = new Map<string, Set<string>>();
  for (const id of graph.keys()) {
    const seen = new Set<string>();
    const queue = [...(graph.get(id) ?? [])];
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(graph.get(next) ?? []));
    }
    reach.set(id, seen);
  }
  const done = new Set<string>();
  const found: string[][] = [];
  for (const id of graph.keys()) {
    if (done.has(id) || !reach.get(id)!.has(id)) continue;
    const component = [...graph.keys()].filter((v) => reach.get(id)!.has(v) && reach.get(v)!.has(id));
    for (const v of component) done.add(v);
    found.push(component);
  }
  return found;
}

export interface LongestWait {
  /** Upper bound of the waiting on any way from `start` to the end, in ms. */
  ms: number;
  /** A way that reaches it, as step ids (a loop's steps once each). */
  path: string[];
}

/**
 * The longest waiting from `start`: longest path over the graph with each loop collapsed into one
 * node weighing all its steps (a way through visits each at most once per round; the rounds are
 * bounded at run time). `weight` gives each step's waiting.
 */
export function longestWait(
  journey: Journey,
  weight: (step: Step, id: string) => number = longestStepWaitMs,
): LongestWait {
  const graph = stepGraph(journey);
  const componentOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const loop of loops(graph)) {
    const key = loop[0]!;
    members.set(key, loop);
    for (const id of loop) componentOf.set(id, key);
  }
  for (const id of graph.keys()) {
    if (!componentOf.has(id)) {
      componentOf.set(id, id);
      members.set(id, [id]);
    }
  }
  const memo = new Map<string, LongestWait>();
  const visit = (key: string): LongestWait => {
    const known = memo.get(key);
    if (known) return known;
    const ids = members.get(key)!;
    const own = ids.reduce((sum, id) => sum + weight(journey.steps[id]!, id), 0);
    let best: LongestWait = { ms: 0, path: [] };
    for (const id of ids) {
      for (const to of graph.get(id) ?? []) {
        const target = componentOf.get(to)!;
        if (target === key) continue;
        const after = visit(target);
        if (after.ms > best.ms || best.path.length === 0) best = after;
      }
    }
    const result = { ms: own + best.ms, path: [...ids, ...best.path] };
    memo.set(key, result);
    return result;
  };
  // The condensation is a DAG, so the recursion ends; its depth is at most the number of steps.
  return visit(componentOf.get(journey.start) ?? journey.start);
}

/**
 * How far past the deadline a step can carry a run that entered it before the deadline: a wait
 * on a timestamp never ends past the deadline (the step Lambda computes and clamps it, see
 * engine/policy/time.ts), a fixed `Seconds` wait or a wait for an event can end up to its length.
 */
function overrunMs(step: Step): number {
  if (step.type === 'wait') return waitNeedsTimestamp(step) ? 0 : longestStepWaitMs(step);
  return step.type === 'waitForEvent' ? longestStepWaitMs(step) : 0;
}

/** The reachable steps that cannot end a run, with the edges between them. */
function uncheckedGraph(journey: Journey): Map<string, string[]> {
  const unchecked = new Map<string, string[]>();
  for (const [id, out] of stepGraph(journey)) {
    if (canEndRun(journey.steps[id]!, id)) continue;
    unchecked.set(
      id,
      out.filter((to) => !canEndRun(journey.steps[to]!, to)),
    );
  }
  return unchecked;
}

/** Loops made only of steps that cannot end a run: nothing in them could stop it at its deadline. */
export function uncheckedLoops(journey: Journey): string[][] {
  return loops(uncheckedGraph(journey));
}

/**
 * The longest stretch of waiting with no step that could end the run, counting only the waits
 * that can run past the deadline: how far past it a run can get before a step notices. Infinite
 * when a loop has no such step.
 */
export function longestUncheckedWaitMs(journey: Journey): number {
  const unchecked = uncheckedGraph(journey);
  if (loops(unchecked).length > 0) return Number.POSITIVE_INFINITY;
  const memo = new Map<string, number>();
  // Acyclic now: the recursion depth is at most the number of steps.
  const from = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    let after = 0;
    for (const to of unchecked.get(id) ?? []) after = Math.max(after, from(to));
    const total = overrunMs(journey.steps[id]!) + after;
    memo.set(id, total);
    return total;
  };
  let longest = 0;
  for (const id of unchecked.keys()) longest = Math.max(longest, from(id));
  return longest;
}

/** Journeys are immutable once loaded: the graph walk runs once per journey, not per decision. */
const uncheckedByJourney = new WeakMap<Journey, number>();

/**
 * When a run must end: a year after entry, less the margin, less the longest stretch of waiting
 * in which no step could notice. A step that runs at or after it ends the run (`run_deadline`),
 * and no wait or deferral is scheduled past it.
 */
export function runDeadline(journey: Journey, enrollment: Pick<Enrollment, 'enteredAt'>): Date | undefined {
  const entered = Date.parse(enrollment.enteredAt);
  let unchecked = uncheckedByJourney.get(journey);
  if (unchecked === undefined) {
    unchecked = longestUncheckedWaitMs(journey);
    uncheckedByJourney.set(journey, unchecked);
  }
  if (!Number.isFinite(entered) || !Number.isFinite(unchecked)) return undefined;
  return new Date(entered + RUN_BUDGET_MS - unchecked);
}
