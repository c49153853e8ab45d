/**
 * Frequency caps shared by all journeys ("at most 3 marketing messages per rolling 7 days",
 * "at most 1 SMS per day"), checked against the customer's recent sends.
 *
 * This is the pure rule; the runtime applies it atomically against stored sends so that
 * concurrent steps for one customer cannot overshoot a cap.
 */
import { DateTime, Duration } from 'luxon';
import type { ChannelName, Message } from '../schema.ts';
import type { CapRule, PolicyConfig } from './config.ts';

export type MessageCategory = 'marketing' | 'transactional';

/** What a message is for caps and quiet hours: marketing unless it says it is transactional. */
export function messageCategory(message: Pick<Message, 'category'> | undefined): MessageCategory {
  return message?.category === 'transactional' ? 'transactional' : 'marketing';
}

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
  /**
   * Present on a hold: a send deferred by a full cap that keeps its place in line (cap-window.ts).
   * A hold is not a send: it counts only against sends it outranks.
   */
  held?: CapHold;
}

/** A pending send's place in line. Times are ISO. */
export interface CapHold {
  /** When the step was first reached: equal priorities go first come, first served. */
  since: string;
  /** When the held step wakes to try again. */
  until: string;
  /** When the message stops being relevant (absent: never). */
  expiresAt?: string;
  /** The caps it waits for (absent: every cap that applies to it); it holds a place in these only. */
  caps?: string[];
}

/**
 * A hold whose step has not come back this long after its `until` is abandoned (the run exited,
 * was stopped): it stops counting, so a lost hold delays a lower-priority send by at most this.
 */
export const HOLD_GRACE_MS = 5 * 60_000;

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
  /** The key of the send's own hold (`executionId#stepId`), which never counts against it. */
  holdKey?: string;
  /** When the send's step was first reached (default `now`): breaks ties between equal priorities. */
  since?: Date;
}

export type CapCheckResult =
  | { ok: true }
  | {
      ok: false;
      capId: string;
      until: Date;
      action: 'defer' | 'skip';
      count: number;
      limit: number;
      /** The cap had room, but pending sends that outrank this one hold it (their journeys' ids). */
      preemptedBy?: string[];
    };

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
  if (category === 'transactional' && config.transactionalExempt.caps) return { ok: true };
  const nowUtc = DateTime.fromJSDate(now, { zone: 'utc' });
  const ahead = outrankingHolds(input);
  let worst: Extract<CapCheckResult, { ok: false }> | undefined;
  const keep = (candidate: Extract<CapCheckResult, { ok: false }>) => {
    if (!worst || candidate.until > worst.until) worst = candidate;
  };

  for (const cap of config.caps) {
    if (!capApplies(cap, channel, category)) continue;
    const window = Duration.fromISO(cap.window);
    if (!window.isValid) continue;
    const windowStart = nowUtc.minus(window).toMillis();
    const counted = recent
      .filter((e) => !e.held && e.key !== key && capApplies(cap, e.channel, e.category))
      .map((e) => Date.parse(e.at))
      .filter((t) => Number.isFinite(t) && t > windowStart)
      .sort((a, b) => a - b);
    if (counted.length < cap.limit) {
      // Room, unless sends that outrank this one are waiting for it (first the highest priority).
      const waiting = ahead.filter(
        (h) => capApplies(cap, h.channel, h.category) && (h.held.caps?.includes(cap.id) ?? true),
      );
      if (counted.length + waiting.length < cap.limit) continue;
      const lastWake = Math.max(...waiting.map((h) => Date.parse(h.held.until)), now.getTime());
      keep({
        ok: false,
        capId: cap.id,
        until: new Date(lastWake + HOLD_GRACE_MS + (100 - clampPriority(priority)) * 1000),
        action: priority >= config.deferPriorityAtLeast ? 'defer' : 'skip',
        count: counted.length,
        limit: cap.limit,
        preemptedBy: [...new Set(waiting.map((h) => h.journeyId))],
      });
      continue;
    }

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
    keep({
      ok: false,
      capId: cap.id,
      until,
      action: priority >= config.deferPriorityAtLeast ? 'defer' : 'skip',
      count: counted.length,
      limit: cap.limit,
    });
  }
  return worst ?? { ok: true };
}

/**
 * The holds still waiting (not abandoned, not expired) that go before this send: a higher
 * priority, or the same priority reached earlier (first come, first served).
 */
export function outrankingHolds(input: CapCheckInput): (CapEntry & { held: CapHold })[] {
  const { recent, priority, now, holdKey } = input;
  const since = (input.since ?? now).getTime();
  const mine = clampPriority(priority);
  return recent.filter((e): e is CapEntry & { held: CapHold } => {
    if (!e.held || e.key === holdKey || !holdIsLive(e.held, now)) return false;
    const theirs = clampPriority(e.priority);
    return theirs > mine || (theirs === mine && Date.parse(e.held.since) < since);
  });
}

/** A hold counts until its step is overdue by HOLD_GRACE_MS or its message has expired. */
export function holdIsLive(hold: CapHold, now: Date): boolean {
  const t = now.getTime();
  if (hold.expiresAt !== undefined && t >= Date.parse(hold.expiresAt)) return false;
  return t < Date.parse(hold.until) + HOLD_GRACE_MS;
}

function clampPriority(priority: number): number {
  return Number.isFinite(priority) ? Math.min(100, Math.max(1, priority)) : 1;
}
