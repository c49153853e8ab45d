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
 * A Map with an ItemReader (the export branch: S3 listObjectsV2 over the export's data files) gets
 * one more state before those, in what the runner supports:
 *
 *   <map>.read    Task with the ItemReader's Resource and Parameters, bound to a local handler named
 *                 `<map>.read` (the test's real S3 client), its result the Map's items
 *
 * Everything else — the Pass that makes the segment numbers, the Choice on the table size, the
 * export's polling loop, the Tasks, their Retry, the ResultPath — runs as deployed; each Task is
 * bound to an in-process handler by state name (the audience Lambda's real handler, real SDK calls
 * against the stand-ins for the DynamoDB and S3 integrations).
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import './polyfills.ts';

type Json = Record<string, unknown>;

/** The definition with its `${Name}` placeholders filled in, as CloudFormation's DefinitionSubstitutions do. */
export function substitute(definition: Json, values: Record<string, string>): Json {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (whole, name: string) =>
    name in values ? JSON.stringify(values[name]).slice(1, -1) : whole,
  );
  return JSON.parse(text) as Json;
}

/** Each Map's ItemReader becomes a `<map>.read` Task whose result the Map iterates. */
export function emulateItemReader(deployed: Json): Json {
  let definition = structuredClone(deployed);
  const states = definition.States as Record<string, Json>;
  for (const [name, state] of Object.entries(states)) {
    const reader = state.ItemReader as { Resource: string; Parameters?: Json } | undefined;
    if (state.Type !== 'Map' || !reader) continue;
    const { ItemReader: _r, ...rest } = state;
    states[`${name}.read`] = {
      Type: 'Task',
      Resource: reader.Resource,
      ...(reader.Parameters ? { Parameters: reader.Parameters } : {}),
      ResultPath: '$.__read',
      Next: name,
    };
    states[name] = { ...rest, ItemsPath: '$.__read' };
    for (const other of Object.values(states))
      if (other.Next === name && other !== states[`${name}.read`]) other.Next = `${name}.read`;
    if (definition.StartAt === name) definition = { ...definition, StartAt: `${name}.read` };
  }
  return { ...definition, States: states };
}

export function emulateItemBatcher(deployed: Json): Json {
  let definition = structuredClone(deployed);
  const states = definition.States as Record<string, Json>;
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
      ItemProcessor: {
        StartAt: `${name}.selected`,
        States: { [`${name}.selected`]: { Type: 'Pass', End: true } },
      },
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

/**
 * Runs the (emulated) definition once, each Task state bound to its in-process handler by state name;
 * `executionName` is the context object's `$$.Execution.Name` (the export's prefix is made of it).
 */
export async function runLocalMap(
  definition: Json,
  input: unknown,
  tasks: Record<string, (input: unknown) => Promise<unknown>>,
  options: { executionName?: string } = {},
): Promise<unknown> {
  const local = emulateItemBatcher(emulateItemReader(definition));
  const machine = new StateMachine(local as unknown as StateMachineDefinition);
  const context = { Execution: { Name: options.executionName ?? 'local' } };
  return machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: tasks as never },
    context: context as never,
  }).result;
}
