/**
 * A DynamoDB that someone else runs on loopback (DynamoDB Local, started by the tests), with a
 * fresh table of the deployed shape: several suites and shards share one server, never a table.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, DEFAULT_TABLE_NAME } from '../../functions/adapters/dynamo-table.ts';
import type { DynaliteStandIn } from './dynalite.ts';
import { LOCAL_CLIENT_CONFIG } from './net.ts';

export async function connectDynamoEndpoint(options: {
  endpoint: string;
  tableName?: string;
}): Promise<DynaliteStandIn> {
  const tableName = options.tableName ?? `${DEFAULT_TABLE_NAME}-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint: options.endpoint });
  await createTables(client, tableName);
  return {
    endpoint: options.endpoint,
    tableName,
    client,
    async stop() {
      // The server outlives this suite: leave it as we found it.
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}
