/**
 * The run protocol (scale mode, docs/scale-mode.md): how one customer's run of a journey moves
 * between Express segments. Pure, like engine/send-protocol.ts: each transition is a guard over the
 * stored run record and an update; the store turns it into one conditional write
 * (functions/adapters/dynamo-runs.ts) and `applyRunTransition` is the same rule in memory.
 *
 * The stored record, one per run (= enrollment), and its transitions:
 *
 *   (absent) ──enter──► claimed ──arm(seq n → n+1)──► waiting ──claim(seq n+1)──► claimed ──► …
 *                         │  ▲                          │  └──claimEvent(seq, type)──► claimed
 *                         │  └──claim (lease expired: its segment died, same seq)
 *                         ├──finish──► done
 *                         └──exit──► exited ◄──exit── waiting
 *
 *   - A segment holds the run while `claimed`, fenced by its `token`: only the holder may `arm` or
 *     `finish`, and only for the seq it claimed.
 *   - Every fire (a timer, a duplicate timer, a Lambda async retry, an at-least-once Express start,
 *     the reconciler) claims with `seq = n AND status = waiting`: the first wins, every other one
 *     fails on the guard and does nothing. A fire for an older seq never matches.
 *   - A wait for an event has one timer (its timeout) and one event: whichever claims first runs;
 *     the other falls on the guard.
 *   - `exit` (an exit event, a stopped journey) ends a waiting or claimed run; pending timers fire
 *     into a failed claim; a live holder's next `arm`/`finish` fails on the status.
 *   - `claimed` whose `claimedAt` is older than the lease (longer than an Express execution can
 *     live) has no live holder: a fire of the same seq may take it over with a new token. The send
 *     ledger keeps any send the dead segment made from going out twice.
 *
 * Timeline of one wait (t = the acting invocation's clock):
 *
 *   t0   segment A (token a, seq n) reaches wait W     arm: waiting, seq n+1, due d, entry W.next
 *   t0   CreateSchedule r-…-(n+1) at(d)               a retry of arm is refused (token removed) and
 *                                                     CreateSchedule again is a ConflictException
 *   d    Scheduler invokes fire(run, n+1)             claim: claimed, token b → StartExecution
 *   d+ε  a duplicate invocation of fire(run, n+1)     claim refused (status claimed): nothing starts
 */
import type { Enrollment } from './contract.ts';

export type RunStatus = 'waiting' | 'claimed' | 'exited' | 'done';
export type WaitKind = 'timer' | 'event';
export type ExecutionMode = 'standard' | 'scale';

/** The stored run record (attribute names are stored values: never rename them). */
export interface RunRecord {
  runId: string;
  customerId: string;
  journeyId: string;
  /** Pinned: the version the customer entered; every segment runs on it. */
  journeyVersion: number;
  enrollment: Enrollment;
  status: RunStatus;
  /** The current wait's sequence number; each arm adds one. */
  seq: number;
  /** The step the next segment starts at. */
  entry: string;
  /** Epoch ms: when the timer is due (`waiting`). */
  dueMs?: number;
  waitKind?: WaitKind;
  /** `waitKind: event`: the event type that claims the wait, and where it continues. */
  awaitEvent?: string;
  onEvent?: string;
  /** The step that armed the wait (a wait, a wait for an event, or a deferred send). */
  waitStep?: string;
  /** `claimed`: the holder's fencing token. */
  token?: string;
  claimedAt?: number;
  armedAt?: number;
  updatedAt: number;
  /** `exited` / `done`: why. */
  reason?: string;
}

export type RunTimeField = 'claimedAt' | 'dueMs' | 'armedAt';

/** One clause of a guard; a guard holds when any clause holds. */
export type RunClause =
  | { absent: true }
  | {
      status: RunStatus;
      seq?: number;
      token?: string;
      waitKind?: WaitKind;
      awaitEvent?: string;
      /** `field < ms`. */
      before?: { field: RunTimeField; ms: number };
      /** `field > ms`. */
      after?: { field: RunTimeField; ms: number };
    };

export type RunGuard = readonly RunClause[];

export type RunField = Exclude<keyof RunRecord, 'runId' | 'customerId'>;

export interface RunUpdate {
  /** `put`: the whole record (enter); otherwise the fields to set. */
  put?: RunRecord;
  set?: Partial<Omit<RunRecord, 'runId' | 'customerId'>>;
  remove?: readonly RunField[];
}

