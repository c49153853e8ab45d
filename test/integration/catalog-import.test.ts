/**
 * `herald catalog import` against dynalite, as an operator runs it against AWS: the real command,
 * the real SDK client built from the default credential chain (here: the environment variables it
 * reads first), only `--endpoint` pointing at the loopback stand-in. Then the reason it exists: an
 * order for an imported product enters the replenishment journey, and one for a product the
 * catalog lacks is recorded as `unknown_product`, without personal data in the log.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerCatalog } from '../../cli/commands/catalog.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { createTables } from '../../functions/adapters/dynamo-table.ts';
import { createCatalog } from '../../local/demo-data.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';
import { httpEvent, type Runtime, startRuntime } from './support/harness.ts';
import { referenceJourneys } from './support/journeys.ts';

const EMAIL = 'private.buyer@example.org';

/** The default credential chain reads the environment first; no profile, no instance metadata. */
function useLocalCredentials(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_PROFILE', '');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

describe('herald catalog import', () => {
  const sandbox = cliSandbox('herald-catalog-');
  let rt: Runtime;
  let table = 0;
  let tableName: string;

  const importFile = (file: string, ...extra: string[]) =>
    runCommand(
      registerCatalog,
      'catalog',
      'import',
      file,
      '--table',
      tableName,
      '--endpoint',
      rt.dynamo.endpoint,
      ...extra,
    );
  const items = async () => {
    const { Items } = await rt.dynamo.client.send(new ScanCommand({ TableName: tableName }));
    return (Items ?? []).sort((a, b) => String(a.pk?.S).localeCompare(String(b.pk?.S)));
  };

  beforeAll(async () => {
    rt = await startRuntime({ journeys: referenceJourneys(), now: '2025-06-02T12:00:00Z', logLevel: 'WARN' });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => {
    useLocalCredentials();
    tableName = `catalog-import-${++table}`;
    await createTables(rt.dynamo.client, tableName);
  });

  it('writes examples/products.csv, the demo catalog, and prints the counts', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await importFile('examples/products.csv');
    expect(process.exitCode ?? 0).toBe(0);
    expect(written(stdout)).toBe(
      `✓ wrote 12 products (9 with a replenishment cycle) to table ${tableName} in 1 BatchWriteItem request\n`,
    );
    const stored = (await items()).map((item) => item.pk?.S);
    expect(stored).toEqual(
      createCatalog()
        .map((p) => `PRODUCT#${p.id}`)
        .sort(),
    );
    const store = new DynamoStore({ client: rt.dynamo.client, tableName });
    for (const product of createCatalog()) expect(await store.getProduct(product.id)).toEqual(product);
  });

  it('leaves the same table when the same file is imported twice', async () => {
    vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await importFile('examples/products.csv');
    const once = await items();
    await importFile('examples/products.csv');
    expect(await items()).toEqual(once);
  });

  it('imports a JSON file: a bare array or the PUT /products body', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await importFile('examples/products.json', '--region', 'us-east-1');
    const body = join(sandbox.dir, 'body.json');
    await writeFile(body, JSON.stringify({ products: createCatalog().slice(0, 2) }));
    await importFile(body);
    expect(written(stdout)).toContain('✓ wrote 3 products (2 with a replenishment cycle)');
    expect(written(stdout)).toContain('✓ wrote 2 products (2 with a replenishment cycle)');
    expect(await items()).toHaveLength(5);
  });

  it('prints every problem with file, line and column, exits 1 and writes nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const file = join(sandbox.dir, 'products.csv');
    await writeFile(
      file,
      [
        'id,name,name.ar,price,currency,imageUrl,url,replenishmentDays',
        'tea,Tea,شاي,4.5,EUR,https://shop.test/tea.jpg,https://shop.test/tea,21',
        'mug,Mug,,cheap,EUR,https://shop.test/mug.jpg,https://shop.test/mug,',
        'tea,Tea again,,4,eur,shop.test/tea.jpg,https://shop.test/tea,0',
        '',
      ].join('\n'),
    );
    await importFile(file);
    expect(process.exitCode).toBe(1);
    expect(written(stderr).split('\n')).toEqual([
      `${file}:3 (row 2, column price): must be number`,
      `${file}:4 (row 3, column currency): must be a three-letter ISO 4217 code in capitals, e.g. EUR`,
      `${file}:4 (row 3, column imageUrl): must be an http:// or https:// URL`,
      `${file}:4 (row 3, column replenishmentDays): must be >= 1`,
      `${file}:4 (row 3, column id): this id is already used in row 1`,
      `✗ 5 problems in ${file}; nothing was written`,
      '',
    ]);
    expect(await items()).toEqual([]);
  });

  it('names the line and field of each problem in a JSON file', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const file = join(sandbox.dir, 'products.json');
    const [first] = createCatalog();
    await writeFile(
      file,
      `[\n${JSON.stringify(first)},\n${JSON.stringify({ ...first, id: 'other', price: -1, colour: 'red' })}\n]\n`,
    );
    await importFile(file);
    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain(`${file}:3 (product 1, field /colour): is not a product field`);
    expect(written(stderr)).toContain(`${file}:3 (product 1, field /price): must be >= 0`);
    expect(await items()).toEqual([]);
  });

  it('refuses a column it does not know before reading any row', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const file = join(sandbox.dir, 'products.csv');
    await writeFile(file, 'id,name,colour\nx,X,red\n');
    await importFile(file);
    expect(written(stderr)).toContain(`${file}:1 (column colour): "colour" is not a catalog column`);
    expect(await items()).toEqual([]);
  });

  it('validates without writing on --dry-run', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await importFile('examples/products.csv', '--dry-run');
    expect(written(stdout)).toContain(
      '12 products (9 with a replenishment cycle) are valid; nothing written',
    );
    expect(await items()).toEqual([]);
  });
});

