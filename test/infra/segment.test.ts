import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthHerald } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const { template, stack } = synthHerald();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const statements = (): (Statement & { roles: string })[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
    p.Properties.PolicyDocument.Statement.map((s: Statement) => ({
      ...s,
      roles: JSON.stringify(p.Properties.Roles),
    })),
  );
const secretId = () => {
  const [[id] = []] = Object.entries(
    template.findResources('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('Segment') },
    }),
  );
  return id;
};

describe('the Segment-compatible route on AWS', () => {
  const routes = () =>
    Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: Match.stringLikeRegexp('^POST /v1/') },
      }),
    );

  it('serves POST /v1/track, /v1/identify and /v1/batch without IAM auth (the write key authorises)', () => {
    expect(
      routes()
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(['POST /v1/batch', 'POST /v1/identify', 'POST /v1/track']);
    for (const route of routes()) expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  it('sends every /v1 route to the ingest function', () => {
    for (const route of routes()) {
      const target: string = route.Properties.Target['Fn::Join'][1][1].Ref;
      const integration = template.toJSON().Resources[target];
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(
        logicalId(stack.functions.ingest.fn),
      );
    }
  });

  it('keeps the write key in a generated secret, given to ingest by ARN, never its value', () => {
    const id = secretId();
    expect(id).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SEGMENT_WRITE_KEY_SECRET_ARN: { Ref: id } }) },
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toMatch(/SEGMENT_WRITE_KEY"/);
  });

  it('lets only the ingest role read the write key, and only that secret', () => {
    const id = secretId();
    const reads = statements().filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    const onKey = reads.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ Ref: id }));
    expect(onKey.map((s) => s.roles)).toEqual([
      JSON.stringify([{ Ref: logicalId(stack.functions.ingest.role) }]),
    ]);
    // Ingest reads two secrets: this write key and the privacy pseudonym key (issue 20, to check
    // tombstones); nothing else.
    const ingestReads = reads.filter((s) => s.roles.includes(logicalId(stack.functions.ingest.role)));
    const privacyKey = stack.node.findAll().find((c) => c.node.path.endsWith('CustomerPrivacy/PrivacyKey'));
    expect(privacyKey).toBeDefined();
    expect(ingestReads.map((s) => [s.Action, s.Resource])).toEqual(
      expect.arrayContaining([
        ['secretsmanager:GetSecretValue', { Ref: id }],
        ['secretsmanager:GetSecretValue', { Ref: expect.stringMatching(/^CustomerPrivacyPrivacyKey/) }],
      ]),
    );
    expect(ingestReads).toHaveLength(2);
  });
});
