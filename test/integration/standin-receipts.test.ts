/** The stand-ins record when they received each message, on the simulated clock the demo runs on. */
import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { installSimClock, type SimClock } from '../../local/clock.ts';
import { startPinpointSink } from '../../local/standins/index.ts';

describe('stand-in receipt times', () => {
  let clock: SimClock | undefined;
  afterEach(() => clock?.uninstall());

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
});
