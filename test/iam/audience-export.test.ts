/**
 * The audience enrolment's export branch (engine/audience/map-definition.ts,
 * infra/constructs/audience.ts), its AWS calls evaluated against the synthesized roles by a real
 * IAM evaluator, each grant both ways:
 * - each enrolment state machine's role: the calls its deployed definition makes (the template's
 *   own DefinitionString and DefinitionSubstitutions, run under aws-local-stepfunctions with every
 *   AWS integration recorded as the call Step Functions would make): DescribeTable, the export with
 *   the S3 writes it needs, DescribeExport, the ItemReader's ListObjectsV2 — and nothing of another
 *   table, bucket, journey or export;
 * - the audience Lambda: every call its real handler makes enrolling the win-back audience from an
 *   export in s3rver (GetObject of the manifest and the data files, member reads, enrolment writes,
 *   starts) — and no other object, bucket or write.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { DEFAULT_TABLE_NAME } from '../../functions/adapters/dynamo-table.ts';
import { journeyRegistryOf } from '../../functions/adapters/journey-registry.ts';
import { S3ExportReader } from '../../functions/adapters/s3-export.ts';
import { createAudienceHandler } from '../../functions/handlers/audience.ts';
import { localContext } from '../../functions/handlers/lambda.ts';
import { loadSegments } from '../../infra/segments.ts';
import { runLocalMap, substitute } from '../../local/audience-map.ts';
import { type AwsCall, AwsCallRecorder } from '../../local/aws-calls.ts';
import { loadJourneys, WORKFLOWS_DIR } from '../../local/journeys.ts';
import { exportTableToS3 } from '../../local/standins/dynamo-export.ts';
import { type S3StandIn, startS3StandIn } from '../../local/standins/s3.ts';
import { type LocalSystem, loadPolicy, startLocalSystem } from '../../local/system.ts';
import { orderPlacedEvent } from '../integration/support/events.ts';
import { reachableProfile } from '../integration/support/harness.ts';
import {
  awsCall as call,
  demoDeploy,
  deployedResources,
  deployedRoles,
  deployedServiceRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_EXPORT_BUCKET,
  IAM_REGION,
  IAM_STACK_NAME,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls } from './support/evaluate.ts';
import type { FunctionRole } from './support/template.ts';

const STATES = 'states.amazonaws.com';
const journeys = loadJourneys();
const deploy = demoDeploy(journeys);
const world = deploymentFor(deploy);
const TABLE_ARN = `arn:aws:dynamodb:${IAM_REGION}:${IAM_ACCOUNT}:table/${DEFAULT_TABLE_NAME}`;
const EXPORT_ID = '01772442000000-a1b2c3d4';

interface DeployedMachine {
  StateMachineName: string;
  RoleArn: string;
  DefinitionString: string;
  DefinitionSubstitutions: Record<string, string>;
}

/** The enrolment state machines as deployed: definition, substitutions and role, resolved. */
function enrolmentMachines(): DeployedMachine[] {
  return (
    deployedResources(deploy, 'AWS::StepFunctions::StateMachine') as unknown as DeployedMachine[]
  ).filter((m) => m.DefinitionSubstitutions?.AudienceFunctionArn);
}

/**
 * Runs a deployed definition's export branch, each AWS integration answered as AWS would and
 * recorded as the call Step Functions makes with the machine's role (the Lambda Task excluded: its
 * invoke is covered in audience.test.ts).
 */
