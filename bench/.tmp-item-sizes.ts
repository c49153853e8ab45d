import { createRequire } from 'node:module';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { runDemo } from '../local/demo.ts';
const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const db = require('dynalite/db/index.js');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise<void>((r) => server.listen(4599, '127.0.0.1', () => r()));
const endpoint = 'http://127.0.0.1:4599';
const res = await runDemo({ customers: Number(process.argv[2] ?? 100), days: 30, seed: 1, start: new Date('2026-03-02T00:00:00Z'), shards: 1, progress: false, dynamo: { endpoint } });
await res.ses.stop?.();
const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
console.log("tables", tables);
const groups = new Map<string, { n: number; bytes: number; wru: number; max: number }>();
for (const t of tables) {
  let start: any;
  do {
    const page = await client.send(new ScanCommand({ TableName: t, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const pk = item.pk?.S ?? ''; const sk = item.sk?.S ?? '';
      const kind = `${t.slice(0, 20)} ${pk.replace(/[#:].*/, '')} ${sk.replace(/[#:].*$/, '')}`;
      const size = db.itemSize(item);
      const g = groups.get(kind) ?? { n: 0, bytes: 0, wru: 0, max: 0 };
      g.n++; g.bytes += size; g.wru += Math.ceil(size / 1024); g.max = Math.max(g.max, size);
      groups.set(kind, g);
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
for (const [k, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes))
  console.log(k.padEnd(50), String(g.n).padStart(6), 'mean', (g.bytes / g.n).toFixed(0).padStart(6), 'max', String(g.max).padStart(6), 'WRU/write', (g.wru / g.n).toFixed(2));
server.close();
process.exit(0);
