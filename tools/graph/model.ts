/**
 * A journey as boxes and arrows, before any geometry: one node per step (plus the entry), one edge
 * per way out of a step, each with the words a marketer would use for it.
 */
import type { Journey, Step } from '../../engine/schema.ts';
import {
  channelsWords,
  conditionWords,
  durationWords,
  eventNoun,
  eventVerb,
  humanize,
  waitWords,
} from '../describe.ts';

export type NodeKind = 'entry' | Step['type'];

export type EdgeKind = 'next' | 'event' | 'timeout' | 'branch' | 'otherwise' | 'arm' | 'start';

export interface GraphNode {
  /** The step id; the entry node is `__entry__` (never a valid step id). */
  id: string;
  kind: NodeKind;
  /** Bold first line. */
  title: string;
  /** Smaller lines under the title. */
  lines: string[];
  /** A tooltip: the step's description, when written. */
  note?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface JourneyGraph {
  journey: { id: string; version: number; name: string; description?: string };
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const ENTRY_NODE = '__entry__';

export const KIND_LABEL: Record<NodeKind, string> = {
  entry: 'ENTRY',
  send: 'SEND',
  wait: 'WAIT',
  waitForEvent: 'WAIT FOR EVENT',
  branch: 'BRANCH',
  split: 'SPLIT',
  update: 'UPDATE',
  exit: 'EXIT',
};

export function journeyGraph(journey: Journey): JourneyGraph {
  const nodes: GraphNode[] = [entryNode(journey)];
  const edges: GraphEdge[] = [{ from: ENTRY_NODE, to: journey.start, kind: 'start' }];
  for (const id of stepOrder(journey)) {
    const step = journey.steps[id];
    if (!step) continue;
    nodes.push(stepNode(id, step));
    edges.push(...stepEdges(id, step));
  }
  const meta: JourneyGraph['journey'] = { id: journey.id, version: journey.version, name: journey.name };
  if (journey.description) meta.description = journey.description;
  return { journey: meta, nodes, edges };
}

/** Reachable steps breadth first from `start` (the order people read), then any unreachable ones. */
export function stepOrder(journey: Journey): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = [journey.start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id) || !Object.hasOwn(journey.steps, id)) continue;
    seen.add(id);
    order.push(id);
    for (const edge of stepEdges(id, journey.steps[id] as Step)) queue.push(edge.to);
  }
  for (const id of Object.keys(journey.steps)) if (!seen.has(id)) order.push(id);
  return order;
}

function entryNode(journey: Journey): GraphNode {
  const lines = journey.entry.segment
    ? [`everyone in segment ${journey.entry.segment}`, scheduleWords(journey)]
    : [`when the customer ${eventVerb(journey.entry.event ?? '')}`];
  if (journey.entry.inSegment) lines.push(`and is in segment ${journey.entry.inSegment}`);
  if (journey.entry.condition) lines.push(`if ${conditionWords(journey.entry.condition)}`);
  if (journey.entry.forEachItem) {
    const where = journey.entry.forEachItem.where;
    lines.push(where ? `one run per item where ${conditionWords(where)}` : 'one run per item');
  }
  const reentry = journey.entry.reentry;
  lines.push(
    reentry.mode === 'never'
      ? 'enters once'
      : reentry.mode === 'always'
        ? 'may enter again any time'
        : `may enter again after ${durationWords(reentry.after)}`,
  );
  if (journey.holdout && journey.holdout.percent > 0) lines.push(`${journey.holdout.percent}% held out`);
  for (const rule of journey.exit ?? []) {
    lines.push(`leaves on ${eventNoun(rule.event)}${rule.sameProduct ? ' (same product)' : ''}`);
  }
  if (journey.goal) {
    lines.push(`goal: ${eventVerb(journey.goal.event)} within ${durationWords(journey.goal.within)}`);
  }
  return { id: ENTRY_NODE, kind: 'entry', title: journey.name, lines };
}

function stepNode(id: string, step: Step): GraphNode {
  const node: GraphNode = { id, kind: step.type, title: id, lines: stepLines(step) };
  if (step.description) node.note = step.description;
  return node;
}

function stepLines(step: Step): string[] {
  switch (step.type) {
    case 'send':
      return [`message “${step.message}”`, `by ${channelsWords(step.channels)}`];
    case 'wait':
      return [waitWords(step)];
    case 'waitForEvent':
      return [`for ${eventNoun(step.event)}`, `at most ${durationWords(step.timeout)}`];
    case 'branch':
      // The conditions are on the arrows; the description stays in the tooltip (diamonds hold little text).
      return [];
    case 'split':
      return ['A/B test, stable per customer'];
    case 'update':
      return [`set ${humanize(step.attribute)}`, `= ${JSON.stringify(step.value)}`];
    case 'exit':
      return step.reason ? [step.reason] : [];
    default:
      return [];
  }
}

function stepEdges(id: string, step: Step): GraphEdge[] {
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'update':
      return [{ from: id, to: step.next, kind: 'next' }];
    case 'waitForEvent':
      return [
        { from: id, to: step.onEvent, kind: 'event', label: `${eventNoun(step.event)}` },
        {
          from: id,
          to: step.onTimeout,
          kind: 'timeout',
          label: `no ${eventNoun(step.event)} after ${durationWords(step.timeout)}`,
        },
      ];
    case 'branch':
      return [
        ...step.branches.map(
          (b): GraphEdge => ({ from: id, to: b.next, kind: 'branch', label: `if ${conditionWords(b.when)}` }),
        ),
        { from: id, to: step.otherwise, kind: 'otherwise', label: 'otherwise' },
      ];
    case 'split':
      return step.arms.map((arm) => ({
        from: id,
        to: arm.next,
        kind: 'arm',
        label: `${arm.name} · ${arm.weight}%`,
      }));
    case 'exit':
      return [];
    default:
      return [];
  }
}

/** "every Monday…": the schedule as the marketer wrote it, zone included. */
function scheduleWords(journey: Journey): string {
  const s = journey.entry.schedule;
  if (!s) return 'on no schedule';
  const zone = s.zone === 'customer' ? "in each customer's own time zone" : `(${s.zone})`;
  return s.at ? `once, at ${s.at} ${zone}` : `on cron ${s.cron} ${zone}`;
}
