/**
 * `PUT /products` end to end: the real catalog handler, the real BatchWriteItem adapter and SDK v3
 * client, dynalite. dynalite never answers with UnprocessedItems, so the "DynamoDB could not
 * process some items" case is a middleware on that same client which holds back part of a request
 * and reports it unprocessed — the response shape AWS documents for BatchWriteItem.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Product } from '../../engine/data.ts';
import { DynamoCatalog } from '../../functions/adapters/dynamo-catalog.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { createTables } from '../../functions/adapters/dynamo-table.ts';
import { createCatalogHandler } from '../../functions/handlers/catalog.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import { createCatalog } from '../../local/demo-data.ts';
import { type DynaliteStandIn, startDynalite } from '../../local/standins/dynalite.ts';
import { LOCAL_CLIENT_CONFIG } from '../../local/standins/net.ts';

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

/** What the client sent: the size of every BatchWriteItem request. */
interface Faults {
  /** Items to hold back (report unprocessed) per call, in call order; later calls pass through. */
  holdBack: number[];
  sizes: number[];
}

/** A real client to dynalite that can answer like a throttled table: part of a batch unprocessed. */
function faultyClient(dynamo: DynaliteStandIn, faults: Faults): DynamoDBClient {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      const input = args.input as { RequestItems: Record<string, WriteRequest[]> };
      const [table, requests] = Object.entries(input.RequestItems)[0] as [string, WriteRequest[]];
      faults.sizes.push(requests.length);
      const held = Math.min(faults.holdBack.shift() ?? 0, requests.length);
      const sent = requests.slice(0, requests.length - held);
      const rest = requests.slice(requests.length - held);
      if (sent.length === 0)
        return { output: { UnprocessedItems: { [table]: rest }, $metadata: {} } } as never;
      const result = await next({ ...args, input: { ...input, RequestItems: { [table]: sent } } });
      if (rest.length > 0)
        (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = { [table]: rest };
      return result;
    },
    { step: 'initialize', name: 'holdBackItems', priority: 'low' },
  );
  return client;
}

