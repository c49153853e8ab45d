/**
 * The timers adapter (functions/adapters/scheduler-timers.ts) through the real
 * @aws-sdk/client-scheduler to the Scheduler stand-in: the CreateSchedule request scale mode relies
 * on, a repeated arm being a no-op (ConflictException), and deleting a missing schedule being fine.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atExpression, SchedulerTimers, scheduleName } from '../../functions/adapters/scheduler-timers.ts';
import { type SchedulerStandIn, startSchedulerStandIn } from '../../local/standins/index.ts';

describe('EventBridge Scheduler timers', () => {
  let standIn: SchedulerStandIn;
  let client: SchedulerClient;
  let timers: SchedulerTimers;
  beforeAll(async () => {
    standIn = await startSchedulerStandIn();
    client = new SchedulerClient(standIn.clientConfig);
    timers = new SchedulerTimers({
      client,
      groupName: 'herald-runs',
      fireFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:herald-fire',
      roleArn: 'arn:aws:iam::000000000000:role/herald-scheduler',
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:herald-timers-dlq',
    });
  });
  afterAll(async () => {
    client?.destroy();
    await standIn?.stop();
  });

  it('names a schedule from (run, seq) within Scheduler’s 64 characters of [0-9a-zA-Z-_.]', () => {
    const name = scheduleName(`welcome#${'c'.repeat(128)}#signup-event-id`, 12);
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    expect(name).toBe(scheduleName(`welcome#${'c'.repeat(128)}#signup-event-id`, 12));
    expect(name).not.toBe(scheduleName(`welcome#${'c'.repeat(128)}#signup-event-id`, 13));
  });

  it('rounds the due time up to the whole second at() takes, in UTC', () => {
    expect(atExpression(Date.parse('2026-03-02T10:00:00.000Z'))).toBe('at(2026-03-02T10:00:00)');
    expect(atExpression(Date.parse('2026-03-02T10:00:00.001Z'))).toBe('at(2026-03-02T10:00:01)');
  });

  it('creates a one-time, self-deleting schedule with the fire Lambda as target, a DLQ and bounded retries', async () => {
    await timers.arm({
      customerId: 'c-1',
      runId: 'run-1',
      seq: 1,
      dueMs: Date.parse('2026-03-05T10:00:00Z'),
    });

    expect(standIn.pending()).toEqual([
      {
        name: scheduleName('run-1', 1),
        groupName: 'herald-runs',
        expression: 'at(2026-03-05T10:00:00)',
        dueMs: Date.parse('2026-03-05T10:00:00Z'),
        input: JSON.stringify({ customerId: 'c-1', runId: 'run-1', seq: 1 }),
        targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:herald-fire',
        actionAfterCompletion: 'DELETE',
        flexibleTimeWindow: { Mode: 'OFF' },
        retryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:herald-timers-dlq',
      },
    ]);
  });

  it('treats a second arm of the same (run, seq) as done (ConflictException) and keeps one schedule', async () => {
    await expect(
      timers.arm({ customerId: 'c-1', runId: 'run-1', seq: 1, dueMs: Date.parse('2026-03-05T10:00:00Z') }),
    ).resolves.toBeUndefined();
    expect(standIn.pending()).toHaveLength(1);
    expect(standIn.created()).toHaveLength(1);
  });

  it('deletes a pending schedule, and a missing one is not an error (ResourceNotFoundException)', async () => {
    await timers.disarm({ runId: 'run-1', seq: 1 });
    expect(standIn.pending()).toHaveLength(0);
    await expect(timers.disarm({ runId: 'run-1', seq: 1 })).resolves.toBeUndefined();
  });
});
