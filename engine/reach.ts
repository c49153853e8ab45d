/** Reachability in a journey's step graph (bounded: each step is visited once). */
import type { Journey } from './schema.ts';

export function successors(journey: Journey, stepId: string): string[] {
  const step = journey.steps[stepId];
  if (!step) return [];
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'update':
      return [step.next];
    case 'waitForEvent':
      return [step.onEvent, step.onTimeout];
    case 'branch':
      return [...step.branches.map((b) => b.next), step.otherwise];
    case 'split':
      return step.arms.map((a) => a.next);
    case 'exit':
      return [];
  }
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
