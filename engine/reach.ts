/** A journey's step graph: each step's edges, and reachability (bounded: each step is visited once). */
import { assertUnreachable } from './assert.ts';
import type { Journey, Step } from './schema.ts';

/** One outgoing edge of a step: the target step id and where in the journey it is written. */
export interface StepEdge {
  to: string;
  path: string;
}

/** A step's edges, in the order they are written. */
export function stepEdges(id: string, step: Step): StepEdge[] {
  const at = `/steps/${id}`;
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'update':
      return [{ to: step.next, path: `${at}/next` }];
    case 'waitForEvent':
      return [
        { to: step.onEvent, path: `${at}/onEvent` },
        { to: step.onTimeout, path: `${at}/onTimeout` },
      ];
    case 'branch':
      return [
        ...step.branches.map((b, i) => ({ to: b.next, path: `${at}/branches/${i}/next` })),
        { to: step.otherwise, path: `${at}/otherwise` },
      ];
    case 'split':
      return step.arms.map((arm, i) => ({ to: arm.next, path: `${at}/arms/${i}/next` }));
    case 'exit':
      return [];
    default:
      return assertUnreachable(step);
  }
}

/** The steps a step can lead to (none for a step the journey does not have). */
export function successors(journey: Journey, stepId: string): string[] {
  const step = Object.hasOwn(journey.steps, stepId) ? journey.steps[stepId] : undefined;
  return step ? stepEdges(stepId, step).map((edge) => edge.to) : [];
}

/** Breadth-first, each step visited once: bounded by the number of steps. */
export function reaches(journey: Journey, from: string, target: string): boolean {
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (id === target) return true;
    for (const next of successors(journey, id)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** Whether a step lies on a loop (it can come round to itself, after a wait): it may run again in one execution. */
export function stepIsInLoop(journey: Journey, stepId: string): boolean {
  return successors(journey, stepId).some((next) => reaches(journey, next, stepId));
}
