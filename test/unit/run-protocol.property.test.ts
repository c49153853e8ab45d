/**
 * The run protocol (engine/run-protocol.ts) under every interleaving fast-check finds: duplicate and
 * stale fires, an event racing its timeout, exits at any moment, holders that stall past the lease
 * and come back, retried arms. What must hold whatever happens:
 * - each seq is armed at most once, and only by the invocation that holds the run;
 * - at most one fire or event claim per seq gets a live run (a second one only after the lease);
 * - an ended run (exited, done) never changes again;
 * - seq never goes down.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import {
  applyRunTransition,
  arm,
  claim,
  claimEvent,
  enter,
  exitRun,
  finish,
  RUN_LEASE_MS,
  type RunRecord,
  type RunTransition,
  refusal,
} from '../../engine/run-protocol.ts';

const enrollment: Enrollment = {
  id: 'run-1',
  customerId: 'c-1',
  journeyId: 'j',
  journeyVersion: 3,
  enteredAt: '2026-03-02T00:00:00.000Z',
  event: {
    id: 'e-1',
    type: 'signed_up',
    customerId: 'c-1',
    time: '2026-03-02T00:00:00.000Z',
    properties: {},
  },
};

/** One actor's move: which transition, with what it believes (its seq, its token). */
type Move =
  | { kind: 'fire'; seqDelta: number; advanceMs: number }
  | { kind: 'event'; eventType: string; advanceMs: number }
  | { kind: 'arm'; holder: number; event: boolean; advanceMs: number }
  | { kind: 'finish'; holder: number; advanceMs: number }
  | { kind: 'exit'; advanceMs: number };

const move: fc.Arbitrary<Move> = fc.oneof(
  fc.record({
    kind: fc.constant('fire' as const),
    seqDelta: fc.integer({ min: -1, max: 1 }),
    advanceMs: fc.nat(15 * 60_000),
  }),
  fc.record({
    kind: fc.constant('event' as const),
    eventType: fc.constantFrom('order_placed', 'other'),
    advanceMs: fc.nat(60_000),
  }),
  fc.record({
    kind: fc.constant('arm' as const),
    holder: fc.nat(3),
    event: fc.boolean(),
    advanceMs: fc.nat(60_000),
  }),
  fc.record({ kind: fc.constant('finish' as const), holder: fc.nat(3), advanceMs: fc.nat(60_000) }),
  fc.record({ kind: fc.constant('exit' as const), advanceMs: fc.nat(60_000) }),
);

