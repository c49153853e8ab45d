/**
 * The functions' roles in the synthesized template, evaluated by a real IAM evaluator
 * (@cloud-copilot/iam-simulate) on the requests AWS authorizes. Each grant is checked both ways:
 * the call the code makes is allowed, and the grant the code had before (or a neighbouring item
 * type) is denied — so the evaluation is shown able to fail.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecret, readSigningSecret } from '../../functions/env.ts';
import { type AwsCall, AwsCallRecorder } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { LOCAL_CLIENT_CONFIG } from '../../local/standins/index.ts';
import {
  awsCall as call,
  DEPLOYED_STATE_MACHINE_PREFIX,
  demoDeploy,
  deployedRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_REGION,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls } from './support/evaluate.ts';
import type { CfnTemplate, FunctionRole } from './support/template.ts';

const deploy = demoDeploy(loadJourneys());
const world = deploymentFor(deploy);
const WELCOME = `${DEPLOYED_STATE_MACHINE_PREFIX}welcome`;

let roles: FunctionRole[];
beforeAll(() => {
  roles = deployedRoles(deploy);
});

const start = (stateMachineArn: string) =>
  call('ingest', 'SFNClient', 'StartExecution', { stateMachineArn, name: 'welcome-v1-c1-e1' });
const item = (fn: string, operation: string, pk: string) =>
  call(fn, 'DynamoDBClient', operation, {
    TableName: 'herald',
    [operation === 'PutItem' ? 'Item' : 'Key']: { pk: { S: pk }, sk: { S: 'X' } },
  });

async function denials(calls: AwsCall[], with_ = roles) {
  return (await evaluateCalls(calls, with_, world)).denials;
}

/** The template as it was before the fix: StartExecution on the alias ARNs, SendTaskSuccess on the machines. */
function oldGrants(template: CfnTemplate): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const document = resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
    for (const statement of document.Statement) {
      if (statement.Action === 'states:StartExecution') {
        const aliases = Object.entries(template.Resources).filter(
          ([, r]) => r.Type === 'AWS::StepFunctions::StateMachineAlias',
        );
        statement.Resource = aliases.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
        delete statement.Condition;
      }
      if (statement.Action === 'states:SendTaskSuccess') {
        const machines = Object.entries(template.Resources).filter(
          ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
        );
        statement.Resource = machines.map(([id]) => ({ Ref: id }));
      }
    }
  }
}

describe('starting a journey (ingest → Step Functions)', () => {
  it('is allowed through the live alias, which IAM authorizes on the unqualified state machine ARN', async () => {
    expect(await denials([start(`${WELCOME}:live`)])).toEqual([]);
  });

  it('is denied without the alias (an unqualified start would leave version pinning) and on another qualifier', async () => {
    const denied = await denials([start(WELCOME), start(`${WELCOME}:3`), start(`${WELCOME}:canary`)]);
    expect(denied.map((d) => d.request.context)).toEqual([
      {},
      { 'states:StateMachineQualifier': ['3'] },
      { 'states:StateMachineQualifier': ['canary'] },
    ]);
  });

  it('was denied by the old grant on the alias ARNs, naming the function, the action, the ARN and the missing statement', async () => {
    const old = deployedRoles({ ...deploy, edit: oldGrants });
    const denied = await denials([start(`${WELCOME}:live`)], old);
    expect(denied).toHaveLength(1);
    expect(describeDenials(denied)).toBe(
      `ingest: states:StartExecution on ${WELCOME} {"states:StateMachineQualifier":["live"]} is ImplicitlyDenied (from StartExecution); missing statement: {"Effect":"Allow","Action":"states:StartExecution","Resource":"${WELCOME}","Condition":{"ForAnyValue:StringEquals":{"states:StateMachineQualifier":["live"]}}}`,
    );
  });
});

describe('resuming and stopping journeys', () => {
  it('lets ingest and step send task successes ("*", the action has no resource type), which the old grant on the machines denied', async () => {
    const resumes = ['ingest', 'step'].map((fn) =>
      call(fn, 'SFNClient', 'SendTaskSuccess', { taskToken: 't' }),
    );
    expect(await denials(resumes)).toEqual([]);
    const old = deployedRoles({ ...deploy, edit: oldGrants });
    expect((await denials(resumes, old)).map((d) => d.request.fn)).toEqual(['ingest', 'step']);
  });

  it('lets ingest stop executions of the journeys’ own state machines only', async () => {
    const stop = (executionArn: string) => call('ingest', 'SFNClient', 'StopExecution', { executionArn });
    const own = `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:execution:herald-welcome:welcome-v1-c1-e1`;
    const other = `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:execution:payments:p1`;
    expect((await denials([stop(own), stop(other)])).map((d) => d.request.resource)).toEqual([other]);
  });

  it('gives the other functions no Step Functions access', async () => {
    const calls = ['feedback', 'unsubscribe'].map((fn) =>
      call(fn, 'SFNClient', 'SendTaskSuccess', { taskToken: 't' }),
    );
    expect(await denials(calls)).toHaveLength(2);
  });
});