export type RunTransitionName = 'enter' | 'claim' | 'claimEvent' | 'arm' | 'finish' | 'exit';

export interface RunTransition {
  name: RunTransitionName;
  guard: RunGuard;
  update: RunUpdate;
}

/** Longer than an Express execution may live (5 minutes): a claim this old has no holder. */
export const RUN_LEASE_MS = 10 * 60_000;

/** Clears what only a waiting run has. */
const WAIT_FIELDS: readonly RunField[] = ['dueMs', 'waitKind', 'awaitEvent', 'onEvent'];

// ── Transitions ─────────────────────────────────────────────────────────────────────────────

/** Ingest starts a run: the first segment holds it at seq 0. A replayed entry is refused. */
export function enter(input: {
  enrollment: Enrollment;
  entry: string;
  token: string;
  nowMs: number;
}): RunTransition {
  const { enrollment, entry, token, nowMs } = input;
  return {
    name: 'enter',
    guard: [{ absent: true }],
    update: {
      put: {
        runId: enrollment.id,
        customerId: enrollment.customerId,
        journeyId: enrollment.journeyId,
        journeyVersion: enrollment.journeyVersion,
        enrollment,
        status: 'claimed',
        seq: 0,
        entry,
        token,
        claimedAt: nowMs,
        updatedAt: nowMs,
      },
    },
  };
}

/** A timer for `seq` fired (or the reconciler acts for it): take the run, fenced by `token`. */
export function claim(input: { seq: number; token: string; nowMs: number; leaseMs?: number }): RunTransition {
  const { seq, token, nowMs } = input;
  const leaseMs = input.leaseMs ?? RUN_LEASE_MS;
  return {
    name: 'claim',
    guard: [
      { status: 'waiting', seq },
      { status: 'claimed', seq, before: { field: 'claimedAt', ms: nowMs - leaseMs } },
    ],
    update: { set: { status: 'claimed', token, claimedAt: nowMs, updatedAt: nowMs } },
  };
}

/**
 * The awaited event arrived before the timeout (`dueMs`): take the run and continue at `onEvent`.
 * `onEvent` is what the run recorded when it armed.
 */
export function claimEvent(input: {
  seq: number;
  eventType: string;
  onEvent: string;
  token: string;
  nowMs: number;
}): RunTransition {
  const { seq, eventType, onEvent, token, nowMs } = input;
  return {
    name: 'claimEvent',
    guard: [
      {
        status: 'waiting',
        seq,
        waitKind: 'event',
        awaitEvent: eventType,
        after: { field: 'dueMs', ms: nowMs },
      },
    ],
    update: {
      set: { status: 'claimed', entry: onEvent, token, claimedAt: nowMs, updatedAt: nowMs },
    },
  };
}

export type ArmedWait =
  | { kind: 'timer'; entry: string; dueMs: number; waitStep: string }
  | { kind: 'event'; entry: string; dueMs: number; waitStep: string; awaitEvent: string; onEvent: string };

/** The holder of `seq` ends its segment at a wait: seq n+1 waits for its timer (or event). */
export function arm(input: { seq: number; token: string; wait: ArmedWait; nowMs: number }): RunTransition {
  const { seq, token, wait, nowMs } = input;
  const set: RunUpdate['set'] = {
    status: 'waiting',
    seq: seq + 1,
    entry: wait.entry,
    dueMs: wait.dueMs,
    waitKind: wait.kind,
    waitStep: wait.waitStep,
    armedAt: nowMs,
    updatedAt: nowMs,
    ...(wait.kind === 'event' ? { awaitEvent: wait.awaitEvent, onEvent: wait.onEvent } : {}),
  };
  return {
    name: 'arm',
    guard: [{ status: 'claimed', seq, token }],
    update: { set, remove: wait.kind === 'event' ? ['token'] : ['token', 'awaitEvent', 'onEvent'] },
  };
}

/** The holder's segment ended the journey. */
export function finish(input: { seq: number; token: string; reason: string; nowMs: number }): RunTransition {
  return {
    name: 'finish',
    guard: [{ status: 'claimed', seq: input.seq, token: input.token }],
    update: {
      set: { status: 'done', reason: input.reason, updatedAt: input.nowMs },
      remove: ['token', ...WAIT_FIELDS],
    },
  };
}

/** An exit event or a stopped journey ends the run wherever it is. */
export function exitRun(input: { reason: string; nowMs: number }): RunTransition {
  return {
    name: 'exit',
    guard: [{ status: 'waiting' }, { status: 'claimed' }],
    update: {
      set: { status: 'exited', reason: input.reason, updatedAt: input.nowMs },
      remove: ['token', ...WAIT_FIELDS],
    },
  };
}

