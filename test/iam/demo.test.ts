/**
 * A small local demo (50 customers, 30 simulated days) with every AWS call recorded per function,
 * each evaluated against that function's role in the synthesized template. The state machine ARNs
 * ingest starts are built from the environment the template gives ingest, as functions/env.ts
 * builds them, so a mismatch between the two would show here as a denial.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TABLE_NAME } from '../../functions/adapters/dynamo-table.ts';
import { AwsCallRecorder } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { simulateShard } from '../../local/shard.ts';
import { LOCAL_FROM, LOCAL_PINPOINT_APP } from '../../local/stack.ts';
import { assertAllowed, type DeployOptions, deployedRoles } from './support/deployed.ts';

const deploy: DeployOptions = {
  journeys: loadJourneys(),
  fromAddress: LOCAL_FROM,
  tableName: DEFAULT_TABLE_NAME,
  configurationSetName: 'herald',
  pinpointAppId: LOCAL_PINPOINT_APP,
};

describe('IAM, for every call the local demo makes', () => {
  it('allows every call of every function, and the demo calls each function’s AWS actions', async () => {
    const ingestEnv = deployedRoles(deploy).find((r) => r.fn === 'ingest')?.environment ?? {};
    // functions/env.ts: journey `x` runs on `<STATE_MACHINE_ARN_PREFIX>x:<STATE_MACHINE_ALIAS>`.
    const stateMachineArn = (journeyId: string) =>
      `${ingestEnv.STATE_MACHINE_ARN_PREFIX}${journeyId}:${ingestEnv.STATE_MACHINE_ALIAS}`;
    const recorder = new AwsCallRecorder();
    const { result, system } = await simulateShard({
      customers: 50,
      days: 30,
      // A seed whose 50 customers include email one-click unsubscribes (the last expectation below);
      // seed 7 stopped having one when the audience journeys changed the month's mix of messages.
      seed: 1,
      start: new Date('2026-03-02T00:00:00.000Z'),
      shard: { index: 0, count: 1 },
      awsCalls: { recorder, stateMachineArn },
    });
    await system.stop();
    expect(result.errors).toEqual([]);
    expect(result.unsubscribes.map((u) => u.channel)).toContain('email');

    const evaluation = await assertAllowed(recorder.calls, deploy);

    const made = new Set(evaluation.requests.map((r) => `${r.fn} ${r.action}`));
    for (const expected of [
      'ingest states:StartExecution',
      'ingest states:StopExecution',
      'ingest dynamodb:Query',
      'step ses:SendEmail',
      'step mobiletargeting:SendMessages',
      'step dynamodb:UpdateItem',
      'feedback dynamodb:PutItem',
      'unsubscribe dynamodb:PutItem',
    ]) {
      expect(made, expected).toContain(expected);
    }
  }, 600_000);
});
