/**
 * The demo's DynamoDB transport counts the requests it serves, by operation: the real SDK v3 client
 * and lib-dynamodb's document client (through the adapters' DynamoTable) over in-process dynalite.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../functions/adapters/dynamo-ops.ts';
import { startInProcessDynalite } from '../../local/inprocess-dynalite.ts';
import type { DynaliteStandIn } from '../../local/standins/index.ts';

describe('in-process dynalite request counts', () => {
  let dynamo: DynaliteStandIn;
  let atStart: Record<string, number>;

  beforeAll(async () => {
    dynamo = await startInProcessDynalite();
    atStart = dynamo.requestCounts?.() ?? {};
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('counts the requests that created the table', () => {
    expect(atStart.CreateTable).toBe(1);
    expect(atStart.DescribeTable).toBeGreaterThanOrEqual(1);
  });

  it('counts each request once, by the operation its X-Amz-Target names, raw and document client alike', async () => {
    const { client, tableName } = dynamo;
    const key = { pk: { S: 'customer#1' }, sk: { S: 'profile' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, n: { N: '1' } } }));
    await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    const table = new DynamoTable(client, tableName);
    await table.put({ pk: 'customer#2', sk: 'profile', n: 2 });
    await table.get('customer#2', 'profile');
    await table.get('customer#3', 'profile');
    // Refused by its condition: still a request dynalite served.
    expect(await table.putIfAbsent({ pk: 'customer#1', sk: 'profile' })).toBe(false);

    expect(dynamo.requestCounts?.()).toEqual({ ...atStart, PutItem: 3, GetItem: 3 });
  });
});
