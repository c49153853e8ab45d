/**
 * In-process DynamoDB (dynalite) on a loopback port. It lacks transactions and TTL, which is why the
 * store uses conditional single-item writes and merely sets `expiresAt` for AWS to act on.
 */
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTables, DEFAULT_TABLE_NAME } from '../../functions/adapters/dynamo-table.ts';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK, listen } from './net.ts';

export { createTables };

export interface DynaliteStandIn {
  endpoint: string;
  tableName: string;
  /** A DynamoDB client pointed at this stand-in, with fake credentials. */
  client: DynamoDBClient;
  /** The requests served so far, by operation (`PutItem`, …): the in-process transport counts them. */
  requestCounts?(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startDynalite(
  options: { port?: number; tableName?: string; createTable?: boolean } = {},
): Promise<DynaliteStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const port = await listen(server, options.port);
  const endpoint = `http://${LOOPBACK}:${port}`;
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  if (options.createTable !== false) await createTables(client, tableName);
  return {
    endpoint,
    tableName,
    client,
    async stop() {
      client.destroy();
      await close(server);
    },
  };
}
