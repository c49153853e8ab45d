/**
 * Step Functions on a laptop: every journey's compiled ASL — the very text infra deploys,
 * `renderAsl(compileJourney(journey))` with `${StepFunctionArn}` substituted — runs in
 * aws-local-stepfunctions, each Lambda Task bound to the step handler in-process.
 *
 * aws-local-stepfunctions has no task tokens, so this runner provides them: `$$.Task.Token` reads a
 * per-execution token, a `.waitForTaskToken` Task invokes the handler (which stores the token) and
 * then waits until `sendTaskSuccess` is called with it; the Task's `TimeoutSeconds` (a simulated
 * timer) ends the wait with `States.Timeout`, which the compiled Catch routes to the timeout branch.
 *
 * It implements the `ExecutionStarter` port, so the real ingest handler starts, stops and resumes
 * executions here exactly as it does against AWS.
 */
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  compileJourney,
  renderAsl,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from '../engine/compile/index.ts';
import {
  type Enrollment,
  type SegmentInput,
  STEP_FUNCTION_ARN_PLACEHOLDER,
  type StepRequest,
} from '../engine/contract.ts';
import type { ExecutionMode } from '../engine/run-protocol.ts';
import type { Journey } from '../engine/schema.ts';
import { segmentExecutionName } from '../functions/adapters/sfn-executions.ts';
import type { ExecutionStarter, SegmentStarter } from '../functions/ports.ts';
import type { SimClock } from './clock.ts';
import './polyfills.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** What CloudFormation's DefinitionSubstitutions would put in place of `${StepFunctionArn}`. */
export const LOCAL_STEP_FUNCTION_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:herald-step`;
/** infra names state machines `${namePrefix}${journey.id}`. */
export const LOCAL_STATE_MACHINE_PREFIX = 'herald-';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface ExecutionRecord {
  arn: string;
  /** STANDARD (absent): one per run; EXPRESS: one per scale-mode segment. */
  type?: 'STANDARD' | 'EXPRESS';
  name: string;
  journeyId: string;
  journeyVersion: number;
  customerId: string;
  status: ExecutionStatus;
  startedAt: string;
  stoppedAt?: string;
  /** Every state entered, with the simulated time it was entered. */
  states: { name: string; at: string }[];
  /** `{ result }`: the execution's last `$.result` (for an early exit, its reason). */
  output?: unknown;
  error?: string;
  cause?: string;
}

/** The step Lambda, in-process: takes a StepRequest, returns a StepResult. */
export type StepInvoker = (request: StepRequest) => Promise<unknown>;

export interface LocalWorkflowsOptions {
  journeys: readonly Journey[];
  invokeStep: StepInvoker;
  clock: SimClock;
  /** Each journey's execution mode (default: Standard for all): scale journeys run as Express segments. */
  modeOf?: (journey: Journey) => ExecutionMode;
  /**
   * Validate each definition with aws-local-stepfunctions' validator (default true). Worker
   * threads running the same definitions the main thread already validated skip it.
   */
  validate?: boolean;
}

interface CompiledMachine {
  journey: Journey;
  mode: ExecutionMode;
  /** The bound definition text (placeholder replaced). */
  definition: string;
  machine: StateMachine;
  waitTasks: Map<string, number>;
  taskStates: string[];
}

interface PendingToken {
  executionKey: string;
  /** Epoch ms: the Task's TimeoutSeconds ends the wait then. */
  deadline: number;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

interface RunningExecution {
  record: ExecutionRecord;
  abort(): void;
}

export class TaskAbortedError extends Error {
  readonly code = 'TASK_ABORTED';
  constructor(executionArn: string) {
    super(`execution ${executionArn} was stopped while waiting for a task token`);
    this.name = 'States.Aborted';
  }
}

export class UnknownJourneyError extends Error {
  readonly code = 'UNKNOWN_JOURNEY';
  constructor(journeyId: string, version: number) {
    super(`no state machine for journey ${journeyId} v${version}`);
    this.name = 'UnknownJourneyError';
  }
}

/** `renderAsl(compileJourney(journey))` with the step Lambda ARN substituted, as CloudFormation does. */
export function boundDefinition(
  journey: Journey,
  stepFunctionArn = LOCAL_STEP_FUNCTION_ARN,
  execution: ExecutionMode = 'standard',
): string {
  return renderAsl(compileJourney(journey, { execution }))
    .split(STEP_FUNCTION_ARN_PLACEHOLDER)
    .join(stepFunctionArn);
}

export function stateMachineArn(journeyId: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${LOCAL_STATE_MACHINE_PREFIX}${journeyId}`;
}

