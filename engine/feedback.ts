/**
 * What delivery feedback does to a profile: a hard bounce or complaint suppresses email, a STOP
 * reply opts the number out of SMS, an invalid push token is removed, opens and clicks raise the
 * channel's engagement (which drives `preferred` when the customer stated no preference).
 */
import type { Profile } from './data.ts';
import type { LedgerOutcome } from './ledger.ts';
import type { ChannelName } from './schema.ts';

export type Feedback =
  | { kind: 'delivered'; channel: ChannelName }
  | { kind: 'opened'; channel: ChannelName }
  | { kind: 'clicked'; channel: ChannelName }
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

export function applyFeedback(current: Profile, feedback: Feedback, at: string): FeedbackEffect {
  const profile = structuredClone(current);
  switch (feedback.kind) {
    case 'delivered':
      return { profile: undefined, outcome: 'delivered' };
    case 'opened':
    case 'clicked': {
      const e = profile.engagement?.[feedback.channel] ?? { opens: 0, clicks: 0 };
      const next = {
        opens: e.opens + (feedback.kind === 'opened' ? 1 : 0),
        clicks: e.clicks + (feedback.kind === 'clicked' ? 1 : 0),
        lastAt: e.lastAt && e.lastAt > at ? e.lastAt : at,
      };
      profile.engagement = { ...profile.engagement, [feedback.channel]: next };
      return { profile, outcome: feedback.kind };
    }
    case 'bounced':
      if (!feedback.permanent) return { profile: undefined, outcome: 'bounced' };
      return { profile: suppress(profile, 'email', 'hard_bounce', at), outcome: 'bounced' };
    case 'complained':
      return { profile: suppress(profile, 'email', 'complaint', at), outcome: 'complained' };
    case 'sms_stop':
      profile.consent = { ...profile.consent, sms: { status: 'opted_out', at, source: 'sms_stop' } };
      return { profile, outcome: 'opted_out' };
    case 'failed':
      if (feedback.permanent && feedback.reason === 'opt_out' && feedback.channel === 'sms') {
        profile.consent = { ...profile.consent, sms: { status: 'opted_out', at, source: 'carrier_opt_out' } };
        return { profile, outcome: 'opted_out' };
      }
      return { profile: undefined, outcome: 'failed' };
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
