/**
 * The end-to-end baseline: dynalite's raw PutItem and GetItem rates through the real SDK v3
 * client, against the same in-process stand-in the demo uses (local/standins), with items the
 * size of a customer profile (~1 KB). Runs in its own process, beside each demo run.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '../local/standins/index.ts';
import { peakRssMiB, rateAsync } from './lib/stats.ts';

export interface DynaliteResult {
  items: number;
  concurrency: number;
  putPerSecond: number;
  getPerSecond: number;
  /** Sequential (one request in flight), for reference. */
  sequentialPutPerSecond: number;
  sequentialGetPerSecond: number;
  peakRssMiB: number;
}

const payload = 'x'.repeat(900);

export async function run(options: { quick?: boolean } = {}): Promise<DynaliteResult> {
  const items = options.quick ? 1000 : 3000;
  const concurrency = 8;
  const dynamo = await startDynalite();
  const { client, tableName } = dynamo;
  const key = (i: number) => ({ pk: { S: `customer#${i}` }, sk: { S: 'profile' } });
  const put = (prefix: string) => (i: number) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...key(i), data: { S: `${prefix}${payload}` }, version: { N: String(i) } },
      }),
    );
  const get = (i: number) =>
    client.send(new GetItemCommand({ TableName: tableName, Key: key(i % items), ConsistentRead: true }));
  try {
    // Warm the client, the connection pool and dynalite's LevelDB.
    await rateAsync(put('warm'), 200, concurrency);
    await rateAsync(get, 200, concurrency);
    const putPerSecond = await rateAsync(put('a'), items, concurrency);
    const getPerSecond = await rateAsync(get, items, concurrency);
    const sequentialPutPerSecond = await rateAsync(put('b'), Math.floor(items / 3), 1);
    const sequentialGetPerSecond = await rateAsync(get, Math.floor(items / 3), 1);
    return {
      items,
      concurrency,
      putPerSecond,
      getPerSecond,
      sequentialPutPerSecond,
      sequentialGetPerSecond,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await dynamo.stop();
  }
}
