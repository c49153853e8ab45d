/**
 * Scale mode's AWS calls (SCALE-CONTRACT.md §5) evaluated against the synthesized roles by a real
 * IAM evaluator, each grant both ways: the call the handlers make is allowed, its neighbour (another
 * version, the unqualified ARN, another group, another service) is denied. The ARNs come from the
 * environment the template gives each function, as the handlers build them.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScheduleInput, scheduleName } from '../../functions/adapters/scheduler-timers.ts';
import { scaleDepsFromEnv } from '../../functions/env.ts';
import type { AwsCall } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import {
  awsCall as call,
  DEPLOYED_STATE_MACHINE_PREFIX,
  demoDeploy,
  deployedRoles,
  deployedServiceRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_REGION,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls } from './support/evaluate.ts';
import type { FunctionRole, PolicyStatement } from './support/template.ts';

const SCHEDULER = 'scheduler.amazonaws.com';
const deploy = demoDeploy(loadJourneys().map((journey) => ({ ...journey, execution: 'scale' as const })));
const world = deploymentFor(deploy);

let roles: FunctionRole[];
let schedulerRole: FunctionRole & { trust: PolicyStatement[] };
let env: Record<string, string>;
let versionArns: Record<string, string>;
beforeAll(() => {
  roles = deployedRoles(deploy);
  // Two roles Scheduler assumes: the timers' (it invokes the fire Lambda) and the audience
  // schedules' (they start enrolment state machines, test/iam/audience.test.ts).
  const assumed = deployedServiceRoles(deploy, SCHEDULER);
  expect(assumed).toHaveLength(2);
  const invokes = (role: FunctionRole) =>
    role.statements.some((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
  expect(assumed.filter(invokes)).toHaveLength(1);
  schedulerRole = assumed.find(invokes)!;
  env = roles.find((r) => r.fn === 'fire')!.environment;
  versionArns = JSON.parse(env.STATE_MACHINE_ARNS!) as Record<string, string>;
});

const item = (fn: string, operation: string, pk: string, sk = 'X') =>
  call(fn, 'DynamoDBClient', operation, {
    TableName: 'herald',
    ...(operation === 'Query'
      ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }
      : { [operation === 'PutItem' ? 'Item' : 'Key']: { pk: { S: pk }, sk: { S: sk } } }),
  });
/** CreateSchedule exactly as functions/adapters/scheduler-timers.ts sends it, from the caller's environment. */
const createSchedule = (fn: string, overrides: { GroupName?: string; RoleArn?: string } = {}) =>
  call(fn, 'SchedulerClient', 'CreateSchedule', {
    ...createScheduleInput(
      { customerId: 'c1', runId: 'r1', seq: 1, dueMs: Date.parse('2026-03-05T10:00:00Z') },
      {
        groupName: overrides.GroupName ?? env.SCHEDULE_GROUP!,
        fireFunctionArn: env.FIRE_FUNCTION_ARN!,
        roleArn: overrides.RoleArn ?? env.SCHEDULER_ROLE_ARN!,
        deadLetterArn: env.SCHEDULER_DLQ_ARN!,
      },
    ),
  });
const deleteSchedule = (fn: string, GroupName = env.SCHEDULE_GROUP) =>
  call(fn, 'SchedulerClient', 'DeleteSchedule', {
    Name: scheduleName('r1', 1),
    GroupName,
  });
const start = (fn: string, stateMachineArn: string) =>
  call(fn, 'SFNClient', 'StartExecution', { stateMachineArn, name: 'r1-1', input: '{}' });

async function denials(calls: AwsCall[], with_: FunctionRole[] = roles) {
  return (await evaluateCalls(calls, with_, world)).denials;
}

