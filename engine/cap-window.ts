/**
 * A customer's cap window as stored: the recent sends every journey counts against, and the holds
 * of sends waiting for room. Every change is decided here (purely) and applied by the store as one
 * versioned write of the customer's one cap item (`SEND#<customer>`, optimistic concurrency: a
 * write whose version moved is re-read and re-decided), so concurrent steps for one customer can
 * neither overshoot a cap nor lose a hold.
 *
 * Priority arbitration. A send that finds its cap full and defers leaves a hold: its journey's
 * priority, when its step was first reached (`since`), when it wakes (`until`) and when it
 * expires. A hold is not a send and never blocks the sends it does not outrank; it makes a send
 * it outranks (lower priority, or equal priority reached later) count it as taken. So when room
 * frees, it goes to the best waiting send, not to whoever asks first. The loser is refused with
 * `preemptedBy` (ledger reason `<channel>:preempted:<cap>`) and defers or skips by the usual
 * `deferPriorityAtLeast` rule. A hold keeps a place only in the caps that refused it (a send
 * waiting for the daily SMS cap does not block a marketing email). Reservations are never taken back: a slot once reserved is about
 * to be used by a provider call in the same invocation, and at most once forbids racing it.
 *
 * Timeline (cap 3 per 7 days, full with sends s1 s2 s3; s1 leaves the window at T):
 *
 *   t0      cart reminder (priority 80) finds the cap full → hold{80, since t0, until T+20s}, defers
 *   T       s1 leaves the window: room for one
 *   T+5s    replenishment (priority 30) asks: 2 sends + 1 hold it is outranked by = 3 → refused,
 *           `preempted`, skipped (30 < deferPriorityAtLeast)
 *   T+20s   cart reminder wakes: its own hold does not count; 2 < 3 → reserved, hold removed in the
 *           same write, sent
 *   T+20s+  had the reminder's run exited instead, its hold stops counting at T+20s+HOLD_GRACE_MS
 *           (or at its expiry, whichever is first), so a lost hold never blocks a cap for long.
 *
 * Concurrency: the reservation at T+20s and the refusal at T+5s are each one versioned write; if
 * both race, one re-reads the other's result and decides again, so there is never a moment where
 * both see room. Equal priorities go first come, first served by `since`.
 */
import { Duration } from 'luxon';
import { type CapCheckResult, type CapEntry, type CapHold, capCheck, holdIsLive } from './policy/caps.ts';
import type { PolicyConfig } from './policy/config.ts';

export interface SlotDecision {
  /** The entries to store, or undefined when nothing changes. */
  entries?: CapEntry[];
  check: CapCheckResult;
}

/** Sends older than the longest cap window can never count again; nor can lapsed holds. */
export function pruneCapEntries(entries: readonly CapEntry[], now: Date, config: PolicyConfig): CapEntry[] {
  const longest = Math.max(0, ...config.caps.map((cap) => Duration.fromISO(cap.window).toMillis() || 0));
  const oldest = now.getTime() - longest;
  return entries.filter((e) => (e.held ? holdIsLive(e.held, now) : (Date.parse(e.at) || 0) > oldest));
}

/** Who asks for a slot: the step's own hold key and when the step was first reached. */
export interface SlotClaimant {
  /** `executionId#stepId`: the key of the step's hold. */
  holdKey?: string;
  since?: Date;
}

/**
 * Takes a slot for `candidate` when every applicable cap has room. Idempotent: an entry with the
 * candidate's key already present means the slot is held (a retry) and nothing changes.
 */
export function reserveSlot(
  entries: readonly CapEntry[],
  candidate: CapEntry,
  now: Date,
  config: PolicyConfig,
  claimant: SlotClaimant = {},
): SlotDecision {
  if (entries.some((e) => e.key === candidate.key)) return { check: { ok: true } };
  const recent = pruneCapEntries(entries, now, config);
  const check = capCheck({
    recent,
    channel: candidate.channel,
    category: candidate.category,
    priority: candidate.priority,
    now,
    config,
    key: candidate.key,
    ...(claimant.holdKey === undefined ? {} : { holdKey: claimant.holdKey }),
    ...(claimant.since === undefined ? {} : { since: claimant.since }),
  });
  if (!check.ok) return { check };
  // The send takes its slot and gives up its place in line in the same write.
  return { entries: [...recent.filter((e) => e.key !== claimant.holdKey), candidate], check };
}

/** Records (or moves) a deferred send's place in line; `hold.key` is its step's hold key. */
export function holdSlot(
  entries: readonly CapEntry[],
  hold: CapEntry & { held: CapHold },
  now: Date,
  config: PolicyConfig,
): SlotDecision {
  const recent = pruneCapEntries(entries, now, config).filter((e) => e.key !== hold.key);
  return { entries: holdIsLive(hold.held, now) ? [...recent, hold] : recent, check: { ok: true } };
}

/** Gives a slot back (the provider refused the message, so it was never sent). */
export function releaseSlot(entries: readonly CapEntry[], key: string): SlotDecision {
  if (!entries.some((e) => e.key === key)) return { check: { ok: true } };
  return { entries: entries.filter((e) => e.key !== key), check: { ok: true } };
}
