/**
 * `herald send-test --deployed`: the providers of a deployed Herald — SES v2 SendEmail from a
 * verified identity (`--from`, optionally `--configuration-set`), Pinpoint SendMessages on the
 * project (`--pinpoint-app`) and, with `--table`, the deployed table for the `test` ledger record —
 * each reached by the real SDK client with the default credential chain and `--region`, as
 * `herald journey` and `herald catalog import` do. `--ses-endpoint`, `--pinpoint-endpoint` and
 * `--endpoint` point the same clients elsewhere (the tests: the local stand-ins).
 *
 * The operator's IAM permissions are listed in docs/tools.md (Service Authorization Reference).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Seed } from '../../engine/seed-list.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { PinpointMessagingSender } from '../../functions/adapters/pinpoint-messaging.ts';
import { providerClientConfig } from '../../functions/adapters/provider-clients.ts';
import { SesEmailSender } from '../../functions/adapters/ses-email.ts';
import type { EmailSender, MessagingSender, SendOutcome, Store } from '../../functions/ports.ts';
import { ToolInputError } from '../../tools/load.ts';

export interface DeployedSendOptions {
  region?: string;
  from?: string;
  configurationSet?: string;
  pinpointApp?: string;
  table?: string;
  endpoint?: string;
  sesEndpoint?: string;
  pinpointEndpoint?: string;
}

export interface DeployedProviders {
  email: EmailSender;
  messaging: MessagingSender;
  store: Pick<Store, 'putLedger'>;
  /** Where the ledger record went, for the report line. */
  ledger?: string;
  stop(): void;
}

const missing = (flag: string, why: string) =>
  new ToolInputError(
    'option.missing',
    [
      {
        file: 'send-test',
        code: 'option.missing',
        path: flag,
        line: 1,
        column: 1,
        message: `${flag} is required ${why}`,
        severity: 'error',
      },
    ],
    'send-test --deployed:',
  );

/** One line, no stack: the default chain found no credentials or no region. */
export class AwsSetupError extends ToolInputError {
  constructor(reason: string) {
    super('aws.setup', [], '');
    this.message =
      `send-test --deployed cannot reach AWS: ${reason}; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and ` +
      'AWS_SECRET_ACCESS_KEY) and --region or AWS_REGION (IAM permissions: docs/tools.md)';
  }
}

/** A provider that no seed needs: refuses, so a seed the step cannot serve is reported, not sent. */
const unavailable: EmailSender & MessagingSender = {
  sendEmail: async (): Promise<SendOutcome> => ({ status: 'permanent_failure', reason: 'no_provider' }),
  sendSms: async (): Promise<SendOutcome> => ({ status: 'permanent_failure', reason: 'no_provider' }),
  sendPush: async (): Promise<SendOutcome> => ({ status: 'permanent_failure', reason: 'no_provider' }),
};

export async function deployedProviders(
  options: DeployedSendOptions,
  seeds: readonly Seed[],
): Promise<DeployedProviders> {
  const wantsEmail = seeds.some((s) => s.email);
  const wantsMessaging = seeds.some((s) => s.phone || s.pushToken);
  if (wantsEmail && !options.from) throw missing('--from', 'for email seeds: a verified SES identity');
  if (wantsMessaging && !options.pinpointApp) {
    throw missing('--pinpoint-app', 'for phone and push seeds: the Pinpoint project id');
  }
  const region = options.region ? { region: options.region } : {};
  const ses = wantsEmail
    ? new SESv2Client(
        providerClientConfig({
          ...region,
          ...(options.sesEndpoint ? { endpoint: options.sesEndpoint } : {}),
        }),
      )
    : undefined;
  const pinpoint = wantsMessaging
    ? new PinpointClient(
        providerClientConfig({
          ...region,
          ...(options.pinpointEndpoint ? { endpoint: options.pinpointEndpoint } : {}),
        }),
      )
    : undefined;
  const dynamo = options.table
    ? new DynamoDBClient({
        maxAttempts: 5,
        ...region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      })
    : undefined;
  const stop = () => {
    ses?.destroy();
    pinpoint?.destroy();
    dynamo?.destroy();
  };
  try {
    // Resolve region and credentials before any send: a missing one is one line, not a stack.
    for (const client of [ses, pinpoint, dynamo]) {
      if (!client) continue;
      await client.config.region();
      await client.config.credentials();
    }
  } catch (error) {
    stop();
    throw new AwsSetupError((error as Error).message.split('\n')[0] || 'no credentials');
  }
  return {
    email: ses
      ? new SesEmailSender({
          client: ses,
          from: options.from as string,
          ...(options.configurationSet ? { configurationSetName: options.configurationSet } : {}),
        })
      : unavailable,
    messaging: pinpoint
      ? new PinpointMessagingSender({ client: pinpoint, applicationId: options.pinpointApp as string })
      : unavailable,
    store: dynamo
      ? new DynamoStore({ client: dynamo, tableName: options.table as string })
      : { putLedger: async () => {} },
    ...(options.table ? { ledger: options.table } : {}),
    stop,
  };
}
