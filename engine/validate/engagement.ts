/**
 * Engagement conditions (`{ "engaged": "send-first-reminder", "with": "open", "within": "P3D" }`):
 * the step they name exists, sends, and comes before the branch that asks; `within` is a positive
 * duration; `convert` needs the journey's goal. Works on unchecked input, like the other checks.
 */
import { MAX_CONDITION_DEPTH } from '../schema.ts';
import { isRecord, type Path, show, where } from './describe.ts';
import { duration } from './durations.ts';
import { stepEdges } from './graph.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

interface Found {
  cond: Record<string, unknown>;
  path: Path;
}

export function checkEngagement(journey: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const steps = isRecord(journey.steps) ? journey.steps : {};
  const entry = isRecord(journey.entry) ? journey.entry : {};
  const atEntry: Found[] = [];
  collect(entry.condition, ['entry', 'condition'], atEntry, 0);
  if (isRecord(entry.forEachItem))
    collect(entry.forEachItem.where, ['entry', 'forEachItem', 'where'], atEntry, 0);
  for (const { cond, path } of atEntry) {
    out.push({
      code: 'engaged.at-entry',
      path: [...path, 'engaged'],
      message: `the engagement condition in ${where(path)} asks about a message of this run, but at entry the run has sent nothing yet`,
      suggestion: `move it into a \`branch\` step after the send step${typeof cond.engaged === 'string' ? ` \`${cond.engaged}\`` : ''}`,
    });
  }

  const graph = stepGraph(steps);
  const sends = Object.keys(steps).filter((id) => isRecord(steps[id]) && steps[id].type === 'send');
  for (const [branchId, step] of Object.entries(steps)) {
    if (!isRecord(step) || step.type !== 'branch' || !Array.isArray(step.branches)) continue;
    const found: Found[] = [];
    step.branches.forEach((b, i) => {
      if (isRecord(b)) collect(b.when, ['steps', branchId, 'branches', i, 'when'], found, 0);
    });
    for (const f of found) checkOne(f, branchId, { journey, steps, sends, graph, start: journey.start }, out);
  }
  return out;
}

interface Scope {
  journey: Record<string, unknown>;
  steps: Record<string, unknown>;
  sends: string[];
  graph: Map<string, string[]>;
  start: unknown;
}

function checkOne({ cond, path }: Found, branchId: string, scope: Scope, out: Finding[]): void {
  const within = duration(cond.within, [...path, 'within'], false, out, true);
  if (within !== undefined && within.toMillis() <= 0) {
    out.push({
      code: 'engaged.zero-within',
      path: [...path, 'within'],
      message: `\`within\` in ${where(path)} is ${show(cond.within)}: no open, click or conversion can come that soon after the message, so the condition never holds`,
      suggestion: 'give the customer time, e.g. `"within": "P3D"`',
    });
  }
  if (cond.with === 'convert' && !isRecord(scope.journey.goal)) {
    out.push({
      code: 'engaged.convert-without-goal',
      path: [...path, 'with'],
      message: `${where(path)} asks whether the customer converted after a message, but the journey has no \`goal\` to convert on`,
      suggestion:
        'add `"goal": { "event": "order_placed", "within": "P7D" }`, or ask about `open` or `click`',
    });
  }
  const target = cond.engaged;
  if (typeof target !== 'string') return;
  const at = [...path, 'engaged'];
  const step = scope.steps[target];
  if (!Object.hasOwn(scope.steps, target) || !isRecord(step)) {
    const guess = didYouMean(target, scope.sends);
    out.push({
      code: 'engaged.unknown-step',
      path: at,
      message: `${where(path)} asks about the message of step \`${target}\`, but there is no step called \`${target}\`${didYouMeanText(guess)}`,
      suggestion: guess ? `use \`${guess}\`` : sendsHint(scope.sends),
    });
    return;
  }
  if (step.type !== 'send') {
    out.push({
      code: 'engaged.not-a-send',
      path: at,
      message: `${where(path)} asks about the message of step \`${target}\`, but \`${target}\` is a \`${String(step.type)}\` step: only a \`send\` step has a message to open or click`,
      suggestion: sendsHint(scope.sends),
    });
    return;
  }
  if (typeof scope.start !== 'string' || !Object.hasOwn(scope.steps, scope.start)) return;
  if (!reaches(scope.graph, scope.graph.get(target) ?? [], branchId, undefined)) {
    out.push({
      code: 'engaged.never-before',
      path: at,
      message: `step \`${target}\` never comes before \`${branchId}\`: no customer reaching \`${branchId}\` has received its message, so the condition never holds`,
      suggestion: `ask about a send step on the way to \`${branchId}\`${listHint(scope, branchId)}`,
    });
    return;
  }
  if (reaches(scope.graph, [scope.start], branchId, target)) {
    out.push({
      code: 'engaged.not-always-sent',
      severity: 'warning',
      path: at,
      message: `some customers reach \`${branchId}\` without passing \`${target}\`; for them the condition in ${where(path)} is false (nothing was sent, so nothing was opened, clicked or converted on)`,
      suggestion: `if that is not what you mean, ask about a send step every way to \`${branchId}\` passes, or add a branch for them first`,
    });
  }
}

/** Engagement conditions inside a condition, wherever `all` / `any` / `not` put them. */
function collect(cond: unknown, path: Path, out: Found[], depth: number): void {
  if (!isRecord(cond) || depth > MAX_CONDITION_DEPTH) return;
  if (cond.engaged !== undefined) out.push({ cond, path });
  for (const key of ['all', 'any'] as const) {
    const list = cond[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      collect(c, [...path, key, i], out, depth + 1);
    });
  }
  if (cond.not !== undefined) collect(cond.not, [...path, 'not'], out, depth + 1);
}

function stepGraph(steps: Record<string, unknown>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const id of Object.keys(steps))
    graph.set(
      id,
      stepEdges(id, steps[id]).map((e) => e.to),
    );
  return graph;
}

/** Whether `goal` is reachable from `from` (`from` itself counts) without passing through `avoid`. */
function reaches(
  graph: Map<string, string[]>,
  from: string[],
  goal: string,
  avoid: string | undefined,
): boolean {
  const seen = new Set<string>();
  const queue = from.filter((id) => id !== avoid);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (id === goal) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const to of graph.get(id) ?? []) if (to !== avoid && !seen.has(to)) queue.push(to);
  }
  return false;
}

function sendsHint(sends: string[]): string {
  return sends.length > 0
    ? `name one of the journey’s send steps: ${listOf(sends)}`
    : 'add a `send` step first';
}

function listHint(scope: Scope, branchId: string): string {
  const before = scope.sends.filter((id) =>
    reaches(scope.graph, scope.graph.get(id) ?? [], branchId, undefined),
  );
  return before.length > 0 ? `: ${listOf(before)}` : '';
}
