/**
 * `herald customer erase|export <id> --table <name>`: the privacy Lambda's own handler
 * (functions/handlers/privacy.ts), run here with the real SDK (credentials and region from the
 * default chain) against the deployed table, or `--endpoint` a local stand-in. The same protocol,
 * items and answers as `DELETE /customers/{id}` and `GET /customers/{id}/export`.
 * The pseudonym key comes from the stack's PrivacyKey secret (`--privacy-key-secret`, the stack
 * output PrivacyKeySecretArn) or, for a stand-in only, `--privacy-key`. Erasing stops the
 * customer's open runs: `--state-machine-prefix` is where the journeys' state machines are
 * (`arn:aws:states:<region>:<account>:stateMachine:<stack>-`, the part of a JourneyAlias output
 * before the journey id).
 */
import { writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoPrivacy } from '../../functions/adapters/dynamo-privacy.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { SfnExecutions } from '../../functions/adapters/sfn-executions.ts';
import { createPseudonymiser } from '../../functions/app/pseudonym.ts';
import { readSecret } from '../../functions/env.ts';
import { createPrivacyHandler } from '../../functions/handlers/privacy.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';

export interface CustomerOptions {
  table: string;
  region?: string;
  endpoint?: string;
  privacyKeySecret?: string;
  privacyKey?: string;
  stateMachinePrefix?: string;
  sfnEndpoint?: string;
  out?: string;
}

export { registerCustomer } from '../program.ts';

export function customerCommand(action: 'erase' | 'export') {
  return async (customerId: string, options: CustomerOptions): Promise<void> => {
    process.exitCode = await run(action, customerId, options);
  };
}

async function run(
  action: 'erase' | 'export',
  customerId: string,
  options: CustomerOptions,
): Promise<number> {
  if (!options.privacyKey && !options.privacyKeySecret) {
    process.stderr.write('✗ give --privacy-key-secret <arn> (the stack output PrivacyKeySecretArn)\n');
    return 1;
  }
  if (action === 'erase' && !options.stateMachinePrefix) {
    process.stderr.write(
      '✗ erasing stops the customer’s open runs: give --state-machine-prefix arn:aws:states:<region>:<account>:stateMachine:<stack>-\n',
    );
    return 1;
  }
  const region = options.region ? { region: options.region } : {};
  const dynamo = new DynamoDBClient({
    maxAttempts: 5,
    ...region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const sfn = new SFNClient({
    maxAttempts: 5,
    ...region,
    ...(options.sfnEndpoint ? { endpoint: options.sfnEndpoint } : {}),
  });
  try {
    const key =
      options.privacyKey ??
      (await readSecret(
        new SecretsManagerClient({ maxAttempts: 5, ...region }),
        options.privacyKeySecret!,
        'the privacy key',
      ));
    const prefix = options.stateMachinePrefix ?? '';
    const handler = createPrivacyHandler({
      store: new DynamoStore({ client: dynamo, tableName: options.table, clock: { now: () => new Date() } }),
      privacy: new DynamoPrivacy({ client: dynamo, tableName: options.table }),
      executions: new SfnExecutions({ client: sfn, stateMachineArn: (journeyId) => `${prefix}${journeyId}` }),
      pseudonymiser: async () => createPseudonymiser(key),
      logger: createLogger('privacy', { logLevel: 'SILENT' }),
      metrics: createMetrics('privacy', { silent: true }),
    });
    const method = action === 'erase' ? 'DELETE' : 'GET';
    const response = await handler({
      rawPath: `/customers/${encodeURIComponent(customerId)}${action === 'export' ? '/export' : ''}`,
      requestContext: { http: { method } },
      pathParameters: { id: customerId },
    });
    if (response.statusCode !== 200) {
      process.stderr.write(`✗ ${response.body}\n`);
      return 1;
    }
    if (action === 'export') {
      if (options.out) {
        writeFileSync(options.out, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
        process.stdout.write(`✓ exported to ${options.out}\n`);
      } else process.stdout.write(`${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
      return 0;
    }
    const summary = JSON.parse(response.body) as {
      pseudonym: string;
      counts: Record<string, number>;
      pending: string[];
    };
    const counts = Object.entries(summary.counts).map(([kind, n]) => `${kind} ${n}`);
    process.stdout.write(
      `✓ erased (pseudonym ${summary.pseudonym}; ${counts.join(', ') || 'nothing left to erase'})\n` +
        `  events for this customer or their addresses are refused until a consent_renewed event\n`,
    );
    return 0;
  } catch (error) {
    const { name, message } = error as Error;
    process.stderr.write(
      `✗ could not ${action} the customer in table ${options.table}: ${name}: ${message}\n`,
    );
    return 1;
  } finally {
    dynamo.destroy();
    sfn.destroy();
  }
}
