/**
 * Email through SES v2 SendEmail (Simple content: subject, HTML, text and custom headers). Each
 * message carries the RFC 8058 one-click headers, a configuration set (for event publishing) and
 * message tags (journey, version, step, variant, run) so SES events attribute back to the decision.
 * The client must make one attempt per call (provider-clients.ts): SendEmail has no idempotency key.
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailMessage, EmailSender, SendOutcome } from '../ports.ts';
import { outcomeOfError } from './provider-errors.ts';

export interface SesEmailSenderOptions {
  client: SESv2Client;
  /** Verified identity, e.g. `Herald <news@example.com>`. */
  from: string;
  configurationSetName?: string;
}

export class SesEmailSender implements EmailSender {
  constructor(private readonly options: SesEmailSenderOptions) {}

  async sendEmail(message: EmailMessage): Promise<SendOutcome> {
    const listUnsubscribe = [`<${message.unsubscribeUrl}>`];
    if (message.unsubscribeMailto) listUnsubscribe.push(`<${message.unsubscribeMailto}>`);
    try {
      const response = await this.options.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [message.to] },
          ConfigurationSetName: this.options.configurationSetName,
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Html: { Data: message.html, Charset: 'UTF-8' },
                Text: { Data: message.text, Charset: 'UTF-8' },
              },
              Headers: [
                { Name: 'List-Unsubscribe', Value: listUnsubscribe.join(', ') },
                { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
              ],
            },
          },
          EmailTags: Object.entries(message.tags).map(([Name, Value]) => ({
            Name: tagText(Name),
            Value: tagText(Value),
          })),
        }),
      );
      // A 200 without an id: SES answered, so it may well have accepted the message.
      if (!response.MessageId) return { status: 'in_doubt', reason: 'no_message_id' };
      return { status: 'sent', providerMessageId: response.MessageId };
    } catch (error) {
      return outcomeOfError(error);
    }
  }
}

/** SES tag names and values allow ASCII letters, digits, `_`, `-` and `.`, up to 255 characters. */
export function tagText(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 255) || '_';
}
