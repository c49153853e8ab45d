/**
 * Runs a compiled definition under aws-local-stepfunctions with the step Lambda replaced by a
 * stub and every retry immediate. Returns the states entered, in order.
 *
 * Waits with `Seconds` end at once. Waits with `TimestampPath` really read `$.result.until` (so a
 * missing timestamp fails the run, as on AWS): have the stub answer with timestamps in the past.
 *
 * Shared by the compiler tests and anyone who needs to run compiled ASL without AWS.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../../engine/compile/asl.ts';
import type { EventArrivedOutput, ExecutionInput, StepRequest, StepResult } from '../../engine/contract.ts';
import { STEP_FUNCTION_ARN_PLACEHOLDER } from '../../engine/contract.ts';
// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks: one polyfill for all.
import '../../local/polyfills.ts';

/** What CloudFormation's DefinitionSubstitutions would put in place of `${StepFunctionArn}`. */
export const LOCAL_STEP_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:herald-step';
export const LOCAL_EXECUTION_ID = 'arn:aws:states:us-east-1:000000000000:execution:herald-local:run-1';
export const LOCAL_TASK_TOKEN = 'local-task-token';

/** Replaces `${StepFunctionArn}` everywhere, as CloudFormation DefinitionSubstitutions do. */
export function bindStepFunction(def: AslDefinition, arn = LOCAL_STEP_FUNCTION_ARN): AslDefinition {
  return JSON.parse(JSON.stringify(def).split(STEP_FUNCTION_ARN_PLACEHOLDER).join(arn)) as AslDefinition;
}

/**
 * Answers one Task. `request` is the StepRequest (for a wait-for-event Task, its Payload, with
 * `taskToken`). Return a StepResult (or an EventArrivedOutput to resume a wait-for-event); throw
 * `timeoutError()` to make a wait-for-event time out.
 */
export type TaskStub = (
  request: StepRequest,
  stateName: string,
) => StepResult | EventArrivedOutput | Promise<StepResult | EventArrivedOutput>;

/** An error Step Functions' Catch matches as `States.Timeout`, as when a task token times out. */
export function timeoutError(): Error {
  const error = new Error('the wait-for-event task timed out');
  error.name = 'States.Timeout';
  return error;
}

export interface AslRun {
  /** Every state entered, in order. */
  states: string[];
  /** The requests each Task received, in order. */
  requests: StepRequest[];
  output: unknown;
  /**
   * The largest UTF-8 JSON the run handed Step Functions: any state's input or output, any
   * Task's request or answer (each is bounded by 256 KiB on AWS, engine/limits.ts).
   */
  largestPayloadBytes: number;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');

// Building a StateMachine validates the definition (ajv, slow): build each definition once.
const machines = new Map<string, StateMachine>();
function stateMachine(def: AslDefinition): StateMachine {
  const key = JSON.stringify(def);
  let machine = machines.get(key);
  if (!machine) {
    machine = new StateMachine(def as unknown as StateMachineDefinition);
    machines.set(key, machine);
  }
  return machine;
}

export async function runAsl(def: AslDefinition, input: ExecutionInput, stub: TaskStub): Promise<AslRun> {
  const bound = bindStepFunction(def);
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  const requests: StepRequest[] = [];
  let largestPayloadBytes = jsonBytes(input);
  const measure = (value: unknown) => {
    largestPayloadBytes = Math.max(largestPayloadBytes, jsonBytes(value));
  };
  for (const [name, state] of Object.entries(bound.States)) {
    // Fixed waits end at once; timestamp waits still read their path (give past timestamps).
    if (state.Type === 'Wait' && state.TimestampPath === undefined) waits[name] = 0;
    if (state.Type === 'Task') {
      retries[name] = 0;
      handlers[name] = async (taskInput) => {
        const raw = taskInput as { Payload?: StepRequest } & StepRequest;
        const request = 'Payload' in raw && raw.Payload ? raw.Payload : raw;
        requests.push(request);
        measure(taskInput);
        const answer = await stub(request, name);
        measure(answer);
        return answer;
      };
    }
  }
  const machine = stateMachine(bound);
  const execution = machine.run(JSON.parse(JSON.stringify(input)), {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: waits,
      retryIntervalOverrides: retries,
    },
    context: { Execution: { Id: LOCAL_EXECUTION_ID }, Task: { Token: LOCAL_TASK_TOKEN } },
  });
  const states: string[] = [];
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (event.type === 'StateEntered' || event.type === 'StateExited') {
        measure(event.state.input);
        measure(event.state.output);
      }
    }
  })();
  const output = await execution.result;
  await logged;
  return { states, requests, output, largestPayloadBytes };
}
