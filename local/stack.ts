/**
 * The local stand-ins and the real adapters bound to them: dynalite (DynamoDB), aws-ses-v2-local
 * (SES v2) and the Pinpoint sink, each reached by a real AWS SDK v3 client over loopback with
 * explicit fake credentials. Nothing here talks to AWS.
 */
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoStore } from '../functions/adapters/dynamo-store.ts';
import { PinpointMessagingSender } from '../functions/adapters/pinpoint-messaging.ts';
import { SesEmailSender } from '../functions/adapters/ses-email.ts';
import {
  type DynaliteStandIn,
  type PinpointSinkStandIn,
  type SesLocalStandIn,
  startDynalite,
  startPinpointSink,
  startSesLocal,
} from './standins/index.ts';

export const LOCAL_FROM = 'Herald Demo <news@herald.example>';
export const LOCAL_PINPOINT_APP = 'herald-local';

export interface LocalStack {
  dynamo: DynaliteStandIn;
  ses: SesLocalStandIn;
  pinpoint: PinpointSinkStandIn;
  store: DynamoStore;
  email: SesEmailSender;
  messaging: PinpointMessagingSender;
  stop(): Promise<void>;
}

export async function startLocalStack(options: { sesPort?: number } = {}): Promise<LocalStack> {
  const [dynamo, ses, pinpoint] = await Promise.all([
    startDynalite(),
    startSesLocal(options.sesPort === undefined ? {} : { port: options.sesPort }),
    startPinpointSink(),
  ]);
  const sesClient = new SESv2Client(ses.clientConfig);
  const pinpointClient = new PinpointClient(pinpoint.clientConfig);
  return {
    dynamo,
    ses,
    pinpoint,
    store: new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName }),
    email: new SesEmailSender({ client: sesClient, from: LOCAL_FROM }),
    messaging: new PinpointMessagingSender({ client: pinpointClient, applicationId: LOCAL_PINPOINT_APP }),
    async stop() {
      sesClient.destroy();
      pinpointClient.destroy();
      await Promise.allSettled([dynamo.stop(), ses.stop(), pinpoint.stop()]);
    },
  };
}
