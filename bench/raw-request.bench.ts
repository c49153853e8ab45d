/**
 * The raw cost of one DynamoDB request on the demo's own transport: the real SDK v3 client, and
 * lib-dynamodb's document client as the adapters hold it (functions/adapters/dynamo-ops.ts
 * `DynamoTable`), over in-process dynalite (local/inprocess-dynalite.ts). PutItem and strongly
 * consistent GetItem of a ~1 KB item (a customer profile's size), after a warm-up; wall rate and
 * CPU per request (process.cpuUsage: this thread, dynalite's work included, since it runs here).
 *
 * bench/npm-start.bench.ts runs this in a child process beside each `npm start` round
 * (bench/lib/spawn.ts), and prices the demo's requests with it.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoTable } from '../functions/adapters/dynamo-ops.ts';
import { startInProcessDynalite } from '../local/inprocess-dynalite.ts';
import { rateAsync } from './lib/stats.ts';

export interface RawCase {
  client: 'raw' | 'document';
  operation: 'PutItem' | 'GetItem';
  requests: number;
  perSecond: number;
  cpuMsPerRequest: number;
}

export interface RawRequestResult {
  /** Timed requests per case, after `warmUp` untimed ones. */
  requests: number;
  warmUp: number;
  /** Requests in flight at once (as bench/dynalite.bench.ts). */
  concurrency: number;
  cases: RawCase[];
  /** The document client's PutItem and GetItem together (what the adapters send): the baseline. */
  baseline: { perSecond: number; cpuMsPerRequest: number };
}

const CONCURRENCY = 8;
const PAYLOAD = 'x'.repeat(900);

export async function run(options: { requests?: number; warmUp?: number } = {}): Promise<RawRequestResult> {
  const requests = options.requests ?? 2000;
  const warmUp = options.warmUp ?? 1000;
  const dynamo = await startInProcessDynalite();
  const { client, tableName } = dynamo;
  const table = new DynamoTable(client, tableName);
  const pk = (i: number) => `customer#${i % requests}`;
  const ops: Record<`${RawCase['client']} ${RawCase['operation']}`, (i: number) => Promise<unknown>> = {
    'raw PutItem': (i) =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: pk(i) }, sk: { S: 'raw' }, data: { S: PAYLOAD }, version: { N: String(i) } },
        }),
      ),
    'raw GetItem': (i) =>
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: pk(i) }, sk: { S: 'raw' } },
          ConsistentRead: true,
        }),
      ),
    'document PutItem': (i) => table.put({ pk: pk(i), sk: 'document', data: PAYLOAD, version: i }),
    'document GetItem': (i) => table.get(pk(i), 'document'),
  };
  try {
    // Every case warmed before any is timed: the SDK's and dynalite's code paths are mostly shared.
    for (const op of Object.values(ops)) await rateAsync(op, warmUp, CONCURRENCY);
    const cases: RawCase[] = [];
    for (const [name, op] of Object.entries(ops)) {
      const cpu0 = process.cpuUsage();
      const perSecond = await rateAsync(op, requests, CONCURRENCY);
      const cpu = process.cpuUsage(cpu0);
      const [clientName, operation] = name.split(' ') as [RawCase['client'], RawCase['operation']];
      cases.push({
        client: clientName,
        operation,
        requests,
        perSecond,
        cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
      });
    }
    const document = cases.filter((c) => c.client === 'document');
    const seconds = document.reduce((s, c) => s + c.requests / c.perSecond, 0);
    const cpuMs = document.reduce((s, c) => s + c.requests * c.cpuMsPerRequest, 0);
    const count = document.reduce((n, c) => n + c.requests, 0);
    return {
      requests,
      warmUp,
      concurrency: CONCURRENCY,
      cases,
      baseline: { perSecond: count / seconds, cpuMsPerRequest: cpuMs / count },
    };
  } finally {
    await dynamo.stop();
  }
}
