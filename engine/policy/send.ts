/**
 * The send decision before anything is rendered or sent (DESIGN.md "Send-time policy", steps 1–4):
 * exit → candidate channels → consent/suppression/address/content → quiet hours.
 *
 * Caps (step 5) are not decided here: they depend on the other journeys' sends, which the runtime
 * reads and reserves atomically with `capCheck`.
 */
import type { StepResult } from '../contract.ts';
import type { ChannelAttempt } from '../ledger.ts';
import { MAX_SEND_ATTEMPTS, RUN_DEADLINE_REASON } from '../limits.ts';
import { runDeadline } from '../run-budget.ts';
import type { ChannelName, SendStep } from '../schema.ts';
import {
  type ChannelAddresses,
  candidateChannels,
  messageCategory,
  type PreferredChoice,
  type SkippedChannel,
} from './channels.ts';
import type { DecisionContext } from './context.ts';
import { checkExit, pastRunDeadline } from './exit.ts';
import { quietHoursEnd } from './quiet-hours.ts';
import { customerZone, type ZoneFallbackReason } from './time.ts';

/** Facts about the customer's clock, recorded with the decision. */
export interface ZoneNote {
  zone: string;
  zoneFallback?: ZoneFallbackReason;
}

/** How `preferred` was resolved (when the step lists it), for the ledger. */
export interface PreferredNote {
  preferred?: PreferredChoice;
}

export type SendPlan =
  | { kind: 'exit'; reason: string; eventId?: string }
  | ({
      kind: 'defer';
      until: Date;
      reason: 'quiet_hours';
      channel: ChannelName;
      skipped: SkippedChannel[];
    } & ZoneNote &
      PreferredNote)
  | ({
      kind: 'try';
      channels: ChannelName[];
      skipped: SkippedChannel[];
      addresses: ChannelAddresses;
    } & ZoneNote &
      PreferredNote)
  | ({ kind: 'none'; skipped: SkippedChannel[] } & PreferredNote);

/**
 * Plans a send step. The first usable channel decides quiet hours: inside them the whole step is
 * deferred (the customer's preferred channel is kept, not swapped for one that happens to be
 * awake). Outside them, later fallback channels that are themselves in quiet hours are dropped
 * with the reason `quiet_hours`, so a fallback can never send into the night.
 */
export function planSend(step: SendStep, ctx: DecisionContext): SendPlan {
  const exit = checkExit(ctx);
  if (exit) return { kind: 'exit', reason: exit.reason, eventId: exit.eventId };
  if (pastRunDeadline(ctx)) return { kind: 'exit', reason: RUN_DEADLINE_REASON };

  const { candidates, skipped, addresses, preferred } = candidateChannels(step, ctx);
  const why: PreferredNote = preferred ? { preferred } : {};
  const first = candidates[0];
  if (first === undefined) return { kind: 'none', skipped, ...why };

  const { zone, fallbackReason } = customerZone(ctx.profile, ctx.journey, ctx.config);
  const note: ZoneNote & PreferredNote = {
    zone,
    ...(fallbackReason ? { zoneFallback: fallbackReason } : {}),
    ...why,
  };

  // The policy may exempt transactional messages (a password reset at 23:00 is still wanted).
  const exempt =
    ctx.config.transactionalExempt.quietHours &&
    messageCategory(ctx.journey.messages[step.message]) === 'transactional';
  const quietUntil = (channel: ChannelName) =>
    exempt ? undefined : quietHoursEnd(channel, zone, ctx.now, ctx.config);

  const until = quietUntil(first);
  if (until) return { kind: 'defer', until, reason: 'quiet_hours', channel: first, skipped, ...note };

  const channels: ChannelName[] = [first];
  const allSkipped: SkippedChannel[] = [...skipped];
  for (const channel of candidates.slice(1)) {
    if (quietUntil(channel)) {
      allSkipped.push({ channel, reason: 'quiet_hours' });
      delete addresses[channel];
    } else {
      channels.push(channel);
    }
  }
  return { kind: 'try', channels, skipped: allSkipped, addresses, ...note };
}

/** A provider's "retry later" (throttled, unreachable) defers the step this many times (claims) before it gives up. */
export const MAX_TRANSIENT_ATTEMPTS = 5;
/** The wait after a "retry later", times the claim's attempt number. */
export const TRANSIENT_BACKOFF_MS = 5 * 60_000;