describe('the calls scale mode makes (contract §5)', () => {
  it('are all allowed, for every function that makes them', async () => {
    const replenishment = versionArns['replenishment-reminder@2']!;
    expect(replenishment).toMatch(/:stateMachine:herald-replenishment-reminder-v2:\d+$/);
    const calls = [
      // step, op arm / finish: the run, the due index, the timer
      item('step', 'UpdateItem', 'RUN#c1', 'RUN#r1'),
      item('step', 'PutItem', 'DUE#2026-03-05T10:00#3', 'c1#r1#1'),
      createSchedule('step'),
      // fire: claim, re-arm (nextWindow), the next segment on the version ARN
      item('fire', 'UpdateItem', 'RUN#c1', 'RUN#r1'),
      item('fire', 'PutItem', 'DUE#2026-03-06T10:00#3', 'c1#r1#2'),
      start('fire', replenishment),
      createSchedule('fire'),
      // reconciler: the due index, the run, its claim and start
      item('reconcile', 'Query', 'DUE#2026-03-05T10:00#3'),
      item('reconcile', 'GetItem', 'RUN#c1', 'RUN#r1'),
      item('reconcile', 'UpdateItem', 'RUN#c1', 'RUN#r1'),
      start('reconcile', replenishment),
      createSchedule('reconcile'),
      // ingest: enter, claimEvent, exit, the pending timer
      item('ingest', 'PutItem', 'RUN#c1', 'RUN#r1'),
      item('ingest', 'PutItem', 'DUE#2026-03-05T10:00#3', 'c1#r1#0'),
      item('ingest', 'Query', 'RUN#c1'),
      item('ingest', 'UpdateItem', 'RUN#c1', 'RUN#r1'),
      start('ingest', versionArns['welcome@1'] ?? Object.values(versionArns)[0]!),
      deleteSchedule('ingest'),
      // audience (a scale-mode win-back): enter, the entrant's not-before timer, or its first segment
      item('audience', 'PutItem', 'DUE#2026-03-05T10:00#3', 'c1#r1#0'),
      item('audience', 'PutItem', 'RUN#c1', 'RUN#r1'),
      item('audience', 'UpdateItem', 'RUN#c1', 'RUN#r1'),
      createSchedule('audience'),
      start('audience', versionArns['win-back@1']!),
    ];
    const evaluation = await evaluateCalls(calls, roles, world);
    expect(describeDenials(evaluation.denials)).toBe('');
    // CreateSchedule is two requests: the schedule, and passing the scheduler role to Scheduler.
    expect(evaluation.requests.filter((r) => r.action === 'iam:PassRole').map((r) => r.fn)).toEqual([
      'step',
      'fire',
      'reconcile',
      'audience',
    ]);
  });
});

