/**
 * Recency weighting, shared by send-time optimisation (send-time.ts) and `preferred` channel
 * choice (channels.ts): an engagement counts `KIND_WEIGHT` at the moment it happens and half as
 * much after each half-life (policy `learning`), so last week's clicks outweigh last year's opens.
 *
 * Read from what the step already loads: the profile's per-channel `engagement.recent` list (kept
 * by the feedback Lambda, engine/feedback.ts; machine opens never enter it) and, for send times,
 * the journey's goal events in the history window. A profile written before the list existed has
 * only counters: they count once, dated at the channel's `lastAt`.
 */
import { Duration } from 'luxon';
import type { Engagement, Profile } from '../data.ts';
import type { ChannelName } from '../schema.ts';
import { instant } from './context.ts';

export type EvidenceKind = 'open' | 'click' | 'reply' | 'conversion';

/** A click, a reply or a conversion says more about attention than an open (as `preferred` always held: 3×). */
export const KIND_WEIGHT: Readonly<Record<EvidenceKind, number>> = {
  open: 1,
  click: 3,
  reply: 3,
  conversion: 3,
};

export interface Evidence {
  kind: EvidenceKind;
  /** Epoch milliseconds. */
  at: number;
  /** KIND_WEIGHT decayed by age: weight × 0.5^(age / half-life); an engagement "from the future" is not decayed. */
  weight: number;
  /** How many engagements this stands for: 1, or a counter's value for a profile without `recent`. */
  count: number;
}

/** Milliseconds of an ISO duration (calendar units at their average length), or undefined. */
export function halfLifeMs(iso: string): number | undefined {
  const d = Duration.fromISO(iso);
  const ms = d.isValid ? d.toMillis() : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export function decayed(kind: EvidenceKind, at: number, now: number, halfLife: number): number {
  const age = Math.max(0, now - at);
  return KIND_WEIGHT[kind] * 0.5 ** (age / halfLife);
}

/** A channel's engagement as weighted evidence, newest first. */
export function channelEvidence(
  engagement: Engagement | undefined,
  now: number,
  halfLife: number,
): Evidence[] {
  if (!engagement) return [];
  const recent = Array.isArray(engagement.recent) ? engagement.recent : [];
  const out: Evidence[] = [];
  for (const entry of recent) {
    const at = instant(entry?.at);
    const kind = entry?.kind;
    if (at === undefined || (kind !== 'open' && kind !== 'click' && kind !== 'reply')) continue;
    out.push({ kind, at, weight: decayed(kind, at, now, halfLife), count: 1 });
  }
  if (out.length > 0 || recent.length > 0) return out;
  // Counters only (written before `recent`): all of it, once, at the last engagement.
  const last = instant(engagement.lastAt);
  if (last === undefined) return [];
  const add = (kind: 'open' | 'click' | 'reply', n: unknown) => {
    const count = typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 1000) : 0;
    if (count > 0) out.push({ kind, at: last, weight: count * decayed(kind, last, now, halfLife), count });
  };
  add('open', engagement.opens);
  add('click', engagement.clicks);
  add('reply', engagement.replies);
  return out;
}

/** Sum of weights, and how many of each kind, for the evidence line. */
export interface EvidenceSummary {
  weight: number;
  opens: number;
  clicks: number;
  replies: number;
  conversions: number;
}

export function summarise(evidence: readonly Evidence[]): EvidenceSummary {
  const s: EvidenceSummary = { weight: 0, opens: 0, clicks: 0, replies: 0, conversions: 0 };
  for (const e of evidence) {
    s.weight += e.weight;
    if (e.kind === 'open') s.opens += e.count;
    else if (e.kind === 'click') s.clicks += e.count;
    else if (e.kind === 'reply') s.replies += e.count;
    else s.conversions += e.count;
  }
  return s;
}

/** The customer's recency-weighted score per channel (0 for a channel without engagement). */
export function channelScores(
  profile: Pick<Profile, 'engagement'>,
  now: number,
  halfLife: number,
  channels: readonly ChannelName[],
): Record<ChannelName, EvidenceSummary> {
  const out = {} as Record<ChannelName, EvidenceSummary>;
  for (const channel of channels) {
    out[channel] = summarise(channelEvidence(profile.engagement?.[channel], now, halfLife));
  }
  return out;
}
