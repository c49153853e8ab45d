/**
 * The privacy function's role and ingest's tombstone check, evaluated by the IAM evaluator on the
 * requests AWS authorizes (test/iam/support), both ways: what erasure and export call is allowed;
 * the neighbouring items and the other functions are denied.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../functions/adapters/scheduler-timers.ts';
import type { AwsCall } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import {
  DEPLOYED_STATE_MACHINE_PREFIX,
  type DeployOptions,
  demoDeploy,
  deployedRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_REGION,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls, evaluateRequests } from './support/evaluate.ts';
import { authorizedRequests } from './support/requests.ts';
import type { FunctionRole } from './support/template.ts';

const deploy = demoDeploy(loadJourneys());
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
  it('lets ingest read a tombstone (alone or in its entry batch) and lift it on re-consent, and nothing else of the privacy items', async () => {
    expect(
      describeDenials(
        await denials([item('ingest', 'GetItem', 'ERASED#p1'), item('ingest', 'PutItem', 'ERASED#p1')]),
      ),
    ).toBe('');
    // The tombstones ride along in ingest's BatchGetItem of the profile, products and controls
    // (functions/app/ingest.ts): the whole request is allowed, and no other function's.
    const entryRead = (fn: string): AwsCall => ({
      fn,
      client: 'DynamoDBClient',
      operation: 'BatchGetItem',
      input: {
        RequestItems: {
          herald: {
            Keys: ['C#c1', 'PRODUCT#p1', 'JOURNEY#welcome', 'ERASED#p1', 'ERASED#A#h1'].map((pk) => ({
              pk: { S: pk },
              sk: { S: 'X' },
            })),
          },
        },
      },
    });
    expect(describeDenials(await denials([entryRead('ingest')]))).toBe('');
    expect((await denials([entryRead('feedback')])).length).toBeGreaterThan(0);
    // Judged together (all the request's partition keys in one dynamodb:LeadingKeys), one statement
    // must cover them all (infra/constructs/table-access.ts).
    const [first] = authorizedRequests(entryRead('ingest'), world);
    const together = {
      ...first!,
      context: {
        'dynamodb:LeadingKeys': ['C#c1', 'PRODUCT#p1', 'JOURNEY#welcome', 'ERASED#p1', 'ERASED#A#h1'],
      },
    };
    expect(describeDenials((await evaluateRequests([together], roles, world)).denials)).toBe('');
    const denied = await denials([
      item('ingest', 'PutItem', 'ANON#p1'),
      item('ingest', 'PutItem', 'AUDIT#erasure'),
      item('step', 'GetItem', 'ERASED#p1'),
      item('feedback', 'PutItem', 'ERASED#p1'),
    ]);
    expect(denied).toHaveLength(4);
  });
});

describe('erasing a customer in scale mode (runs, their due index, their pending timers)', () => {
  const scaleDeploy: DeployOptions = {
    ...deploy,
    journeys: loadJourneys().map((journey) => ({ ...journey, execution: 'scale' as const })),
  };
  const scaleWorld = deploymentFor(scaleDeploy);
  let scaleRoles: FunctionRole[];
  let group: string;
  beforeAll(() => {
    scaleRoles = deployedRoles(scaleDeploy);
    group = scaleRoles.find((r) => r.fn === 'privacy')!.environment.SCHEDULE_GROUP!;
  });
  const scaleDenials = async (calls: AwsCall[]) =>
    (await evaluateCalls(calls, scaleRoles, scaleWorld)).denials;
  /** DeleteSchedule as functions/adapters/scheduler-timers.ts `disarm` sends it. */
  const deleteSchedule = (fn: string, GroupName: string): AwsCall => ({
    fn,
    client: 'SchedulerClient',
    operation: 'DeleteSchedule',
    input: { Name: scheduleName('r1', 2), GroupName },
  });

  it('gives the privacy function the timer group (SCHEDULE_GROUP) and lets it end, list and delete runs, their due entries and their schedules', async () => {
    expect(group).toEqual(expect.any(String));
    const used = [
      item('privacy', 'Query', 'RUN#c1'),
      item('privacy', 'UpdateItem', 'RUN#c1'),
      item('privacy', 'DeleteItem', 'RUN#c1'),
      item('privacy', 'Query', 'DUE#2026-03-05T10:00#3'),
      item('privacy', 'DeleteItem', 'DUE#2026-03-05T10:00#3'),
      deleteSchedule('privacy', group),
    ];
    expect(describeDenials(await scaleDenials(used))).toBe('');
  });

  it('denies it writing runs or due entries, and schedules outside the timer group', async () => {
    const calls: AwsCall[] = [
      item('privacy', 'PutItem', 'RUN#c1'),
      item('privacy', 'UpdateItem', 'DUE#2026-03-05T10:00#3'),
      item('privacy', 'PutItem', 'DUE#2026-03-05T10:00#3'),
      deleteSchedule('privacy', 'default'),
      {
        fn: 'privacy',
        client: 'SchedulerClient',
        operation: 'CreateSchedule',
        input: {
          Name: scheduleName('r1', 3),
          GroupName: group,
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x',
            RoleArn: 'arn:aws:iam::123456789012:role/x',
          },
        },
      },
    ];
    // One by one: CreateSchedule is two requests (it needs iam:PassRole as well).
    for (const call of calls) {
      expect(
        (await scaleDenials([call])).length,
        `${call.operation} ${JSON.stringify(call.input)}`,
      ).toBeGreaterThan(0);
    }
  });

  it('gives no DeleteSchedule to the Standard-only deploy’s privacy function (no timers there)', async () => {
    expect(roles.find((r) => r.fn === 'privacy')!.environment.SCHEDULE_GROUP).toBeUndefined();
    expect(await denials([deleteSchedule('privacy', 'herald-timers')])).toHaveLength(1);
  });
});
