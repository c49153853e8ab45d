/**
 * SMS and push through Pinpoint SendMessages (AWS End User Messaging). Delivery is reported per
 * address: SUCCESSFUL ⇒ sent; PERMANENT_FAILURE, OPT_OUT, DUPLICATE ⇒ permanent (move on to the
 * next channel; for push, the token is reported invalid); TEMPORARY_FAILURE, THROTTLED and
 * UNKNOWN_FAILURE ⇒ transient. HTTP-level throttling is retried by the SDK's retry strategy.
 */
import { type MessageResult, type PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import type { MessagingSender, PushMessage, SendOutcome, SmsMessage } from '../ports.ts';
import { classifyProviderError } from './provider-errors.ts';

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
    const transient = outcomes.find((o) => o.outcome.status === 'transient_failure')?.outcome;
    return transient ?? { status: 'transient_failure', reason: 'no_result' };
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
      const { permanent, reason } = classifyProviderError(error);
      return {
        ok: false,
        outcome: { status: permanent ? 'permanent_failure' : 'transient_failure', reason },
      };
    }
  }
}

function outcomeOf(result: MessageResult | undefined): SendOutcome {
  if (!result) return { status: 'transient_failure', reason: 'no_result' };
  const status = result.DeliveryStatus ?? 'UNKNOWN_FAILURE';
  if (status === 'SUCCESSFUL' && result.MessageId)
    return { status: 'sent', providerMessageId: result.MessageId };
  const reason = status === 'OPT_OUT' ? 'opt_out' : status.toLowerCase();
  return PERMANENT.has(status)
    ? { status: 'permanent_failure', reason }
    : { status: 'transient_failure', reason };
}
