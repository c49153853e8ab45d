/**
 * Frequency caps shared by all journeys ("at most 3 marketing messages per rolling 7 days",
 * "at most 1 SMS per day"), checked against the customer's recent sends.
 *
 * This is the pure rule; the runtime applies it atomically against stored sends so that
 * concurrent steps for one customer cannot overshoot a cap.
 */
import { DateTime, Duration } from 'luxon';
import type { ChannelName } from '../schema.ts';
import type { CapRule, PolicyConfig } from './config.ts';

export type MessageCategory = 'marketing' | 'transactional';

/** One recorded send, as the cap check sees it. */
export interface CapEntry {
  /** `executionId#stepId`: the send's idempotency key. */
  key: string;
  /** ISO timestamp of the send. */
  at: string;
  channel: ChannelName;
  category: MessageCategory;
  priority: number;
  journeyId: string;
}

export interface CapCheckInput {
  recent: readonly CapEntry[];
  channel: ChannelName;
  category: MessageCategory;
  /** The sending journey's priority, 1–100. */
  priority: number;
  now: Date;
  config: PolicyConfig;
  /** The key of the send being decided: an entry with this key (a retry of it) is not counted. */
  key?: string;
}

export type CapCheckResult =
  | { ok: true }
  | { ok: false; capId: string; until: Date; action: 'defer' | 'skip'; count: number; limit: number };

/** Whether a cap limits sends of this channel and category. */
export function capApplies(cap: CapRule, channel: ChannelName, category: MessageCategory): boolean {
  return cap.channels.includes(channel) && (cap.category === undefined || cap.category === category);
}

/**
 * The first full cap among those that apply, or ok. When several are full, the one that frees
 * up last decides `until` (the send needs all of them to have room).
 *
 * `until` is when enough counted sends have left the rolling window for one more to fit, plus
 * `100 - priority` seconds so that, when many deferred steps wake together, higher priorities
 * come first. Journeys with priority ≥ `config.deferPriorityAtLeast` wait (`defer`); lower ones
 * give up this send (`skip`).
 */
export function capCheck(input: CapCheckInput): CapCheckResult {
  const { recent, channel, category, priority, now, config, key } = input;
  const nowUtc = DateTime.fromJSDate(now, { zone: 'utc' });
  let worst: Extract<CapCheckResult, { ok: false }> | undefined;

  for (const cap of config.caps) {
    if (!capApplies(cap, channel, category)) continue;
    const window = Duration.fromISO(cap.window);
    if (!window.isValid) continue;
    const windowStart = nowUtc.minus(window).toMillis();
    const counted = recent
      .filter((e) => e.key !== key && capApplies(cap, e.channel, e.category))
      .map((e) => Date.parse(e.at))
      .filter((t) => Number.isFinite(t) && t > windowStart)
      .sort((a, b) => a - b);
    if (counted.length < cap.limit) continue;

    // A limit of 0 blocks the channel outright: nothing ever leaves the window to make room.
    const freesAt =
      cap.limit === 0
        ? undefined
        : DateTime.fromMillis(counted[counted.length - cap.limit] ?? now.getTime(), { zone: 'utc' }).plus(
            window,
          );
    const until = new Date(
      (freesAt ? Math.max(freesAt.toMillis(), now.getTime()) : nowUtc.plus(window).toMillis()) +
        (100 - clampPriority(priority)) * 1000,
    );
    if (!worst || until > worst.until) {
      worst = {
        ok: false,
        capId: cap.id,
        until,
        action: priority >= config.deferPriorityAtLeast ? 'defer' : 'skip',
        count: counted.length,
        limit: cap.limit,
      };
    }
  }
  return worst ?? { ok: true };
}

function clampPriority(priority: number): number {
  return Number.isFinite(priority) ? Math.min(100, Math.max(1, priority)) : 1;
}