async function exportBranchCalls(machine: DeployedMachine): Promise<AwsCall[]> {
  const calls: AwsCall[] = [];
  const definition = substitute(JSON.parse(machine.DefinitionString), machine.DefinitionSubstitutions);
  const as =
    (client: string, operation: string, answer: (input: Record<string, unknown>) => unknown) =>
    async (input: unknown) => {
      calls.push(call(STATES, client, operation, input as Record<string, unknown>));
      return answer(input as Record<string, unknown>);
    };
  const exportArn = `${TABLE_ARN}/export/${EXPORT_ID}`;
  await runLocalMap(
    definition,
    { scheduledTime: '2026-03-16T06:00:00Z' },
    {
      // 60 GiB: above the threshold, down the export branch.
      'Size the table': as('DynamoDBClient', 'DescribeTable', () => ({
        Table: { TableSizeBytes: 60 * 1024 ** 3 },
      })),
      'Export the table': as('DynamoDBClient', 'ExportTableToPointInTime', () => ({
        ExportDescription: { ExportArn: exportArn, ExportStatus: 'IN_PROGRESS' },
      })),
      'Describe the export': as('DynamoDBClient', 'DescribeExport', () => ({
        ExportDescription: { ExportArn: exportArn, ExportStatus: 'COMPLETED' },
      })),
      'Enrol from the export.read': as('S3Client', 'ListObjectsV2', (input) => [
        { Key: `${String(input.Prefix)}a.json.gz` },
      ]),
      'Read and enrol': async () => ({ evaluated: 0 }),
    },
    { executionName: 'tick-exec-1' },
  );
  return calls;
}

describe('each enrolment state machine’s role, down the export branch', () => {
  let machines: DeployedMachine[];
  let roleOf: Map<string, FunctionRole>;
  beforeAll(() => {
    machines = enrolmentMachines();
    const byArn = new Map(deployedServiceRoles(deploy, STATES).map((r) => [r.roleArn, r]));
    roleOf = new Map(machines.map((m) => [m.StateMachineName, byArn.get(m.RoleArn)!]));
  });
  const winBack = `${IAM_STACK_NAME}-audience-win-back`;
  const as = async (calls: AwsCall[], name = winBack) =>
    (await evaluateCalls(calls, [roleOf.get(name)!], world)).denials;

  it('is allowed every call its deployed definition makes: size, export (and its S3 writes), describe, list', async () => {
    expect(machines.map((m) => m.StateMachineName).sort()).toEqual([
      `${IAM_STACK_NAME}-audience-spring-sale`,
      winBack,
    ]);
    for (const machine of machines) {
      const calls = await exportBranchCalls(machine);
      const journey = machine.StateMachineName.replace(`${IAM_STACK_NAME}-audience-`, '');
      expect(calls.map((c) => c.operation)).toEqual([
        'DescribeTable',
        'ExportTableToPointInTime',
        'DescribeExport',
        'ListObjectsV2',
      ]);
      expect(calls[1]?.input).toMatchObject({
        TableArn: TABLE_ARN,
        S3Bucket: IAM_EXPORT_BUCKET,
        S3Prefix: `audience/${journey}/tick-exec-1`,
      });
      expect(calls[3]?.input).toEqual({
        Bucket: IAM_EXPORT_BUCKET,
        Prefix: `audience/${journey}/tick-exec-1/AWSDynamoDB/${EXPORT_ID}/data/`,
      });
      const evaluation = await evaluateCalls(calls, [roleOf.get(machine.StateMachineName)!], world);
      expect(describeDenials(evaluation.denials)).toBe('');
      expect(new Set(evaluation.requests.map((r) => r.action))).toEqual(
        new Set([
          'dynamodb:DescribeTable',
          'dynamodb:ExportTableToPointInTime',
          's3:AbortMultipartUpload',
          's3:PutObject',
          's3:PutObjectAcl',
          'dynamodb:DescribeExport',
          's3:ListBucket',
        ]),
      );
    }
  });

  it('is denied another table, another bucket, another journey’s prefix, another table’s export, and reading objects', async () => {
    const other = `arn:aws:dynamodb:${IAM_REGION}:${IAM_ACCOUNT}:table/payments`;
    const denied = await as([
      call(STATES, 'DynamoDBClient', 'DescribeTable', { TableName: 'payments' }),
      call(STATES, 'DynamoDBClient', 'ExportTableToPointInTime', {
        TableArn: other,
        S3Bucket: IAM_EXPORT_BUCKET,
        S3Prefix: 'audience/win-back/x',
      }),
      call(STATES, 'DynamoDBClient', 'ExportTableToPointInTime', {
        TableArn: TABLE_ARN,
        S3Bucket: 'someone-elses-bucket',
        S3Prefix: 'audience/win-back/x',
      }),
      call(STATES, 'DynamoDBClient', 'ExportTableToPointInTime', {
        TableArn: TABLE_ARN,
        S3Bucket: IAM_EXPORT_BUCKET,
        S3Prefix: 'audience/spring-sale/x',
      }),
      call(STATES, 'DynamoDBClient', 'DescribeExport', { ExportArn: `${other}/export/${EXPORT_ID}` }),
      call(STATES, 'S3Client', 'ListObjectsV2', {
        Bucket: IAM_EXPORT_BUCKET,
        Prefix: 'audience/spring-sale/',
      }),
      call(STATES, 'S3Client', 'ListObjectsV2', { Bucket: IAM_EXPORT_BUCKET }),
      call(STATES, 'S3Client', 'GetObject', {
        Bucket: IAM_EXPORT_BUCKET,
        Key: 'audience/win-back/x/a.json.gz',
      }),
    ]);
    expect(denied.map((d) => `${d.request.action} ${d.request.resource}`)).toEqual([
      `dynamodb:DescribeTable ${other}`,
      `dynamodb:ExportTableToPointInTime ${other}`,
      ...['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'].map(
        (a) => `${a} arn:aws:s3:::someone-elses-bucket/audience/win-back/x/AWSDynamoDB/_started`,
      ),
      ...['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'].map(
        (a) => `${a} arn:aws:s3:::${IAM_EXPORT_BUCKET}/audience/spring-sale/x/AWSDynamoDB/_started`,
      ),
      `dynamodb:DescribeExport ${other}/export/${EXPORT_ID}`,
      `s3:ListBucket arn:aws:s3:::${IAM_EXPORT_BUCKET}`,
      `s3:ListBucket arn:aws:s3:::${IAM_EXPORT_BUCKET}`,
      `s3:GetObject arn:aws:s3:::${IAM_EXPORT_BUCKET}/audience/win-back/x/a.json.gz`,
    ]);
  });
});

