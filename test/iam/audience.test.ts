/**
 * Audience journeys' AWS calls (infra/constructs/audience.ts), evaluated against the synthesized
 * roles by a real IAM evaluator, each grant both ways:
 * - the audience Lambda: every call its real handler makes enrolling the demo's win-back and
 *   spring-sale audiences (recorded on dynalite), and its neighbours denied;
 * - EventBridge Scheduler with the role it assumes: StartExecution of the enrolment state machine
 *   each schedule targets (as the template's schedule names it), dead letters, its trust policy;
 * - each enrolment state machine's role: what a Distributed Map needs for its children
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html) and the
 *   audience Lambda its Task invokes (the template's DefinitionSubstitutions), nothing of another.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { DynamoJourneyControls } from '../../functions/adapters/dynamo-controls.ts';
import { DEFAULT_TABLE_NAME } from '../../functions/adapters/dynamo-table.ts';
import { journeyRegistryOf } from '../../functions/adapters/journey-registry.ts';
import { createAudienceHandler } from '../../functions/handlers/audience.ts';
import { localContext } from '../../functions/handlers/lambda.ts';
import { loadSegments } from '../../infra/segments.ts';
import { type AwsCall, AwsCallRecorder } from '../../local/aws-calls.ts';
import { loadJourneys, WORKFLOWS_DIR } from '../../local/journeys.ts';
import { type LocalSystem, loadPolicy, startLocalSystem } from '../../local/system.ts';
import { reachableProfile } from '../integration/support/harness.ts';
import {
  awsCall as call,
  demoDeploy,
  deployedResources,
  deployedRoles,
  deployedServiceRoles,
  deploymentFor,
  IAM_ACCOUNT,
  IAM_REGION,
  IAM_STACK_NAME,
  synthesizeFor,
} from './support/deployed.ts';
import { describeDenials, evaluateCalls } from './support/evaluate.ts';
import type { FunctionRole, PolicyStatement } from './support/template.ts';

const SCHEDULER = 'scheduler.amazonaws.com';
const journeys = loadJourneys();
const deploy = demoDeploy(journeys);
const world = deploymentFor(deploy);
const machine = (name: string) =>
  `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:stateMachine:${IAM_STACK_NAME}-${name}`;
const execution = (name: string) =>
  `arn:aws:states:${IAM_REGION}:${IAM_ACCOUNT}:execution:${IAM_STACK_NAME}-${name}`;

const resolvedResources = (type: string) => deployedResources(deploy, type);

let roles: FunctionRole[];
let audienceEnv: Record<string, string>;
beforeAll(() => {
  roles = deployedRoles(deploy);
  audienceEnv = roles.find((r) => r.fn === 'audience')!.environment;
});

const denials = async (calls: AwsCall[], with_: readonly FunctionRole[] = roles) =>
  (await evaluateCalls(calls, with_, world)).denials;

describe('the audience Lambda, enrolling the demo’s win-back and spring-sale audiences', () => {
  let s: LocalSystem;
  const recorder = new AwsCallRecorder();
  afterAll(() => s?.stop());

  const order = (customerId: string, time: string): CustomerEvent => ({
    id: `${customerId}-o1`,
    type: 'order_placed',
    customerId,
    time,
    properties: {
      orderId: `${customerId}-o1`,
      items: [{ productId: 'p1', quantity: 1, price: 10 }],
      total: 10,
    },
  });

  it('is allowed every call the real handler makes: the parallel Scan, member reads, enrolment writes, starts through live', async () => {
    // functions/env.ts: journey `x` runs on `<STATE_MACHINE_ARN_PREFIX>x:<STATE_MACHINE_ALIAS>`.
    const stateMachineArn = (journeyId: string) =>
      `${audienceEnv.STATE_MACHINE_ARN_PREFIX}${journeyId}:${audienceEnv.STATE_MACHINE_ALIAS}`;
    s = await startLocalSystem({
      start: new Date('2026-03-11T12:00:00Z'),
      journeys,
      awsCalls: { recorder, stateMachineArn },
    });
    const profiles: [Profile, CustomerEvent][] = Array.from({ length: 30 }, (_, i) => {
      const id = `c${i}`;
      // Half lapsed (last order in November), half recent buyers (an order in February).
      const time = i % 2 === 0 ? '2025-11-02T10:00:00Z' : '2026-02-20T10:00:00Z';
      return [reachableProfile(id, { attributes: { ordersCount: 1 } }), order(id, time)];
    });
    await s.clock.track(async () => {
      for (const [profile, event] of profiles) {
        await s.stack.store.updateProfile(profile.id, () => profile);
        await s.stack.store.putEvent(event, new Date(event.time));
        await s.stack.store.markEventProcessed(event.customerId, event.id);
      }
    });
    const handler = recorder.as(
      'audience',
      createAudienceHandler({
        store: s.stack.store,
        journeys: journeyRegistryOf(journeys),
        executions: recorder.executions(s.workflows, stateMachineArn),
        config: loadPolicy(),
        segments: loadSegments(WORKFLOWS_DIR),
        reader: new DynamoAudience(s.stack.dynamo.client, s.stack.dynamo.tableName),
        controls: new DynamoJourneyControls({
          client: s.stack.dynamo.client,
          tableName: s.stack.dynamo.tableName,
        }),
        clock: { now: () => s.clock.now() },
      }),
    );
    const batch = (journeyId: string, scheduledTime: string) => ({
      Items: [0, 1].map((segment) => ({ segment, scheduledTime })),
      BatchInput: { journeyId, totalSegments: 2 },
    });
    // spring-sale: at 2026-03-12T09:00 in each customer's zone, first at UTC+14; win-back: Mondays 10:00.
    const sale = await s.clock.track(() =>
      handler(batch('spring-sale', '2026-03-11T19:00:00Z'), localContext('audience')),
    );
    const winBack = await s.clock.track(() =>
      handler(batch('win-back', '2026-03-15T20:00:00Z'), localContext('audience')),
    );
    expect(sale.started).toBe(15);
    expect(winBack.started + winBack.heldOut).toBe(15);
    expect(winBack.heldOut).toBeGreaterThan(0);

    const calls = recorder.calls.filter((c) => c.fn === 'audience');
    const evaluation = await evaluateCalls(calls, roles, world);
    expect(describeDenials(evaluation.denials)).toBe('');
    expect(new Set(evaluation.requests.map((r) => r.action))).toEqual(
      new Set([
        'dynamodb:Scan',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'states:StartExecution',
      ]),
    );
  }, 120_000);

  it('is denied what it does not do: other journeys, unqualified starts, profile updates, send state, other tables', async () => {
    const start = (stateMachineArn: string) =>
      call('audience', 'SFNClient', 'StartExecution', { stateMachineArn, name: 'x' });
    const item = (operation: string, pk: string) =>
      call('audience', 'DynamoDBClient', operation, {
        TableName: DEFAULT_TABLE_NAME,
        [operation === 'PutItem' ? 'Item' : 'Key']: { pk: { S: pk }, sk: { S: 'X' } },
      });
    const denied = await denials([
      start(`${machine('welcome')}:live`),
      start(machine('win-back')),
      start(`${machine('audience-win-back')}`),
      item('UpdateItem', 'C#c1'),
      item('PutItem', 'SEND#c1'),
      item('PutItem', 'JOURNEY#win-back'),
      call('audience', 'DynamoDBClient', 'Scan', { TableName: 'payments' }),
    ]);
    expect(
      denied.map((d) => `${d.request.action} ${d.request.resource.split(':').slice(5).join(':')}`),
    ).toEqual([
      `states:StartExecution stateMachine:${IAM_STACK_NAME}-welcome`,
      `states:StartExecution stateMachine:${IAM_STACK_NAME}-win-back`,
      `states:StartExecution stateMachine:${IAM_STACK_NAME}-audience-win-back`,
      'dynamodb:UpdateItem table/herald',
      'dynamodb:PutItem table/herald',
      'dynamodb:PutItem table/herald',
      'dynamodb:Scan table/payments',
    ]);
  });
});

describe('what Scheduler does with the audience scheduler role', () => {
  let schedulerRole: FunctionRole & { trust: PolicyStatement[] };
  let schedules: {
    Name: string;
    GroupName: string;
    Target: { Arn: string; RoleArn: string; DeadLetterConfig: { Arn: string } };
  }[];
  beforeAll(() => {
    const assumed = deployedServiceRoles(deploy, SCHEDULER);
    expect(assumed).toHaveLength(1);
    schedulerRole = assumed[0]!;
    schedules = resolvedResources('AWS::Scheduler::Schedule') as typeof schedules;
  });
  const asScheduler = (calls: AwsCall[]) => denials(calls, [schedulerRole]);
  const queueUrl = (queueArn: string) => {
    const [, , , region, account, name] = queueArn.split(':');
    return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
  };

  it('starts the enrolment state machine each schedule targets, and dead-letters to the schedules’ queue', async () => {
    expect(schedules.map((x) => [x.GroupName, x.Name, x.Target.Arn]).sort()).toEqual([
      [`${IAM_STACK_NAME}-audience`, 'spring-sale', machine('audience-spring-sale')],
      [`${IAM_STACK_NAME}-audience`, 'win-back', machine('audience-win-back')],
    ]);
    expect(new Set(schedules.map((x) => x.Target.RoleArn))).toEqual(new Set([schedulerRole.roleArn]));
    const calls = schedules.flatMap((x) => [
      call(SCHEDULER, 'SFNClient', 'StartExecution', { stateMachineArn: x.Target.Arn, name: 'tick' }),
      call(SCHEDULER, 'SQSClient', 'SendMessage', {
        QueueUrl: queueUrl(x.Target.DeadLetterConfig.Arn),
        MessageBody: '{}',
      }),
    ]);
    expect(describeDenials(await asScheduler(calls))).toBe('');
  });

  it('may start nothing else: not the journeys themselves, not another state machine, no Lambda', async () => {
    const denied = await asScheduler([
      call(SCHEDULER, 'SFNClient', 'StartExecution', { stateMachineArn: machine('win-back'), name: 'x' }),
      call(SCHEDULER, 'SFNClient', 'StartExecution', {
        stateMachineArn: `${machine('win-back')}:live`,
        name: 'x',
      }),
      call(SCHEDULER, 'SFNClient', 'StartExecution', { stateMachineArn: machine('welcome'), name: 'x' }),
      call(SCHEDULER, 'LambdaClient', 'Invoke', {
        FunctionName: `arn:aws:lambda:${IAM_REGION}:${IAM_ACCOUNT}:function:herald-audience`,
      }),
    ]);
    expect(denied).toHaveLength(4);
  });

  it('is assumed by Scheduler for schedules of this account’s audience group only (aws:SourceAccount, aws:SourceArn)', async () => {
    const group = (account: string, name: string) =>
      `arn:aws:scheduler:${IAM_REGION}:${account}:schedule-group/${name}`;
    const assume = async (sourceAccount: string, sourceArn: string) => {
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
    };
    const audience = `${IAM_STACK_NAME}-audience`;
    expect(await assume(IAM_ACCOUNT, group(IAM_ACCOUNT, audience))).toBe('Allowed');
    expect(await assume(IAM_ACCOUNT, group(IAM_ACCOUNT, 'default'))).toBe('ImplicitlyDenied');
    expect(await assume('999999999999', group('999999999999', audience))).toBe('ImplicitlyDenied');
  });
});

describe('each enrolment state machine’s role (the Distributed Map and its Task)', () => {
  let enrolmentRoles: Map<string, FunctionRole>;
  let substitutions: Map<string, string>;
  beforeAll(() => {
    const machines = resolvedResources('AWS::StepFunctions::StateMachine') as {
      StateMachineName: string;
      RoleArn: string;
      DefinitionSubstitutions?: { AudienceFunctionArn?: string };
    }[];
    const byArn = new Map(deployedServiceRoles(deploy, 'states.amazonaws.com').map((r) => [r.roleArn, r]));
    enrolmentRoles = new Map();
    substitutions = new Map();
    for (const m of machines) {
      const fn = m.DefinitionSubstitutions?.AudienceFunctionArn;
      if (!fn) continue;
      enrolmentRoles.set(m.StateMachineName, byArn.get(m.RoleArn)!);
      substitutions.set(m.StateMachineName, fn);
    }
  });
  const winBack = `${IAM_STACK_NAME}-audience-win-back`;
  const as = (calls: AwsCall[], name = winBack) => denials(calls, [enrolmentRoles.get(name)!]);
  const sm = (operation: string, input: Record<string, unknown>) =>
    call('states.amazonaws.com', 'SFNClient', operation, input);

  it('starts, describes and stops its own child executions and invokes the audience Lambda', async () => {
    expect([...enrolmentRoles.keys()].sort()).toEqual([`${IAM_STACK_NAME}-audience-spring-sale`, winBack]);
    const fn = substitutions.get(winBack)!;
    expect(fn).toBe(audienceFunctionArn());
    const used = [
      sm('StartExecution', { stateMachineArn: machine('audience-win-back'), name: 'child' }),
      // Both forms of a child's execution ARN: `<name>:<id>` as the docs' policy scopes it, and
      // `<name>/<map run label>:<id>`, the Map Run's own.
      ...['DescribeExecution', 'StopExecution'].flatMap((op) => [
        sm(op, { executionArn: `${execution('audience-win-back')}:0f9b` }),
        sm(op, { executionArn: `${execution('audience-win-back')}/Enrol:0f9b` }),
      ]),
      call('states.amazonaws.com', 'LambdaClient', 'Invoke', { FunctionName: fn }),
    ];
    expect(describeDenials(await as(used))).toBe('');
  });

  it('touches nothing of another journey: not its enrolment, not the journey runs, not the step Lambda', async () => {
    const denied = await as([
      sm('StartExecution', { stateMachineArn: machine('audience-spring-sale'), name: 'child' }),
      sm('StartExecution', { stateMachineArn: machine('win-back'), name: 'x' }),
      sm('StopExecution', { executionArn: `${execution('win-back')}:x` }),
      sm('DescribeExecution', { executionArn: `${execution('audience-spring-sale')}:x` }),
      call('states.amazonaws.com', 'LambdaClient', 'Invoke', { FunctionName: `${audienceFunctionArn()}:1` }),
    ]);
    expect(denied).toHaveLength(5);
  });

  function audienceFunctionArn(): string {
    const fns = resolvedResources('AWS::Lambda::Function') as {
      Environment?: { Variables?: Record<string, string> };
    }[];
    const index = fns.findIndex((f) => f.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'audience');
    const id = Object.entries(synthesizeFor(deploy).Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    )[index]![0];
    return `arn:aws:lambda:${IAM_REGION}:${IAM_ACCOUNT}:function:${id}`;
  }
});
