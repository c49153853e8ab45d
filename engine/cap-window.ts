/**
 * A customer's cap window as stored: the recent sends every journey counts against. Reserving a
 * slot is decided here (purely) and applied by the store atomically (optimistic concurrency), so
 * concurrent steps for one customer cannot overshoot a cap.
 */
import { Duration } from 'luxon';
import { type CapCheckResult, type CapEntry, capCheck } from './policy/caps.ts';
import type { PolicyConfig } from './policy/config.ts';

export interface SlotDecision {
  /** The entries to store, or undefined when nothing changes. */
  entries?: CapEntry[];
  check: CapCheckResult;
}

/** Entries older than the longest cap window can never count again. */
export function pruneCapEntries(entries: readonly CapEntry[], now: Date, config: PolicyConfig): CapEntry[] {
  const longest = Math.max(0, ...config.caps.map((cap) => Duration.fromISO(cap.window).toMillis() || 0));
  const oldest = now.getTime() - longest;
  return entries.filter((e) => (Date.parse(e.at) || 0) > oldest);
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
  });
  return check.ok ? { entries: [...recent, candidate], check } : { check };
}

/** Gives a slot back (the provider refused the message, so it was never sent). */
export function releaseSlot(entries: readonly CapEntry[], key: string): SlotDecision {
  if (!entries.some((e) => e.key === key)) return { check: { ok: true } };
  return { entries: entries.filter((e) => e.key !== key), check: { ok: true } };
}