describe('the environment the template gives each function', () => {
  it('is enough for functions/env.ts to build the scale-mode ports of step, ingest, fire, reconcile and audience', () => {
    const saved = { ...process.env };
    try {
      for (const fn of ['step', 'ingest', 'fire', 'reconcile', 'audience']) {
        const environment = roles.find((r) => r.fn === fn)!.environment;
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, environment);
        expect(scaleDepsFromEnv(), fn).toBeDefined();
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('starting segments', () => {
  it('is allowed on the current version ARN only: not unqualified, not another version, not the Standard name', async () => {
    const arn = versionArns['cart-abandonment@1'] ?? Object.values(versionArns)[0]!;
    const unqualified = arn.split(':').slice(0, 7).join(':');
    const denied = await denials([
      start('fire', `${unqualified}:99`),
      start('fire', unqualified),
      start('fire', `${DEPLOYED_STATE_MACHINE_PREFIX}cart-abandonment:live`),
    ]);
    expect(denied.map((d) => [d.request.resource, d.request.context])).toEqual([
      [unqualified, { 'states:StateMachineQualifier': ['99'] }],
      [unqualified, {}],
      [`${DEPLOYED_STATE_MACHINE_PREFIX}cart-abandonment`, { 'states:StateMachineQualifier': ['live'] }],
    ]);
  });

  it('is denied to the step Lambda, feedback and unsubscribe', async () => {
    const arn = Object.values(versionArns)[0]!;
    const denied = await denials(['step', 'feedback', 'unsubscribe'].map((fn) => start(fn, arn)));
    expect(denied.map((d) => d.request.fn)).toEqual(['step', 'feedback', 'unsubscribe']);
  });
});

describe('timers', () => {
  it('may be created only in the timer group, and only with the scheduler role passed to Scheduler', async () => {
    const other = `arn:aws:iam::${IAM_ACCOUNT}:role/SomethingPowerful`;
    const denied = await denials([
      createSchedule('step', { GroupName: 'default' }),
      createSchedule('step', { RoleArn: other }),
    ]);
    expect(denied.map((d) => `${d.request.action} ${d.request.resource}`)).toEqual([
      `scheduler:CreateSchedule arn:aws:scheduler:${IAM_REGION}:${IAM_ACCOUNT}:schedule/default/${scheduleName('r1', 1)}`,
      `iam:PassRole ${other}`,
    ]);
    // The same role passed to another service is refused (iam:PassedToService).
    const step = roles.find((r) => r.fn === 'step')!;
    expect(await runPassRole(step, SCHEDULER)).toBe('Allowed');
    expect(await runPassRole(step, 'lambda.amazonaws.com')).toBe('ImplicitlyDenied');
  });

  it('are deleted by ingest only (an exit removes the pending one), and only in the timer group', async () => {
    expect(await denials([deleteSchedule('ingest')])).toEqual([]);
    const denied = await denials([
      deleteSchedule('ingest', 'default'),
      deleteSchedule('step'),
      deleteSchedule('feedback'),
    ]);
    expect(denied.map((d) => d.request.fn)).toEqual(['ingest', 'step', 'feedback']);
  });

  it('are not armed by feedback, unsubscribe or the catalog', async () => {
    const denied = await denials(['feedback', 'unsubscribe', 'catalog'].map((fn) => createSchedule(fn)));
    expect(new Set(denied.map((d) => d.request.fn))).toEqual(new Set(['feedback', 'unsubscribe', 'catalog']));
  });
});

describe('what Scheduler does with the scheduler role', () => {
  const asScheduler = (calls: AwsCall[]) => denials(calls, [schedulerRole]);
  const dlqUrl = () => {
    const [, , , region, account, name] = env.SCHEDULER_DLQ_ARN!.split(':');
    return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
  };

  it('invokes the fire function and dead-letters to the timer queue', async () => {
    expect(
      await asScheduler([
        call(SCHEDULER, 'LambdaClient', 'Invoke', { FunctionName: env.FIRE_FUNCTION_ARN }),
        call(SCHEDULER, 'SQSClient', 'SendMessage', { QueueUrl: dlqUrl(), MessageBody: '{}' }),
      ]),
    ).toEqual([]);
  });

  it('may invoke nothing else: not another function, not a state machine', async () => {
    const other = `${env.FIRE_FUNCTION_ARN}-not`;
    const denied = await asScheduler([
      call(SCHEDULER, 'LambdaClient', 'Invoke', { FunctionName: other }),
      start(SCHEDULER, Object.values(versionArns)[0]!),
    ]);
    expect(denied.map((d) => d.request.action)).toEqual(['lambda:InvokeFunction', 'states:StartExecution']);
  });

  it('is assumed by Scheduler for schedules of this account’s timer group only (aws:SourceAccount, aws:SourceArn)', async () => {
    const group = (account: string, name: string) =>
      `arn:aws:scheduler:${IAM_REGION}:${account}:schedule-group/${name}`;
    const timers = env.SCHEDULE_GROUP!;
    expect(await assume(IAM_ACCOUNT, group(IAM_ACCOUNT, timers))).toBe('Allowed');
    expect(await assume(IAM_ACCOUNT, group(IAM_ACCOUNT, 'default'))).toBe('ImplicitlyDenied');
    expect(await assume('999999999999', group('999999999999', timers))).toBe('ImplicitlyDenied');
  });
});

/** sts:AssumeRole of the scheduler role by Scheduler, evaluated against its trust policy. */
async function assume(sourceAccount: string, sourceArn: string): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: { Version: '2012-10-17', Statement: schedulerRole.trust },
      request: {
        principal: SCHEDULER,
        action: 'sts:AssumeRole',
        resource: { resource: schedulerRole.roleArn, accountId: IAM_ACCOUNT },
        contextVariables: { 'aws:SourceAccount': sourceAccount, 'aws:SourceArn': sourceArn },
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

/** iam:PassRole of the scheduler role by `role`, to `service`. */
async function runPassRole(role: FunctionRole, service: string): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: [
        { name: `${role.fn}-role`, policy: { Version: '2012-10-17', Statement: role.statements } },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: role.roleArn,
        action: 'iam:PassRole',
        resource: { resource: schedulerRole.roleArn, accountId: IAM_ACCOUNT },
        contextVariables: { 'iam:PassedToService': service },
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}
