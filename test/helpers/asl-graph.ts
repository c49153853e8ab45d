/** Graph checks on compiled definitions, shared by the compiler's and the validator's property tests. */
import { type AslDefinition, successors } from '../../engine/compile/asl.ts';

/** States nothing leads to from `StartAt` (Step Functions rejects a definition that has any). */
export function unreachableStates(def: AslDefinition): string[] {
  const seen = new Set([def.StartAt]);
  const queue = [def.StartAt];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const next of successors(def.States[name]!)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return Object.keys(def.States).filter((name) => !seen.has(name));
}
