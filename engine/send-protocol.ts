/**
 * The send protocol: how one (execution, step) of a send is claimed, sent at most once, and
 * finished. Pure: it says which condition must hold on the stored step record and which update to
 * apply; the store (functions/adapters/dynamo-store.ts) turns that into one conditional write, and
 * `applyTransition` below is the same rule evaluated in memory (for the property tests).
 *
 * The stored record, one per (execution, step), and its transitions:
 *
 *   (absent) ──claim──► claimed ──startSending(channel)──► sending ──finish──► done | deferred
 *                          ▲   │                             │  │
 *                          │   └──finish (nothing to send)───┼──┼──► done | deferred
 *                          └────────settle (the provider proved it took nothing)
 *                                                            │
 *                                   lease expired, holder gone: resolveInDoubt ──► done (unknown)
 *
 *   claim is allowed from: absent · deferred whose `until` has come · claimed whose lease expired
 *   (its holder died before any provider call: nothing can have been sent) · done long ago, when
 *   the step lies on a journey loop (`reopenDoneAfterMs`, otherwise never). Each claim writes a
 *   fresh fencing token and `attempt + 1`.
 *   claim is never allowed from `sending`: a provider call may be in flight or may have happened.
 *   The only way out of a `sending` record the holder abandoned is `resolveInDoubt`, which
 *   records the outcome as unknown and never calls a provider. A `sending` record whose ledger
 *   entry says `sent` (`SentProof`) was not abandoned: it reads as done (`readView`).
 *
 * Timeline of one attempt (t = the claiming invocation's clock):
 *
 *   t0          claim                     claimed, token A, attempt n, lease from t0
 *   t0 … t1     decide, reserve cap, render  (another invocation now: busy → retry later;
 *                                              after t0 + lease: it takes over with token B, and
 *                                              A's startSending fails on the token: A sends nothing)
 *   t1          startSending(email)       sending, channel email, lease restarts at t1
 *   t1 … t2     SendEmail (one HTTP attempt, bounded by the client's timeouts < lease)
 *   t2          sent        → ledger      no finish: the ledger entry (at `ledgerAt`, with the
 *                                         attempt's decision id) proves it; a retry reads the entry
 *                                         and answers its result (`readView` with a `SentProof`)
 *               rejected    → settle      claimed again: try the next channel
 *               retry later → finish      deferred until t2 + backoff: same channel next attempt
 *               in doubt    → finish      done, ledger `unknown`: never resent, no fallthrough
 *   t1 + lease  holder died during the call: the next invocation sees `sending` with an expired
 *               lease → resolveInDoubt (fenced on token A) → done, ledger `unknown`
 *
 * The lazy claim (what functions/app/send.ts does): the invocation reads the record with the
 * decision's other items (`readView`) instead of writing a claim first, decides, and claims with its
 * first write, pinned to the record it read: `claimAndSend` (claimed + startSending in one update)
 * before a provider call, or `claimAndFinish` when nothing is sent. Two invocations that read the
 * same record may both decide, but only one first write applies; the other sends nothing and
 * answers "retry later". That saves the claim's write on every send. Where the separate claim
 * answered `busy` to a racing invocation, the racing one now decides in vain, so what a decision
 * writes before its first step write is keyed by invocation (the cap slot: channel-attempt.ts
 * `capKey`), and a decision that sends nothing writes its ledger entry only after its
 * `claimAndFinish` applied.
 *
 * A send that went out ends with its ledger entry, not a finish: one write fewer per message. The
 * record stays `sending` with `ledgerAt`, and whoever reads it next (a retry, a journey loop's next
 * pass) reads the entry by key and judges the record as the finish would have left it. Only the
 * `sending` records need that second read, and the entry is what a crash between the ledger and a
 * finish used to leave unconsulted: the retry then recorded `unknown` beside the `sent`.
 *
 * Each guard below is a disjunction of clauses over the stored record; `holds` evaluates it.
 */
import type { StepResult } from './contract.ts';

export type StepState = 'claimed' | 'sending' | 'deferred' | 'done';

/** The stored step record (attribute names are stored values: never rename them). */
export interface StepRecord {
  state: StepState;
  /** Fencing token of the invocation that holds (or last held) the step. */
  token: string;
  /** 1 for the first claim; each claim adds one. A send is keyed by (execution, step, attempt). */
  attempt: number;
  /** Epoch ms the holder's lease started: its claim, or for `sending` the provider call's start. */
  claimedAt: number;
  /** `sending`: the channel whose provider call started. */
  channel?: string;
  /**
   * `sending`: epoch ms of the decision, the time in its ledger entry's key
   * (`LEDGER#<ledgerAt>#<decision id>`). A provider call that accepted the message writes no finish:
   * that ledger entry, with the attempt's decision id, is the proof that the step sent (`SentProof`).
   */
  ledgerAt?: number;
  /** `deferred`: epoch ms from which the step may be claimed again. */
  untilMs?: number;
  /** `done` / `deferred`: epoch ms of the finish. */
  finishedAt?: number;
  /** `done` / `deferred`: what the workflow was told; a retry gets the same. */
  result?: StepResult;
  /**
   * Epoch ms the step was first reached: set by the first claim, kept across deferrals and lease
   * takeovers (they re-enter the same step), cleared when the step is done (a journey loop that
   * reopens it reaches it anew). A send's expiry counts from here.
   */
  reachedAt?: number;
}