describe('run protocol', () => {
  it('arms each seq once, by its holder; never revives an ended run; never lowers seq', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 40 }), (moves) => {
        let now = Date.parse('2026-03-02T00:00:00Z');
        let tokenSeq = 0;
        const tokens: { token: string; seq: number; at: number }[] = [];
        let record: RunRecord | undefined = applyRunTransition(
          undefined,
          enter({ enrollment, entry: 'start', token: 'T0', nowMs: now }),
        );
        tokens.push({ token: 'T0', seq: 0, at: now });
        const armedSeqs = new Map<number, number>();
        const claimsPerSeq = new Map<number, number[]>();
        for (const m of moves) {
          now += m.advanceMs;
          const before: RunRecord | undefined = record;
          let t: RunTransition;
          switch (m.kind) {
            case 'fire': {
              const token = `T${++tokenSeq}`;
              t = claim({ seq: (before?.seq ?? 0) + m.seqDelta, token, nowMs: now });
              const next = applyRunTransition(before, t);
              if (next) {
                tokens.push({ token, seq: next.seq, at: now });
                claimsPerSeq.set(next.seq, [...(claimsPerSeq.get(next.seq) ?? []), now]);
              }
              record = next ?? before;
              break;
            }
            case 'event': {
              const token = `T${++tokenSeq}`;
              t = claimEvent({
                seq: before?.seq ?? 0,
                eventType: m.eventType,
                onEvent: 'ordered',
                token,
                nowMs: now,
              });
              const next = applyRunTransition(before, t);
              if (next) {
                tokens.push({ token, seq: next.seq, at: now });
                claimsPerSeq.set(next.seq, [...(claimsPerSeq.get(next.seq) ?? []), now]);
                expect(next.entry).toBe('ordered');
              }
              record = next ?? before;
              break;
            }
            case 'arm':
            case 'finish': {
              // A holder acts with the seq and token it claimed, however stale they are now.
              const holder = tokens[tokens.length - 1 - Math.min(m.holder, tokens.length - 1)]!;
              t =
                m.kind === 'arm'
                  ? arm({
                      seq: holder.seq,
                      token: holder.token,
                      nowMs: now,
                      wait: m.event
                        ? {
                            kind: 'event',
                            entry: 'timeout',
                            dueMs: now + 3_600_000,
                            waitStep: 'w',
                            awaitEvent: 'order_placed',
                            onEvent: 'ordered',
                          }
                        : { kind: 'timer', entry: 'next', dueMs: now + 3_600_000, waitStep: 'w' },
                    })
                  : finish({ seq: holder.seq, token: holder.token, reason: 'end', nowMs: now });
              const next = applyRunTransition(before, t);
              if (next) {
                // Only the current holder (its token on the record, its seq) may arm or finish.
                expect(before?.status).toBe('claimed');
                expect(before?.token).toBe(holder.token);
                expect(before?.seq).toBe(holder.seq);
                if (m.kind === 'arm') {
                  expect(armedSeqs.has(next.seq)).toBe(false);
                  armedSeqs.set(next.seq, now);
                  expect(next.token).toBeUndefined();
                }
              }
              record = next ?? before;
              break;
            }
            case 'exit': {
              t = exitRun({ reason: 'exit_event', nowMs: now });
              record = applyRunTransition(before, t) ?? before;
              break;
            }
          }
          if (before && (before.status === 'exited' || before.status === 'done')) {
            expect(record).toBe(before);
            expect(refusal(t, before)).toBe('ended');
          }
          expect(record!.seq).toBeGreaterThanOrEqual(before?.seq ?? 0);
        }
        // A seq was claimed a second time only after the first claim's lease ran out.
        for (const times of claimsPerSeq.values()) {
          for (let i = 1; i < times.length; i++) {
            expect(times[i]! - times[i - 1]!).toBeGreaterThan(RUN_LEASE_MS);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('lets the timeout and the event of one wait for an event claim it once between them', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(7_200_000), (eventFirst, offset) => {
        const t0 = Date.parse('2026-03-02T00:00:00Z');
        let record = applyRunTransition(
          undefined,
          enter({ enrollment, entry: 'start', token: 'a', nowMs: t0 }),
        )!;
        record = applyRunTransition(
          record,
          arm({
            seq: 0,
            token: 'a',
            nowMs: t0,
            wait: {
              kind: 'event',
              entry: 'timeout',
              dueMs: t0 + 3_600_000,
              waitStep: 'w',
              awaitEvent: 'order_placed',
              onEvent: 'ordered',
            },
          }),
        )!;
        const eventAt = t0 + offset;
        const fireAt = t0 + 3_600_000;
        const moves: RunTransition[] = [
          claimEvent({ seq: 1, eventType: 'order_placed', onEvent: 'ordered', token: 'e', nowMs: eventAt }),
          claim({ seq: 1, token: 'f', nowMs: fireAt }),
        ];
        if (!eventFirst) moves.reverse();
        const results = moves.map((t) => {
          const next = applyRunTransition(record, t);
          if (next) record = next;
          return next !== undefined;
        });
        // One of them claims the wait; the other only takes over a claim its holder left for longer
        // than the lease (no Express execution lives that long), and then continues where it was.
        const [first, second] = eventFirst ? [eventAt, fireAt] : [fireAt, eventAt];
        expect(results[0] || results[1]).toBe(true);
        if (results[0] && results[1]) {
          expect(eventFirst).toBe(true);
          expect(second - first).toBeGreaterThan(RUN_LEASE_MS);
          expect(record.entry).toBe('ordered');
        }
        // An event at or after the timeout never claims the wait.
        if (eventAt >= fireAt) expect(record.entry).toBe('timeout');
      }),
    );
  });

  it('refuses a fire after exit, and says why without another read', () => {
    const t0 = Date.parse('2026-03-02T00:00:00Z');
    let record = applyRunTransition(undefined, enter({ enrollment, entry: 'start', token: 'a', nowMs: t0 }))!;
    record = applyRunTransition(
      record,
      arm({
        seq: 0,
        token: 'a',
        nowMs: t0,
        wait: { kind: 'timer', entry: 'next', dueMs: t0 + 1000, waitStep: 'w' },
      }),
    )!;
    record = applyRunTransition(record, exitRun({ reason: 'exit_event:order_placed', nowMs: t0 + 10 }))!;
    const fire = claim({ seq: 1, token: 'b', nowMs: t0 + 1000 });

    expect(applyRunTransition(record, fire)).toBeUndefined();
    expect(refusal(fire, record)).toBe('ended');
    expect(refusal(claim({ seq: 0, token: 'c', nowMs: t0 }), { ...record, status: 'waiting' })).toBe('stale');
  });
});
