/**
 * The privacy function's role and ingest's tombstone check, evaluated by the IAM evaluator on the
 * requests AWS authorizes (test/iam/support), both ways: what erasure and export call is allowed;
 * the neighbouring items and the other functions are denied.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import {
  DEPLOYED_STATE_MACHINE_PREFIX,
  type DeployOptions,
  deployedRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_REGION,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls } from './support/evaluate.ts';
import type { FunctionRole } from './support/template.ts';

const deploy: DeployOptions = {
  journeys: loadJourneys(),
  fromAddress: 'Herald <news@herald.test>',
  tableName: 'herald',
  configurationSetName: 'herald',
  pinpointAppId: 'herald-app',
};
const world = deploymentFor(deploy);
let roles: FunctionRole[];
beforeAll(() => {
  roles = deployedRoles(deploy);
});

const item = (fn: string, operation: string, pk: string): AwsCall => ({
  fn,
  client: 'DynamoDBClient',
  operation,
  input:
    operation === 'Query'
      ? {
          TableName: 'herald',
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
        }
      : {
          TableName: 'herald',
          [operation === 'PutItem' ? 'Item' : 'Key']: { pk: { S: pk }, sk: { S: 'X' } },
        },
});
const denials = async (calls: AwsCall[]) => (await evaluateCalls(calls, roles, world)).denials;

describe('erasing and exporting a customer (the privacy function)', () => {
  it('may list, read and delete the customer’s own partitions, delete their indexes, and write tombstones, the pseudonymised ledger and audits', async () => {
    const used = [
      item('privacy', 'Query', 'C#c1'),
      item('privacy', 'Query', 'SEND#c1'),
      item('privacy', 'GetItem', 'C#c1'),
      item('privacy', 'DeleteItem', 'C#c1'),
      item('privacy', 'DeleteItem', 'SEND#c1'),
      item('privacy', 'DeleteItem', 'MSG#m1'),
      item('privacy', 'DeleteItem', 'PHONE#+14155550123'),
      item('privacy', 'GetItem', 'ERASED#p1'),
      item('privacy', 'PutItem', 'ERASED#p1'),
      item('privacy', 'PutItem', 'ANON#p1'),
      item('privacy', 'PutItem', 'AUDIT#erasure'),
    ];
    expect(describeDenials(await denials(used))).toBe('');
  });

  it('may not write customer items, touch the catalog, journey controls or read back audits and the pseudonymised ledger', async () => {
    const denied = await denials([
      item('privacy', 'PutItem', 'C#c1'),
      item('privacy', 'UpdateItem', 'C#c1'),
      item('privacy', 'DeleteItem', 'PRODUCT#p1'),
      item('privacy', 'DeleteItem', 'JOURNEY#welcome'),
      item('privacy', 'GetItem', 'AUDIT#erasure'),
      item('privacy', 'Query', 'ANON#p1'),
      item('privacy', 'DeleteItem', 'ERASED#p1'),
    ]);
    expect(denied).toHaveLength(7);
  });

  it('gives DeleteItem to no other function', async () => {
    const denied = await denials(
      ['ingest', 'step', 'feedback', 'unsubscribe', 'control', 'catalog'].map((fn) =>
        item(fn, 'DeleteItem', 'C#c1'),
      ),
    );
    expect(denied.map((d) => d.request.fn)).toEqual([
      'ingest',
      'step',
      'feedback',
      'unsubscribe',
      'control',
      'catalog',
    ]);
  });

  it('may stop executions of the journeys’ own state machines only, and read the privacy key only', async () => {
    const stop = (executionArn: string): AwsCall => ({
      fn: 'privacy',
      client: 'SFNClient',
      operation: 'StopExecution',
      input: { executionArn },
    });
    const own = `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:execution:${DEPLOYED_STATE_MACHINE_PREFIX.split(':').pop()}welcome:welcome-v1-c1-e1`;
    const other = `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:execution:payments:p1`;
    expect((await denials([stop(own), stop(other)])).map((d) => d.request.resource)).toEqual([other]);

    const privacy = roles.find((r) => r.fn === 'privacy')!;
    const secret = (fn: string, arn: string): AwsCall => ({
      fn,
      client: 'SecretsManagerClient',
      operation: 'GetSecretValue',
      input: { SecretId: arn },
    });
    const keyArn = privacy.environment.PRIVACY_KEY_SECRET_ARN!;
    const unsubscribeKey = roles.find((r) => r.fn === 'unsubscribe')!.environment.UNSUBSCRIBE_SECRET_ARN!;
    const denied = await denials([
      secret('privacy', keyArn),
      secret('ingest', keyArn),
      secret('privacy', unsubscribeKey),
      secret('step', keyArn),
    ]);
    expect(denied.map((d) => d.request.fn)).toEqual(['privacy', 'step']);
  });
});

describe('refusing the events of erased customers (ingest)', () => {
  it('lets ingest read a tombstone and lift it on re-consent, and nothing else of the privacy items', async () => {
    expect(
      describeDenials(
        await denials([item('ingest', 'GetItem', 'ERASED#p1'), item('ingest', 'PutItem', 'ERASED#p1')]),
      ),
    ).toBe('');
    const denied = await denials([
      item('ingest', 'PutItem', 'ANON#p1'),
      item('ingest', 'PutItem', 'AUDIT#erasure'),
      item('step', 'GetItem', 'ERASED#p1'),
      item('feedback', 'PutItem', 'ERASED#p1'),
    ]);
    expect(denied).toHaveLength(4);
  });
});