export type TimeField = 'claimedAt' | 'untilMs' | 'finishedAt';

/** One clause: the record is absent, or it is in `state` (with this token, with a field before a time). */
export type Clause =
  | { absent: true }
  | {
      state: StepState;
      token?: string;
      /** The record's attempt is exactly this one. */
      attempt?: number;
      /** `field < ms` (or `<=` with `inclusive`). */
      before?: { field: TimeField; ms: number; inclusive?: boolean };
    };

/** The condition of a transition: it applies when any clause holds. */
export type Guard = readonly Clause[];

export interface StepUpdate {
  set: Partial<Omit<StepRecord, 'attempt'>>;
  /** Written only when the record has no such field yet (`if_not_exists`). */
  setIfAbsent?: Partial<Pick<StepRecord, 'reachedAt'>>;
  /** `attempt = attempt + 1`, or 1 when the record is new. */
  nextAttempt?: true;
  remove?: readonly ('channel' | 'untilMs' | 'reachedAt' | 'ledgerAt')[];
}

export type TransitionName =
  | 'claim'
  | 'claimAndSend'
  | 'claimAndFinish'
  | 'startSending'
  | 'settle'
  | 'finish'
  | 'resolveInDoubt';

export interface StepTransition {
  name: TransitionName;
  guard: Guard;
  update: StepUpdate;
}

export interface ClaimTiming {
  leaseMs: number;
  /** A done step reopens after this long (a journey loop); Number.MAX_SAFE_INTEGER: never. */
  reopenDoneAfterMs: number;
}

// ── Transitions ─────────────────────────────────────────────────────────────────────────────

/** When a step may be claimed (the diagram above): absent, due, abandoned before any call, or reopened. */
function claimGuard(nowMs: number, timing: ClaimTiming): Guard {
  return [
    { absent: true },
    { state: 'deferred', before: { field: 'untilMs', ms: nowMs, inclusive: true } },
    { state: 'claimed', before: { field: 'claimedAt', ms: nowMs - timing.leaseMs } },
    { state: 'done', before: { field: 'finishedAt', ms: nowMs - timing.reopenDoneAfterMs } },
  ];
}

export function claim(input: { nowMs: number; token: string; timing: ClaimTiming }): StepTransition {
  const { nowMs, token, timing } = input;
  return {
    name: 'claim',
    guard: claimGuard(nowMs, timing),
    update: {
      set: { state: 'claimed', token, claimedAt: nowMs },
      setIfAbsent: { reachedAt: nowMs },
      nextAttempt: true,
      remove: ['channel'],
    },
  };
}

/**
 * Holds only while the record is exactly as `observed` (absent, or the same state, token and
 * attempt): every transition changes one of the three, so nothing has written the step since.
 */
function unchangedSince(observed: StepRecord | undefined): Guard {
  if (observed === undefined) return [{ absent: true }];
  return [{ state: observed.state, token: observed.token, attempt: observed.attempt }];
}

/**
 * The lazy claim's first write, when the provider call comes first (`readView` said claimable): the
 * claim and `startSending` in one conditional update, which holds only while the record is as
 * read. The read record was claimable, and each of the claim's time conditions stays true as time
 * passes, so this applies exactly when `claim` then `startSending` would, with no one in between.
 */
export function claimAndSend(input: {
  observed: StepRecord | undefined;
  token: string;
  channel: string;
  nowMs: number;
  /** The decision's time: its ledger entry's key (`StepRecord.ledgerAt`). */
  ledgerAt: number;
  /** When the step was first reached, as `readView` said. */
  reachedAt: number;
}): StepTransition {
  const { observed, token, channel, nowMs, ledgerAt, reachedAt } = input;
  return {
    name: 'claimAndSend',
    guard: unchangedSince(observed),
    update: {
      set: { state: 'sending', token, channel, claimedAt: nowMs, ledgerAt, reachedAt },
      nextAttempt: true,
    },
  };
}

/**
 * The lazy claim's only write, when the decision calls no provider (skip, exit, defer): the claim
 * and `finish` in one conditional update, under the same condition as `claimAndSend`.
 */