describe('the table, by partition key (dynamodb:LeadingKeys)', () => {
  it('lets each function reach the item types it uses', async () => {
    const used = [
      item('ingest', 'UpdateItem', 'C#c1'),
      item('ingest', 'PutItem', 'PHONE#+14155550123'),
      item('ingest', 'GetItem', 'PRODUCT#p1'),
      item('step', 'UpdateItem', 'C#c1'),
      // The consent re-read, and a `sending` step's ledger entry (functions/app/send.ts `sentProof`).
      item('step', 'GetItem', 'C#c1'),
      item('step', 'PutItem', 'MSG#m1'),
      item('step', 'GetItem', 'PRODUCT#p1'),
      item('feedback', 'PutItem', 'C#c1'),
      item('feedback', 'GetItem', 'MSG#m1'),
      item('feedback', 'GetItem', 'PHONE#+14155550123'),
      item('unsubscribe', 'PutItem', 'C#c1'),
    ];
    expect(describeDenials(await denials(used))).toBe('');
  });

  it('keeps feedback and unsubscribe off the catalog, the message index writes and UpdateItem/Query', async () => {
    const denied = await denials([
      item('feedback', 'PutItem', 'PRODUCT#p1'),
      item('feedback', 'PutItem', 'MSG#m1'),
      item('feedback', 'UpdateItem', 'C#c1'),
      item('unsubscribe', 'GetItem', 'MSG#m1'),
      item('unsubscribe', 'PutItem', 'PHONE#+14155550123'),
      item('unsubscribe', 'UpdateItem', 'C#c1'),
      item('ingest', 'PutItem', 'PRODUCT#p1'),
      item('step', 'PutItem', 'PRODUCT#p1'),
    ]);
    expect(denied).toHaveLength(8);
  });

  // Journey controls (engine/journey-control.ts): one JOURNEY#<id> item, written by the control
  // function alone (infra/constructs/journey-controls.ts), read by ingest and the step function.
  it('lets the control function read and write journey controls, and ingest and step read them', async () => {
    const used = [
      item('control', 'GetItem', 'JOURNEY#welcome'),
      item('control', 'PutItem', 'JOURNEY#welcome'),
      item('ingest', 'GetItem', 'JOURNEY#welcome'),
      item('step', 'GetItem', 'JOURNEY#welcome'),
    ];
    expect(describeDenials(await denials(used))).toBe('');
  });

  it('keeps the control function off every customer item, and every other function off writing a control', async () => {
    const denied = await denials([
      item('control', 'GetItem', 'C#c1'),
      item('control', 'PutItem', 'C#c1'),
      item('control', 'UpdateItem', 'JOURNEY#welcome'),
      item('control', 'PutItem', 'SEND#c1'),
      item('ingest', 'PutItem', 'JOURNEY#welcome'),
      item('step', 'PutItem', 'JOURNEY#welcome'),
      item('step', 'UpdateItem', 'JOURNEY#welcome'),
      item('feedback', 'GetItem', 'JOURNEY#welcome'),
      item('unsubscribe', 'PutItem', 'JOURNEY#welcome'),
    ]);
    expect(denied.map((d) => `${d.request.fn} ${d.request.action}`)).toEqual([
      'control dynamodb:GetItem',
      'control dynamodb:PutItem',
      'control dynamodb:UpdateItem',
      'control dynamodb:PutItem',
      'ingest dynamodb:PutItem',
      'step dynamodb:PutItem',
      'step dynamodb:UpdateItem',
      'feedback dynamodb:GetItem',
      'unsubscribe dynamodb:PutItem',
    ]);
  });

  // A customer's step claims and cap window live under SEND#<customer>, apart from the profile's
  // C#<customer> (functions/adapters/dynamo-table.ts): IAM has no condition key for the sort key, so
  // only a partition of their own keeps the profile's writers off them.
  const sendState = (fn: string, operation: 'PutItem' | 'UpdateItem' | 'GetItem', sk: string) =>
    call(fn, 'DynamoDBClient', operation, {
      TableName: 'herald',
      [operation === 'PutItem' ? 'Item' : 'Key']: { pk: { S: 'SEND#c1' }, sk: { S: sk } },
    });
  const claimSk =
    'STEP#arn:aws:states:eu-west-1:123456789012:execution:herald-welcome:welcome-v1-c1-e1#hello';

  it('lets the step function claim steps and reserve caps, each in the customer’s send partition', async () => {
    const used = [
      sendState('step', 'UpdateItem', claimSk),
      sendState('step', 'GetItem', claimSk),
      sendState('step', 'GetItem', 'CAPS'),
      sendState('step', 'PutItem', 'CAPS'),
    ];
    expect(describeDenials(await denials(used))).toBe('');
  });

  it('denies feedback, unsubscribe and ingest every write to a customer’s step claims and cap window', async () => {
    // The sort key is not part of the request IAM sees: a put of CAPS and a put of a claim are one
    // request (PutItem, LeadingKeys SEND#c1), evaluated once.
    const writes = ['feedback', 'unsubscribe', 'ingest'].flatMap((fn) => [
      sendState(fn, 'PutItem', 'CAPS'),
      sendState(fn, 'PutItem', claimSk),
      sendState(fn, 'UpdateItem', claimSk),
    ]);
    const denied = await denials(writes);
    expect(
      denied.map((d) => `${d.request.fn} ${d.request.action} ${d.request.context['dynamodb:LeadingKeys']}`),
    ).toEqual([
      'feedback dynamodb:PutItem SEND#c1',
      'feedback dynamodb:UpdateItem SEND#c1',
      'unsubscribe dynamodb:PutItem SEND#c1',
      'unsubscribe dynamodb:UpdateItem SEND#c1',
      'ingest dynamodb:PutItem SEND#c1',
      'ingest dynamodb:UpdateItem SEND#c1',
    ]);
  });

  // Engagement conditions (engine/policy/engagement.ts): feedback records the first open or click of
  // a run's message under the customer's C# partition, the one it may already write; the step
  // function reads those items and the send step's own claim. Shapes as functions/adapters/dynamo-engagement.ts sends them.
  const engagementSk =
    'ENGAGED#arn:aws:states:eu-west-1:123456789012:execution:herald-welcome:welcome-v1-c1-e1#hello#opened';
  const recordEngagement = (fn: string) =>
    call(fn, 'DynamoDBClient', 'PutItem', {
      TableName: 'herald',
      Item: { pk: { S: 'C#c1' }, sk: { S: engagementSk }, at: { S: '2026-03-02T10:00:00.000Z' } },
      ConditionExpression: 'attribute_not_exists(pk) OR sentAt < :sentAt OR (sentAt = :sentAt AND #at > :at)',
    });
  const readEngagement = (fn: string) =>
    call(fn, 'DynamoDBClient', 'Query', {
      TableName: 'herald',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': { S: 'C#c1' },
        ':prefix': { S: engagementSk.replace(/opened$/, '') },
      },
    });

  it('lets feedback record engagement, and the step function read it with the send step’s claim', async () => {
    const used = [
      recordEngagement('feedback'),
      readEngagement('step'),
      sendState('step', 'GetItem', claimSk),
    ];
    expect(describeDenials(await denials(used))).toBe('');
  });

  it('denies feedback reading engagement back or the send step’s claim: it only appends', async () => {
    const denied = await denials([readEngagement('feedback'), sendState('feedback', 'GetItem', claimSk)]);
    expect(denied.map((d) => `${d.request.fn} ${d.request.action}`)).toEqual([
      'feedback dynamodb:Query',
      'feedback dynamodb:GetItem',
    ]);
  });
});