// ── What a refused transition means ─────────────────────────────────────────────────────────

export type RefusalReason =
  /** No such run. */
  | 'missing'
  /** The run ended (exited or done): the fire is for nothing. */
  | 'ended'
  /** The run moved past this seq (a duplicate or late fire of an earlier wait). */
  | 'stale'
  /** Another invocation holds the run and its lease runs (a duplicate fire racing the first). */
  | 'busy'
  /** Already there: a replayed entry. */
  | 'exists'
  /** The wait is not for this event, or its timeout passed. */
  | 'not_awaiting';

/** Why a guard refused, from the record as it is now (what ReturnValuesOnConditionCheckFailure gives). */
export function refusal(transition: RunTransition, current: RunRecord | undefined): RefusalReason {
  if (transition.name === 'enter') return 'exists';
  if (!current) return 'missing';
  if (current.status === 'exited' || current.status === 'done') return 'ended';
  const seqs = transition.guard.flatMap((c) => ('seq' in c && c.seq !== undefined ? [c.seq] : []));
  if (seqs.length > 0 && !seqs.includes(current.seq)) return 'stale';
  if (transition.name === 'claimEvent') return 'not_awaiting';
  return current.status === 'claimed' ? 'busy' : 'stale';
}

// ── Mode and lateness ───────────────────────────────────────────────────────────────────────

/** A journey's own `execution`, else the policy's, else Standard. */
export function executionMode(
  journey: { execution?: ExecutionMode },
  policy: { execution?: ExecutionMode },
): ExecutionMode {
  return journey.execution ?? policy.execution ?? 'standard';
}

export type LatenessAction = 'skip' | 'sendAnyway' | 'nextWindow';

export interface MaxLateness {
  afterMs: number;
  action: LatenessAction;
}

export type LatenessDecision =
  | { kind: 'proceed'; latenessMs: number }
  | { kind: 'skip'; latenessMs: number }
  | { kind: 'rearm'; latenessMs: number; dueMs: number };

const DAY_MS = 24 * 60 * 60_000;

/**
 * What a fire `latenessMs` after its due time does. `nextWindow` aims at the same time of day as the
 * missed due time, on the first day that is not already past (wall-clock days in UTC; a wait that
 * aimed at a local time keeps that time across days except on a DST change, when it is an hour off).
 */
export function decideLateness(input: { dueMs: number; nowMs: number; max?: MaxLateness }): LatenessDecision {
  const latenessMs = Math.max(0, input.nowMs - input.dueMs);
  const max = input.max;
  if (!max || latenessMs <= max.afterMs || max.action === 'sendAnyway')
    return { kind: 'proceed', latenessMs };
  if (max.action === 'skip') return { kind: 'skip', latenessMs };
  const days = Math.ceil((input.nowMs - input.dueMs) / DAY_MS);
  return { kind: 'rearm', latenessMs, dueMs: input.dueMs + days * DAY_MS };
}

// ── The rule, evaluated in memory ───────────────────────────────────────────────────────────

export function runHolds(guard: RunGuard, record: RunRecord | undefined): boolean {
  return guard.some((clause) => {
    if ('absent' in clause) return record === undefined;
    if (!record || record.status !== clause.status) return false;
    if (clause.seq !== undefined && record.seq !== clause.seq) return false;
    if (clause.token !== undefined && record.token !== clause.token) return false;
    if (clause.waitKind !== undefined && record.waitKind !== clause.waitKind) return false;
    if (clause.awaitEvent !== undefined && record.awaitEvent !== clause.awaitEvent) return false;
    if (clause.before) {
      const value = record[clause.before.field];
      if (value === undefined || !(value < clause.before.ms)) return false;
    }
    if (clause.after) {
      const value = record[clause.after.field];
      if (value === undefined || !(value > clause.after.ms)) return false;
    }
    return true;
  });
}

/** The record after a transition, or undefined when its guard does not hold (nothing changes). */
export function applyRunTransition(
  record: RunRecord | undefined,
  transition: RunTransition,
): RunRecord | undefined {
  if (!runHolds(transition.guard, record)) return undefined;
  const { put, set = {}, remove = [] } = transition.update;
  const next = { ...(put ?? record), ...set } as RunRecord;
  for (const field of remove) delete next[field];
  return next;
}
