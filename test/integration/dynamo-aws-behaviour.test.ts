/**
 * What AWS DynamoDB enforces and does that the store relies on, checked on dynalite and on DynamoDB
 * Local, and where the two differ (docs/local.md, "DynamoDB Local" lists each difference with the
 * AWS documentation behind it).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES } from '../../engine/data.ts';
import type { CapEntry } from '../../engine/policy/caps.ts';
import { claim } from '../../engine/send-protocol.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import type { DynaliteStandIn } from '../../local/standins/index.ts';
import { DYNAMO_BACKENDS, DYNAMODB_LOCAL } from '../helpers/dynamo-backends.ts';
import { cartEvent } from './support/harness.ts';

const S = (value: string) => ({ S: value });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each backend answers where they differ; AWS answers as DynamoDB Local does. */
const differs = {
  returnsItemOnConditionFailure: { dynalite: false, 'DynamoDB Local': true },
  transactions: { dynalite: false, 'DynamoDB Local': true },
  timeToLive: { dynalite: false, 'DynamoDB Local': true },
} as const;

async function supported(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    // dynalite answers operations it does not implement with UnknownOperationException.
    if ((error as Error).name === 'UnknownOperationException') return false;
    throw error;
  }
}

describe.each(DYNAMO_BACKENDS)('DynamoDB as the store relies on it ($name)', (backend) => {
  let dynamo: DynaliteStandIn;
  beforeAll(async () => {
    dynamo = await backend.start();
  });
  afterAll(async () => dynamo?.stop());

  const put = (item: Record<string, { S: string }>) =>
    dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: item }));

  it('refuses an item over 400 KB; an event of the largest size ingest accepts is stored', async () => {
    await expect(put({ pk: S('big'), sk: S('big'), data: S('x'.repeat(400 * 1024)) })).rejects.toThrow(
      /Item size has exceeded the maximum allowed size/,
    );
    const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    const event = cartEvent('c-big', 'e-big');
    const padding = MAX_EVENT_BYTES - Buffer.byteLength(JSON.stringify(event)) - 20;
    const largest = { ...event, properties: { ...event.properties, note: 'x'.repeat(padding) } };
    expect(Buffer.byteLength(JSON.stringify(largest))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    await expect(store.putEvent(largest, new Date())).resolves.toEqual({ inserted: true, processed: false });
  });

  it('refuses a sort key over 1,024 bytes; the longest step key the store writes fits', async () => {
    await expect(put({ pk: S('k'), sk: S('x'.repeat(1025)) })).rejects.toThrow(/1024|range key/i);
    const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    // Longest ids the schemas allow: customer 128, execution ARN with 80-character names, step 64.
    const arn = `arn:aws:states:ap-southeast-2:123456789012:execution:${'m'.repeat(80)}:${'e'.repeat(80)}`;
    const now = new Date();
    const written = await store.transitionStep(
      'c'.repeat(128),
      `${arn}#${'s'.repeat(64)}`,
      claim({ nowMs: now.getTime(), token: 't', timing: { leaseMs: 60_000, reopenDoneAfterMs: 60_000 } }),
      now,
    );
    expect(written.applied).toBe(true);
  });

  it(`${differs.returnsItemOnConditionFailure[backend.name] ? 'returns' : 'does not return'} the item with a failed condition (ReturnValuesOnConditionCheckFailure)`, async () => {
    await put({ pk: S('cond'), sk: S('cond'), holder: S('first') });
    const error = await dynamo.client
      .send(
        new PutItemCommand({
          TableName: dynamo.tableName,
          Item: { pk: S('cond'), sk: S('cond'), holder: S('second') },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    const item = (error as ConditionalCheckFailedException).Item;
    if (differs.returnsItemOnConditionFailure[backend.name]) expect(item?.holder).toEqual(S('first'));
    else expect(item).toBeUndefined();
  });

  it(`${differs.transactions[backend.name] ? 'runs' : 'has no'} TransactWriteItems and ${differs.timeToLive[backend.name] ? 'runs' : 'has no'} UpdateTimeToLive`, async () => {
    const transact = () =>
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: dynamo.tableName, Item: { pk: S('tx'), sk: S('tx') } } }],
        }),
      );
    const ttl = () =>
      dynamo.client.send(
        new UpdateTimeToLiveCommand({
          TableName: dynamo.tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
        }),
      );
    expect(await supported(transact)).toBe(differs.transactions[backend.name]);
    expect(await supported(ttl)).toBe(differs.timeToLive[backend.name]);
  });
});

describe('TTL as AWS runs it (DynamoDB Local deletes expired items by the real clock)', () => {
  let dynamo: DynaliteStandIn;
  let store: DynamoStore;
  const now = Date.now();
  const DAY = 86_400_000;
  const expired = { N: String(Math.floor((now - DAY) / 1000)) };
  const gone = { pk: S('gone'), sk: S('gone') };
  const sent: CapEntry = {
    key: 'exec#send',
    at: new Date(now - 40 * DAY).toISOString(),
    channel: 'email',
    category: 'marketing',
    priority: 50,
    journeyId: 'promo',
  };

  const getItem = async (key: { pk: { S: string }; sk: { S: string } }) =>
    (
      await dynamo.client.send(
        new GetItemCommand({ TableName: dynamo.tableName, Key: key, ConsistentRead: true }),
      )
    ).Item;

  /** Resolves once DynamoDB Local's TTL sweeper has twice deleted an expired item written after the others. */
  async function twoSweeps(): Promise<void> {
    for (const name of ['sweep-1', 'sweep-2']) {
      const key = { pk: S(name), sk: S(name) };
      await dynamo.client.send(
        new PutItemCommand({ TableName: dynamo.tableName, Item: { ...key, expiresAt: expired } }),
      );
      // Bounded: DynamoDB Local sweeps every few seconds.
      for (let poll = 0; (await getItem(key)) !== undefined; poll++) {
        if (poll > 240) throw new Error('DynamoDB Local deleted no expired item within a minute');
        await sleep(250);
      }
    }
  }

  beforeAll(async () => {
    dynamo = await DYNAMODB_LOCAL.start();
    store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    await dynamo.client.send(
      new UpdateTimeToLiveCommand({
        TableName: dynamo.tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    await store.reserveCap('c-old-send', () => ({ entries: [sent], result: undefined }));
    await dynamo.client.send(
      new PutItemCommand({ TableName: dynamo.tableName, Item: { ...gone, expiresAt: expired } }),
    );
    await twoSweeps();
  }, 150_000);
  afterAll(async () => dynamo?.stop());

  it('deletes expired items, which is why local tables keep TTL off under simulated clocks', async () => {
    expect(await getItem(gone)).toBeUndefined();
  });

  it('keeps a cap window whose newest send is 40 days old: a P60D cap still counts it', async () => {
    const counted = await store.reserveCap('c-old-send', (entries) => ({ result: entries }));
    expect(counted).toEqual([sent]);
  });
});
