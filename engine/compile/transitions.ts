/**
 * Counting state transitions, the unit AWS bills Standard workflows by: one for every state
 * entered, the first included, the final Succeed included. (Retries also bill; a path here is a
 * run with no retries.)
 */
import { type AslDefinition, isTerminal, successors } from './asl.ts';

export interface PathCost {
  /** States entered, in order, from `StartAt` to a terminal state. */
  path: string[];
  /** `path.length`: the transitions this run is billed. */
  transitions: number;
}

/** Guard against pathological graphs: simple-path enumeration is exponential in the worst case. */
const MAX_VISITS = 1_000_000;

/**
 * Every simple path (no state entered twice) from `StartAt` to a terminal state. Loops — a send's
 * deferral loop, a journey that comes back to an earlier step after a wait — are therefore taken
 * at most once: each extra deferral of a send adds 3 transitions (`<step>.deferred`, the Task, its
 * Choice).
 */
export function terminalPaths(def: AslDefinition): PathCost[] {
  const paths: PathCost[] = [];
  const stack: string[] = [];
  const onPath = new Set<string>();
  let visits = 0;
  const walk = (name: string) => {
    const state = def.States[name];
    if (!state || onPath.has(name)) return;
    if (++visits > MAX_VISITS)
      throw new Error(`too many paths to enumerate in ${def.Comment ?? 'definition'}`);
    stack.push(name);
    onPath.add(name);
    if (isTerminal(state)) paths.push({ path: [...stack], transitions: stack.length });
    for (const next of successors(state)) walk(next);
    stack.pop();
    onPath.delete(name);
  };
  walk(def.StartAt);
  return paths;
}

/** The most expensive run: the longest simple path from `StartAt` to a terminal state. */
export function longestPathTransitions(def: AslDefinition): PathCost {
  let longest: PathCost = { path: [], transitions: 0 };
  for (const p of terminalPaths(def)) if (p.transitions > longest.transitions) longest = p;
  return longest;
}

/** The cheapest run to a terminal state (often an early exit). */
export function shortestPathTransitions(def: AslDefinition): PathCost {
  let shortest: PathCost | undefined;
  for (const p of terminalPaths(def)) if (!shortest || p.transitions < shortest.transitions) shortest = p;
  return shortest ?? { path: [], transitions: 0 };
}