describe('orders once the catalog is imported', () => {
  let rt: Runtime;
  const logs: string[] = [];

  beforeAll(async () => {
    rt = await startRuntime({ journeys: referenceJourneys(), now: '2025-06-02T12:00:00Z', logLevel: 'WARN' });
    useLocalCredentials();
    const capture = (chunk: unknown) => {
      logs.push(String(chunk));
      return true;
    };
    // Powertools writes WARN and ERROR to stderr, the rest to stdout.
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logs.push(args.map(String).join(' '));
      });
    }
    await runCommand(
      registerCatalog,
      'catalog',
      'import',
      'examples/products.csv',
      '--table',
      rt.dynamo.tableName,
      '--endpoint',
      rt.dynamo.endpoint,
    );
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await rt?.stop();
  });

  const order = (id: string, productIds: string[]): CustomerEvent => ({
    id,
    type: 'order_placed',
    customerId: 'c-imported',
    time: '2025-06-02T11:00:00Z',
    properties: {
      orderId: `o-${id}`,
      items: productIds.map((productId) => ({ productId, quantity: 1 })),
      total: 30,
      currency: 'USD',
    },
  });
  const post = (event: CustomerEvent) => httpEvent('POST', { body: JSON.stringify(event) });

  it('starts a replenishment run for an imported product and records the unknown one with its id', async () => {
    await rt.ingest(
      post({
        id: 'signup-imported',
        type: 'signed_up',
        customerId: 'c-imported',
        time: '2025-06-02T10:00:00Z',
        properties: { profile: { email: EMAIL, consent: { email: true } } },
      }),
    );
    const response = await rt.ingest(post(order('order-imported-1', ['coffee-beans', 'espresso-machine'])));
    const body = JSON.parse((response as { body: string }).body);

    expect(body).toMatchObject({ accepted: true, started: 1 });
    expect(body.skipped).toEqual([
      { journeyId: 'replenishment-reminder', reason: 'unknown_product', productId: 'espresso-machine' },
    ]);
    const run = rt.sfn.executions.find((e) => e.stateMachineArn.endsWith('replenishment-reminder:live'));
    expect(JSON.parse(run?.input ?? '{}').enrollment.productId).toBe('coffee-beans');
    expect(await rt.store.listLedger('c-imported')).toContainEqual(
      expect.objectContaining({
        kind: 'entry',
        reasons: ['unknown_product'],
        facts: expect.objectContaining({ productId: 'espresso-machine' }),
      }),
    );
    const warning = logs.find((line) => line.includes('product not in the catalog'));
    expect(warning).toContain('espresso-machine');
    expect(logs.join('')).not.toContain(EMAIL);
  });
});
