import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_DATA } from '../../engine/privacy/customer-data.ts';
import {
  admitEvent,
  beginErasure,
  completeStep,
  ERASURE_STEPS,
  type ErasureState,
  type ErasureStep,
  liftErasure,
  nextStep,
  RECONSENT_EVENT,
} from '../../engine/privacy/erasure.ts';

/**
 * The erasure protocol against a model table: each kind's items are a count, runs are open or not,
 * the ledger moves to the pseudonym. Each step's effect is idempotent, as the adapter's are; a crash
 * may strike after any step's effect and before its state is stored, and a new request resumes from
 * the stored state. Whatever the crashes, the end state of the table and of the protocol is that of
 * a run without crashes.
 */
interface Table {
  items: Record<string, number>;
  anonLedger: number;
  openRuns: number;
  tombstone: ErasureState | undefined;
  audits: number;
  /** Steps performed, in order, crashes included. */
  performed: ErasureStep[];
}

const NOW = new Date('2026-05-01T10:00:00.000Z');
const request = { pseudonym: 'p-1', addressHashes: ['h-email', 'h-phone'], now: NOW };

function freshTable(counts: Record<string, number>, openRuns: number): Table {
  return { items: { ...counts }, anonLedger: 0, openRuns, tombstone: undefined, audits: 0, performed: [] };
}

/** One step's effect on the table; the number of items it erased (0 when repeated). */
function perform(table: Table, state: ErasureState, step: ErasureStep): number {
  table.performed.push(step);
  // No step after the tombstone may run before it is stored.
  if (step !== 'tombstone') expect(table.tombstone).toBeDefined();
  switch (step) {
    case 'tombstone':
      table.tombstone = state;
      return 0;
    case 'enrolments': {
      table.openRuns = 0;
      const n = table.items.enrolments ?? 0;
      table.items.enrolments = 0;
      return n;
    }
    case 'ledger': {
      const n = table.items.ledger ?? 0;
      table.anonLedger += n;
      table.items.ledger = 0;
      return n;
    }
    case 'sweep':
      return 0;
    case 'audit':
      table.audits = 1;
      return 0;
    default: {
      const n = table.items[step] ?? 0;
      table.items[step] = 0;
      return n;
    }
  }
}

/** Runs one request; `crashAfter` counts performed steps, and throws before storing the next state. */
function runRequest(table: Table, crashAfter: number | undefined): 'done' | 'crashed' {
  let state = beginErasure(table.tombstone, request);
  let performed = 0;
  for (let guard = 0; guard <= ERASURE_STEPS.length; guard++) {
    const step = nextStep(state);
    if (!step) return 'done';
    const erased = perform(table, state, step);
    performed++;
    if (crashAfter !== undefined && performed === crashAfter) return 'crashed';
    state = completeStep(state, step, erased, NOW);
    table.tombstone = state;
  }
  throw new Error('the protocol did not end');
}

const kinds = CUSTOMER_DATA.filter((k) => k.status === 'live').map((k) => k.kind);
const countsArb = fc.record(
  Object.fromEntries(kinds.map((k) => [k, fc.nat(5)])) as Record<string, fc.Arbitrary<number>>,
);

