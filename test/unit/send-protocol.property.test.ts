import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import {
  afterProviderCall,
  applyTransition,
  type ClaimTiming,
  claim,
  claimAndFinish,
  claimAndSend,
  claimView,
  finish,
  holds,
  type ProviderVerdict,
  readView,
  resolveInDoubt,
  type SentProof,
  type StepRecord,
  type StepTransition,
  settle,
  startSending,
} from '../../engine/send-protocol.ts';

/**
 * Invocations of one send step, interleaved at every write, racing, retried and crashing, against
 * an in-memory record that applies the engine's transitions exactly as the store's conditional
 * writes do. Each invocation follows the protocol as functions/app/send.ts does.
 */
const LEASE = 60_000;
const NEVER = Number.MAX_SAFE_INTEGER;
const CHANNELS = ['email', 'sms', 'push'] as const;
const next: StepResult = { outcome: 'next', next: 'done' };

/** What an invocation decides before any provider call: send, defer (quiet hours) or skip. */
type Plan = 'send' | 'defer' | 'skip';

/** What an invocation holds of the lazy claim: the record it read, and whether it has written since. */
interface Held {
  attempt: number;
  token: string;
  observed: StepRecord | undefined;
  written: boolean;
  plan: Plan;
  reachedAt: number;
}

type Phase =
  | { at: 'start' }
  | ({ at: 'channel'; index: number } & Held)
  | ({ at: 'called'; index: number; verdict: ProviderVerdict; call: number } & Held)
  | { at: 'resolve'; observed: StepRecord }
  | { at: 'over' };

interface Call {
  attempt: number;
  channel: string;
  verdict: ProviderVerdict;
  /** The invocation crashed before it could act on the answer. */
  unanswered: boolean;
}

interface World {
  record: StepRecord | undefined;
  /** The ledger entries of sent calls, by attempt (written unconditionally, as send.ts does). */
  ledger: Map<number, SentProof>;
  now: number;
  calls: Call[];
  tokens: number;
  timing: ClaimTiming;
  verdicts: ProviderVerdict[];
  plans: Plan[];
  started: number;
}

function write(world: World, transition: StepTransition): StepRecord | undefined {
  const next = applyTransition(world.record, transition);
  if (next) world.record = next;
  return next;
}

/** An invocation's first write (the lazy claim): it may apply only to the very record the invocation read. */
function claimingWrite(world: World, transition: StepTransition, held: Held): StepRecord | undefined {
  const before = world.record;
  const next = write(world, transition);
  if (next) {
    expect(before).toEqual(held.observed);
    expect(next.attempt).toBe(held.attempt);
  }
  return next;
}

/** One write (or one provider call) of one invocation. */
function advance(world: World, phase: Phase): Phase {
  switch (phase.at) {
    case 'start': {
      // The lazy claim: read the record (with the decision's other items), decide, claim by writing.
      const token = `t${++world.tokens}`;
      const record = world.record;
      const proof = record?.state === 'sending' ? world.ledger.get(record.attempt) : undefined;
      const view = readView(record, world.now, world.timing, proof);
      const plan = world.plans[world.started++ % world.plans.length] ?? 'send';
      if (view.kind === 'claimable')
        return {
          at: 'channel',
          attempt: view.attempt,
          token,
          observed: view.observed,
          written: false,
          plan,
          reachedAt: view.reachedAt,
          index: 0,
        };
      if (view.kind === 'in_doubt') return { at: 'resolve', observed: view.record };
      return { at: 'over' };
    }
    case 'channel': {
      const { token, observed, written } = phase;
      // A decision that calls no provider (quiet hours, no usable channel) claims and finishes at once.
      if (!written && phase.plan !== 'send') {
        const untilMs = world.now + 5 * 60_000;
        const finishing =
          phase.plan === 'defer'
            ? {
                result: {
                  outcome: 'defer',
                  until: new Date(untilMs).toISOString(),
                  reason: 'quiet_hours',
                } as const,
                untilMs,
              }
            : { result: next };
        const reachedAt = phase.reachedAt;
        claimingWrite(
          world,
          claimAndFinish({ observed, token, nowMs: world.now, reachedAt, ...finishing }),
          phase,
        );
        return { at: 'over' };
      }
      const channel = CHANNELS[phase.index];
      if (!channel) {
        write(world, finish({ token, result: next, nowMs: world.now }));
        return { at: 'over' };
      }
      const sending = { token, channel, nowMs: world.now, ledgerAt: world.now };
      const record = written
        ? write(world, startSending(sending))
        : claimingWrite(world, claimAndSend({ ...sending, observed, reachedAt: phase.reachedAt }), phase);
      if (!record) return { at: 'over' };
      const verdict = world.verdicts[world.calls.length % world.verdicts.length] ?? 'sent';
      world.calls.push({ attempt: phase.attempt, channel, verdict, unanswered: true });
      return { ...phase, written: true, at: 'called', verdict, call: world.calls.length - 1 };
    }
    case 'called': {
      const call = world.calls[phase.call];
      if (call) call.unanswered = false;
      const { token } = phase;
      switch (afterProviderCall(phase.verdict)) {
        case 'finish_sent':
          // No finish: the ledger entry is the proof (send.ts `record`), written whatever the record says.
          world.ledger.set(phase.attempt, { atMs: world.now, result: next });
          return { at: 'over' };
        case 'finish_unknown':
          write(world, finish({ token, result: next, nowMs: world.now }));
          return { at: 'over' };
        case 'finish_deferred': {
          const untilMs = world.now + 5 * 60_000;
          const result: StepResult = {
            outcome: 'defer',
            until: new Date(untilMs).toISOString(),
            reason: 'retry',
          };
          write(world, finish({ token, result, nowMs: world.now, untilMs }));
          return { at: 'over' };
        }
        case 'settle_and_try_next':
          if (!write(world, settle({ token }))) return { at: 'over' };
          return { ...phase, at: 'channel', index: phase.index + 1 };
      }
      return { at: 'over' };
    }
    case 'resolve':
      write(
        world,
        resolveInDoubt({
          observed: phase.observed,
          token: `t${++world.tokens}`,
          result: next,
          nowMs: world.now,
          leaseMs: LEASE,
        }),
      );
      return { at: 'over' };
    case 'over':
      return phase;
  }
}

