/**
 * Scale mode in the synthesized app (infra/constructs/scale-mode.ts): the reference journeys with
 * `"execution": "scale"` as the policy default, synthesized as `cdk synth` does, cdk-nag included.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.ts';
import { compileDeployedJourneys } from '../../infra/journeys.ts';
import { buildHerald, synthHerald } from './synth.ts';

/** workflows/ copied, with the policy's default execution mode set to `scale`. */
function scaleJourneysDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-scale-'));
  cpSync(path.join(REPO_ROOT, 'workflows'), dir, { recursive: true });
  const policyFile = path.join(dir, 'policy.json');
  const policy = JSON.parse(readFileSync(policyFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(policyFile, JSON.stringify({ ...policy, execution: 'scale' }, null, 2));
  return dir;
}

const journeysDir = scaleJourneysDir();
const built = buildHerald({ config: { journeysDir }, cloudFormationValidation: true });
const assembly = built.app.synth();
const template = Template.fromStack(built.stack);
const { stack } = built;
const scale = stack.scale!;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const bundle = compileDeployedJourneys(journeysDir).bundle;

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };
const statementsOfRole = (roleId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
const actionsOf = (s: Statement) => [s.Action].flat();

describe('scale-mode journeys → Express state machines', () => {
  it('deploys one Express state machine per kept journey version, and no Standard one', () => {
    // Besides them, only the audience journeys' enrolment machines (Standard, constructs/audience.ts).
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter(
      (m) => !String(m.Properties.StateMachineName).startsWith(`${stack.stackName}-audience-`),
    );
    expect(machines.map((m) => m.Properties.StateMachineType)).toEqual(bundle.map(() => 'EXPRESS'));
    expect(machines.map((m) => m.Properties.StateMachineName).sort()).toEqual(
      bundle.map((j) => `${stack.stackName}-${j.id}-v${j.version}`).sort(),
    );
    expect(stack.journeys).toEqual([]);
  });

  it('keeps Wait states and task tokens out of every segment (Express supports neither)', () => {
    // The Express segments (an audience journey's Standard enrolment machine waits for its export).
    const segments = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter(
      (m) => m.Properties.StateMachineType === 'EXPRESS',
    );
    expect(segments.length).toBeGreaterThan(0);
    for (const m of segments) {
      const definition = JSON.parse(m.Properties.DefinitionString) as {
        States: Record<string, { Type: string; Resource?: string }>;
      };
      const states = Object.values(definition.States);
      expect(states.filter((s) => s.Type === 'Wait')).toEqual([]);
      expect(states.filter((s) => s.Resource?.includes('waitForTaskToken'))).toEqual([]);
    }
  });

  it('publishes a version of each, retained across deploys, and hands the fire and ingest the version ARNs', () => {
    const versions = template.findResources('AWS::StepFunctions::StateMachineVersion');
    expect(Object.keys(versions)).toHaveLength(bundle.length);
    for (const v of Object.values(versions)) expect(v.DeletionPolicy).toBe('Retain');
    const env = (fn: { node: { defaultChild?: unknown } }) =>
      template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables;
    const fireArns = JSON.stringify(env(scale.fire.fn).STATE_MACHINE_ARNS);
    for (const j of bundle) expect(fireArns).toContain(`${j.id}@${j.version}`);
    const ingestArns = JSON.stringify(env(stack.functions.ingest.fn).STATE_MACHINE_ARNS);
    for (const j of bundle) expect(ingestArns).toContain(`${j.id}@${j.version}`);
  });
});

describe('timers', () => {
  it('live in one schedule group of their own', () => {
    // The other group is the audience schedules' (constructs/audience.ts).
    const groups = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup'));
    expect(groups.map((g) => g.Properties.Name).sort()).toEqual([
      `${stack.stackName}-audience`,
      `${stack.stackName}-timers`,
    ]);
  });

  it('invoke through a role only Scheduler may assume, for this account and this group', () => {
    const role = template.toJSON().Resources[logicalId(scale.schedulerRole)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(scale.group), 'Arn'] } },
        },
      },
    ]);
  });

  it('whose role may only invoke the fire function and dead-letter to the timer queue', () => {
    const statements = statementsOfRole(logicalId(scale.schedulerRole));
    expect(statements.map((s) => actionsOf(s).join(',')).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    const byAction = (action: string) => statements.find((s) => actionsOf(s).includes(action));
    expect(JSON.stringify(byAction('lambda:InvokeFunction')?.Resource)).toContain(
      `function:${stack.stackName}-fire`,
    );
    expect(byAction('sqs:SendMessage')?.Resource).toEqual({
      'Fn::GetAtt': [logicalId(scale.deadLetterQueue), 'Arn'],
    });
  });

  it('dead-letter to an encrypted queue reached over TLS only, with an alarm on its depth', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(scale.deadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(scale.deadLetterQueue), 'QueueName'] } },
      ],
      AlarmActions: Match.anyValue(),
    });
  });

  it('alarm on throttled and dropped invocations, CreateSchedule near its quota, and late fires', () => {
    for (const metric of ['InvocationThrottleCount', 'InvocationDroppedCount', 'TargetErrorCount']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Scheduler',
        MetricName: metric,
        Dimensions: [{ Name: 'ScheduleGroup', Value: `${stack.stackName}-timers` }],
        AlarmActions: Match.anyValue(),
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/Usage',
              MetricName: 'CallCount',
              Dimensions: Match.arrayWith([{ Name: 'Resource', Value: 'CreateSchedule' }]),
            }),
          }),
        }),
      ]),
      Threshold: 4000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Herald',
      MetricName: 'RunLateness',
      Threshold: 15 * 60 * 1000,
      AlarmActions: Match.anyValue(),
    });
  });

  it('target the fire function by the name it is deployed under', () => {
    const fire = template.toJSON().Resources[logicalId(scale.fire.fn)];
    expect(fire.Properties.FunctionName).toBe(`${stack.stackName}-fire`);
    expect(JSON.stringify(fire.Properties.Environment.Variables.FIRE_FUNCTION_ARN)).toContain(
      `:function:${stack.stackName}-fire`,
    );
  });

  it('are charted on a scale-mode dashboard', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: `${stack.stackName}-scale-mode`,
    });
  });

  it('are re-armed by a reconciler that runs every five minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(scale.reconciler.fn), 'Arn'] } })],
    });
  });
});

