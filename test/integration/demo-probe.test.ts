/**
 * The demo bench's probe (bench/demo.bench.ts) attributes every DynamoDB request to the handler
 * invocation that made it: issue 19's requests per customer-month are summed from those scopes,
 * leaving out `other` (seeding and read-back). Ingest's last request marks its event processed, so
 * each ingest invocation must own exactly one UpdateItem on its event, made after everything else
 * it did (its entrants' single metrics flush in the middle of the handler and once ended its scope
 * early, moving its later requests to `other`).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../bench/demo.bench.ts';

describe('the demo bench probe', () => {
  it('counts every request of an ingest invocation to ingest, up to its last', async () => {
    const result = await run({ customers: 3, days: 2, probe: true });
    if (result.status !== 'measured') throw new Error(`demo not measured: ${JSON.stringify(result)}`);
    const ingest = result.calls?.handlers.ingest;
    const counts = result.scopes?.ingest;
    expect(ingest?.invocations).toBeGreaterThan(0);
    // At least one of these ingests started a journey, so its entrant metric flushed mid-handler.
    expect(Object.values(result.calls?.stepOps ?? {}).some((op) => op.invocations > 0)).toBe(true);
    // Each ingest marks its event processed (one UpdateItem), after its entrants.
    expect(counts?.calls.Update ?? 0).toBeGreaterThanOrEqual(ingest?.invocations ?? Number.NaN);
  });
});