export function executionArn(journeyId: string, name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${LOCAL_STATE_MACHINE_PREFIX}${journeyId}:${name}`;
}

export class LocalWorkflows implements ExecutionStarter, SegmentStarter {
  private readonly machines = new Map<string, CompiledMachine>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly tokens = new Map<string, PendingToken>();
  private readonly tokensOf = new Map<string, Set<string>>();
  private readonly invokeStep: StepInvoker;
  private readonly clock: SimClock;
  private tokenSeq = 0;

  private readonly validate: boolean;
  private readonly modeOf: (journey: Journey) => ExecutionMode;
  private segmentSeq = 0;

  constructor(options: LocalWorkflowsOptions) {
    this.invokeStep = options.invokeStep;
    this.clock = options.clock;
    this.validate = options.validate ?? true;
    this.modeOf = options.modeOf ?? (() => 'standard');
    this.deploy(options.journeys);
  }

  /**
   * What a deploy does to the state machines: new starts run the given versions from now on, while
   * executions already running keep the definition they started on (Step Functions binds an
   * execution to the version its alias pointed to at start). A version left out is no longer
   * startable, as after `DeleteStateMachineVersion`.
   */
  deploy(journeys: readonly Journey[]): void {
    const machines = new Map<string, CompiledMachine>();
    for (const journey of journeys) {
      const mode = this.modeOf(journey);
      const definition = boundDefinition(journey, LOCAL_STEP_FUNCTION_ARN, mode);
      const asl = JSON.parse(definition) as AslDefinition;
      const waitTasks = new Map<string, number>();
      const taskStates: string[] = [];
      for (const [name, state] of Object.entries(asl.States)) {
        if (state.Type !== 'Task') continue;
        taskStates.push(name);
        if (state.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE) waitTasks.set(name, state.TimeoutSeconds ?? 0);
      }
      const machine = machineFor(definition, asl, this.validate);
      machines.set(machineKey(journey.id, journey.version), {
        journey,
        mode,
        definition,
        machine,
        waitTasks,
        taskStates,
      });
    }
    this.machines.clear();
    for (const [key, compiled] of machines) this.machines.set(key, compiled);
  }

  /** The bound definition text each journey version runs. */
  definition(journeyId: string, version: number): string | undefined {
    return this.machines.get(machineKey(journeyId, version))?.definition;
  }

  executions(): ExecutionRecord[] {
    return [...this.records.values()];
  }

  /** Executions still running or waiting (for a Wait, or for a task token). */
  runningCount(): number {
    return this.running.size;
  }

  async start(
    enrollment: Enrollment,
  ): Promise<{ status: 'started' | 'already_started'; executionArn: string }> {
    const compiled = this.machines.get(machineKey(enrollment.journeyId, enrollment.journeyVersion));
    if (!compiled) throw new UnknownJourneyError(enrollment.journeyId, enrollment.journeyVersion);
    const arn = executionArn(enrollment.journeyId, enrollment.id);
    // Execution names are unique per state machine: the same enrollment starts nothing twice.
    if (this.records.has(arn)) return { status: 'already_started', executionArn: arn };
    this.launch(compiled, { enrollment }, arn, enrollment.id, 'STANDARD');
    return { status: 'started', executionArn: arn };
  }

  /**
   * Scale mode: one Express execution of the segment the input enters. Express names are not
   * deduplicated (at-least-once starts), so every start runs; the run claim fences duplicates.
   */
  async startSegment(input: SegmentInput): Promise<{ executionArn: string }> {
    const { enrollment, run } = input;
    const compiled = this.machines.get(machineKey(enrollment.journeyId, enrollment.journeyVersion));
    if (compiled?.mode !== 'scale')
      throw new UnknownJourneyError(enrollment.journeyId, enrollment.journeyVersion);
    this.segmentSeq += 1;
    const name = `${segmentExecutionName(run.id, run.seq)}-${this.segmentSeq}`;
    const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:express:${LOCAL_STATE_MACHINE_PREFIX}${enrollment.journeyId}:${name}`;
    this.launch(compiled, input, arn, name, 'EXPRESS');
    return { executionArn: arn };
  }

  private launch(
    compiled: CompiledMachine,
    input: { enrollment: Enrollment },
    arn: string,
    name: string,
    type: 'STANDARD' | 'EXPRESS',
  ): void {
    const enrollment = input.enrollment;
    const record: ExecutionRecord = {
      arn,
      type,
      name,
      journeyId: enrollment.journeyId,
      journeyVersion: enrollment.journeyVersion,
      customerId: enrollment.customerId,
      status: 'RUNNING',
      startedAt: this.clock.now().toISOString(),
      states: [],
    };
    this.records.set(arn, record);

    let currentToken = this.nextToken(arn);
    const taskContext = {
      get Token() {
        return currentToken;
      },
    };
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const name of compiled.taskStates) {
      const timeoutSeconds = compiled.waitTasks.get(name);
      if (timeoutSeconds === undefined) {
        handlers[name] = (input) => this.invoke(input as StepRequest);
      } else {
        handlers[name] = async (input) => {
          const request = (input as { Payload: StepRequest }).Payload;
          const token = request.taskToken ?? currentToken;
          currentToken = this.nextToken(arn);
          const arrived = this.awaitToken(arn, token, timeoutSeconds);
          try {
            await this.invoke(request);
          } catch (error) {
            this.tokens.delete(token);
            this.tokensOf.get(arn)?.delete(token);
            throw error;
          }
          return arrived;
        };
      }
    }

    const execution = compiled.machine.run(JSON.parse(JSON.stringify(input)), {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: {
        Execution: { Id: arn, Name: name },
        StateMachine: {
          Id: stateMachineArn(enrollment.journeyId),
          Name: LOCAL_STATE_MACHINE_PREFIX + enrollment.journeyId,
        },
        Task: taskContext,
      },
    });
    this.running.set(arn, { record, abort: execution.abort });
    void this.follow(record, execution.eventLogs);
    execution.result.then(
      // Keep only the last `$.result` (why it ended), not the whole state with the event in it.
      (output) =>
        this.finish(record, record.status === 'ABORTED' ? 'ABORTED' : 'SUCCEEDED', {
          output: { result: (output as { result?: unknown } | null)?.result ?? null },
        }),
      (error: unknown) => {
        if (error instanceof ExecutionAbortedError) return this.finish(record, 'ABORTED', {});
        const { name, message } = describeError(error);
        this.finish(record, 'FAILED', { error: name, cause: message });
      },
    );
  }

  async stop(enrollment: Enrollment, cause: string): Promise<void> {
    const arn = executionArn(enrollment.journeyId, enrollment.id);
    const running = this.running.get(arn);
    if (!running) return;
    running.record.status = 'ABORTED';
    running.record.cause = cause;
    running.abort();
    for (const pending of this.dropTokens(arn)) pending.reject(new TaskAbortedError(arn));
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<boolean> {
    const pending = this.tokens.get(taskToken);
    if (!pending) return false;
    this.tokens.delete(taskToken);
    this.tokensOf.get(pending.executionKey)?.delete(taskToken);
    // At or after the deadline the Task has timed out (its timer fires at that same instant).
    if (this.clock.now().getTime() >= pending.deadline) return false;
    pending.resolve(JSON.parse(JSON.stringify(output ?? null)));
    return true;
  }

  private invoke(request: StepRequest): Promise<unknown> {
    // One customer's steps never race each other, whatever order the I/O completes in.
    return this.clock.track(() => this.invokeStep(request), request.enrollment?.customerId);
  }

  private awaitToken(arn: string, token: string, timeoutSeconds: number): Promise<unknown> {
    const mine = this.tokensOf.get(arn) ?? new Set<string>();
    mine.add(token);
    this.tokensOf.set(arn, mine);
    return new Promise((resolve, reject) => {
      this.tokens.set(token, {
        executionKey: arn,
        deadline: this.clock.now().getTime() + timeoutSeconds * 1000,
        resolve,
        reject,
      });
    });
  }

  private nextToken(arn: string): string {
    this.tokenSeq += 1;
    return Buffer.from(`${arn}#${this.tokenSeq}`).toString('base64url');
  }

  private async follow(
    record: ExecutionRecord,
    events: AsyncGenerator<{ type: string; timestamp: number; state?: { name: string } }>,
  ): Promise<void> {
    for await (const event of events) {
      if (event.type === 'StateEntered' && event.state) {
        record.states.push({ name: event.state.name, at: new Date(event.timestamp).toISOString() });
      }
    }
  }

  private finish(
    record: ExecutionRecord,
    status: ExecutionStatus,
    detail: { output?: unknown; error?: string; cause?: string },
  ): void {
    record.status = status;
    record.stoppedAt = this.clock.now().toISOString();
    if (detail.output !== undefined) record.output = detail.output;
    if (detail.error !== undefined) record.error = detail.error;
    if (detail.cause !== undefined) record.cause = detail.cause;
    this.running.delete(record.arn);
    this.dropTokens(record.arn);
  }

  /** Forgets an execution's pending tokens (a late SendTaskSuccess then reports false). */
  private dropTokens(arn: string): PendingToken[] {
    const dropped: PendingToken[] = [];
    for (const token of this.tokensOf.get(arn) ?? []) {
      const pending = this.tokens.get(token);
      if (pending) dropped.push(pending);
      this.tokens.delete(token);
    }
    this.tokensOf.delete(arn);
    return dropped;
  }
}

/**
 * aws-local-stepfunctions validates a definition in its constructor (about half a second each);
 * a StateMachine holds no per-run state, so one per distinct definition text serves every run.
 */
const machineCache = new Map<string, StateMachine>();
function machineFor(definition: string, asl: AslDefinition, validate: boolean): StateMachine {
  let machine = machineCache.get(definition);
  if (!machine) {
    machine = new StateMachine(
      asl as unknown as StateMachineDefinition,
      validate ? {} : { validationOptions: { noValidate: true } },
    );
    machineCache.set(definition, machine);
  }
  return machine;
}

/** Validates every journey's bound definition as aws-local-stepfunctions would run it; throws if invalid. */
export function validateDefinitions(
  journeys: readonly Journey[],
  modeOf: (journey: Journey) => ExecutionMode = () => 'standard',
): void {
  for (const journey of journeys) {
    const definition = boundDefinition(journey, LOCAL_STEP_FUNCTION_ARN, modeOf(journey));
    machineFor(definition, JSON.parse(definition) as AslDefinition, true);
  }
}

function machineKey(journeyId: string, version: number): string {
  return `${journeyId}@${version}`;
}

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return { name: cause.name, message: cause.message };
    return { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}