const action = fc.oneof(
  { arbitrary: fc.constant({ kind: 'invoke' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), who: fc.nat(7) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('crash' as const), who: fc.nat(7) }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.oneof(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: LEASE, max: 3 * LEASE }),
        fc.constant(6 * 60_000),
      ),
    }),
    weight: 2,
  },
);
const verdicts = fc.array(fc.constantFrom<ProviderVerdict>('sent', 'rejected', 'retry_later', 'in_doubt'), {
  minLength: 1,
  maxLength: 6,
});

type Action = { kind: 'invoke' } | { kind: 'tick' | 'crash'; who: number } | { kind: 'wait'; ms: number };

function run(actions: readonly Action[], world: World) {
  const invocations: Phase[] = [];
  let maxInFlight = 0;
  for (const a of actions) {
    if (a.kind === 'invoke') invocations.push({ at: 'start' });
    if (a.kind === 'wait') world.now += a.ms;
    if (a.kind === 'invoke' || a.kind === 'wait') continue;
    const i = a.who % Math.max(1, invocations.length);
    const phase = invocations[i];
    if (!phase) continue;
    if (a.kind === 'crash') invocations[i] = { at: 'over' };
    if (a.kind === 'tick') invocations[i] = advance(world, phase);
    maxInFlight = Math.max(maxInFlight, invocations.filter((p) => p.at === 'called').length);
  }
  return { maxInFlight };
}

function world(verdicts: ProviderVerdict[], reopenDoneAfterMs = NEVER, plans: Plan[] = ['send']): World {
  return {
    record: undefined,
    ledger: new Map(),
    now: 0,
    calls: [],
    tokens: 0,
    timing: { leaseMs: LEASE, reopenDoneAfterMs },
    verdicts,
    plans,
    started: 0,
  };
}

const mayHaveDelivered = (c: Call) => c.verdict === 'sent' || c.verdict === 'in_doubt' || c.unanswered;