describe('the functions that arm timers', () => {
  const env = (fn: { node: { defaultChild?: unknown } }) =>
    template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<string, unknown>;

  it('carry the group, the scheduler role, the fire function and the dead-letter queue', () => {
    for (const fn of [stack.functions.step.fn, scale.fire.fn, scale.reconciler.fn]) {
      expect(Object.keys(env(fn))).toEqual(
        expect.arrayContaining([
          'SCHEDULE_GROUP',
          'SCHEDULER_ROLE_ARN',
          'FIRE_FUNCTION_ARN',
          'SCHEDULER_DLQ_ARN',
        ]),
      );
    }
  });

  it('may pass the scheduler role to Scheduler only', () => {
    for (const fn of [stack.functions.step, scale.fire, scale.reconciler]) {
      const passRole = statementsOfRole(logicalId(fn.role)).filter((s) =>
        actionsOf(s).includes('iam:PassRole'),
      );
      expect(passRole).toEqual([
        {
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalId(scale.schedulerRole), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    }
  });

  it('leave feedback, unsubscribe and the catalog without any scheduler or run access', () => {
    for (const fn of [stack.functions.feedback, stack.functions.unsubscribe, stack.functions.catalog]) {
      const text = JSON.stringify(statementsOfRole(logicalId(fn.role)));
      expect(text).not.toMatch(/scheduler:|iam:PassRole|RUN#|DUE#/);
    }
  });
});

describe('cdk-nag and CloudFormation validation with scale mode', () => {
  const report = JSON.parse(
    readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as {
    pluginReports: {
      pluginName: string;
      conclusion: string;
      violations: { ruleName: string }[];
      suppressedViolations?: { ruleName: string; reason?: string }[];
    }[];
  };

  it('leaves no unacknowledged finding', () => {
    expect(
      report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`)),
    ).toEqual([]);
    for (const plugin of report.pluginReports) expect(plugin.conclusion, plugin.pluginName).toBe('success');
  });

  it('gives every acknowledgement of the scale-mode resources a reason', () => {
    const acknowledged = report.pluginReports.flatMap((r) => r.suppressedViolations ?? []);
    expect(acknowledged.map((a) => a.ruleName)).toContain('AwsSolutions-SF1');
    for (const finding of acknowledged)
      expect(finding.reason?.length ?? 0, finding.ruleName).toBeGreaterThan(40);
  });
});

describe('a deployment mixing both modes', () => {
  it('keeps a Standard journey on its Standard machine and gives ingest both kinds of ARN', () => {
    // Policy default scale, welcome pinned to standard in its file and in its released copy.
    const dir = scaleJourneysDir();
    const welcome = JSON.parse(readFileSync(path.join(dir, 'welcome.journey.json'), 'utf8')) as {
      version: number;
    };
    for (const file of [
      path.join(dir, 'welcome.journey.json'),
      path.join(dir, 'versions', 'welcome', `${welcome.version}.journey.json`),
    ]) {
      writeFileSync(
        file,
        JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), execution: 'standard' }, null, 2),
      );
    }
    const mixed = buildHerald({ config: { journeysDir: dir } });
    const t = Template.fromStack(mixed.stack);
    const types = Object.values(t.findResources('AWS::StepFunctions::StateMachine')).map(
      (m) => `${m.Properties.StateMachineName} ${m.Properties.StateMachineType}`,
    );
    expect(types).toContain(`${mixed.stack.stackName}-welcome STANDARD`);
    // The only other Standard machines are the audience journeys' enrolments.
    expect(types.filter((x) => x.endsWith('STANDARD') && !x.includes('-audience-'))).toHaveLength(1);
    const ingestId = mixed.stack.getLogicalId(mixed.stack.functions.ingest.fn.node.defaultChild as never);
    const arns = JSON.stringify(
      t.toJSON().Resources[ingestId].Properties.Environment.Variables.STATE_MACHINE_ARNS,
    );
    // welcome → its `live` alias (Standard starts pin through it); the others → Express versions.
    expect(arns).toContain('\\"welcome\\":');
    expect(arns).toContain('cart-abandonment@');
  });
});

describe('Standard journeys', () => {
  it('are deployed as before: no timer group, no Express machine, no fire function', () => {
    const { template: standard } = synthHerald();
    // The audience journeys' schedule group is theirs (constructs/audience.ts); scale mode's timers would be `-timers`.
    const groups = Object.values(standard.findResources('AWS::Scheduler::ScheduleGroup'));
    expect(groups.map((g) => String(g.Properties.Name))).not.toContainEqual(
      expect.stringMatching(/-timers$/),
    );
    for (const m of Object.values(standard.findResources('AWS::StepFunctions::StateMachine'))) {
      expect(m.Properties.StateMachineType).toBe('STANDARD');
    }
    expect(JSON.stringify(standard.toJSON())).not.toContain('scheduler:CreateSchedule');
  });
});