export function claimAndFinish(input: {
  observed: StepRecord | undefined;
  token: string;
  result: StepResult;
  nowMs: number;
  untilMs?: number;
  /** When the step was first reached, as `readView` said (a deferral keeps it). */
  reachedAt: number;
}): StepTransition {
  const { observed, token, result, nowMs, untilMs, reachedAt } = input;
  const set = { token, claimedAt: nowMs, result, finishedAt: nowMs };
  return {
    name: 'claimAndFinish',
    guard: unchangedSince(observed),
    update:
      untilMs === undefined
        ? {
            set: { ...set, state: 'done' },
            nextAttempt: true,
            remove: ['channel', 'untilMs', 'reachedAt', 'ledgerAt'],
          }
        : {
            set: { ...set, state: 'deferred', untilMs, reachedAt },
            nextAttempt: true,
            remove: ['channel', 'ledgerAt'],
          },
  };
}

/** The holder is about to call the provider for `channel`: from here on the step is never claimable. */
export function startSending(input: {
  token: string;
  channel: string;
  nowMs: number;
  ledgerAt: number;
}): StepTransition {
  return {
    name: 'startSending',
    guard: [{ state: 'claimed', token: input.token }],
    update: {
      set: { state: 'sending', channel: input.channel, claimedAt: input.nowMs, ledgerAt: input.ledgerAt },
    },
  };
}

/** The provider proved it took nothing (a refusal): the holder may try its next channel. */
export function settle(input: { token: string }): StepTransition {
  return {
    name: 'settle',
    guard: [{ state: 'sending', token: input.token }],
    update: { set: { state: 'claimed' }, remove: ['channel', 'ledgerAt'] },
  };
}

/** Records the decision. With `untilMs` the step is deferred and reopens then. */
export function finish(input: {
  token: string;
  result: StepResult;
  nowMs: number;
  untilMs?: number;
}): StepTransition {
  const { token, result, nowMs, untilMs } = input;
  return {
    name: 'finish',
    guard: [
      { state: 'claimed', token },
      { state: 'sending', token },
    ],
    update:
      untilMs === undefined
        ? { set: { state: 'done', result, finishedAt: nowMs }, remove: ['untilMs', 'reachedAt', 'ledgerAt'] }
        : { set: { state: 'deferred', result, finishedAt: nowMs, untilMs }, remove: ['ledgerAt'] },
  };
}

/**
 * Closes a `sending` record whose holder is gone (lease expired) as done, without any provider
 * call. A new token fences out the old holder, should it still be alive and finish late.
 */
export function resolveInDoubt(input: {
  observed: StepRecord;
  token: string;
  result: StepResult;
  nowMs: number;
  leaseMs: number;
}): StepTransition {
  const { observed, token, result, nowMs, leaseMs } = input;
  return {
    name: 'resolveInDoubt',
    guard: [{ state: 'sending', token: observed.token, before: { field: 'claimedAt', ms: nowMs - leaseMs } }],
    update: {
      set: { state: 'done', token, result, finishedAt: nowMs },
      remove: ['untilMs', 'reachedAt', 'ledgerAt'],
    },
  };
}

// ── What a claim attempt means ──────────────────────────────────────────────────────────────

export type ClaimView =
  /** This invocation holds the step: decide and send. */
  | { kind: 'claimed'; attempt: number; token: string; reachedAt: number }
  /** Already decided: answer the recorded result (a retry after success, or a deferral not yet due). */
  | { kind: 'decided'; attempt: number; result: StepResult }
  /** Another invocation holds the step and its lease runs: come back later. */
  | { kind: 'busy' }
  /** A provider call started and its holder is gone: record unknown, never resend. */
  | { kind: 'in_doubt'; attempt: number; channel?: string; record: StepRecord };

/**
 * Reads the outcome of a `claim` write: `applied` with the new record, or refused with the record
 * the store holds now (read consistently after the refusal).
 */
export function claimView(
  outcome: { applied: true; record: StepRecord } | { applied: false; current: StepRecord | undefined },
  nowMs: number,
  timing: ClaimTiming,
): ClaimView {
  if (outcome.applied) {
    const { attempt, token, reachedAt, claimedAt } = outcome.record;
    return { kind: 'claimed', attempt, token, reachedAt: reachedAt ?? claimedAt };
  }
  const current = outcome.current;
  if (!current) return { kind: 'busy' };
  switch (current.state) {
    case 'done':
    case 'deferred':
      return current.result
        ? { kind: 'decided', attempt: current.attempt, result: current.result }
        : { kind: 'busy' };
    case 'sending':
      return current.claimedAt < nowMs - timing.leaseMs
        ? {
            kind: 'in_doubt',
            attempt: current.attempt,
            record: current,
            ...(current.channel === undefined ? {} : { channel: current.channel }),
          }
        : { kind: 'busy' };
    case 'claimed':
      return { kind: 'busy' };
  }
}