/** What a send step answers when no channel sent. */
export type UnsentConclusion =
  | { kind: 'defer'; until: Date; reason: 'capped' | 'retry' }
  | {
      kind: 'next';
      skipped: 'capped' | 'send_failed' | 'no_channel' | 'outcome_unknown';
      outcome: 'capped' | 'failed' | 'skipped' | 'unknown';
    };

/**
 * After the channels were tried and none confirmed a send: a provider call in doubt ends the step
 * as `unknown` (it may have been delivered: nothing else is tried, now or later); else a cap that
 * defers wins; else a provider's "retry later" retries with a growing backoff, up to
 * MAX_TRANSIENT_ATTEMPTS; else the step moves on, saying whether caps, the providers or the
 * customer's reachability stopped it.
 */
export function concludeUnsent(
  attempts: readonly ChannelAttempt[],
  capDeferUntil: Date | undefined,
  attempt: number,
  now: Date,
): UnsentConclusion {
  if (attempts.some((a) => a.result === 'in_doubt'))
    return { kind: 'next', skipped: 'outcome_unknown', outcome: 'unknown' };
  if (capDeferUntil) return { kind: 'defer', until: capDeferUntil, reason: 'capped' };
  const retryLater = attempts.some((a) => a.result === 'retry_later' || a.result === 'transient_failure');
  if (retryLater && attempt < MAX_TRANSIENT_ATTEMPTS) {
    return {
      kind: 'defer',
      until: new Date(now.getTime() + TRANSIENT_BACKOFF_MS * attempt),
      reason: 'retry',
    };
  }
  if (attempts.length > 0 && attempts.every((a) => a.result === 'capped')) {
    return { kind: 'next', skipped: 'capped', outcome: 'capped' };
  }
  if (retryLater || attempts.some((a) => a.result === 'permanent_failure')) {
    return { kind: 'next', skipped: 'send_failed', outcome: 'failed' };
  }
  return { kind: 'next', skipped: 'no_channel', outcome: 'skipped' };
}

/**
 * The bound on a send's deferral loop (engine/limits.ts): a deferral decided on claim `attempt` is
 * kept while `attempt < MAX_SEND_ATTEMPTS`, and never reaches past the run's deadline (the run then
 * comes back at the deadline and exits). At the bound the send is skipped: `skip` is what the step
 * answers instead, and the ledger records `deferral_limit` (DEFERRAL_LIMIT_REASON). Anything but a deferral passes through.
 */
export function boundDeferral(
  result: StepResult,
  attempt: number,
  ctx: Pick<DecisionContext, 'journey' | 'enrollment'>,
): { result: StepResult; limited: boolean } {
  if (result.outcome !== 'defer') return { result, limited: false };
  if (attempt >= MAX_SEND_ATTEMPTS) return { result, limited: true };
  const deadline = runDeadline(ctx.journey, ctx.enrollment);
  if (deadline && Date.parse(result.until) > deadline.getTime())
    return { result: { ...result, until: deadline.toISOString() }, limited: false };
  return { result, limited: false };
}

/**
 * The ledger's words for how `preferred` was resolved: `{ preferred: "sms", preferredBy: "recency",
 * preferredEvidence: "sms 4.2 (2 opens, 1 reply); email 0.8 (1 open)" }`. Counts only: no personal data.
 */
export function preferredFacts(choice: PreferredChoice | undefined): Record<string, string> {
  if (!choice) return {};
  const evidence = Object.entries(choice.scores)
    .sort(([, a], [, b]) => (b?.score ?? 0) - (a?.score ?? 0))
    .map(([channel, s]) => {
      const parts = [
        s?.opens ? `${s.opens} open${s.opens === 1 ? '' : 's'}` : '',
        s?.clicks ? `${s.clicks} click${s.clicks === 1 ? '' : 's'}` : '',
        s?.replies ? `${s.replies} repl${s.replies === 1 ? 'y' : 'ies'}` : '',
      ].filter(Boolean);
      return `${channel} ${s?.score ?? 0} (${parts.join(', ')})`;
    })
    .join('; ');
  return {
    preferred: choice.channel ?? 'none',
    preferredBy: choice.by + (choice.tie ? `, tie to ${choice.tie}` : ''),
    ...(evidence ? { preferredEvidence: evidence } : {}),
  };
}
