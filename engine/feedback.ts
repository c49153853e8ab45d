/**
 * What delivery feedback does to a profile: a hard bounce or complaint suppresses email, a STOP
 * reply opts the number out of SMS, an invalid push token is removed, opens, clicks and replies
 * raise the channel's engagement (which drives `preferred` when the customer stated no preference)
 * and are kept, newest first, in its bounded `recent` list (send-time optimisation reads it).
 *
 * A machine open (`machine` set: an Apple Mail Privacy Protection prefetch, functions/app/feedback-parse.ts)
 * is recorded in the ledger as an open but is not engagement: the proxy fetched the pixel when the
 * mail arrived, not when the customer read it, so it would teach the send time back to itself.
 */
import { type Profile, RECENT_ENGAGEMENT_LIMIT, type RecentEngagement } from './data.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { ChannelName } from './schema.ts';

export type Feedback =
  | { kind: 'delivered'; channel: ChannelName }
  | { kind: 'opened'; channel: ChannelName; machine?: 'apple_mpp' }
  | { kind: 'clicked'; channel: ChannelName }
  | { kind: 'replied'; channel: 'sms' }
  | { kind: 'bounced'; channel: 'email'; permanent: boolean; bounceType: string }
  | { kind: 'complained'; channel: 'email' }
  | { kind: 'sms_stop'; channel: 'sms' }
  | { kind: 'failed'; channel: ChannelName; permanent: boolean; reason: string }
  | { kind: 'push_token_invalid'; channel: 'push'; token: string };

export interface FeedbackEffect {
  /** The changed profile, or undefined when the profile does not change. */
  profile: Profile | undefined;
  outcome: LedgerOutcome;
}

/**
 * The outcome of feedback that never changes a profile, whatever it holds (a delivery, a machine
 * open, a soft bounce, a failure other than a carrier opt-out): the profile need not be read.
 * Undefined when the feedback may change it.
 */
export function outcomeWithoutProfile(feedback: Feedback): LedgerOutcome | undefined {
  switch (feedback.kind) {
    case 'delivered':
      return 'delivered';
    case 'opened':
      return feedback.machine ? 'opened' : undefined;
    case 'bounced':
      return feedback.permanent ? undefined : 'bounced';
    case 'failed':
      return feedback.permanent && feedback.reason === 'opt_out' && feedback.channel === 'sms'
        ? undefined
        : 'failed';
    default:
      return undefined;
  }
}

export function applyFeedback(current: Profile, feedback: Feedback, at: string): FeedbackEffect {
  const fixed = outcomeWithoutProfile(feedback);
  if (fixed !== undefined) return { profile: undefined, outcome: fixed };
  const profile = structuredClone(current);
  switch (feedback.kind) {
    case 'delivered':
      return { profile: undefined, outcome: 'delivered' };
    case 'opened':
    case 'clicked':
    case 'replied': {
      const e = profile.engagement?.[feedback.channel] ?? { opens: 0, clicks: 0 };
      const kind = KIND[feedback.kind];
      const next = {
        ...e,
        opens: e.opens + (kind === 'open' ? 1 : 0),
        clicks: e.clicks + (kind === 'click' ? 1 : 0),
        ...(kind === 'reply' || e.replies !== undefined
          ? { replies: (e.replies ?? 0) + (kind === 'reply' ? 1 : 0) }
          : {}),
        lastAt: e.lastAt && e.lastAt > at ? e.lastAt : at,
        recent: keepRecent(e.recent, { at, kind }),
      };
      profile.engagement = { ...profile.engagement, [feedback.channel]: next };
      return { profile, outcome: feedback.kind };
    }
    case 'bounced': // permanent (`outcomeWithoutProfile`)
      return { profile: suppress(profile, 'email', 'hard_bounce', at), outcome: 'bounced' };
    case 'complained':
      return { profile: suppress(profile, 'email', 'complaint', at), outcome: 'complained' };
    case 'sms_stop':
      profile.consent = { ...profile.consent, sms: { status: 'opted_out', at, source: 'sms_stop' } };
      return { profile, outcome: 'opted_out' };
    case 'failed': // a carrier's SMS opt-out (`outcomeWithoutProfile`)
      profile.consent = { ...profile.consent, sms: { status: 'opted_out', at, source: 'carrier_opt_out' } };
      return { profile, outcome: 'opted_out' };
    case 'push_token_invalid': {
      const tokens = profile.pushTokens ?? [];
      const kept = tokens.filter((t) => t.token !== feedback.token);
      if (kept.length === tokens.length) return { profile: undefined, outcome: 'token_removed' };
      profile.pushTokens = kept;
      return { profile, outcome: 'token_removed' };
    }
  }
}

function suppress(profile: Profile, channel: ChannelName, reason: string, at: string): Profile {
  if (profile.suppressed?.[channel]) return profile;
  profile.suppressed = { ...profile.suppressed, [channel]: { reason, at } };
  return profile;
}

const KIND = { opened: 'open', clicked: 'click', replied: 'reply' } as const;

/**
 * The list with `entry` in time order, newest first, cut to RECENT_ENGAGEMENT_LIMIT. Feedback can
 * arrive late or twice (an SNS redelivery): an entry already there (same time and kind) is not added again.
 */
function keepRecent(
  list: readonly RecentEngagement[] | undefined,
  entry: RecentEngagement,
): RecentEngagement[] {
  const current = Array.isArray(list) ? list : [];
  if (current.some((e) => e.at === entry.at && e.kind === entry.kind)) return [...current];
  const merged = [...current, entry].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return merged.slice(0, RECENT_ENGAGEMENT_LIMIT);
}
