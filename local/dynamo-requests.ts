/**
 * The DynamoDB requests a demo run made, by operation, as the in-process transport counted them
 * (local/inprocess-dynalite.ts): every request dynalite served, seeding and read-back included,
 * a retried call once per attempt. The demo prints them as one line that bench/npm-start.bench.ts
 * reads back from outside; both sides use this module so the line has one format.
 */

/** Requests per DynamoDB operation (`PutItem`, `Query`, …). */
export type DynamoRequestCounts = Record<string, number>;

export function totalRequests(counts: DynamoRequestCounts): number {
  return Object.values(counts).reduce((n, k) => n + k, 0);
}

/** The shards' counts added up; undefined when any shard could not count (a loopback or remote DynamoDB). */
export function sumRequestCounts(
  shards: readonly (DynamoRequestCounts | undefined)[],
): DynamoRequestCounts | undefined {
  const sum: DynamoRequestCounts = {};
  for (const counts of shards) {
    if (!counts) return undefined;
    for (const [operation, n] of Object.entries(counts)) sum[operation] = (sum[operation] ?? 0) + n;
  }
  return sum;
}

const LINE = /^DynamoDB requests: (\d+) \(([^)]*)\)$/m;

/** `DynamoDB requests: 18734 (Query 4990, PutItem 4856, …)`, the most frequent operation first. */
export function formatRequestsLine(counts: DynamoRequestCounts): string {
  const byOperation = Object.entries(counts)
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([operation, n]) => `${operation} ${n}`);
  return `DynamoDB requests: ${totalRequests(counts)} (${byOperation.join(', ')})`;
}

/** The counts from a demo's output, or undefined when it printed no such line. */
export function parseRequestsLine(output: string): DynamoRequestCounts | undefined {
  const match = LINE.exec(output);
  if (!match) return undefined;
  const counts: DynamoRequestCounts = {};
  for (const part of (match[2] ?? '').split(', ').filter(Boolean)) {
    const [operation, n] = part.split(' ');
    counts[operation ?? ''] = Number(n);
  }
  if (totalRequests(counts) !== Number(match[1]))
    throw new Error(`DynamoDB requests line does not add up: ${match[0]}`);
  return counts;
}
