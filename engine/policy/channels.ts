/**
 * Channel choice: the send step's ordered channel list, expanded and filtered to the channels
 * that may and can carry this message to this customer. Each dropped channel carries a stable
 * reason code, recorded in the ledger and shown by `simulate`.
 *
 * Consent rule (the legal line): a marketing message needs `opted_in` for SMS and push (opt-in
 * channels); email is allowed unless the customer opted out (`unknown` counts as allowed, as for
 * customers who gave their address when buying). Transactional messages (receipts, password
 * resets) skip the consent check but never suppression: a bounced address or a STOP is final.
 */
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Profile, PushToken } from '../data.ts';
import type { ChannelChoice, ChannelName, SendStep } from '../schema.ts';
import { type MessageCategory, messageCategory } from './caps.ts';
import type { DecisionContext } from './context.ts';
import { boundedMemo } from './memo.ts';
import { channelEvidence, halfLifeMs, summarise } from './recency.ts';
import { contentFor } from './render.ts';

export type SkipReason =
  | 'no_preference'
  | 'no_consent'
  | 'opted_out'
  | `suppressed:${string}`
  | 'invalid_email'
  | 'invalid_phone'
  | 'no_push_token'
  | 'no_content'
  | 'quiet_hours';

export interface SkippedChannel {
  channel: ChannelChoice;
  reason: SkipReason;
}

/** Where each usable channel delivers: a normalised address, E.164 phone, device tokens. */
export interface ChannelAddresses {
  email?: string;
  sms?: string;
  push?: PushToken[];
}

export interface CandidateChannels {
  /** Usable channels, in the step's order, without duplicates. */
  candidates: ChannelName[];
  skipped: SkippedChannel[];
  addresses: ChannelAddresses;
  /** How `preferred` was resolved, when the step lists it: the evidence for the ledger and simulate. */
  preferred?: PreferredChoice;
}

/**
 * How `preferred` became a channel (or none): `stated` (the profile's own preference), `lifetime`
 * (opens + 3 × clicks ever) or `recency` (recency-weighted, policy `learning.channelHalfLife`), with
 * each channel's score; `tie` says how a tie was broken.
 */
export interface PreferredChoice {
  channel?: ChannelName;
  by: 'stated' | 'lifetime' | 'recency';
  /** Per channel with any engagement: the score (two decimals) and what it counts. */
  scores: Partial<Record<ChannelName, { score: number; opens: number; clicks: number; replies: number }>>;
  tie?: 'latest' | 'order';
}

/** Recency ties go to the channel engaged with last, then in this order (the least intrusive first). */
export const TIE_ORDER: readonly ChannelName[] = ['email', 'push', 'sms'];

/** A click says more about a channel than an open. */
const CLICK_WEIGHT = 3;
const CHANNEL_NAMES: readonly ChannelName[] = ['email', 'sms', 'push'];

// In caps.ts, so that the validator reads it without loading libphonenumber-js (issue 17).
export { messageCategory } from './caps.ts';

/**
 * The customer's stated preference, else the channel with the strictly highest engagement score
 * (opens + 3 × clicks), else undefined (no engagement, or a tie).
 */
