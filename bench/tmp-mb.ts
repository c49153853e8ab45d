import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startInProcessDynalite } from '../local/inprocess-dynalite.ts';
const d = await startInProcessDynalite();
const doc = DynamoDBDocumentClient.from(d.client, { marshallOptions: { removeUndefinedValues: true } });
const profile = { id: 'c1', email: 'a@example.com', attrs: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `value ${i} `.repeat(3)])) };
const N = 3000;
async function time(name: string, f: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 300; i++) await f(i);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) await f(i);
  const c = process.cpuUsage(c0); const t = performance.now() - t0;
  console.log(name.padEnd(20), ((c.user + c.system) / 1000 / N).toFixed(3), 'ms CPU/op', (t / N).toFixed(3), 'ms wall/op');
}
await time('raw put', (i) => d.client.send(new PutItemCommand({ TableName: d.tableName, Item: { pk: { S: `C#${i % 200}` }, sk: { S: 'RAW' }, v: { S: 'x'.repeat(900) } } })));
await time('raw get', (i) => d.client.send(new GetItemCommand({ TableName: d.tableName, Key: { pk: { S: `C#${i % 200}` }, sk: { S: 'RAW' } }, ConsistentRead: true })));
await time('doc put profile', (i) => doc.send(new PutCommand({ TableName: d.tableName, Item: { pk: `C#${i % 200}`, sk: 'PROFILE', profile, version: i } })));
await time('doc get profile', (i) => doc.send(new GetCommand({ TableName: d.tableName, Key: { pk: `C#${i % 200}`, sk: 'PROFILE' }, ConsistentRead: true })));
