/**
 * `herald segment count <id>`: how many customers a segment holds now, and a sample of their ids
 * (ids only: no addresses, names or other personal data).
 *
 * - Without `--table`: the local store — the demo's seeded audience (`npm start`'s customers, their
 *   imported profiles and past orders, `--customers`/`--seed`) loaded into an in-process dynalite.
 * - With `--table` (and `--region`, or `--endpoint` for a stand-in): a deployed table, through the
 *   real SDK with the default credential chain, read-only: a parallel Scan of the profiles
 *   (dynamodb:Scan) and a Query per profile for its events when the segment reads behaviour
 *   (dynamodb:Query). Nothing is written.
 *
 * Both read through the adapter the audience Map's scan Lambda uses
 * (functions/adapters/dynamo-audience.ts) and judge with the same engine code.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isMember, needsHistory, type Segment } from '../../engine/audience/index.ts';
import { historySince, type PolicyConfig } from '../../engine/policy/index.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { scanSegment } from '../../functions/app/audience.ts';
import { loadSegments } from '../../infra/segments.ts';

export { registerSegment } from '../program.ts';

interface CountOptions {
  workflows: string;
  table?: string;
  region?: string;
  endpoint?: string;
  at?: string;
  sample: string;
  customers: string;
  seed: string;
  segments: string;
}

export async function segmentCountCommand(id: string, options: CountOptions): Promise<void> {
  process.exitCode = await count(id, options);
}

async function count(id: string, options: CountOptions): Promise<number> {
  let segments: Map<string, Segment>;
  try {
    segments = loadSegments(options.workflows);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const segment = segments.get(id);
  if (!segment) {
    const known = [...segments.keys()].sort();
    process.stderr.write(
      `✗ no segment \`${id}\` in ${options.workflows}/segments/${known.length ? ` (there: ${known.join(', ')})` : ''}\n`,
    );
    return 1;
  }
  const now = options.at ? new Date(options.at) : new Date();
  if (Number.isNaN(now.getTime())) {
    process.stderr.write('✗ --at must be an ISO timestamp\n');
    return 1;
  }
  const sampleSize = Math.max(0, Number.parseInt(options.sample, 10) || 0);
  const totalSegments = Math.max(1, Number.parseInt(options.segments, 10) || 1);
  const source = options.table ? await deployed(options) : await local(options, now);
  try {
    const { config, reader, store } = source;
    const withHistory = needsHistory(segment.condition);
    const since = historySince(config, now);
    let scanned = 0;
    const members: string[] = [];
    for (let part = 0; part < totalSegments; part++) {
      for await (const profiles of scanSegment(reader, part, totalSegments, { limit: 500 })) {
        for (const profile of profiles) {
          scanned++;
          const history = withHistory ? await store.listEvents(profile.id, since ? { since } : {}) : [];
          if (isMember(segment, { profile, history, now, config })) members.push(profile.id);
        }
      }
    }
    members.sort();
    const where = options.table ? `table ${options.table}` : `the local store (${source.label})`;
    process.stdout.write(
      `${segment.id} — ${segment.name}\n${members.length} of ${scanned} customers in ${where}, as of ${now.toISOString()}\n`,
    );
    if (sampleSize > 0 && members.length > 0) {
      process.stdout.write(`sample (ids only): ${members.slice(0, sampleSize).join(', ')}\n`);
    }
    return 0;
  } catch (error) {
    const { name, message } = error as Error;
    process.stderr.write(`✗ could not read ${options.table ?? 'the local store'}: ${name}: ${message}\n`);
    return 1;
  } finally {
    await source.close();
  }
}

interface Source {
  reader: DynamoAudience;
  store: DynamoStore;
  config: PolicyConfig;
  label: string;
  close(): Promise<void>;
}

async function deployed(options: CountOptions): Promise<Source> {
  const { DEFAULT_POLICY } = await import('../../engine/policy/index.ts');
  const client = new DynamoDBClient({
    maxAttempts: 5,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const table = options.table!;
  return {
    reader: new DynamoAudience(client, table),
    store: new DynamoStore({ client, tableName: table }),
    config: DEFAULT_POLICY,
    label: table,
    close: async () => client.destroy(),
  };
}

/** The demo's seeded audience, as `npm start` loads it before the month begins. */
async function local(options: CountOptions, now: Date): Promise<Source> {
  const [{ createWorld }, { startInProcessDynalite }, { applyEventToProfile }, { loadPolicy }] =
    await Promise.all([
      import('../../local/demo-data.ts'),
      import('../../local/inprocess-dynalite.ts'),
      import('../../engine/profile-events.ts'),
      import('../../local/system.ts'),
    ]);
  const customers = Number.parseInt(options.customers, 10) || 1000;
  const seed = Number.parseInt(options.seed, 10) || 42;
  const world = createWorld({ customers, days: 30, seed, start: now });
  const dynamo = await startInProcessDynalite();
  const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
  for (const { at, event } of world.imports) {
    await store.updateProfile(event.customerId, (current) => applyEventToProfile(current, event, at).profile);
  }
  for (const { at, event } of world.history) {
    await store.putEvent(event, at);
    await store.updateProfile(event.customerId, (current) => applyEventToProfile(current, event, at).profile);
  }
  return {
    reader: new DynamoAudience(dynamo.client, dynamo.tableName),
    store,
    config: loadPolicy(),
    label: `the demo's ${world.imports.length} imported customers, seed ${seed}`,
    close: () => dynamo.stop(),
  };
}
