import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthHerald } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

const { template, stack } = synthHerald();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const policies = Object.values(template.findResources('AWS::IAM::Policy'));
const statementsOfRole = (roleLogicalId: string): Statement[] =>
  policies
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
const tableGrants = (role: { node: { defaultChild?: unknown } }) =>
  statementsOfRole(logicalId(role)).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

describe('journey controls on AWS', () => {
  const control = stack.functions.control;

  it('serves PUT /journeys/{id}/control with IAM (SigV4) authorisation, to the control function', () => {
    const routes = Object.entries(
      template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: Match.stringLikeRegexp('/control$') },
      }),
    );
    expect(routes.map(([, r]) => r.Properties.RouteKey)).toEqual(['PUT /journeys/{id}/control']);
    const [, route] = routes[0] ?? [];
    expect(route?.Properties.AuthorizationType).toBe('AWS_IAM');
    const target: string = route?.Properties.Target['Fn::Join'][1][1].Ref;
    const integration = template.toJSON().Resources[target];
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(logicalId(control.fn));
  });

  it('gives the control function GetItem and PutItem on JOURNEY# items only', () => {
    expect(tableGrants(control.role)).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOURNEY#*'] } },
      },
    ]);
  });

  it('lets ingest and the step function read JOURNEY# items, and write none', () => {
    for (const fn of [stack.functions.ingest, stack.functions.step]) {
      const onJourney = tableGrants(fn.role).filter((s) => JSON.stringify(s.Condition).includes('JOURNEY#'));
      // Ingest also batches them with the profile (BatchGetItem); no function but the control writes.
      expect(onJourney.flatMap(actionsOf).filter((a) => !/Get/.test(a))).toEqual([]);
      expect(onJourney.flatMap(actionsOf)).toContain('dynamodb:GetItem');
    }
  });

  it('carries the validated journeys to the control function, which knows them by JOURNEYS_FILE', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Journey controls'),
      Environment: { Variables: Match.objectLike({ JOURNEYS_FILE: Match.stringLikeRegexp('^/var/task/') }) },
    });
  });
});
