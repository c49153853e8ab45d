/**
 * The single DynamoDB table: `pk`/`sk` strings, no GSIs (every lookup is by key), TTL on `expiresAt`
 * (epoch seconds). infra/ declares the same shape; `createTables` builds it on local stand-ins.
 *
 * Items (pk → sk):
 * - `C#<customer>` → `PROFILE` (profile, version, hashed ids of the events applied: dynamo-store.ts
 *   `appliedKey`), `EVENT#<event id>`, `ENROLL#<journey>#<enrollment id>`,
 *   `WAIT#<event type>#<execution>#<step>` (task tokens), `LEDGER#<at>#<record id>` (one per
 *   decision, oldest first; the record without its id: `ledgerItem`), `MESSAGE#<at>#<execution>#<step>`
 *   (what a sent message said, without the ids its keys hold), `CONV#<goal time>#<journey>#<run>#<event>`
 *   (a conversion: engine/attribution.ts; written by ingest, conditionally), `ENGAGED#<execution>#<step>#<opened|clicked>`
 *   (the first open / click of a run's send step's message, for engagement conditions: written by
 *   feedback, which may write this partition, read by the step function);
 * - `SEND#<customer>` → `STEP#<execution>#<step>` (send idempotency claim), `CAPS` (recent sends,
 *   version): the send protocol's state, written by the step function only;
 * - `PRODUCT#<id>` → `PRODUCT`; `MSG#<provider message id>` → `MSG` (feedback attribution);
 *   `PHONE#<E.164>` → `PHONE` (inbound STOP attribution);
 * - `JOURNEY#<journey id>` → `CONTROL` (pause / drain / stop, engine/journey-control.ts): data, not
 *   config, so it survives a deploy.
 *
 * Why the send state has a partition of its own: IAM can scope item access by partition key
 * (`dynamodb:LeadingKeys`) but has no condition key for the sort key ("Using IAM policy conditions
 * for fine-grained access control",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
 * Feedback and unsubscribe must write the profile; with claims and caps under `C#<customer>` they
 * could rewrite those too. One `SEND#` partition (rather than one for claims and one for caps):
 * both are written by the same function alone, so a second prefix would separate nothing IAM
 * grants, and the sort keys stay as they were. Key sizes: `SEND#` + a 128-character customer id is
 * far under the 2,048-byte partition key limit; the sort key (≤ 1,024 bytes) is unchanged
 * ("Partition key and sort key length", Service, account, and table quotas in Amazon DynamoDB,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html;
 * test/integration/dynamo-aws-behaviour.test.ts writes the longest).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';

import type { Product } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';

export const DEFAULT_TABLE_NAME = 'herald';
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/** A customer's own items: profile, events, enrollments, wait tokens, ledger. */
export const CUSTOMER_KEY_PREFIX = 'C#';
/** A customer's send protocol state: step claims and the cap window (the step function only). */
export const SEND_KEY_PREFIX = 'SEND#';

/** A customer's conversions (sort key prefix under `C#<customer>`). */
export const CONVERSION_SK_PREFIX = 'CONV#';

export const customerPartition = (customerId: string) => `${CUSTOMER_KEY_PREFIX}${customerId}`;
export const sendPartition = (customerId: string) => `${SEND_KEY_PREFIX}${customerId}`;

/** The idempotency claim of one step of one execution (`key` is `<execution>#<step>`). */
export function stepClaimKey(customerId: string, key: string): { pk: string; sk: string } {
  return { pk: sendPartition(customerId), sk: `STEP#${key}` };
}

/** The first open or click of the message one send step of one execution sent. */
export function engagementKey(
  customerId: string,
  executionId: string,
  stepId: string,
  kind: 'opened' | 'clicked',
): { pk: string; sk: string } {
  return { pk: customerPartition(customerId), sk: `${engagementPrefix(executionId, stepId)}${kind}` };
}

/** Step ids never contain `#`, so `send#` never matches the items of a step `send-x`. */
export const engagementPrefix = (executionId: string, stepId: string) => `ENGAGED#${executionId}#${stepId}#`;

/** The customer's cap window: recent sends across all journeys, versioned. */
export function capWindowKey(customerId: string): { pk: string; sk: string } {
  return { pk: sendPartition(customerId), sk: 'CAPS' };
}

export const LEDGER_SK_PREFIX = 'LEDGER#';

/** A ledger entry's sort key: its time, then its id (`LEDGER#<at>#<id>`). */
export const ledgerSk = (at: string, id: string) => `${LEDGER_SK_PREFIX}${at}#${id}`;

/**
 * A ledger item: `LEDGER#<at>#<id>` under the customer's (or the pseudonym's) partition, the record
 * without its id, which the sort key already holds. The id carries the execution ARN (about 160
 * bytes), and without the copy most sent-message entries fit one write unit: "1 WRU = a standard
 * write of up to 1 KB" (bench/prices.json, DynamoDB on-demand pricing).
 */
export function ledgerItem(pk: string, record: LedgerRecord, expiresAt?: number): Record<string, unknown> {
  const { id, ...rest } = record;
  return {
    pk,
    sk: ledgerSk(record.at, id),
    record: rest,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** The record of a ledger item, its id read back from the sort key (an item that kept it keeps it). */
export function ledgerRecordOf(item: Record<string, unknown>): LedgerRecord {
  const record = item.record as Omit<LedgerRecord, 'id'> & { id?: string };
  if (typeof record.id === 'string') return record as LedgerRecord;
  const id = String(item.sk).slice(`${LEDGER_SK_PREFIX}${record.at}#`.length);
  return { ...record, id } as LedgerRecord;
}

/** A journey's own items: its operator control (`CONTROL`), read by ingest and step, written by the control function. */
export const JOURNEY_KEY_PREFIX = 'JOURNEY#';

export function journeyControlKey(journeyId: string): { pk: string; sk: string } {
  return { pk: `${JOURNEY_KEY_PREFIX}${journeyId}`, sk: 'CONTROL' };
}

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