describe('the audience Lambda, enrolling the win-back audience from an export', () => {
  let s: LocalSystem;
  let s3: S3StandIn;
  let roles: FunctionRole[];
  const recorder = new AwsCallRecorder();
  beforeAll(() => {
    roles = deployedRoles(deploy);
  });
  afterAll(async () => {
    await s3?.stop();
    await s?.stop();
  });

  it('is allowed every call the real handler makes: the manifest and data files, member reads, enrolment writes, starts', async () => {
    const audienceEnv = roles.find((r) => r.fn === 'audience')!.environment;
    expect(audienceEnv.AUDIENCE_EXPORT_BUCKET).toBe(IAM_EXPORT_BUCKET);
    const stateMachineArn = (journeyId: string) =>
      `${audienceEnv.STATE_MACHINE_ARN_PREFIX}${journeyId}:${audienceEnv.STATE_MACHINE_ALIAS}`;
    s = await startLocalSystem({
      start: new Date('2026-03-11T12:00:00Z'),
      journeys,
      awsCalls: { recorder, stateMachineArn },
    });
    s3 = await startS3StandIn({ bucket: audienceEnv.AUDIENCE_EXPORT_BUCKET });
    recorder.attach(s3.client);
    const profiles: [Profile, CustomerEvent][] = Array.from({ length: 20 }, (_, i) => {
      const id = `c${i}`;
      const time = i % 2 === 0 ? '2025-11-02T10:00:00Z' : '2026-02-20T10:00:00Z';
      return [reachableProfile(id, { attributes: { ordersCount: 1 } }), orderPlacedEvent(id, time)];
    });
    const prefix = 'audience/win-back/tick-exec-1';
    const keys = await s.clock.track(async () => {
      for (const [profile, event] of profiles) {
        await s.stack.store.updateProfile(profile.id, () => profile);
        await s.stack.store.putEvent(event, new Date(event.time));
      }
      await exportTableToS3({
        dynamo: s.stack.dynamo.client,
        tableName: s.stack.dynamo.tableName,
        s3: s3.client,
        bucket: s3.bucket,
        prefix,
        exportId: EXPORT_ID,
        exportTime: '2026-03-15T20:00:00Z',
        files: 4,
      });
      const listed = await s3.client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/AWSDynamoDB/${EXPORT_ID}/data/` }),
      );
      return (listed.Contents ?? []).map((o) => o.Key ?? '');
    });
    // Only the handler's calls count: the stand-in's own writes above ran outside `recorder.as`.
    const handler = recorder.as(
      'audience',
      createAudienceHandler({
        store: s.stack.store,
        journeys: journeyRegistryOf(journeys),
        executions: recorder.executions(s.workflows, stateMachineArn),
        config: loadPolicy(),
        segments: loadSegments(WORKFLOWS_DIR),
        reader: new DynamoAudience(s.stack.dynamo.client, s.stack.dynamo.tableName),
        exports: new S3ExportReader(s3.client, s3.bucket),
        clock: { now: () => s.clock.now() },
      }),
    );
    const summary = await s.clock.track(() =>
      handler(
        {
          Items: keys.map((key) => ({ key, scheduledTime: '2026-03-15T20:00:00Z' })),
          BatchInput: { journeyId: 'win-back', source: 'export' },
        } as never,
        localContext('audience'),
      ),
    );
    expect(summary.started + summary.heldOut).toBe(10);

    const calls = recorder.calls.filter((c) => c.fn === 'audience');
    const evaluation = await evaluateCalls(calls, roles, world);
    expect(describeDenials(evaluation.denials)).toBe('');
    expect(new Set(evaluation.requests.map((r) => r.action))).toEqual(
      new Set(['s3:GetObject', 'dynamodb:Query', 'dynamodb:PutItem', 'states:StartExecution']),
    );
    expect(
      evaluation.requests
        .filter((r) => r.action === 's3:GetObject')
        .map((r) => r.resource)
        .sort(),
    ).toEqual(
      [...keys, `${prefix}/AWSDynamoDB/${EXPORT_ID}/manifest-files.json`]
        .map((k) => `arn:aws:s3:::${IAM_EXPORT_BUCKET}/${k}`)
        .sort(),
    );
  }, 120_000);

  it('is denied objects outside the export prefix, other buckets, listing and writing the bucket', async () => {
    const denied = (
      await evaluateCalls(
        [
          call('audience', 'S3Client', 'GetObject', { Bucket: IAM_EXPORT_BUCKET, Key: 'private/notes.txt' }),
          call('audience', 'S3Client', 'GetObject', {
            Bucket: 'someone-elses-bucket',
            Key: 'audience/x/a.json.gz',
          }),
          call('audience', 'S3Client', 'ListObjectsV2', { Bucket: IAM_EXPORT_BUCKET, Prefix: 'audience/' }),
          call('audience', 'S3Client', 'PutObject', {
            Bucket: IAM_EXPORT_BUCKET,
            Key: 'audience/x/a.json.gz',
          }),
          call('audience', 'DynamoDBClient', 'ExportTableToPointInTime', {
            TableArn: TABLE_ARN,
            S3Bucket: IAM_EXPORT_BUCKET,
            S3Prefix: 'audience/x',
          }),
        ],
        roles,
        world,
      )
    ).denials;
    expect(denied.map((d) => `${d.request.action} ${d.request.resource}`)).toEqual([
      `s3:GetObject arn:aws:s3:::${IAM_EXPORT_BUCKET}/private/notes.txt`,
      's3:GetObject arn:aws:s3:::someone-elses-bucket/audience/x/a.json.gz',
      `s3:ListBucket arn:aws:s3:::${IAM_EXPORT_BUCKET}`,
      `s3:PutObject arn:aws:s3:::${IAM_EXPORT_BUCKET}/audience/x/a.json.gz`,
      `dynamodb:ExportTableToPointInTime ${TABLE_ARN}`,
      ...['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'].map(
        (a) => `${a} arn:aws:s3:::${IAM_EXPORT_BUCKET}/audience/x/AWSDynamoDB/_started`,
      ),
    ]);
  });
});