describe('erasure protocol', () => {
  it('lists the tombstone first, every live kind of the data table, then sweep and audit', () => {
    expect(ERASURE_STEPS[0]).toBe('tombstone');
    expect(ERASURE_STEPS.slice(1, -2)).toEqual(kinds);
    expect(ERASURE_STEPS.slice(-2)).toEqual(['sweep', 'audit']);
    // Scale-mode runs end (and their timers go) right after the Standard executions stop, before
    // anything that describes the customer; conversions are rewritten before the ledger.
    expect(ERASURE_STEPS.indexOf('runs')).toBe(ERASURE_STEPS.indexOf('enrolments') + 1);
    expect(ERASURE_STEPS.indexOf('conversions')).toBeLessThan(ERASURE_STEPS.indexOf('ledger'));
  });

  it('ends with nothing of the customer left, whatever crashes interrupt it, as a run without crashes does', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.nat(3),
        fc.array(fc.integer({ min: 1, max: ERASURE_STEPS.length }), { maxLength: 6 }),
        (counts, runs, crashes) => {
          const clean = freshTable(counts, runs);
          expect(runRequest(clean, undefined)).toBe('done');

          const crashed = freshTable(counts, runs);
          for (const crashAfter of crashes) runRequest(crashed, crashAfter);
          expect(runRequest(crashed, undefined)).toBe('done');

          for (const table of [clean, crashed]) {
            expect(Object.values(table.items).every((n) => n === 0)).toBe(true);
            expect(table.openRuns).toBe(0);
            expect(table.audits).toBe(1);
            expect(table.tombstone?.status).toBe('erased');
          }
          expect(crashed.anonLedger).toBe(clean.anonLedger);
          expect(crashed.tombstone?.done).toEqual(clean.tombstone?.done);
          // Counts are of items a recorded step erased: a crash between a step's effect and its record
          // loses that step's count (the repeat finds nothing), never inflates it.
          for (const [kind, n] of Object.entries(crashed.tombstone?.counts ?? {}))
            expect(n).toBeLessThanOrEqual(clean.tombstone?.counts[kind] ?? 0);
        },
      ),
    );
  });

  it('never runs a step before every step ahead of it is done', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.array(fc.integer({ min: 1, max: ERASURE_STEPS.length }), { maxLength: 6 }),
        (counts, crashes) => {
          const table = freshTable(counts, 1);
          const seen: ErasureStep[] = [];
          const originalPush = table.performed.push.bind(table.performed);
          table.performed.push = (...steps: ErasureStep[]) => {
            for (const step of steps) {
              const index = ERASURE_STEPS.indexOf(step);
              expect(ERASURE_STEPS.slice(0, index).every((s) => table.tombstone?.done.includes(s))).toBe(
                true,
              );
              seen.push(step);
            }
            return originalPush(...steps);
          };
          for (const crashAfter of crashes) runRequest(table, crashAfter);
          runRequest(table, undefined);
          expect(new Set(seen)).toEqual(new Set(ERASURE_STEPS));
        },
      ),
    );
  });

  it('is idempotent: a request after a finished erasure only sweeps and audits again, and erases nothing more', () => {
    const table = freshTable({ events: 3, ledger: 2, profile: 1 }, 1);
    runRequest(table, undefined);
    const first = structuredClone(table.tombstone);
    table.performed = [];
    runRequest(table, undefined);
    expect(table.performed).toEqual(['sweep', 'audit']);
    expect(table.tombstone?.counts).toEqual(first?.counts);
    expect(table.tombstone?.done).toEqual(first?.done);
    expect(table.tombstone?.requests).toBe(2);
    expect(table.anonLedger).toBe(2);
  });

  it('ignores a step completed twice or out of order', () => {
    const state = beginErasure(undefined, request);
    const once = completeStep(state, 'tombstone', 0, NOW);
    expect(completeStep(once, 'tombstone', 0, NOW)).toBe(once);
    expect(completeStep(state, 'profile', 1, NOW)).toBe(state);
  });
});

describe('admitting events for an erased customer', () => {
  const erasing = beginErasure(undefined, request);
  const erased = ERASURE_STEPS.reduce((s, step) => completeStep(s, step, 0, NOW), erasing);

  it('refuses every event from the first step on, with reason customer_erased', () => {
    for (const state of [erasing, erased]) {
      const admission = admitEvent(state, 'order_placed');
      expect(admission).toMatchObject({ ok: false, status: 409, code: 'customer_erased' });
    }
  });

  it('refuses a re-consent while the erasure is still running, and lifts the tombstone once it is done', () => {
    expect(admitEvent(erasing, RECONSENT_EVENT).ok).toBe(false);
    expect(admitEvent(erased, RECONSENT_EVENT)).toEqual({ ok: true, lift: true });
    const lifted = liftErasure(erased, NOW);
    expect(admitEvent(lifted, 'order_placed')).toEqual({ ok: true });
  });

  it('starts a new erasure, keeping the address hashes, after a re-consent lifted the last one', () => {
    const lifted = liftErasure(erased, NOW);
    const again = beginErasure(lifted, { ...request, addressHashes: ['h-new'] });
    expect(again.done).toEqual([]);
    expect(again.addressHashes).toEqual(['h-email', 'h-new', 'h-phone']);
    expect(again.requests).toBe(2);
  });
});
