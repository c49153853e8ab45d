/**
 * The audience enrolment state machine (engine/audience/map-definition.ts) under
 * aws-local-stepfunctions.
 *
 * aws-local-stepfunctions 3 runs a Map state with ItemsPath, ItemSelector, ItemProcessor and
 * MaxConcurrency, but has no Distributed mode: it ignores `ProcessorConfig` and `ItemBatcher`
 * (it never builds the `{ Items, BatchInput }` envelope) and has no ItemReader
 * (node_modules/aws-local-stepfunctions/build/main.node.esm.js, MapStateAction). So this rewrites
 * each batched Map into what Step Functions does, in states the runner supports:
 *
 *   <map>.select  inline Map applying the ItemSelector to every item (as Distributed mode does first)
 *   <map>.batch   Pass: `States.ArrayPartition(selected, MaxItemsPerBatch)`
 *   <map>         inline Map over the batches, each child given `{ Items, BatchInput }`
 *
 * Everything else — the Pass that makes the segment numbers, the Task, its Retry, the ResultPath —
 * runs as deployed, and the Task is bound to the audience Lambda's real handler in-process.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import './polyfills.ts';

type Json = Record<string, unknown>;

export function emulateItemBatcher(definition: Json): Json {
  const states = { ...(definition.States as Record<string, Json>) };
  for (const [name, state] of Object.entries(states)) {
    const batcher = state.ItemBatcher as { MaxItemsPerBatch?: number; BatchInput?: unknown } | undefined;
    if (state.Type !== 'Map' || !batcher) continue;
    const {
      ItemBatcher: _b,
      ItemSelector,
      ItemsPath,
      ItemProcessor,
      Label: _l,
      ToleratedFailurePercentage: _t,
      ...rest
    } = state;
    const { ProcessorConfig: _p, ...processor } = ItemProcessor as Json;
    states[`${name}.select`] = {
      Type: 'Map',
      ItemsPath: ItemsPath ?? '$',
      ...(ItemSelector ? { ItemSelector } : {}),
      ItemProcessor: { StartAt: 'Selected', States: { Selected: { Type: 'Pass', End: true } } },
      ResultPath: '$.__selected',
      Next: `${name}.batch`,
    };
    states[`${name}.batch`] = {
      Type: 'Pass',
      Parameters: { 'batches.$': `States.ArrayPartition($.__selected, ${batcher.MaxItemsPerBatch ?? 1})` },
      ResultPath: '$.__batched',
      Next: name,
    };
    states[name] = {
      ...rest,
      ItemsPath: '$.__batched.batches',
      ItemSelector: { 'Items.$': '$$.Map.Item.Value', BatchInput: batcher.BatchInput ?? {} },
      ItemProcessor: processor,
    };
    for (const other of Object.values(states))
      if (other.Next === name && other !== states[`${name}.batch`]) other.Next = `${name}.select`;
    if (definition.StartAt === name) definition = { ...definition, StartAt: `${name}.select` };
  }
  return { ...definition, States: states };
}

/** Runs the (emulated) definition once, each Task state bound to its in-process handler by state name. */
export async function runLocalMap(
  definition: Json,
  input: unknown,
  tasks: Record<string, (input: unknown) => Promise<unknown>>,
): Promise<unknown> {
  const machine = new StateMachine(emulateItemBatcher(definition) as unknown as StateMachineDefinition);
  return machine.run(input as never, { overrides: { taskResourceLocalHandlers: tasks as never } }).result;
}
