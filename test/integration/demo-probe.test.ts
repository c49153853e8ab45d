/**
 * The demo bench's probe (bench/demo.bench.ts) attributes every DynamoDB request to the handler
 * invocation that made it: issue 19's requests per customer-month are summed from those scopes,
 * leaving out `other` (seeding and read-back). An ingest's last request writes its event (the
 * UpdateItem marking it processed, or the one PutItem of an event no run reacts to), after its
 * entrants' single metrics flushed in the middle of the handler; such a flush once ended the scope
 * early and moved the requests after it to `other`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../bench/demo.bench.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';

describe('the demo bench probe', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts every request of an ingest invocation to ingest, up to its last', async () => {
    // How often ingest (not the demo's seeding) wrote its event last, by the store's own methods.
    const fromIngest = () => (new Error().stack ?? '').includes('app/ingest.ts');
    const last = { marked: 0, put: 0 };
    const mark = DynamoStore.prototype.markEventProcessed;
    const put = DynamoStore.prototype.putProcessedEvent;
    vi.spyOn(DynamoStore.prototype, 'markEventProcessed').mockImplementation(function (
      this: DynamoStore,
      ...a
    ) {
      if (fromIngest()) last.marked++;
      return mark.apply(this, a);
    });
    vi.spyOn(DynamoStore.prototype, 'putProcessedEvent').mockImplementation(function (
      this: DynamoStore,
      ...a
    ) {
      if (fromIngest()) last.put++;
      return put.apply(this, a);
    });

    const result = await run({ customers: 3, days: 2, probe: true });
    if (result.status !== 'measured') throw new Error(`demo not measured: ${JSON.stringify(result)}`);
    const ingest = result.calls?.handlers.ingest;
    const counts = result.scopes?.ingest;
    expect(ingest?.invocations).toBe(last.marked + last.put);
    // Orders start runs (their entrant metrics flush mid-handler) and are marked processed last.
    expect(last.marked).toBeGreaterThan(0);
    expect(counts?.calls.Update ?? 0).toBeGreaterThanOrEqual(last.marked);
    expect(counts?.calls.Put ?? 0).toBeGreaterThanOrEqual(last.put);
  });
});
