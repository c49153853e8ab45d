import { copyFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthHerald } from './synth.ts';

const WORKFLOWS = fileURLToPath(new URL('../../workflows/', import.meta.url));
const { template, stack } = synthHerald();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('customer privacy on AWS', () => {
  const privacy = stack.functions.privacy;

  it('serves DELETE /customers/{id} and GET /customers/{id}/export with IAM (SigV4) authorisation, to the privacy function', () => {
    const routes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: Match.stringLikeRegexp('/customers/') },
      }),
    );
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'DELETE /customers/{id}',
      'GET /customers/{id}/export',
    ]);
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
      const target: string = route.Properties.Target['Fn::Join'][1][1].Ref;
      const integration = template.toJSON().Resources[target];
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(logicalId(privacy.fn));
    }
  });

  it('keeps the pseudonym key in Secrets Manager, generated, and tells privacy and ingest its ARN only', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('pseudonyms') },
    });
    const [id] = Object.keys(secrets);
    expect(id).toBeDefined();
    expect(secrets[id!]!.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    for (const fn of [privacy, stack.functions.ingest]) {
      const variables = template.toJSON().Resources[logicalId(fn.fn)].Properties.Environment.Variables;
      expect(variables.PRIVACY_KEY_SECRET_ARN).toEqual({ Ref: id });
      expect(variables.PRIVACY_KEY).toBeUndefined();
    }
  });

  it('enables TTL on expiresAt, which retention sets on events, ledger and message items', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('retention at synth', () => {
  it('refuses a policy.json whose ledger retention is shorter than a journey’s attribution window, naming the journey and the fix', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-retention-'));
    copyFileSync(
      path.join(WORKFLOWS, 'cart-abandonment.journey.json'),
      path.join(dir, 'cart-abandonment.journey.json'),
    );
    cpSync(
      path.join(WORKFLOWS, 'versions', 'cart-abandonment'),
      path.join(dir, 'versions', 'cart-abandonment'),
      {
        recursive: true,
      },
    );
    writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ retention: { ledger: 'P2D' } }));
    expect(() => synthHerald({ config: { journeysDir: dir } })).toThrow(
      /policy\.json: \/retention\/ledger: ledger are kept P2D, but journey `cart-abandonment` reads them over its goal’s attribution window P7D.*fix: keep ledger at least as long: "retention": \{ "ledger": "P7D" \}/,
    );
  });
});
