/**
 * The end-to-end baseline: dynalite's raw PutItem and GetItem rates through the real SDK v3
 * client, with items the size of a customer profile (~1 KB): against local/standins' dynalite on
 * a loopback port, and — when LOCAL's in-process transport exists (local/inprocess-dynalite.ts,
 * what the demo itself uses) — through that too. Runs in its own process, beside each demo run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynaliteStandIn, startDynalite } from '../local/standins/index.ts';
import { peakRssMiB, rateAsync } from './lib/stats.ts';

export interface TransportRates {
  putPerSecond: number;
  getPerSecond: number;
  /** One request in flight at a time, for reference. */
  sequentialPutPerSecond: number;
  sequentialGetPerSecond: number;
}

export interface DynaliteResult extends TransportRates {
  items: number;
  concurrency: number;
  /** Through LOCAL's in-process transport (no socket), when it exists. */
  inProcess?: TransportRates;
  peakRssMiB: number;
}

const payload = 'x'.repeat(900);
const CONCURRENCY = 8;
const IN_PROCESS = new URL('../local/inprocess-dynalite.ts', import.meta.url);

async function measure(dynamo: DynaliteStandIn, items: number): Promise<TransportRates> {
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
    // Warm the client, the connection pool and dynalite's storage.
    await rateAsync(put('warm'), 200, CONCURRENCY);
    await rateAsync(get, 200, CONCURRENCY);
    const putPerSecond = await rateAsync(put('a'), items, CONCURRENCY);
    const getPerSecond = await rateAsync(get, items, CONCURRENCY);
    const sequentialPutPerSecond = await rateAsync(put('b'), Math.floor(items / 3), 1);
    const sequentialGetPerSecond = await rateAsync(get, Math.floor(items / 3), 1);
    return { putPerSecond, getPerSecond, sequentialPutPerSecond, sequentialGetPerSecond };
  } finally {
    await dynamo.stop();
  }
}

export async function run(options: { quick?: boolean } = {}): Promise<DynaliteResult> {
  const items = options.quick ? 1000 : 3000;
  const loopback = await measure(await startDynalite(), items);
  let inProcess: TransportRates | undefined;
  if (existsSync(fileURLToPath(IN_PROCESS))) {
    const mod = (await import(IN_PROCESS.href)) as {
      startInProcessDynalite?: () => Promise<DynaliteStandIn>;
    };
    if (typeof mod.startInProcessDynalite === 'function')
      inProcess = await measure(await mod.startInProcessDynalite(), items);
  }
  return {
    items,
    concurrency: CONCURRENCY,
    ...loopback,
    ...(inProcess ? { inProcess } : {}),
    peakRssMiB: peakRssMiB(),
  };
}
