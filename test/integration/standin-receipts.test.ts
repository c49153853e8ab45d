/** The stand-ins record when they received each message, on the simulated clock the demo runs on. */
import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { PinpointMessagingSender } from '../../functions/adapters/pinpoint-messaging.ts';
import type { EmailMessage } from '../../functions/ports.ts';
import { installSimClock, type SimClock } from '../../local/clock.ts';
import { startLocalStack } from '../../local/stack.ts';
import { type SesLocalStandIn, startPinpointSink, startSesLocal } from '../../local/standins/index.ts';

const MESSAGE: EmailMessage = {
  to: 'layla@example.com',
  subject: 'مرحبا',
  html: '<p>hi</p>',
  text: 'hi',
  unsubscribeUrl: 'https://herald.example/unsubscribe?token=t',
  tags: { journey: 'welcome', step: 'send-welcome', run: 'welcome-v1-abc' },
};

describe('stand-in receipt times', () => {
  let clock: SimClock | undefined;
  afterEach(() => {
    clock?.uninstall();
    clock = undefined;
  });

  it('the Pinpoint sink stamps each SMS with the simulated time it received it', async () => {
    const sink = await startPinpointSink();
    clock = installSimClock(new Date('2026-03-02T20:30:00.000Z'));
    const client = new PinpointClient(sink.clientConfig);
    try {
      await clock.track(() =>
        client.send(
          new SendMessagesCommand({
            ApplicationId: 'app',
            MessageRequest: {
              Addresses: { '+966501234567': { ChannelType: 'SMS' } },
              MessageConfiguration: { SMSMessage: { Body: 'hi', MessageType: 'PROMOTIONAL' } },
            },
          }),
        ),
      );
      expect(sink.messages.map((m) => m.at)).toEqual(['2026-03-02T20:30:00.000Z']);
    } finally {
      client.destroy();
      await sink.stop();
    }
  });

  it('the Pinpoint sink records the journey, step and run an SMS carried as its Context', async () => {
    const sink = await startPinpointSink();
    const client = new PinpointClient(sink.clientConfig);
    try {
      const sender = new PinpointMessagingSender({ client, applicationId: 'app' });
      const tags = {
        journey: 'cart-abandonment',
        step: 'send-cart-reminder',
        run: 'cart-abandonment-v1-abc',
      };
      await sender.sendSms({ to: '+966501234567', body: 'hi', tags });
      await sender.sendPush({ tokens: [{ platform: 'APNS', token: 'tok-1' }], title: 't', body: 'b', tags });
      expect(sink.messages.map((m) => [m.channelType, m.context])).toEqual([
        ['SMS', tags],
        ['APNS', tags],
      ]);
    } finally {
      client.destroy();
      await sink.stop();
    }
  });

  describe('SES', () => {
    let ses: SesLocalStandIn | undefined;
    afterEach(async () => {
      await ses?.stop();
      ses = undefined;
    });

    it('a shard’s SES proxy records each email SES stored with the simulated time it arrived, its recipients and tags', async () => {
      // As in the demo: aws-ses-v2-local is someone else's, the stack sends through its own proxy.
      ses = await startSesLocal();
      await ses.clear();
      const stack = await startLocalStack({ sesEndpoint: ses.endpoint });
      clock = installSimClock(new Date('2026-03-02T21:15:00.000Z'));
      try {
        const outcome = await clock.track(() => stack.email.sendEmail(MESSAGE));
        const stored = await ses.emails();
        expect(outcome).toEqual({ status: 'sent', providerMessageId: stored[0]?.messageId });
        expect(stack.emailReceipts()).toEqual([
          {
            messageId: stored[0]?.messageId,
            recipients: ['layla@example.com'],
            tags: MESSAGE.tags,
            at: '2026-03-02T21:15:00.000Z',
          },
        ]);
      } finally {
        await stack.stop();
      }
    });

    it('keeps a receipt for an email SES stored though its answer was lost, and none for one it refused', async () => {
      // The stand-in's own proxy takes the receipts and plays the faults: it saw the id before failing.
      const stack = await startLocalStack();
      const own = stack.ses!;
      await own.clear();
      clock = installSimClock(new Date('2026-03-03T09:00:00.000Z'));
      try {
        own.fault({ fault: 'error_after_accept', recipient: 'layla@example.com' });
        own.fault({ fault: 'throttle', recipient: 'omid@example.com' });
        const lost = await clock.track(() => stack.email.sendEmail(MESSAGE));
        const refused = await clock.track(() =>
          stack.email.sendEmail({ ...MESSAGE, to: 'omid@example.com' }),
        );
        expect([lost.status, refused.status]).not.toContain('sent');
        const stored = await own.emails();
        expect(stored.map((e) => e.destination.to)).toEqual([['layla@example.com']]);
        expect(stack.emailReceipts().map((r) => [r.messageId, r.recipients, r.at])).toEqual([
          [stored[0]?.messageId, ['layla@example.com'], '2026-03-03T09:00:00.000Z'],
        ]);
      } finally {
        await stack.stop();
      }
    });
  });
});
