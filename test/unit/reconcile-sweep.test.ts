/**
 * The reconciler's sweep (functions/app/runs.ts `reconcileRuns`) over a run store that fails for one
 * entry: the entries behind it are still checked, and the sweep ends in an error that counts them.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../engine/run-protocol.ts';
import { ReconcileIncompleteError, type RunRuntime, reconcileRuns } from '../../functions/app/runs.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import type { DueEntry, RunStore } from '../../functions/ports.ts';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const due = (runId: string): DueEntry => ({
  customerId: `c-${runId}`,
  runId,
  seq: 2,
  dueMs: NOW - 30 * 60_000,
});

function sweepOver(runs: Partial<RunStore>): RunRuntime {
  return {
    clock: { now: () => new Date(NOW) },
    logger: createLogger('reconcile', { logLevel: 'SILENT' }),
    metrics: createMetrics('reconcile', { silent: true }),
    journeys: { get: () => undefined } as unknown as RunRuntime['journeys'],
    scale: { runs: runs as RunStore, timers: {} as never, segments: {} as never },
  };
}

describe('the reconciler sweep', () => {
  it('checks every due entry past one that fails, then reports the sweep as incomplete', async () => {
    const read: string[] = [];
    const waiting = (runId: string): RunRecord =>
      ({ runId, customerId: `c-${runId}`, status: 'waiting', seq: 2, dueMs: NOW - 30 * 60_000 }) as RunRecord;
    const rt = sweepOver({
      listDue: async () => [due('r1'), due('r2'), due('r3')],
      getRun: async (_customerId, runId) => {
        read.push(runId);
        if (runId === 'r1') throw new Error('ProvisionedThroughputExceededException');
        return waiting(runId);
      },
      // Someone else's fire got there first: refused, as a duplicate fire is.
      transitionRun: async (_c, runId) => ({
        applied: false,
        current: { ...waiting(runId), status: 'claimed' },
      }),
    });

    const failure = await reconcileRuns(rt).catch((error: unknown) => error);

    expect(read).toEqual(['r1', 'r2', 'r3']);
    expect(failure).toBeInstanceOf(ReconcileIncompleteError);
    expect((failure as ReconcileIncompleteError).summary).toEqual({ checked: 3, fired: 0, failed: 1 });
  });

  it('ends normally when every entry could be checked', async () => {
    const rt = sweepOver({ listDue: async () => [due('r1')], getRun: async () => undefined });
    await expect(reconcileRuns(rt)).resolves.toEqual({ checked: 1, fired: 0, failed: 0 });
  });
});