/** What a read of the step record (`readView`) lets an invocation do. */
export type ReadView =
  /** Nothing holds the step: decide, then claim it with the first write (`claimAndSend`, `claimAndFinish`). */
  | { kind: 'claimable'; attempt: number; reachedAt: number; observed: StepRecord | undefined }
  | Exclude<ClaimView, { kind: 'claimed' }>;

/**
 * The lazy claim: the step record read with the decision's other items, judged as a refused claim
 * would be. A claimable record is claimed by the invocation's first write, pinned to what was read
 * (`unchangedSince`), so a racing invocation that wrote first makes that write fail.
 */
export function readView(
  record: StepRecord | undefined,
  nowMs: number,
  timing: ClaimTiming,
  sent?: SentProof,
): ReadView {
  const seen = provenSent(record, sent);
  if (holds(claimGuard(nowMs, timing), seen))
    return {
      kind: 'claimable',
      attempt: (record?.attempt ?? 0) + 1,
      reachedAt: seen?.reachedAt ?? nowMs,
      observed: record,
    };
  const view = claimView({ applied: false, current: seen }, nowMs, timing);
  return view.kind === 'claimed' ? { kind: 'busy' } : view;
}

/**
 * What the ledger says of a `sending` record's attempt: its entry (`LEDGER#<ledgerAt>#<decision
 * id>`) exists and says `sent`. The holder writes it after the provider accepted, and writes no
 * finish after it: the entry is the finish.
 */
export interface SentProof {
  /** The entry's time (its `at`). */
  atMs: number;
  /** What the workflow was told. */
  result: StepResult;
}

/**
 * A `sending` record with its proof reads as the finish would have left it: done at the entry's
 * time, with its result, not reached (a journey loop that reopens it reaches it anew). Without a
 * proof, a `sending` record stays what it is: busy, then in doubt.
 */
function provenSent(record: StepRecord | undefined, sent: SentProof | undefined): StepRecord | undefined {
  if (record?.state !== 'sending' || !sent) return record;
  const { reachedAt: _reached, ledgerAt: _ledger, channel: _channel, untilMs: _until, ...rest } = record;
  return { ...rest, state: 'done', result: sent.result, finishedAt: sent.atMs };
}

// ── What a provider call means for the protocol ─────────────────────────────────────────────

/**
 * How a provider answered one call (functions/adapters/provider-errors.ts classifies):
 * - `sent`: it accepted the message;
 * - `rejected`: it proved it took nothing and never will (validation, opt-out, bad token);
 * - `retry_later`: it proved it took nothing for now (throttled, connection refused);
 * - `in_doubt`: it may have taken it (5xx, reset or timeout after the request was written).
 */
export type ProviderVerdict = 'sent' | 'rejected' | 'retry_later' | 'in_doubt';

/** What the holder does next. Only `rejected` lets another channel be tried. */
export type AfterProviderCall = 'finish_sent' | 'settle_and_try_next' | 'finish_deferred' | 'finish_unknown';

export function afterProviderCall(verdict: ProviderVerdict): AfterProviderCall {
  switch (verdict) {
    case 'sent':
      return 'finish_sent';
    case 'rejected':
      return 'settle_and_try_next';
    case 'retry_later':
      return 'finish_deferred';
    case 'in_doubt':
      return 'finish_unknown';
  }
}

// ── The rule, evaluated in memory ───────────────────────────────────────────────────────────

export function holds(guard: Guard, record: StepRecord | undefined): boolean {
  return guard.some((clause) => {
    if ('absent' in clause) return record === undefined;
    if (!record || record.state !== clause.state) return false;
    if (clause.token !== undefined && record.token !== clause.token) return false;
    if (clause.attempt !== undefined && record.attempt !== clause.attempt) return false;
    if (clause.before) {
      const value = record[clause.before.field];
      if (value === undefined) return false;
      return clause.before.inclusive ? value <= clause.before.ms : value < clause.before.ms;
    }
    return true;
  });
}

/** The record after a transition, or undefined when its guard does not hold (nothing changes). */
export function applyTransition(
  record: StepRecord | undefined,
  transition: StepTransition,
): StepRecord | undefined {
  if (!holds(transition.guard, record)) return undefined;
  const { set, setIfAbsent = {}, nextAttempt, remove = [] } = transition.update;
  const next = { ...setIfAbsent, ...record, ...set } as StepRecord;
  for (const [field, value] of Object.entries(setIfAbsent) as [keyof typeof setIfAbsent, number][])
    if (next[field] === undefined) next[field] = value;
  if (nextAttempt) next.attempt = (record?.attempt ?? 0) + 1;
  for (const field of remove) delete next[field];
  return next;
}
