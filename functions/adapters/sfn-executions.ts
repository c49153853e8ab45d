/**
 * Starts, stops and resumes journey executions in Step Functions. The execution name is the
 * enrollment id (deterministic), so a replayed event cannot start a journey twice.
 */
import { createHash } from 'node:crypto';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Enrollment, SegmentInput } from '../../engine/contract.ts';
import type { ExecutionStarter, SegmentStarter } from '../ports.ts';

export interface SfnExecutionsOptions {
  client: SFNClient;
  /** The state machine (or version/alias) ARN that runs `journeyId` at `version`. */
  stateMachineArn: (journeyId: string, version: number) => string | undefined;
}

export class UnknownStateMachineError extends Error {
  override readonly name = 'UnknownStateMachineError';
  readonly code = 'unknown_state_machine';
}

export class SfnExecutions implements ExecutionStarter {
  constructor(private readonly options: SfnExecutionsOptions) {}

  async start(enrollment: Enrollment) {
    const stateMachineArn = this.arnFor(enrollment);
    const executionArn = executionArnFor(stateMachineArn, enrollment.id);
    try {
      const response = await this.options.client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: enrollment.id,
          input: JSON.stringify({ enrollment }),
        }),
      );
      return { status: 'started' as const, executionArn: response.executionArn ?? executionArn };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists)
        return { status: 'already_started' as const, executionArn };
      throw error;
    }
  }

  async stop(enrollment: Enrollment, cause: string): Promise<void> {
    const executionArn = executionArnFor(this.arnFor(enrollment), enrollment.id);
    try {
      await this.options.client.send(new StopExecutionCommand({ executionArn, cause, error: 'Herald.Exit' }));
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<boolean> {
    try {
      await this.options.client.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TaskDoesNotExist ||
        error instanceof TaskTimedOut ||
        error instanceof InvalidToken
      ) {
        return false;
      }
      throw error;
    }
  }

  private arnFor(enrollment: Enrollment): string {
    const arn = this.options.stateMachineArn(enrollment.journeyId, enrollment.journeyVersion);
    if (!arn)
      throw new UnknownStateMachineError(
        `no state machine for ${enrollment.journeyId}@${enrollment.journeyVersion}`,
      );
    return arn;
  }
}

/**
 * `arn:aws:states:r:a:stateMachine:name[:version|alias]` → `arn:aws:states:r:a:execution:name:exec`
 * (executions of versions and aliases live under the state machine's own name).
 */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  return [...parts.slice(0, 5), 'execution', parts[6] ?? '', executionName].join(':');
}

/**
 * Reads the `STATE_MACHINE_ARNS` environment value: a JSON object from `journeyId` (newest) or
 * `journeyId@version` (pinned) to an ARN.
 */
export function stateMachineArnsFromJson(json: string | undefined): SfnExecutionsOptions['stateMachineArn'] {
  const map = JSON.parse(json || '{}') as Record<string, string>;
  return (journeyId, version) => map[`${journeyId}@${version}`] ?? map[journeyId];
}

/**
 * Starts scale-mode segments: one Express execution per segment, on the version ARN the run pinned
 * (`stateMachineArn(journeyId, version)`; StartExecution takes a version ARN:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). Express
 * starts are at least once and their names are not deduplicated; the run claim fences them.
 */
export class SfnSegments implements SegmentStarter {
  constructor(private readonly options: SfnExecutionsOptions) {}

  async startSegment(input: SegmentInput): Promise<{ executionArn: string }> {
    const { enrollment, run } = input;
    const stateMachineArn = this.options.stateMachineArn(enrollment.journeyId, enrollment.journeyVersion);
    if (!stateMachineArn)
      throw new UnknownStateMachineError(
        `no state machine for ${enrollment.journeyId}@${enrollment.journeyVersion}`,
      );
    const response = await this.options.client.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: segmentExecutionName(run.id, run.seq),
        input: JSON.stringify(input),
      }),
    );
    return { executionArn: response.executionArn ?? '' };
  }
}

/** `s-<40 hex of sha256(run id)>-<seq>`: within the 80-character execution name limit. */
export function segmentExecutionName(runId: string, seq: number): string {
  return `s-${createHash('sha256').update(runId).digest('hex').slice(0, 40)}-${seq}`;
}
