/**
 * The local stand-ins and the real adapters bound to them: dynalite (DynamoDB), aws-ses-v2-local
 * (SES v2) and the Pinpoint sink, each reached by a real AWS SDK v3 client with explicit fake
 * credentials — SES and Pinpoint over loopback, DynamoDB in-process by default (see
 * inprocess-dynalite.ts). Nothing here talks to AWS.
 */
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoStore } from '../functions/adapters/dynamo-store.ts';
import { PinpointMessagingSender } from '../functions/adapters/pinpoint-messaging.ts';
import { providerClientConfig } from '../functions/adapters/provider-clients.ts';
import { SesEmailSender } from '../functions/adapters/ses-email.ts';
import { startInProcessDynalite } from './inprocess-dynalite.ts';
import {
  connectDynamoEndpoint,
  type DynaliteStandIn,
  type EmailReceipt,
  LOCAL_CLIENT_CONFIG,
  LOOPBACK,
  type PinpointSinkStandIn,
  type SesLocalStandIn,
  startDynalite,
  startPinpointSink,
  startSesFaultProxy,
  startSesLocal,
} from './standins/index.ts';
import { close } from './standins/net.ts';

export const LOCAL_FROM = 'Herald Demo <news@herald.example>';
export const LOCAL_PINPOINT_APP = 'herald-local';

export interface LocalStack {
  dynamo: DynaliteStandIn;
  /** Absent when the stack sends to an SES stand-in someone else runs (`sesEndpoint`). */
  ses?: SesLocalStandIn;
  pinpoint: PinpointSinkStandIn;
  /**
   * Every email SES accepted from this stack, with when it arrived on this thread's clock (the
   * simulated one once the system runs): read by the proxy in front of SES, in this thread.
   */
  emailReceipts(): EmailReceipt[];
  store: DynamoStore;
  email: SesEmailSender;
  messaging: PinpointMessagingSender;
  /** The SDK clients behind `email` and `messaging` (the IAM test records their calls). */
  clients: { ses: SESv2Client; pinpoint: PinpointClient };
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Port for a new aws-ses-v2-local (default: any free one). */
  sesPort?: number;
  /** Send to this aws-ses-v2-local instead of starting one (several shards, one mailbox). */
  sesEndpoint?: string;
  /**
   * Which DynamoDB: dynalite `in-process` (default), handing each signed request to dynalite's
   * request listener directly (see inprocess-dynalite.ts), or on a `loopback` port; or a DynamoDB
   * someone else runs at `endpoint` (the tests' DynamoDB Local), in a fresh table.
   */
  dynamo?: 'in-process' | 'loopback' | { endpoint: string };
}

function startDynamo(option: LocalStackOptions['dynamo']): Promise<DynaliteStandIn> {
  if (option === 'loopback') return startDynalite();
  if (typeof option === 'object') return connectDynamoEndpoint(option);
  return startInProcessDynalite();
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const [dynamo, ses, pinpoint, relay] = await Promise.all([
    startDynamo(options.dynamo),
    options.sesEndpoint
      ? Promise.resolve(undefined)
      : startSesLocal(options.sesPort === undefined ? {} : { port: options.sesPort }),
    startPinpointSink(),
    // An SES someone else runs (in another thread, on another clock): a proxy here, on this
    // thread's clock, records when each email arrived.
    options.sesEndpoint ? startSesFaultProxy(options.sesEndpoint) : Promise.resolve(undefined),
  ]);
  // The production provider settings: one attempt per send (functions/adapters/provider-clients.ts).
  const sesClient = new SESv2Client(
    providerClientConfig(
      ses
        ? ses.clientConfig
        : {
            ...LOCAL_CLIENT_CONFIG,
            credentials: { ...LOCAL_CLIENT_CONFIG.credentials },
            endpoint: `http://${LOOPBACK}:${relay?.port}`,
          },
    ),
  );
  const pinpointClient = new PinpointClient(providerClientConfig(pinpoint.clientConfig));
  return {
    dynamo,
    ...(ses ? { ses } : {}),
    pinpoint,
    emailReceipts: () => (ses ? ses.receipts() : [...(relay?.receipts ?? [])]),
    // `Date` is the simulated clock once the system runs (local/clock.ts): expiry is judged by it.
    store: new DynamoStore({
      client: dynamo.client,
      tableName: dynamo.tableName,
      clock: { now: () => new Date() },
    }),
    email: new SesEmailSender({ client: sesClient, from: LOCAL_FROM }),
    messaging: new PinpointMessagingSender({ client: pinpointClient, applicationId: LOCAL_PINPOINT_APP }),
    clients: { ses: sesClient, pinpoint: pinpointClient },
    async stop() {
      sesClient.destroy();
      pinpointClient.destroy();
      await Promise.allSettled([
        dynamo.stop(),
        ses?.stop(),
        pinpoint.stop(),
        relay ? close(relay.server) : undefined,
      ]);
    },
  };
}
