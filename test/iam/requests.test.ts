/**
 * The request AWS authorizes for each call (test/iam/support/requests.ts), entry by entry, as the
 * Service Authorization Reference and the services' authorization pages describe it.
 */
import { describe, expect, it } from 'vitest';
import type { AwsCall } from '../../local/aws-calls.ts';
import { authorizedRequests, type Deployment, UnmappedCallError } from './support/requests.ts';

const world: Deployment = {
  partition: 'aws',
  region: 'eu-west-1',
  account: '123456789012',
  partitionKey: 'pk',
  sesIdentities: ['example.com'],
};
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/herald';
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:herald-welcome';

const call = (client: string, operation: string, input: Record<string, unknown>): AwsCall => ({
  fn: 'ingest',
  client,
  operation,
  input,
});
const requests = (c: AwsCall) =>
  authorizedRequests(c, world).map(({ action, resource, context }) => ({ action, resource, context }));

describe('what AWS authorizes for a DynamoDB call', () => {
  it('authorizes an item read on the table ARN with the partition key as dynamodb:LeadingKeys', () => {
    expect(
      requests(
        call('DynamoDBClient', 'GetItem', {
          TableName: 'herald',
          Key: { pk: { S: 'C#c1' }, sk: { S: 'PROFILE' } },
        }),
      ),
    ).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['C#c1'] } },
    ]);
  });

  it('reads the partition key of a put from the item, marshalled or not', () => {
    expect(
      requests(call('DynamoDBClient', 'PutItem', { TableName: 'herald', Item: { pk: 'MSG#m1', sk: 'MSG' } })),
    ).toEqual([
      { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['MSG#m1'] } },
    ]);
  });

  it('reads the partition key of a query from its key condition, through attribute names', () => {
    const query = call('DynamoDBClient', 'Query', {
      TableName: 'herald',
      KeyConditionExpression: '#p = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeNames: { '#p': 'pk' },
      ExpressionAttributeValues: { ':pk': { S: 'C#c1' }, ':prefix': { S: 'EVENT#' } },
    });
    expect(requests(query)).toEqual([
      { action: 'dynamodb:Query', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['C#c1'] } },
    ]);
  });

  it('authorizes a batch write item by item, under BatchWriteItem', () => {
    const batch = call('DynamoDBClient', 'BatchWriteItem', {
      RequestItems: {
        herald: [
          { PutRequest: { Item: { pk: { S: 'PRODUCT#p1' } } } },
          { DeleteRequest: { Key: { pk: { S: 'PRODUCT#p2' } } } },
        ],
      },
    });
    expect(requests(batch).map((r) => [r.action, r.context['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:BatchWriteItem', ['PRODUCT#p1']],
      ['dynamodb:BatchWriteItem', ['PRODUCT#p2']],
    ]);
  });

  it('authorizes a batch read item by item, under BatchGetItem', () => {
    const batch = call('DynamoDBClient', 'BatchGetItem', {
      RequestItems: { herald: { Keys: [{ pk: { S: 'PRODUCT#p1' } }, { pk: { S: 'PRODUCT#p2' } }] } },
    });
    expect(requests(batch).map((r) => [r.action, r.context['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:BatchGetItem', ['PRODUCT#p1']],
      ['dynamodb:BatchGetItem', ['PRODUCT#p2']],
    ]);
  });

  it('authorizes the items of a transaction under their own actions, with the enclosing operation', () => {
    const transaction = call('DynamoDBClient', 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'herald', Item: { pk: { S: 'C#c1' } } } },
        { ConditionCheck: { TableName: 'herald', Key: { pk: { S: 'C#c1' } } } },
      ],
    });
    expect(requests(transaction)).toEqual([
      {
        action: 'dynamodb:PutItem',
        resource: TABLE,
        context: { 'dynamodb:LeadingKeys': ['C#c1'], 'dynamodb:EnclosingOperation': 'TransactWriteItems' },
      },
      {
        action: 'dynamodb:ConditionCheckItem',
        resource: TABLE,
        context: { 'dynamodb:LeadingKeys': ['C#c1'], 'dynamodb:EnclosingOperation': 'TransactWriteItems' },
      },
    ]);
  });
});

describe('what AWS authorizes for a Step Functions call', () => {
  it('authorizes a start through an alias on the unqualified state machine ARN, with the alias as qualifier', () => {
    expect(
      requests(call('SFNClient', 'StartExecution', { stateMachineArn: `${MACHINE}:live`, name: 'e1' })),
    ).toEqual([
      {
        action: 'states:StartExecution',
        resource: MACHINE,
        context: { 'states:StateMachineQualifier': ['live'] },
      },
    ]);
  });

  it('authorizes a start on a version the same way, the version number as qualifier', () => {
    expect(
      requests(call('SFNClient', 'StartExecution', { stateMachineArn: `${MACHINE}:3` }))[0]?.context,
    ).toEqual({
      'states:StateMachineQualifier': ['3'],
    });
  });

  it('gives an unqualified start no qualifier', () => {
    expect(requests(call('SFNClient', 'StartExecution', { stateMachineArn: MACHINE }))[0]?.context).toEqual(
      {},
    );
  });

  it('authorizes a stop on the execution ARN', () => {
    const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:herald-welcome:e1';
    expect(requests(call('SFNClient', 'StopExecution', { executionArn }))).toEqual([
      { action: 'states:StopExecution', resource: executionArn, context: {} },
    ]);
  });

  it.each(['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'])(
    'authorizes %s on "*" (no resource type)',
    (operation) => {
      expect(requests(call('SFNClient', operation, { taskToken: 't' }))).toEqual([
        { action: `states:${operation}`, resource: '*', context: {} },
      ]);
    },
  );
});

describe('what AWS authorizes for a send', () => {
  it('authorizes SendEmail on the From address’s identity and on the configuration set', () => {
    const send = call('SESv2Client', 'SendEmail', {
      FromEmailAddress: 'Herald <news@example.com>',
      ConfigurationSetName: 'herald',
    });
    expect(requests(send).map((r) => r.resource)).toEqual([
      'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
      'arn:aws:ses:eu-west-1:123456789012:configuration-set/herald',
    ]);
  });

  it('authorizes SendMessages on the app’s messages resource', () => {
    expect(requests(call('PinpointClient', 'SendMessages', { ApplicationId: 'app1' }))).toEqual([
      {
        action: 'mobiletargeting:SendMessages',
        resource: 'arn:aws:mobiletargeting:eu-west-1:123456789012:apps/app1/messages',
        context: {},
      },
    ]);
  });

  it('authorizes GetSecretValue on the secret’s full ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf';
    expect(requests(call('SecretsManagerClient', 'GetSecretValue', { SecretId: arn }))[0]?.resource).toBe(
      arn,
    );
  });
});

describe('a call nobody mapped', () => {
  it('fails, naming the function and the operation', () => {
    expect(() =>
      authorizedRequests(
        { ...call('DynamoDBClient', 'CreateTable', { TableName: 'herald' }), fn: 'catalog' },
        world,
      ),
    ).toThrow(
      new UnmappedCallError(
        'catalog calls DynamoDBClient.CreateTable, which test/iam/support/requests.ts does not map to what AWS authorizes: add it, citing the Service Authorization Reference',
      ),
    );
  });

  it('fails for a client of a service nobody mapped', () => {
    expect(() => authorizedRequests(call('KinesisClient', 'PutRecord', {}), world)).toThrow(
      /ingest calls KinesisClient.PutRecord/,
    );
  });
});
