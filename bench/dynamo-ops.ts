/**
 * DynamoDB operations per demo customer-month (issue 19's target: ≤ 35), counted by the SDK probe
 * (bench/lib/sdk-probe.ts) in one probed demo run: every GetItem, Query, PutItem, UpdateItem… any
 * handler makes, failed conditional writes included, divided by the customers. Also per handler
 * call: requests and RRU/WRU, by command. Seeding and read-back (`other`) are left out.
 * With `--items`, also each handler's requests by command and the kinds of item they name
 * (bench/lib/sdk-probe.ts `itemKinds`), per call: where its requests go.
 *
 *   npx tsx bench/dynamo-ops.ts [--customers 200] [--scale] [--items] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { run } from './demo.bench.ts';
import { handlerRequests } from './lib/sdk-probe.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '200' },
    scale: { type: 'boolean', default: false },
    items: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const customers = Number(values.customers);
const result = await run({ customers, probe: true, ...(values.scale ? { execution: 'scale' } : {}) });
if (result.status !== 'measured' || !result.scopes || !result.calls) {
  console.error(JSON.stringify(result));
  process.exit(1);
}
const invocations = new Map<string, number>();
for (const [scope, m] of Object.entries({ ...result.calls.stepOps, ...result.calls.handlers }))
  invocations.set(scope, m.invocations);

const total = handlerRequests(result.scopes);
const rows: string[] = [];
for (const [scope, c] of Object.entries(result.scopes).sort()) {
  if (scope === 'other') continue;
  const n = invocations.get(scope) ?? 1;
  const requests = c.readRequests + c.writeRequests;
  const byCommand = Object.entries(c.calls)
    .filter(([name]) => !/^(SendEmail|SendMessages|StartExecution|SendTask|CreateSchedule)/.test(name))
    .map(([name, k]) => `${name} ${(k / n).toFixed(2)}`)
    .join(', ');
  rows.push(
    `${scope.padEnd(40)} calls ${String(n).padStart(5)}  req/call ${(requests / n).toFixed(2).padStart(5)}  RRU ${(c.readUnits / n).toFixed(2).padStart(5)}  WRU ${(c.writeUnits / n).toFixed(2).padStart(5)}  failed-cond ${c.failedConditionalWrites}  [${byCommand}]`,
  );
  if (values.items)
    for (const [kind, k] of Object.entries(c.items).sort((a, b) => b[1] - a[1]))
      rows.push(`    ${(k / n).toFixed(2).padStart(5)} per call  ${kind}`);
}
console.log(rows.join('\n'));
console.log(
  `\nDynamoDB operations: ${total} for ${customers} customers × ${result.days} days = ${(total / customers).toFixed(1)} per customer-month (errors ${result.errors ?? 0})`,
);
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 1));
process.exit(0);
