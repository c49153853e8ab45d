/**
 * SMS and push through Pinpoint SendMessages (AWS End User Messaging). The client makes one
 * attempt per call (provider-clients.ts). Delivery is reported per address, in MessageResult's
 * DeliveryStatus ("MessageResult", Amazon Pinpoint API reference,
 * https://docs.aws.amazon.com/pinpoint/latest/apireference/apps-application-id-messages.html):
 * - SUCCESSFUL ⇒ sent;
 * - PERMANENT_FAILURE, OPT_OUT, DUPLICATE ("Amazon Pinpoint won't attempt to send the message
 *   again") ⇒ permanent: the next channel; for push, the token is reported invalid;
 * - THROTTLED ("Amazon Pinpoint throttled the operation") ⇒ retry later, same channel;
 * - TEMPORARY_FAILURE, UNKNOWN_FAILURE, TIMEOUT, anything else ⇒ in doubt: the downstream carrier
 *   or push service may have taken it, so it is never resent.
 * An HTTP-level error is classified by provider-errors.ts.
 */
import { type MessageResult, type PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import type { MessagingSender, PushMessage, SendOutcome, SmsMessage } from '../ports.ts';
import { outcomeOfError } from './provider-errors.ts';

export interface PinpointMessagingSenderOptions {
  client: PinpointClient;
  applicationId: string;
  originationNumber?: string;
  senderId?: string;
  /** The SMS type of marketing messages (default PROMOTIONAL); transactional ones are always TRANSACTIONAL. */
  smsMessageType?: 'PROMOTIONAL' | 'TRANSACTIONAL';
}

const PERMANENT = new Set(['PERMANENT_FAILURE', 'OPT_OUT', 'DUPLICATE']);

export class PinpointMessagingSender implements MessagingSender {
  constructor(private readonly options: PinpointMessagingSenderOptions) {}

  async sendSms(message: SmsMessage): Promise<SendOutcome> {
    const { originationNumber, senderId } = this.options;
    const smsMessageType =
      message.category === 'transactional' ? 'TRANSACTIONAL' : (this.options.smsMessageType ?? 'PROMOTIONAL');
    const results = await this.send({
      ...contextOf(message.tags),
      Addresses: { [message.to]: { ChannelType: 'SMS' } },
      MessageConfiguration: {
        SMSMessage: {
          Body: message.body,
          MessageType: smsMessageType,
          ...(originationNumber ? { OriginationNumber: originationNumber } : {}),
          ...(senderId ? { SenderId: senderId } : {}),
        },
      },
    });
    if (!results.ok) return results.outcome;
    return outcomeOf(results.byAddress[message.to]);
  }

  async sendPush(message: PushMessage): Promise<SendOutcome> {
    if (message.tokens.length === 0) return { status: 'permanent_failure', reason: 'no_push_token' };
    const action = message.deepLink ? 'DEEP_LINK' : 'OPEN_APP';
    const url = message.deepLink ? { Url: message.deepLink } : {};
    const data = message.deepLink ? { deepLink: message.deepLink } : undefined;
    const results = await this.send({
      ...contextOf(message.tags),
      Addresses: Object.fromEntries(message.tokens.map((t) => [t.token, { ChannelType: t.platform }])),
      MessageConfiguration: {
        APNSMessage: {
          Title: message.title,
          Body: message.body,
          Action: action,
          ...url,
          ...(data ? { Data: data } : {}),
        },
        GCMMessage: {
          Title: message.title,
          Body: message.body,
          Action: action,
          ...url,
          ...(data ? { Data: data } : {}),
        },
      },
    });
    if (!results.ok) return results.outcome;
    const outcomes = message.tokens.map((t) => ({
      token: t.token,
      outcome: outcomeOf(results.byAddress[t.token]),
    }));
    const invalidTokens = outcomes
      .filter((o) => o.outcome.status === 'permanent_failure')
      .map((o) => o.token);
    const sent = outcomes.find((o) => o.outcome.status === 'sent')?.outcome;
    if (sent?.status === 'sent') return invalidTokens.length > 0 ? { ...sent, invalidTokens } : sent;
    if (invalidTokens.length === outcomes.length) {
      return { status: 'permanent_failure', reason: 'invalid_push_tokens', invalidTokens };
    }
    // Nothing sent: one address in doubt makes the whole send in doubt (a device may have it).
    const doubt = outcomes.find((o) => o.outcome.status === 'in_doubt')?.outcome;
    if (doubt) return doubt;
    return (
      outcomes.find((o) => o.outcome.status === 'retry_later')?.outcome ?? {
        status: 'in_doubt',
        reason: 'no_result',
      }
    );
  }

  private async send(
    request: NonNullable<ConstructorParameters<typeof SendMessagesCommand>[0]['MessageRequest']>,
  ): Promise<{ ok: true; byAddress: Record<string, MessageResult> } | { ok: false; outcome: SendOutcome }> {
    try {
      const response = await this.options.client.send(
        new SendMessagesCommand({ ApplicationId: this.options.applicationId, MessageRequest: request }),
      );
      return { ok: true, byAddress: response.MessageResponse?.Result ?? {} };
    } catch (error) {
      return { ok: false, outcome: outcomeOfError(error) };
    }
  }
}

function outcomeOf(result: MessageResult | undefined): SendOutcome {
  // Pinpoint answered 200 but said nothing about this address: it may have sent it.
  if (!result) return { status: 'in_doubt', reason: 'no_result' };
  const status = result.DeliveryStatus ?? 'UNKNOWN_FAILURE';
  if (status === 'SUCCESSFUL' && result.MessageId)
    return { status: 'sent', providerMessageId: result.MessageId };
  const reason = status === 'OPT_OUT' ? 'opt_out' : status.toLowerCase();
  if (PERMANENT.has(status)) return { status: 'permanent_failure', reason };
  if (status === 'THROTTLED') return { status: 'retry_later', reason };
  return { status: 'in_doubt', reason };
}

/**
 * The message tags (journey, version, step, variant, run) as the request's `Context`: Pinpoint adds
 * it to the SMS delivery receipt events and to a push's `data.pinpoint` object, so either side can
 * attribute a message to one step of one run
 * (https://docs.aws.amazon.com/pinpoint/latest/apireference/apps-application-id-messages.html).
 */
function contextOf(tags: Record<string, string> | undefined): { Context?: Record<string, string> } {
  return tags && Object.keys(tags).length > 0 ? { Context: { ...tags } } : {};
}