function put(body: unknown) {
  return {
    version: '2.0',
    routeKey: 'PUT /products',
    rawPath: '/products',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      http: {
        method: 'PUT',
        path: '/products',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const answer = (response: unknown) => {
  const { statusCode, body } = response as { statusCode: number; body: string };
  return { statusCode, body: JSON.parse(body) as Record<string, unknown> };
};

const product = (i: number): Product => ({
  id: `sku-${String(i).padStart(3, '0')}`,
  name: `Product ${i}`,
  names: { en: `Product ${i}`, ar: `منتج ${i}` },
  price: i,
  currency: 'EUR',
  imageUrl: `https://shop.test/img/${i}.jpg`,
  url: `https://shop.test/p/${i}`,
  ...(i % 2 === 0 ? { replenishmentDays: 30 } : {}),
});

describe('PUT /products against dynalite', () => {
  let dynamo: DynaliteStandIn;
  let faults: Faults;
  let sleeps: number[];
  let client: DynamoDBClient;
  let table = 0;
  let tableName: string;

  const handler = () =>
    createCatalogHandler({
      catalog: new DynamoCatalog({
        client,
        tableName,
        backoff: { retries: 3, baseMs: 50, maxMs: 1_000 },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 1,
      }),
      logger: createLogger('catalog', { logLevel: 'SILENT' }),
      metrics: createMetrics('catalog', { silent: true }),
    });

  const items = async () => {
    const { Items } = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    return (Items ?? []).sort((a, b) => String(a.pk?.S).localeCompare(String(b.pk?.S)));
  };

  beforeAll(async () => {
    dynamo = await startDynalite({ createTable: false });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });
  beforeEach(async () => {
    tableName = `catalog-${++table}`;
    await createTables(dynamo.client, tableName);
    faults = { holdBack: [], sizes: [] };
    sleeps = [];
    client?.destroy();
    client = faultyClient(dynamo, faults);
  });

  it('writes the demo catalog and answers 200 with the counts', async () => {
    const catalog = createCatalog();
    const response = answer(await handler()(put({ products: catalog })));
    expect(response).toEqual({
      statusCode: 200,
      body: { received: 12, written: 12, requests: 1, replenishable: 9 },
    });
    const store = new DynamoStore({ client: dynamo.client, tableName });
    for (const p of catalog) expect(await store.getProduct(p.id)).toEqual(p);
  });

  it('leaves the same table when the same body is sent twice', async () => {
    const body = { products: [product(1), product(2), product(3)] };
    await handler()(put(body));
    const once = await items();
    const again = answer(await handler()(put(body)));
    expect(again.statusCode).toBe(200);
    expect(await items()).toEqual(once);
    expect(once).toHaveLength(3);
  });

  it('replaces a product whole when it is sent again with changes', async () => {
    await handler()(put({ products: [product(2)] }));
    const { replenishmentDays: _dropped, ...changed } = { ...product(2), price: 99 };
    await handler()(put({ products: [changed] }));
    const store = new DynamoStore({ client: dynamo.client, tableName });
    expect(await store.getProduct('sku-002')).toEqual(changed);
  });

  it('answers 400 with every problem and writes nothing when any product is invalid', async () => {
    const bad = { ...product(2), price: -1, currency: 'euro' } as Record<string, unknown>;
    delete bad.url;
    const response = answer(await handler()(put({ products: [product(1), bad, product(1)] })));
    expect(response.statusCode).toBe(400);
    const problems = response.body.problems as { path: string; code: string }[];
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['/products/1/url', 'invalid'],
      ['/products/1/price', 'invalid'],
      ['/products/1/currency', 'invalid'],
      ['/products/2/id', 'duplicate_id'],
    ]);
    expect(await items()).toEqual([]);
    expect(faults.sizes).toEqual([]);
  });

  it.each([
    ['not JSON', '{"products": [', 'not_json'],
    ['a bare array', JSON.stringify([product(1)]), 'not_object'],
    ['empty', JSON.stringify({ products: [] }), 'invalid'],
    [
      'over the size limit',
      JSON.stringify({ products: [product(1)], pad: 'x'.repeat(1_100_000) }),
      'too_large',
    ],
  ])('answers 400 for a body that is %s', async (_name, body, code) => {
    const response = answer(await handler()(put(body)));
    expect(response.statusCode).toBe(400);
    expect(response.body.problems).toContainEqual(expect.objectContaining({ code }));
    expect(await items()).toEqual([]);
  });

  it('sends at most 25 products per BatchWriteItem request', async () => {
    const products = Array.from({ length: 60 }, (_, i) => product(i));
    const response = answer(await handler()(put({ products })));
    expect(response.body).toMatchObject({ received: 60, written: 60, requests: 3 });
    expect(faults.sizes).toEqual([25, 25, 10]);
    expect(await items()).toHaveLength(60);
  });

  it('sends unprocessed items again, after a growing backoff, until all are written', async () => {
    faults.holdBack = [10, 4, 1];
    const products = Array.from({ length: 20 }, (_, i) => product(i));
    const response = answer(await handler()(put({ products })));
    expect(response.body).toMatchObject({ written: 20, requests: 4 });
    expect(faults.sizes).toEqual([20, 10, 4, 1]);
    expect(sleeps).toEqual([50, 100, 200]);
    expect((await items()).map((i) => i.pk?.S)).toEqual(products.map((p) => `PRODUCT#${p.id}`));
  });

  it('answers 503 with what is left when items stay unprocessed, and the same request then finishes', async () => {
    faults.holdBack = [5, 5, 5, 5];
    const products = Array.from({ length: 30 }, (_, i) => product(i));
    const first = answer(await handler()(put({ products })));
    expect(first).toMatchObject({ statusCode: 503, body: { written: 20, remaining: 10 } });
    expect(faults.sizes).toEqual([25, 5, 5, 5]);
    expect(await items()).toHaveLength(20);

    const again = answer(await handler()(put({ products })));
    expect(again).toMatchObject({ statusCode: 200, body: { written: 30 } });
    expect(await items()).toHaveLength(30);
  });
});
