import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthHerald } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const { template, stack } = synthHerald();
const policies = template.findResources('AWS::IAM::Policy');
const statements: Statement[] = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const grantsOf = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
const statementsOfRole = (roleLogicalId: string): Statement[] =>
  Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const roleActions = (role: { node: { defaultChild?: unknown } }) =>
  new Set(statementsOfRole(logicalId(role)).flatMap(actionsOf));

describe('least privilege', () => {
  it('never grants a sensitive action on "*" (or any wildcard action), except those IAM authorizes only on "*"', async () => {
    const wildcardOnly = async (action: string) => {
      const [service = '', name = ''] = action.split(':');
      return isWildcardOnlyAction(service, name);
    };
    for (const s of statements) {
      const sensitive = actionsOf(s).filter(
        (a) =>
          a === 'ses:SendEmail' ||
          a === 'mobiletargeting:SendMessages' ||
          a.startsWith('states:') ||
          a.includes('*'),
      );
      if (sensitive.length === 0) continue;
      expect(sensitive.filter((a) => a.includes('*'))).toEqual([]);
      // The task-token actions have no resource type (Service Authorization Reference, Step Functions):
      // a statement naming a state machine would never match them.
      if ((await Promise.all(sensitive.map(wildcardOnly))).every(Boolean)) continue;
      expect(resourcesOf(s), `${sensitive.join(', ')} on "*"`).not.toContain('*');
    }
  });

  it('only the X-Ray, log-delivery and task-token actions, which have no resource-level permissions, use Resource "*"', () => {
    const starActions = new Set(statements.filter((s) => resourcesOf(s).includes('*')).flatMap(actionsOf));
    for (const action of starActions) {
      expect(action, action).toMatch(
        /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSampling\w+)|logs:\w*(LogDelivery|LogDeliveries|ResourcePolic\w+|DescribeLogGroups)|states:SendTaskSuccess)$/,
      );
    }
  });

  it('scopes ses:SendEmail to the sender identity and the configuration set', () => {
    const [grant, ...others] = grantsOf('ses:SendEmail');
    expect(others).toEqual([]);
    const resources = JSON.stringify(grant?.Resource);
    expect(resources).toContain(':identity/example.com');
    expect(resources).toContain(':configuration-set/');
    expect(resourcesOf(grant!)).toHaveLength(2);
  });

  it('scopes mobiletargeting:SendMessages to the app’s messages resource', () => {
    const [grant, ...others] = grantsOf('mobiletargeting:SendMessages');
    expect(others).toEqual([]);
    expect(grant?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':mobiletargeting:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':apps/',
          { Ref: stack.getLogicalId(stack.messaging.node.findChild('App') as never) },
          '/messages',
        ],
      ],
    });
  });

  // Step Functions authorizes a start on an alias against the unqualified state machine ARN, with
  // the alias in states:StateMachineQualifier ("Authorization for versions and aliases in Step
  // Functions workflows"); test/iam evaluates the recorded StartExecution calls against this grant.
  it('lets ingest start executions of each journey’s state machine through its `live` alias only', () => {
    const starts = (role: { node: { defaultChild?: unknown } }) =>
      statementsOfRole(logicalId(role)).filter((s) => actionsOf(s).includes('states:StartExecution'));
    const [grant, ...others] = starts(stack.functions.ingest.role);
    expect(others).toEqual([]);
    const machines = stack.journeys.map((j) => logicalId(j.stateMachine));
    expect(grant?.Resource).toEqual(machines.map((id) => ({ Ref: id })));
    // The only other starts are audience enrolment's (test/infra/audience.test.ts, test/iam/audience.test.ts).
    const audience = stack.audience!;
    const enrolmentRoles = audience.enrolments.map((e) => e.stateMachine.role as never);
    expect(grantsOf('states:StartExecution')).toHaveLength(
      1 + [audience.fn.role, audience.schedulerRole, ...enrolmentRoles].flatMap(starts).length,
    );
    expect((grant as { Condition?: unknown }).Condition).toEqual({
      'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': ['live'] },
    });
  });

  it('scopes StopExecution to executions of each journey’s own state machine, and task responses to "*"', () => {
    const [stop] = grantsOf('states:StopExecution');
    for (const journey of stack.journeys) {
      expect(JSON.stringify(stop?.Resource)).toContain(`:execution:Herald-${journey.journey.id}:*`);
    }
    const responses = grantsOf('states:SendTaskSuccess');
    expect(responses.map((r) => [r.Action, r.Resource])).toEqual([
      ['states:SendTaskSuccess', '*'],
      ['states:SendTaskSuccess', '*'],
    ]);
  });

  it('gives each function only the actions it uses', () => {
    const { step, ingest, feedback, unsubscribe } = stack.functions;
    expect(
      [...roleActions(step.role)]
        .filter((a) => /^(ses|mobiletargeting|states|secretsmanager):/.test(a))
        .sort(),
    ).toEqual([
      'mobiletargeting:SendMessages',
      'secretsmanager:GetSecretValue',
      'ses:SendEmail',
      'states:SendTaskSuccess',
    ]);
    for (const fn of [feedback, unsubscribe, ingest]) {
      const actions = [...roleActions(fn.role)];
      expect(actions.filter((a) => a.startsWith('ses:') || a.startsWith('mobiletargeting:'))).toEqual([]);
    }
    expect([...roleActions(ingest.role)].filter((a) => a.startsWith('states:')).sort()).toEqual([
      'states:SendTaskSuccess',
      'states:StartExecution',
      'states:StopExecution',
    ]);
    const dynamo = (fn: typeof ingest) =>
      [...roleActions(fn.role)].filter((a) => a.startsWith('dynamodb:')).sort();
    // Ingest reads the profile, products, controls and tombstones in one BatchGetItem, and stores
    // the enrollments an event starts in one BatchWriteItem (infra/herald-stack.ts).
    expect(dynamo(ingest)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // The step reads a decision's items in one BatchGetItem and writes a sent message's items in one
    // BatchWriteItem (infra/herald-stack.ts), both scoped by dynamodb:LeadingKeys.
    expect(dynamo(step)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const fn of [feedback, unsubscribe]) {
      expect(dynamo(fn)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    }
    expect([...roleActions(feedback.role)].filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    expect([...roleActions(unsubscribe.role)].filter((a) => a.startsWith('states:'))).toEqual([]);
    expect([...roleActions(step.role)].filter((a) => a.startsWith('states:'))).toEqual([
      'states:SendTaskSuccess',
    ]);
    // Erasure (constructs/customer-privacy.ts): the only DeleteItem, StopExecution of open runs, and
    // UpdateItem of scale-mode runs only (ending them; test/iam/privacy.test.ts scopes it to RUN#).
    const { privacy } = stack.functions;
    expect(dynamo(privacy)).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(
      [...roleActions(privacy.role)]
        .filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:') && !a.startsWith('xray:'))
        .sort(),
    ).toEqual(['secretsmanager:GetSecretValue', 'states:StopExecution']);
  });

  it('lets each state machine invoke versions of the step Lambda and nothing else', () => {
    for (const journey of stack.journeys) {
      const invoke = statementsOfRole(logicalId(journey.stateMachine.role as never)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('lambda:')),
      );
      expect(invoke).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.functions.step.fn), 'Arn'] }, ':*']],
          },
        },
      ]);
    }
  });

  it('gives Lambda roles no managed policies (log writing is granted on each function’s own log group)', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
      },
    });
    expect(Object.keys(roles)).toHaveLength(8); // one per function: ingest, step, feedback, unsubscribe, catalog, control, privacy, audience
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('keeps the unsubscribe signing key in Secrets Manager, generated, never in the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    const env = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(env).toContain('UNSUBSCRIBE_SECRET_ARN');
    expect(env).not.toMatch(/SecretString/);
  });
});
