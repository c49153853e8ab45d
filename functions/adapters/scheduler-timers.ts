/**
 * The TimerScheduler port over EventBridge Scheduler one-time schedules (docs/scale-mode.md §4).
 *
 * - One schedule per (run, seq), named deterministically, so a retried arm is a no-op: a second
 *   CreateSchedule with the same name answers ConflictException, which counts as success
 *   (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html, Errors).
 * - `at(yyyy-mm-ddThh:mm:ss)` in UTC, `ActionAfterCompletion: DELETE` (a one-time schedule deletes
 *   itself after its one invocation, so the Region's schedule quota holds only pending timers:
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html),
 *   `FlexibleTimeWindow` OFF, a DLQ and a bounded retry policy
 *   (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html: attempts 0–185,
 *   event age 60–86,400 s).
 * - The target is the fire Lambda (it claims the run, then starts the segment on the version ARN).
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { RunTimer, TimerScheduler } from '../ports.ts';

export interface SchedulerTimersOptions {
  client: SchedulerClient;
  /** `SCHEDULE_GROUP`. */
  groupName: string;
  /** `FIRE_FUNCTION_ARN`: the schedule's target. */
  fireFunctionArn: string;
  /** `SCHEDULER_ROLE_ARN`: the role Scheduler assumes to invoke the target. */
  roleArn: string;
  /** `SCHEDULER_DLQ_ARN`: where invocations that ran out of retries go. */
  deadLetterArn: string;
}

export const TIMER_RETRY_POLICY = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 } as const;

/** `r-<40 hex of sha256(run id)>-<seq>`: ≤ 64 characters of `[0-9a-zA-Z-_.]`, the same for a retry. */
export function scheduleName(runId: string, seq: number): string {
  return `r-${createHash('sha256').update(runId).digest('hex').slice(0, 40)}-${seq}`;
}

/** Scheduler's `at()` takes whole seconds; rounding up never fires a timer before it is due. */
export function atExpression(dueMs: number): string {
  return `at(${new Date(Math.ceil(dueMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** What the fire Lambda receives as its event (the schedule's `Target.Input`). */
export interface FireInput {
  customerId: string;
  runId: string;
  seq: number;
}

export function createScheduleInput(
  timer: RunTimer,
  options: Omit<SchedulerTimersOptions, 'client'>,
): CreateScheduleCommandInput {
  const name = scheduleName(timer.runId, timer.seq);
  const input: FireInput = { customerId: timer.customerId, runId: timer.runId, seq: timer.seq };
  return {
    Name: name,
    GroupName: options.groupName,
    ScheduleExpression: atExpression(timer.dueMs),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    ClientToken: name,
    Target: {
      Arn: options.fireFunctionArn,
      RoleArn: options.roleArn,
      Input: JSON.stringify(input),
      DeadLetterConfig: { Arn: options.deadLetterArn },
      RetryPolicy: { ...TIMER_RETRY_POLICY },
    },
  };
}

export class SchedulerTimers implements TimerScheduler {
  constructor(private readonly options: SchedulerTimersOptions) {}

  async arm(timer: RunTimer): Promise<void> {
    try {
      await this.options.client.send(new CreateScheduleCommand(createScheduleInput(timer, this.options)));
    } catch (error) {
      // Same name: this (run, seq) is armed already (a retried arm).
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  async disarm(timer: Pick<RunTimer, 'runId' | 'seq'>): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteScheduleCommand({
          Name: scheduleName(timer.runId, timer.seq),
          GroupName: this.options.groupName,
        }),
      );
    } catch (error) {
      // Fired and deleted itself already, or never created: nothing to delete.
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
