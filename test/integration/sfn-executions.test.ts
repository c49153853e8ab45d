import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import { executionArnFor, SfnExecutions } from '../../functions/adapters/sfn-executions.ts';
import { type SfnSinkStandIn, startSfnSink } from '../../local/standins/index.ts';
import { cartEvent } from './support/harness.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:herald-promo';
const enrollment: Enrollment = {
  id: 'promo-v1-abc',
  customerId: 'c-1',
  journeyId: 'promo',
  journeyVersion: 1,
  enteredAt: '2025-06-02T12:00:00Z',
  event: cartEvent('c-1', 'e1'),
};

describe('Step Functions executions adapter', () => {
  let sink: SfnSinkStandIn;
  let client: SFNClient;
  let executions: SfnExecutions;
  beforeAll(async () => {
    sink = await startSfnSink();
    client = new SFNClient({ ...sink.clientConfig, maxAttempts: 1 });
    executions = new SfnExecutions({
      client,
      stateMachineArn: (id, v) => (id === 'promo' && v === 1 ? `${ARN}:live` : undefined),
    });
  });
  afterAll(async () => {
    client?.destroy();
    await sink?.stop();
  });

  it('starts an execution named after the enrollment, with the enrollment as input, once', async () => {
    const first = await executions.start(enrollment);
    const replay = await executions.start(enrollment);
    const changed = await executions.start({ ...enrollment, enteredAt: '2025-06-02T12:00:01Z' });

    expect(first).toEqual({
      status: 'started',
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:promo-v1-abc`,
    });
    expect(replay.status).toBe('started'); // identical input: Step Functions answers idempotently
    expect(changed).toEqual({ status: 'already_started', executionArn: first.executionArn });
    expect(sink.executions).toHaveLength(1);
    expect(JSON.parse(sink.executions[0]?.input ?? '{}')).toEqual({ enrollment });
  });

  it('is refused, as AWS refuses it, for a name with characters StartExecution forbids', async () => {
    await expect(executions.start({ ...enrollment, id: 'promo v1/c:1' })).rejects.toMatchObject({
      name: 'InvalidName',
    });
    expect(sink.executions.map((e) => e.name)).not.toContain('promo v1/c:1');
  });

  it('stops it, and tolerates an execution that does not exist', async () => {
    await executions.stop(enrollment, 'exit event order_placed');
    expect(sink.executions[0]).toMatchObject({ status: 'ABORTED', stopCause: 'exit event order_placed' });
    await expect(executions.stop({ ...enrollment, id: 'never-started' }, 'x')).resolves.toBeUndefined();
  });

  it('resumes a waiting task once; a used or timed-out token reports false', async () => {
    expect(await executions.sendTaskSuccess('tok-1', { outcome: 'next', next: 'a', eventId: 'e' })).toBe(
      true,
    );
    expect(await executions.sendTaskSuccess('tok-1', { outcome: 'next', next: 'a', eventId: 'e' })).toBe(
      false,
    );
    sink.expireTaskToken('tok-2');
    expect(await executions.sendTaskSuccess('tok-2', {})).toBe(false);
  });

  it('refuses to start a journey version it has no state machine for', async () => {
    await expect(executions.start({ ...enrollment, journeyVersion: 9 })).rejects.toMatchObject({
      code: 'unknown_state_machine',
    });
  });

  it('derives execution ARNs under the state machine name for versions and aliases', () => {
    expect(executionArnFor(`${ARN}:3`, 'x')).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:herald-promo:x',
    );
  });
});
