/**
 * The step graph: references that lead nowhere, steps nothing leads to, and loops a customer
 * could go round forever (a loop is only safe when it waits somewhere). Works on unchecked input:
 * anything that is not a well-formed step is skipped, the schema check reports it.
 */
import { isRecord, type Path } from './describe.ts';
import { didYouMean, didYouMeanText } from './suggest.ts';
import type { Finding } from './types.ts';

interface Edge {
  to: string;
  path: Path;
}

/** The outgoing references of one step, wherever the step keeps them. */
export function stepEdges(id: string, step: unknown): Edge[] {
  if (!isRecord(step)) return [];
  const edges: Edge[] = [];
  const add = (value: unknown, path: Path) => {
    if (typeof value === 'string') edges.push({ to: value, path });
  };
  for (const key of ['next', 'otherwise', 'onEvent', 'onTimeout']) add(step[key], ['steps', id, key]);
  for (const listKey of ['branches', 'arms']) {
    const list = step[listKey];
    if (Array.isArray(list)) {
      list.forEach((item, i) => {
        if (isRecord(item)) add(item.next, ['steps', id, listKey, i, 'next']);
      });
    }
  }
  return edges;
}

const WAITING_TYPES = new Set(['wait', 'waitForEvent']);

export function checkGraph(journey: Record<string, unknown>): Finding[] {
  const steps = isRecord(journey.steps) ? journey.steps : undefined;
  if (!steps) return [];
  const findings: Finding[] = [];
  const ids = Object.keys(steps);
  const known = new Set(ids);
  const edges = new Map<string, string[]>();

  /** Reports the broken reference; returns the step it most likely meant, to keep walking the graph. */
  const dangling = (to: string, path: Path, from: string): string | undefined => {
    const guess = didYouMean(to, ids);
    findings.push({
      code: 'step.dangling-reference',
      path: [...path],
      message: `${from} goes to \`${to}\`, but there is no step called \`${to}\`${didYouMeanText(guess)}`,
      ...(guess
        ? { suggestion: `use \`${guess}\`` }
        : { suggestion: `add a step \`${to}\` or point to an existing one` }),
    });
    return guess;
  };

  for (const id of ids) {
    const out: string[] = [];
    for (const edge of stepEdges(id, steps[id])) {
      // A typo'd reference counts as its likely target, so one typo does not also make every later step "unreachable".
      const to = known.has(edge.to) ? edge.to : dangling(edge.to, edge.path, `step \`${id}\``);
      if (to !== undefined) out.push(to);
    }
    edges.set(id, out);
  }

  const declared = journey.start;
  if (typeof declared !== 'string') return findings;
  const start = known.has(declared) ? declared : dangling(declared, ['start'], 'the journey');
  if (start === undefined) return findings;

  const reached = closure([start], edges);
  for (const id of ids) {
    if (!reached.has(id)) {
      findings.push({
        code: 'step.unreachable',
        path: ['steps', id],
        atKey: true,
        message: `step \`${id}\` is never reached: no step leads to it from \`${start}\``,
        suggestion: 'point a step’s `next` to it, or remove it',
      });
    }
  }

  const endsFrom = stepsThatCanEnd(steps, ids, edges);

  // Loops without a wait: every strongly connected component with a cycle must contain one.
  for (const component of stronglyConnected(ids, edges)) {
    const first = component[0]!;
    const isLoop = component.length > 1 || (edges.get(first) ?? []).includes(first);
    if (!isLoop) continue;
    const waits = component.some((id) => {
      const step = steps[id];
      return isRecord(step) && typeof step.type === 'string' && WAITING_TYPES.has(step.type);
    });
    const ordered = orderLoop(component, edges);
    // A reachable loop from which no step can ever end the run: the compiler refuses these (`no_exit`).
    const trapped = reached.has(first) && !endsFrom.has(first);
    if (trapped) {
      findings.push({
        code: 'step.never-ends',
        path: ['steps', ordered[0]!],
        atKey: true,
        message: `customers who reach steps ${loopText(ordered)} can never finish the journey: they go round forever, and no step in or after the loop can end it (only an \`exit\` step, a \`send\`, or a \`branch\`/\`split\` with more than one way on can)`,
        suggestion: 'add a `branch` inside the loop with a way out to an `exit` step',
      });
    }
    if (waits) {
      if (trapped) continue;
      const members = new Set(component);
      const leaves = component.some((id) => (edges.get(id) ?? []).some((to) => !members.has(to)));
      if (!leaves) {
        findings.push({
          code: 'step.endless-loop',
          severity: 'warning',
          path: ['steps', ordered[0]!],
          atKey: true,
          message: `steps ${loopText(ordered)} loop with no way out: customers leave only through an exit event or the goal, and a run lasts at most a year`,
          suggestion: 'add a branch out of the loop to an `exit` step',
        });
      }
      continue;
    }
    findings.push({
      code: 'step.cycle-without-wait',
      path: ['steps', ordered[0]!],
      atKey: true,
      message: `steps ${loopText(ordered)} form a loop with no wait: a customer would go round it without pause`,
      suggestion: 'add a `wait` or `waitForEvent` step inside the loop, or break the loop',
    });
  }
  return findings;
}

/**
 * Steps that lead (or are) a step able to end a run, matching the compiler: an `exit` (Succeed),
 * a `send` (its Lambda may answer `exit`), a `branch`/`split` with more than one distinct target (it
 * gets a Choice that routes `exit`). Waits, waits for events, updates and one-way branches cannot.
 * Steps of unknown shape count as able to end: the schema check reports them, no need to pile on.
 */
function stepsThatCanEnd(
  steps: Record<string, unknown>,
  ids: string[],
  edges: Map<string, string[]>,
): Set<string> {
  const canEnd = (id: string): boolean => {
    const step = steps[id];
    if (!isRecord(step)) return true;
    switch (step.type) {
      case 'wait':
      case 'waitForEvent':
      case 'update':
        return false;
      case 'branch':
      case 'split':
        return new Set(edges.get(id) ?? []).size > 1;
      default:
        return true;
    }
  };
  const into = new Map<string, string[]>();
  for (const [from, targets] of edges) {
    for (const to of targets) {
      const list = into.get(to);
      if (list) list.push(from);
      else into.set(to, [from]);
    }
  }
  return closure(ids.filter(canEnd), into);
}

/** The seeds and every id reached from them along `next` (each id visited once). */
function closure(seeds: readonly string[], next: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set(seeds);
  const queue = [...found];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const to of next.get(id) ?? []) {
      if (!found.has(to)) {
        found.add(to);
        queue.push(to);
      }
    }
  }
  return found;
}

function loopText(ordered: string[]): string {
  const shown = ordered.length > 8 ? [...ordered.slice(0, 8), '…'] : [...ordered, ordered[0]!];
  return shown.map((id) => (id === '…' ? id : `\`${id}\``)).join(' → ');
}

/** Tarjan's algorithm, iterative so that a long chain of steps cannot overflow the stack. */
function stronglyConnected(ids: string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter++;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges.get(frame.id) ?? [];
      if (frame.next < targets.length) {
        const to = targets[frame.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter);
          counter++;
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component);
      }
    }
  }
  return components;
}

/** The loop's steps in travel order, starting from the alphabetically first, for a stable message. */
function orderLoop(component: string[], edges: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const order = [start];
  const seen = new Set(order);
  let current = start;
  for (let i = 0; i < component.length; i++) {
    const next = (edges.get(current) ?? []).find((to) => members.has(to) && !seen.has(to));
    if (next === undefined) break;
    order.push(next);
    seen.add(next);
    current = next;
  }
  return order;
}
