/**
 * Records every AWS call each Herald function makes, so test/iam can evaluate it against that
 * function's role as IAM would. Tooling only: no handler imports this, so it is in no Lambda bundle.
 *
 * Attribution: locally the functions share SDK clients (one DynamoDB client for all four), so a
 * call is attributed to the function whose invocation it runs in — `as(fn, handler)` marks the
 * invocation with an AsyncLocalStorage, and the middleware attached to each client reads it. A call
 * made outside any invocation (a test seeding the table, the demo loading its catalog) belongs to
 * no function and is not recorded.
 *
 * The SDK middleware sits in the `serialize` step, ahead of the serializer: it sees the command's
 * final input (lib-dynamodb has already marshalled it) and runs once per call, not per retry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Enrollment } from '../engine/contract.ts';
import { executionArnFor, segmentExecutionName } from '../functions/adapters/sfn-executions.ts';
import type { ExecutionStarter, SegmentStarter } from '../functions/ports.ts';

export interface AwsCall {
  /** The Lambda function the call ran in (`ingest`, `step`, … — its POWERTOOLS_SERVICE_NAME). */
  fn: string;
  /** The SDK client's name, e.g. `DynamoDBClient`, `SFNClient`. */
  client: string;
  /** The operation, e.g. `GetItem`, `StartExecution` (the SDK command name without `Command`). */
  operation: string;
  input: Record<string, unknown>;
}

/** The part of an SDK v3 client the recorder needs. */
export interface InstrumentableClient {
  middlewareStack: {
    add(middleware: unknown, options: { step: 'serialize'; name: string; priority: 'high' }): void;
  };
}

const MIDDLEWARE_NAME = 'heraldAwsCallRecorder';

export class AwsCallRecorder {
  readonly calls: AwsCall[] = [];
  private readonly current = new AsyncLocalStorage<string>();
  private readonly attached = new WeakSet<object>();

  /** Wraps a handler so that every call made while it runs is attributed to `fn`. */
  as<A extends unknown[], R>(fn: string, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => this.current.run(fn, () => handler(...args));
  }

  /** Records every command sent through this client (idempotent per client). */
  attach<C extends InstrumentableClient>(client: C): C {
    if (this.attached.has(client)) return client;
    this.attached.add(client);
    client.middlewareStack.add(
      (next: (args: { input: unknown }) => Promise<unknown>, context: Record<string, unknown>) =>
        async (args: { input: unknown }) => {
          const fn = this.current.getStore();
          if (fn) {
            this.calls.push({
              fn,
              client: String(context.clientName),
              operation: String(context.commandName).replace(/Command$/, ''),
              input: structuredClone(args.input) as Record<string, unknown>,
            });
          }
          return next(args);
        },
      { step: 'serialize', name: MIDDLEWARE_NAME, priority: 'high' },
    );
    return client;
  }

  /**
   * The local runner has no Step Functions API to send to, so the three calls SfnExecutions would
   * make are recorded at the port, with the request SfnExecutions builds: the ARN from
   * `stateMachineArn` (the function the deployed ingest derives from its environment) and the
   * execution ARN from `executionArnFor`.
   */
  executions(
    starter: ExecutionStarter,
    stateMachineArn: (journeyId: string, version: number) => string | undefined,
  ): ExecutionStarter {
    const record = (operation: string, input: Record<string, unknown>) => {
      const fn = this.current.getStore();
      if (fn) this.calls.push({ fn, client: 'SFNClient', operation, input });
    };
    const arnOf = (enrollment: Enrollment) =>
      stateMachineArn(enrollment.journeyId, enrollment.journeyVersion) ??
      `unknown-state-machine:${enrollment.journeyId}@${enrollment.journeyVersion}`;
    return {
      start: (enrollment) => {
        record('StartExecution', { stateMachineArn: arnOf(enrollment), name: enrollment.id });
        return starter.start(enrollment);
      },
      stop: (enrollment, cause) => {
        record('StopExecution', { executionArn: executionArnFor(arnOf(enrollment), enrollment.id) });
        return starter.stop(enrollment, cause);
      },
      sendTaskSuccess: (taskToken, output) => {
        record('SendTaskSuccess', { taskToken });
        return starter.sendTaskSuccess(taskToken, output);
      },
    };
  }

  /** Scale mode's StartExecution of a segment, recorded at the port as SfnSegments would send it. */
  segments(
    starter: SegmentStarter,
    stateMachineArn: (journeyId: string, version: number) => string | undefined,
  ): SegmentStarter {
    return {
      startSegment: (input) => {
        const fn = this.current.getStore();
        const { journeyId, journeyVersion } = input.enrollment;
        if (fn) {
          this.calls.push({
            fn,
            client: 'SFNClient',
            operation: 'StartExecution',
            input: {
              stateMachineArn:
                stateMachineArn(journeyId, journeyVersion) ??
                `unknown-state-machine:${journeyId}@${journeyVersion}`,
              name: segmentExecutionName(input.run.id, input.run.seq),
            },
          });
        }
        return starter.startSegment(input);
      },
    };
  }
}
