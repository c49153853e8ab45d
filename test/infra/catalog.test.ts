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

describe('the product catalog on AWS', () => {
  const catalog = stack.functions.catalog;

  it('serves PUT /products with IAM (SigV4) authorisation only', () => {
    const routes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: Match.stringLikeRegexp('/products$') },
      }),
    );
    expect(routes.map((r) => r.Properties.RouteKey)).toEqual(['PUT /products']);
    expect(routes[0]?.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('sends PUT /products to the catalog function, and nothing else does', () => {
    const [route] = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: 'PUT /products' } }),
    );
    const target: string = route?.Properties.Target['Fn::Join'][1][1].Ref;
    const integration = template.toJSON().Resources[target];
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(logicalId(catalog.fn));
    const others = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).filter(
      ([id]) => id !== target,
    );
    for (const [, other] of others) {
      expect(JSON.stringify(other.Properties.IntegrationUri)).not.toContain(logicalId(catalog.fn));
    }
  });

  it('gives the catalog function BatchWriteItem on the table, for PRODUCT# partition keys only', () => {
    const grants = statementsOfRole(logicalId(catalog.role)).filter((s) =>
      actionsOf(s).some((a) => !/^(logs|xray):/.test(a)),
    );
    expect(grants).toEqual([
      {
        Action: 'dynamodb:BatchWriteItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PRODUCT#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ]);
  });

  it('grants BatchWriteItem only to the catalog, the step (a sent message’s items) and ingest (an event’s enrollments)', () => {
    const holders = policies.filter((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).some((s) =>
        actionsOf(s).includes('dynamodb:BatchWriteItem'),
      ),
    );
    expect(holders.flatMap((p) => p.Properties.Roles).sort((a, b) => a.Ref.localeCompare(b.Ref))).toEqual(
      [catalog.role, stack.functions.step.role, stack.functions.ingest.role]
        .map((r) => ({ Ref: logicalId(r) }))
        .sort((a, b) => a.Ref.localeCompare(b.Ref)),
    );
  });

  it('tells the catalog function the table and nothing about journeys, secrets or providers', () => {
    const fn = template.toJSON().Resources[logicalId(catalog.fn)];
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.table) });
    expect(Object.keys(variables).filter((name) => !/^(NODE_OPTIONS|POWERTOOLS_\w+)$/.test(name))).toEqual([
      'TABLE_NAME',
    ]);
    expect(fn.Properties.Timeout).toBeLessThan(30);
  });

  it('outputs the products URL next to the events URL', () => {
    const outputs = template.toJSON().Outputs;
    expect(JSON.stringify(outputs.ProductsUrl.Value)).toContain('/products');
  });
});
