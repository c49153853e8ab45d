/** The demo's DynamoDB request counts: the line it prints and bench/npm-start.bench.ts reads back. */
import { describe, expect, it } from 'vitest';
import {
  formatRequestsLine,
  parseRequestsLine,
  sumRequestCounts,
  totalRequests,
} from '../../local/dynamo-requests.ts';

describe('the DynamoDB requests line', () => {
  const counts = { PutItem: 4856, Query: 4990, CreateTable: 1, GetItem: 4856 };

  it('names the total, then each operation, the most frequent first', () => {
    expect(formatRequestsLine(counts)).toBe(
      'DynamoDB requests: 14703 (Query 4990, GetItem 4856, PutItem 4856, CreateTable 1)',
    );
  });

  it('reads back from the demo’s output what it printed', () => {
    const output = `Real time: 3.1 s, …\n${formatRequestsLine(counts)}\n\nReport: out/demo/report.html\n`;
    expect(parseRequestsLine(output)).toEqual(counts);
    expect(parseRequestsLine('Real time: 3.1 s\n')).toBeUndefined();
  });

  it('refuses a line whose parts do not add up to its total', () => {
    expect(() => parseRequestsLine('DynamoDB requests: 10 (PutItem 4, Query 5)')).toThrow(/does not add up/);
  });

  it('adds the shards up, and has no total when a shard could not count', () => {
    const sum = sumRequestCounts([{ PutItem: 2, Query: 1 }, { PutItem: 3 }]);
    expect(sum).toEqual({ PutItem: 5, Query: 1 });
    expect(totalRequests(sum ?? {})).toBe(6);
    expect(sumRequestCounts([{ PutItem: 2 }, undefined])).toBeUndefined();
  });
});
