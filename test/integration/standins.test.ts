import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynaliteStandIn,
  type PinpointSinkStandIn,
  type SesLocalStandIn,
  startDynalite,
  startPinpointSink,
  startSesLocal,
} from '../../local/standins/index.ts';

describe('local stand-ins', () => {
  let dynamo: DynaliteStandIn;
  let ses: SesLocalStandIn;
  let pinpoint: PinpointSinkStandIn;

  beforeAll(async () => {
    [dynamo, ses, pinpoint] = await Promise.all([startDynalite(), startSesLocal(), startPinpointSink()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.stop(), ses?.stop(), pinpoint?.stop()]);
  });

  it('serve DynamoDB, SES and Pinpoint on loopback ports only', () => {
    for (const endpoint of [dynamo.endpoint, ses.endpoint, pinpoint.endpoint]) {
      expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    }
  });

  it('creates the single table in dynalite', async () => {
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
  });

  it('keeps custom headers of a Simple SESv2 email in the readable store', async () => {
    const client = new SESv2Client(ses.clientConfig);
    const { MessageId } = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'from@example.com',
        Destination: { ToAddresses: ['to@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Hi' },
            Body: { Text: { Data: 'Hello' } },
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
      }),
    );
    const stored = (await ses.emails()).find((e) => e.messageId === MessageId);
    expect(stored?.headers).toEqual([{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }]);
  });

  it('answers Pinpoint SendMessages per address, scripted failures included, and a plain client retries a 429', async () => {
    const client = new PinpointClient({ ...pinpoint.clientConfig, maxAttempts: 3 });
    pinpoint.failAddress('bad-token', 'PERMANENT_FAILURE', 'Invalid token');
    pinpoint.throttleNext(1);
    const response = await client.send(
      new SendMessagesCommand({
        ApplicationId: 'app1',
        MessageRequest: {
          Addresses: { '+15555550100': { ChannelType: 'SMS' }, 'bad-token': { ChannelType: 'GCM' } },
          MessageConfiguration: {
            SMSMessage: { Body: 'Hi', MessageType: 'PROMOTIONAL' },
            GCMMessage: { Title: 'T', Body: 'B' },
          },
        },
      }),
    );
    const result = response.MessageResponse?.Result ?? {};
    expect(result['+15555550100']?.DeliveryStatus).toBe('SUCCESSFUL');
    expect(result['+15555550100']?.MessageId).toMatch(/^pinpoint-/);
    expect(result['bad-token']?.DeliveryStatus).toBe('PERMANENT_FAILURE');
    expect(pinpoint.requests.map((r) => r.httpStatus)).toEqual([429, 200]);
    expect(pinpoint.messages.find((m) => m.address === '+15555550100')?.smsMessageType).toBe('PROMOTIONAL');
  });
});