describe('reading the unsubscribe signing key', () => {
  // A loopback stand-in for GetSecretValue: the real client and functions/env.ts code path.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ SecretString: 'k' }));
    });
  });
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is allowed for step and unsubscribe with the ARN their environment carries, and for no other function', async () => {
    const recorder = new AwsCallRecorder();
    const client = recorder.attach(new SecretsManagerClient({ ...LOCAL_CLIENT_CONFIG, endpoint }));
    for (const role of roles) {
      const arn = role.environment.UNSUBSCRIBE_SECRET_ARN;
      if (!arn) continue;
      expect(await recorder.as(role.fn, () => readSigningSecret(client, arn))()).toBe('k');
    }
    client.destroy();
    expect(recorder.calls.map((c) => c.fn).sort()).toEqual(['step', 'unsubscribe']);
    expect(await denials(recorder.calls)).toEqual([]);
    const elsewhere = recorder.calls.map((c) => ({ ...c, fn: 'feedback' }));
    expect(await denials(elsewhere)).toHaveLength(1);
  });

  it('lets ingest read the Segment write key by the ARN its environment carries, and no other function', async () => {
    const recorder = new AwsCallRecorder();
    const client = recorder.attach(new SecretsManagerClient({ ...LOCAL_CLIENT_CONFIG, endpoint }));
    const segmentArn = roles.find((r) => r.fn === 'ingest')?.environment.SEGMENT_WRITE_KEY_SECRET_ARN;
    expect(segmentArn).toBeDefined();
    for (const role of roles) {
      const arn = role.environment.SEGMENT_WRITE_KEY_SECRET_ARN;
      if (!arn) continue;
      expect(await recorder.as(role.fn, () => readSecret(client, arn, 'the key'))()).toBe('k');
    }
    expect(recorder.calls.map((c) => c.fn)).toEqual(['ingest']);
    expect(await denials(recorder.calls)).toEqual([]);
    expect(await denials(recorder.calls.map((c) => ({ ...c, fn: 'step' })))).toHaveLength(1);
    // Ingest may not read the unsubscribe signing key.
    const signing = new AwsCallRecorder();
    const other = signing.attach(new SecretsManagerClient({ ...LOCAL_CLIENT_CONFIG, endpoint }));
    const unsubscribeArn = roles.find((r) => r.fn === 'step')?.environment.UNSUBSCRIBE_SECRET_ARN as string;
    await signing.as('ingest', () => readSigningSecret(other, unsubscribeArn))();
    client.destroy();
    other.destroy();
    expect(await denials(signing.calls)).toHaveLength(1);
  });
});