export function preferredChannel(profile: Profile): ChannelName | undefined {
  if (isChannelName(profile.preferredChannel)) return profile.preferredChannel;
  let best: ChannelName | undefined;
  let bestScore = 0;
  let tie = false;
  for (const channel of CHANNEL_NAMES) {
    const e = profile.engagement?.[channel];
    const score = count(e?.opens) + CLICK_WEIGHT * count(e?.clicks);
    if (score > bestScore) {
      best = channel;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

/**
 * `preferred` for this journey: the stated preference, else the journey's `channelChoice` rule —
 * `lifetime` (the default, preferredChannel above) or `recency`:
 * each channel scores Σ weight × 0.5^(age / half-life) over its recent opens (1), clicks (3) and
 * replies (3) (engine/policy/recency.ts). The strictly highest positive score wins; a tie (equal to
 * 1e-9) goes to the channel with the latest engagement, then to TIE_ORDER. No engagement at all (a
 * cold start) is no preference: the step's list goes on to its next channel, as with `lifetime`.
 */
export function choosePreferred(
  ctx: Pick<DecisionContext, 'profile' | 'journey' | 'now' | 'config'>,
): PreferredChoice {
  const { profile } = ctx;
  if (isChannelName(profile.preferredChannel))
    return { channel: profile.preferredChannel, by: 'stated', scores: {} };
  if (ctx.journey.channelChoice !== 'recency') {
    const channel = preferredChannel(profile);
    const scores: PreferredChoice['scores'] = {};
    for (const c of CHANNEL_NAMES) {
      const e = profile.engagement?.[c];
      const opens = count(e?.opens);
      const clicks = count(e?.clicks);
      if (opens + clicks > 0)
        scores[c] = { score: opens + CLICK_WEIGHT * clicks, opens, clicks, replies: count(e?.replies) };
    }
    return { ...(channel ? { channel } : {}), by: 'lifetime', scores };
  }
  const halfLife = halfLifeMs(ctx.config.learning.channelHalfLife) ?? 30 * 86_400_000;
  const now = ctx.now.getTime();
  const scores: PreferredChoice['scores'] = {};
  const ranked: { channel: ChannelName; score: number; latest: number }[] = [];
  for (const channel of TIE_ORDER) {
    const evidence = channelEvidence(profile.engagement?.[channel], now, halfLife);
    const s = summarise(evidence);
    if (s.weight <= 0) continue;
    scores[channel] = {
      score: Math.round(s.weight * 100) / 100,
      opens: s.opens,
      clicks: s.clicks,
      replies: s.replies,
    };
    ranked.push({ channel, score: s.weight, latest: Math.max(...evidence.map((e) => e.at)) });
  }
  if (ranked.length === 0) return { by: 'recency', scores };
  const top = Math.max(...ranked.map((r) => r.score));
  const tied = ranked.filter((r) => Math.abs(r.score - top) <= 1e-9 * Math.max(1, top));
  if (tied.length === 1) return { channel: tied[0]!.channel, by: 'recency', scores };
  const latest = Math.max(...tied.map((r) => r.latest));
  const newest = tied.filter((r) => r.latest === latest);
  // `ranked` is in TIE_ORDER, so the first of the newest is the order's pick.
  return {
    channel: newest[0]!.channel,
    by: 'recency',
    scores,
    tie: newest.length === 1 ? 'latest' : 'order',
  };
}

export function candidateChannels(step: SendStep, ctx: DecisionContext): CandidateChannels {
  const { profile, journey } = ctx;
  const preferred = step.channels.includes('preferred') ? choosePreferred(ctx) : undefined;
  const message = journey.messages[step.message];
  const category = messageCategory(message);
  const skipped: SkippedChannel[] = [];
  const candidates: ChannelName[] = [];
  const addresses: ChannelAddresses = {};
  const seen = new Set<ChannelName>();

  for (const choice of step.channels) {
    const channel = choice === 'preferred' ? preferred?.channel : choice;
    if (channel === undefined) {
      skipped.push({ channel: 'preferred', reason: 'no_preference' });
      continue;
    }
    if (!isChannelName(channel) || seen.has(channel)) continue;
    seen.add(channel);

    const reason =
      consentProblem(profile, channel, category) ??
      suppressionProblem(profile, channel) ??
      addressProblem(profile, channel, addresses) ??
      (contentFor(message, channel, profile.locale, journey.defaultLocale) ? undefined : 'no_content');
    if (reason) skipped.push({ channel, reason });
    else candidates.push(channel);
  }
  for (const channel of CHANNEL_NAMES) {
    if (!candidates.includes(channel)) delete addresses[channel];
  }
  return { candidates, skipped, addresses, ...(preferred ? { preferred } : {}) };
}

// ── Checks, each returning a reason or undefined ─────────────────────────────────────────────

function consentProblem(
  profile: Profile,
  channel: ChannelName,
  category: MessageCategory,
): SkipReason | undefined {
  if (category === 'transactional') return undefined;
  const status = profile.consent?.[channel]?.status;
  if (status === 'opted_out') return 'opted_out';
  if (channel === 'email') return undefined;
  return status === 'opted_in' ? undefined : 'no_consent';
}

function suppressionProblem(profile: Profile, channel: ChannelName): SkipReason | undefined {
  const entry = profile.suppressed?.[channel];
  if (entry === undefined || entry === null) return undefined;
  const why = typeof entry.reason === 'string' ? entry.reason.toLowerCase().replace(/[^a-z0-9_]+/g, '_') : '';
  return `suppressed:${why.slice(0, 40) || 'unknown'}`;
}

function addressProblem(
  profile: Profile,
  channel: ChannelName,
  addresses: ChannelAddresses,
): SkipReason | undefined {
  switch (channel) {
    case 'email': {
      const email = normaliseEmail(profile.email);
      if (!email) return 'invalid_email';
      addresses.email = email;
      return undefined;
    }
    case 'sms': {
      const phone = normalisePhone(profile.phone, profile.country);
      if (!phone) return 'invalid_phone';
      addresses.sms = phone;
      return undefined;
    }
    case 'push': {
      const tokens = Array.isArray(profile.pushTokens)
        ? profile.pushTokens.filter(
            (t) =>
              t !== null &&
              typeof t === 'object' &&
              (t.platform === 'APNS' || t.platform === 'GCM') &&
              typeof t.token === 'string' &&
              t.token.trim().length > 0,
          )
        : [];
      if (tokens.length === 0) return 'no_push_token';
      addresses.push = tokens;
      return undefined;
    }
    default:
      return undefined;
  }
}

// ── Addresses ─────────────────────────────────────────────────────────────────────────────────

// Local part: RFC 5322 dot-atom (no quoted strings, which no real mailbox provider hands out).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Domain: dot-separated LDH labels (punycode included), a TLD of letters or `xn--`.
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TLD = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/** A syntactically sound email address, trimmed and with its domain lower-cased, or undefined. */
export function normaliseEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim();
  if (email.length > 254) return undefined;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@')) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL_PART.test(local)) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return undefined;
  if (!labels.every((l) => DOMAIN_LABEL.test(l)) || !TLD.test(labels[labels.length - 1] ?? '')) {
    return undefined;
  }
  return `${local}@${domain}`;
}

/**
 * A valid phone number in E.164, or undefined. A national number is read in the profile's
 * country (ISO 3166 alpha-2) when one is given.
 */
export function normalisePhone(value: unknown, country: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const region =
    typeof country === 'string' && /^[A-Za-z]{2}$/.test(country)
      ? (country.toUpperCase() as CountryCode)
      : undefined;
  return phoneInE164(`${region ?? ''}|${value}`);
}

/**
 * libphonenumber's parse and validation, memoised per (region, number): a sixth of a send decision
 * otherwise, and a warm Lambda sees the same customers' numbers step after step. The key is
 * `region|number`: the two-letter region (or nothing), a bar, the number as given.
 */
const phoneInE164 = /* @__PURE__ */ boundedMemo(4_096, (key: string): string | undefined => {
  const bar = key.indexOf('|');
  const region = bar > 0 ? (key.slice(0, bar) as CountryCode) : undefined;
  const value = key.slice(bar + 1);
  try {
    const parsed = region ? parsePhoneNumberFromString(value, region) : parsePhoneNumberFromString(value);
    return parsed?.isValid() ? parsed.number : undefined;
  } catch {
    // libphonenumber-js throws on some unknown default countries; an unparseable number is invalid.
    return undefined;
  }
});

export function isChannelName(value: unknown): value is ChannelName {
  return value === 'email' || value === 'sms' || value === 'push';
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