describe('the send protocol', () => {
  it('never lets two invocations call a provider at the same time for one step', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), verdicts, (actions, vs) => {
        const w = world(vs);
        expect(run(actions, w).maxInFlight).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('makes at most one provider call per (execution, step, attempt) that was not proven refused', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), verdicts, (actions, vs) => {
        const w = world(vs);
        run(actions, w);
        const attempts = new Set(w.calls.map((c) => c.attempt));
        for (const attempt of attempts) {
          const calls = w.calls.filter((c) => c.attempt === attempt);
          // Every call but the last of an attempt was a proven refusal (the fallthrough rule).
          for (const earlier of calls.slice(0, -1))
            expect(earlier).toMatchObject({ verdict: 'rejected', unanswered: false });
          // And no channel is called twice within one attempt.
          expect(new Set(calls.map((c) => c.channel)).size).toBe(calls.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never calls a provider again once a call may have delivered (retries, races, lease expiries, deferrals)', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 80 }), verdicts, (actions, vs) => {
        const w = world(vs);
        run(actions, w);
        const first = w.calls.findIndex(mayHaveDelivered);
        if (first >= 0) expect(w.calls.slice(first + 1)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('retries only what the provider proved it did not take, on the same channel first', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 80 }), verdicts, (actions, vs) => {
        const w = world(vs);
        run(actions, w);
        for (const [i, call] of w.calls.entries()) {
          const previous = w.calls[i - 1];
          if (previous && previous.attempt !== call.attempt) {
            // A new attempt follows a "retry later" (a deferral), or a proven refusal whose
            // invocation then stalled past its lease (fast-check, seed -1722278378: email
            // rejected, settled, 60 s of silence, a retry takes the step over): never a possible
            // delivery, and it starts again from the first channel.
            expect(mayHaveDelivered(previous)).toBe(false);
            expect(['retry_later', 'rejected']).toContain(previous.verdict);
            expect(call.channel).toBe(CHANNELS[0]);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('lets a retry take over a step whose invocation stalled after a proven refusal, from the first channel', () => {
    const w = world(['rejected', 'sent']);
    run(
      [
        { kind: 'invoke' },
        { kind: 'tick', who: 0 }, // reads the step: claimable, attempt 1
        { kind: 'tick', who: 0 }, // calls email: rejected
        { kind: 'invoke' },
        { kind: 'tick', who: 0 }, // settles, about to try SMS… and stalls
        { kind: 'wait', ms: LEASE + 1 },
        { kind: 'tick', who: 1 }, // the lease ran out: attempt 2
        { kind: 'tick', who: 1 },
      ],
      w,
    );
    expect(w.calls.map((c) => [c.attempt, c.channel, c.verdict])).toEqual([
      [1, 'email', 'rejected'],
      [2, 'email', 'sent'],
    ]);
  });

  it('on a journey loop, sends at most once per pass', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 80 }), verdicts, (actions, vs) => {
        const reopen = 30 * 60_000;
        const w = world(vs, reopen);
        run(actions, w);
        const delivered = w.calls.filter(mayHaveDelivered);
        const attempts = delivered.map((c) => c.attempt);
        expect(new Set(attempts).size).toBe(attempts.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('claims only the record an invocation read, whatever races its decision (sends, deferrals, skips)', () => {
    const plans = fc.array(fc.constantFrom<Plan>('send', 'defer', 'skip'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(action, { maxLength: 80 }),
        verdicts,
        plans,
        fc.boolean(),
        (actions, vs, ps, loop) => {
          // `claimingWrite` fails the run if a first write applies to a record other than the one read.
          const w = world(vs, loop ? 30 * 60_000 : NEVER, ps);
          expect(run(actions, w).maxInFlight).toBeLessThanOrEqual(1);
          const first = w.calls.findIndex(mayHaveDelivered);
          if (first >= 0) expect(w.calls.slice(first + 1).filter(() => !loop)).toEqual([]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses the second of two invocations that read the same due deferral, once the first deferred again', () => {
    const w = world(['sent'], NEVER, ['defer', 'defer', 'send']);
    run(
      [
        { kind: 'invoke' },
        { kind: 'tick', who: 0 }, // reads: absent, attempt 1
        { kind: 'tick', who: 0 }, // quiet hours: claims and defers 5 minutes
        { kind: 'wait', ms: 6 * 60_000 },
        { kind: 'invoke' },
        { kind: 'invoke' },
        { kind: 'tick', who: 1 }, // reads the due deferral: attempt 2
        { kind: 'tick', who: 2 }, // reads the same record
        { kind: 'tick', who: 1 }, // still quiet hours: claims and defers again
        { kind: 'tick', who: 2 }, // would send: refused, the record is no longer the one it read
      ],
      w,
    );
    expect(w.calls).toEqual([]);
    expect(w.record).toMatchObject({ state: 'deferred', token: 't2', attempt: 2 });
  });

  it('answers a retry after a sent call from its ledger entry, with no write and no call', () => {
    const w = world(['sent']);
    run(
      [
        { kind: 'invoke' },
        { kind: 'tick', who: 0 }, // reads: absent, attempt 1
        { kind: 'tick', who: 0 }, // claims with sending, calls email: sent
        { kind: 'tick', who: 0 }, // writes the ledger entry, no finish
        { kind: 'invoke' },
        { kind: 'tick', who: 1 }, // a retry at once: the entry says sent
      ],
      w,
    );
    expect(w.calls).toHaveLength(1);
    expect(w.record).toMatchObject({ state: 'sending', attempt: 1, ledgerAt: 0 });
    const proof = w.ledger.get(1);
    expect(readView(w.record, w.now, w.timing, proof)).toEqual({ kind: 'decided', attempt: 1, result: next });
    // Without the entry the same record is busy, then in doubt: the entry is what tells them apart.
    expect(readView(w.record, w.now, w.timing)).toEqual({ kind: 'busy' });
    expect(readView(w.record, w.now + LEASE + 1, w.timing)).toMatchObject({ kind: 'in_doubt', attempt: 1 });
  });

  it('reopens a sent step on a journey loop as a new pass, reached anew', () => {
    const reopen = 30 * 60_000;
    const w = world(['sent'], reopen);
    run(
      [
        { kind: 'invoke' },
        { kind: 'tick', who: 0 },
        { kind: 'tick', who: 0 },
        { kind: 'tick', who: 0 }, // sent, recorded in the ledger
        { kind: 'wait', ms: reopen + 1 },
        { kind: 'invoke' },
        { kind: 'tick', who: 1 }, // the loop's next pass: claimable, attempt 2
        { kind: 'tick', who: 1 },
      ],
      w,
    );
    expect(w.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(w.record).toMatchObject({ state: 'sending', attempt: 2, reachedAt: reopen + 1 });
  });

  describe('a sending record', () => {
    const sending = fc.record({
      state: fc.constant('sending' as const),
      token: fc.constantFrom('a', 'b'),
      attempt: fc.integer({ min: 1, max: 5 }),
      claimedAt: fc.integer({ min: 0, max: 1e9 }),
      channel: fc.constantFrom('email', 'sms', 'push'),
    });
    const timing = fc.record({
      leaseMs: fc.integer({ min: 1, max: 1e6 }),
      reopenDoneAfterMs: fc.oneof(fc.constant(NEVER), fc.integer({ min: 0, max: 1e6 })),
    });

    it('with its ledger entry, is never busy or in doubt: it reads as the finish would have left it', () => {
      fc.assert(
        fc.property(sending, timing, fc.integer({ min: 0, max: 2e9 }), (record, t, nowMs) => {
          const atMs = record.claimedAt;
          const view = readView(record, nowMs, t, { atMs, result: next });
          const done: StepRecord = { ...record, state: 'done', result: next, finishedAt: atMs };
          expect(view).toEqual(
            holds(claim({ nowMs, token: 'x', timing: t }).guard, done)
              ? { kind: 'claimable', attempt: record.attempt + 1, reachedAt: nowMs, observed: record }
              : { kind: 'decided', attempt: record.attempt, result: next },
          );
        }),
      );
    });

    it('is never claimable again, at any time', () => {
      fc.assert(
        fc.property(sending, timing, fc.integer({ min: 0, max: 2e9 }), (record, t, nowMs) => {
          expect(holds(claim({ nowMs, token: 'x', timing: t }).guard, record)).toBe(false);
        }),
      );
    });

    it('reads as busy while its lease runs and as in doubt after, and in doubt only leads to done', () => {
      fc.assert(
        fc.property(sending, timing, fc.integer({ min: 0, max: 2e9 }), (record, t, nowMs) => {
          const view = claimView({ applied: false, current: record }, nowMs, t);
          if (record.claimedAt < nowMs - t.leaseMs) {
            expect(view).toMatchObject({
              kind: 'in_doubt',
              attempt: record.attempt,
              channel: record.channel,
            });
            const after = applyTransition(
              record,
              resolveInDoubt({ observed: record, token: 'r', result: next, nowMs, leaseMs: t.leaseMs }),
            );
            expect(after).toMatchObject({ state: 'done', token: 'r', attempt: record.attempt, result: next });
          } else {
            expect(view).toEqual({ kind: 'busy' });
          }
        }),
      );
    });

    it('fences out its holder once resolved in doubt', () => {
      fc.assert(
        fc.property(sending, (record) => {
          const nowMs = record.claimedAt + LEASE + 1;
          const resolved = applyTransition(
            record,
            resolveInDoubt({ observed: record, token: 'resolver', result: next, nowMs, leaseMs: LEASE }),
          );
          expect(
            applyTransition(resolved, finish({ token: record.token, result: next, nowMs })),
          ).toBeUndefined();
          expect(applyTransition(resolved, settle({ token: record.token }))).toBeUndefined();
        }),
      );
    });
  });
});
