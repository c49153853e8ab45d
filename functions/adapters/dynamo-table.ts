/**
 * The single DynamoDB table: `pk`/`sk` strings, no GSIs (every lookup is by key), TTL on `expiresAt`
 * (epoch seconds). infra/ declares the same shape; `createTables` builds it on local stand-ins.
 *
 * Items (pk → sk):
 * - `C#<customer>` → `PROFILE` (profile, version, applied event ids), `EVENT#<event id>`,
 *   `ENROLL#<journey>#<enrollment id>`, `WAIT#<event type>#<execution>#<step>` (task tokens),
 *   `STEP#<execution>#<step>` (send idempotency claim), `CAPS` (recent sends, version),
 *   `LEDGER#<at>#<record id>` (one per decision, oldest first);
 * - `PRODUCT#<id>` → `PRODUCT`; `MSG#<provider message id>` → `MSG` (feedback attribution);
 *   `PHONE#<E.164>` → `PHONE` (inbound STOP attribution).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';

import type { Product } from '../../engine/data.ts';

export const DEFAULT_TABLE_NAME = 'herald';
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/** Every catalog item's partition key starts with this (IAM scopes the catalog writer to it). */
export const PRODUCT_KEY_PREFIX = 'PRODUCT#';

export function productKey(productId: string): { pk: string; sk: string } {
  return { pk: `${PRODUCT_KEY_PREFIX}${productId}`, sk: 'PRODUCT' };
}

/** The whole item: written as a full replacement, so loading the same catalog twice changes nothing. */
export function productItem(product: Product): Record<string, unknown> {
  return { ...productKey(product.id), product };
}

export async function createTables(client: DynamoDBClient, tableName = DEFAULT_TABLE_NAME): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // Bounded: dynalite with createTableMs 0 is ACTIVE at once; a real endpoint needs a few polls.
  for (let attempt = 0; attempt < 60; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
