/**
 * One channel of one send attempt: reserve a cap slot → re-check consent on a fresh profile →
 * render → mark the step `sending` (fenced) → one provider call → what its answer means
 * (engine/send-protocol.ts `afterProviderCall`). Each function below takes one decision.
 */
import { releaseSlot, reserveSlot } from '../../engine/cap-window.ts';
import type { StepRequest } from '../../engine/contract.ts';
import type { ChannelAttempt } from '../../engine/ledger.ts';
import {
  type CapEntry,
  candidateChannels,
  type DecisionContext,
  RenderError,
  type RenderedMessage,
} from '../../engine/policy/index.ts';
import type { ChannelName, Journey, SendStep } from '../../engine/schema.ts';
import {
  afterProviderCall,
  claimAndSend,
  type ProviderVerdict,
  type StepRecord,
  settle,
  startSending,
} from '../../engine/send-protocol.ts';
import type { CapWindow, SendOutcome, SentMessageRecord, SentWrites } from '../ports.ts';
import { deliver, forgetInvalidTokens, optOutSms } from './deliver.ts';
import { unsubscribeLinks } from './links.ts';
import type { StepRuntime } from './send.ts';

/** Everything one send attempt needs, built once per claimed attempt. */
export interface SendContext {
  rt: StepRuntime;
  request: StepRequest;
  journey: Journey;
  step: SendStep;
  ctx: DecisionContext;
  /** The cap window as this call last saw it (read with the profile; kept current by `reserveCap`). */
  caps: CapWindow;
  /**
   * The lazy claim: `observed` is the step record as read; `written` turns true with this
   * invocation's first step write (`claimAndSend` or `claimAndFinish`), which claims the step.
   */
  claim: { key: string; attempt: number; token: string; observed: StepRecord | undefined; written: boolean };
  /** When the step was first reached (the step record's `reachedAt`): its place in line. */
  reachedAt: Date;
  category: 'marketing' | 'transactional';
  variant: string | undefined;
}

export interface CapFull {
  id: string;
  count: number;
  limit: number;
  /** Set when the cap asks to defer rather than skip. */
  until?: Date;
  /** The cap had room, held for pending sends that outrank this one (their journeys). */
  preemptedBy?: string[];
}

/** What one channel attempt produced; `stop`: try no further channel. */
export interface ChannelTry {
  attempt: ChannelAttempt;
  stop: boolean;
  cap?: CapFull;
  rendered?: RenderedMessage;
  /** Sent: the message index and content, for the ledger entry's batch (send.ts `record`). */
  writes?: SentWrites;
}

/** Another invocation took the step over (this one outlived its lease): it must send nothing more. */
export class LostClaim extends Error {
  override readonly name = 'LostClaim';
  readonly code = 'lost_claim';
}

export async function attemptChannel(sc: SendContext, channel: ChannelName): Promise<ChannelTry> {
  const cap = await reserveCapSlot(sc, channel);
  if (cap) {
    const reason = `${cap.preemptedBy ? 'preempted' : 'capped'}:${cap.id}`;
    return { attempt: { channel, result: 'capped', reason }, stop: false, cap };
  }

  const allowed = await recheckConsent(sc, channel);
  if (!allowed.ok) {
    await releaseCapSlot(sc);
    return { attempt: { channel, result: 'not_allowed', reason: allowed.reason }, stop: false };
  }
  const links = unsubscribeLinks(sc.rt.unsubscribe, sc.request.enrollment.customerId, channel, sc.ctx.now);
  const rendered = render(sc, channel, allowed.profile, links.url);
  if ('error' in rendered) {
    await releaseCapSlot(sc);
    return { attempt: { channel, result: 'render_error', reason: rendered.error }, stop: false };
  }

  await markSending(sc, channel);
  const outcome = await deliver(
    sc.rt,
    channel,
    rendered.message,
    allowed.addresses,
    links,
    tags(sc),
    sc.category,
  );
  return afterCall(sc, channel, outcome, rendered.message, allowed.addresses);
}

// ── Before the call ─────────────────────────────────────────────────────────────────────────

/**
 * This invocation's cap slot. Two invocations that read the same step record decide the same
 * attempt, and only one claims it (engine/send-protocol.ts, the lazy claim): the token's first
 * characters keep their slots apart, so the one that lost gives back its own slot, never the
 * winner's.
 */
function capKey(sc: SendContext): string {
  return `${sc.claim.key}#${sc.claim.attempt}#${sc.claim.token.slice(0, 8)}`;
}

/** Reserves this attempt's slot in the shared caps; answers the full cap, if one is. */
async function reserveCapSlot(sc: SendContext, channel: ChannelName): Promise<CapFull | undefined> {
  const { rt, journey, ctx } = sc;
  const entry: CapEntry = {
    key: capKey(sc),
    at: ctx.now.toISOString(),
    channel,
    category: sc.category,
    priority: journey.priority,
    journeyId: journey.id,
  };
  const check = await rt.store.reserveCap(
    sc.request.enrollment.customerId,
    (entries) => {
      const slot = reserveSlot(entries, entry, ctx.now, rt.config, {
        holdKey: sc.claim.key,
        since: sc.reachedAt,
      });
      return { entries: slot.entries, result: slot.check };
    },
    sc.caps,
  );
  if (check.ok) return undefined;
  const full: CapFull = {
    id: check.capId,
    count: check.count,
    limit: check.limit,
    ...(check.preemptedBy ? { preemptedBy: check.preemptedBy } : {}),
  };
  return check.action === 'defer' ? { ...full, until: check.until } : full;
}

/** Gives the slot back: nothing went out on this channel. */
async function releaseCapSlot(sc: SendContext): Promise<void> {
  await sc.rt.store.reserveCap(
    sc.request.enrollment.customerId,
    (entries) => ({ entries: releaseSlot(entries, capKey(sc)).entries, result: undefined }),
    sc.caps,
  );
}

/**
 * Consent is re-read right before the provider call (one strongly consistent GetItem): an
 * unsubscribe that landed after the decision's read wins. The cap reservation between the two reads
 * can take a round trip or a conditional-write retry, and a customer who has just clicked
 * "unsubscribe" must not get the message that was being decided (test/integration/unsubscribe.test.ts).
 */
async function recheckConsent(sc: SendContext, channel: ChannelName) {
  const fresh = (await sc.rt.store.getProfile(sc.request.enrollment.customerId)) ?? sc.ctx.profile;
  const recheck = candidateChannels(sc.step, { ...sc.ctx, profile: fresh });
  if (recheck.candidates.includes(channel))
    return { ok: true as const, profile: fresh, addresses: recheck.addresses };
  const reason = recheck.skipped.find((s) => s.channel === channel)?.reason ?? 'not_allowed';
  return { ok: false as const, reason };
}

function render(
  sc: SendContext,
  channel: ChannelName,
  profile: DecisionContext['profile'],
  unsubscribeUrl: string,
): { message: RenderedMessage } | { error: string } {
  const { rt, journey, step, request, ctx } = sc;
  try {
    const message = rt.renderer.render(
      journey,
      step.message,
      channel,
      {
        profile,
        event: request.enrollment.event,
        ...(ctx.product ? { product: ctx.product } : {}),
        journey: { id: journey.id, name: journey.name },
        links: { unsubscribe: unsubscribeUrl },
      },
      profile.locale,
    );
    return { message };
  } catch (error) {
    rt.logger.warn('render failed', {
      customerId: request.enrollment.customerId,
      journeyId: journey.id,
      stepId: request.stepId,
      channel,
      error,
    });
    return { error: error instanceof RenderError ? error.code : 'render_error' };
  }
}

/**
 * → sending: the first write claims the step with it (`claimAndSend`, pinned to the record read);
 * after a refusal settled, `startSending` fenced by the token. Past this write the step is never
 * claimable again.
 */
async function markSending(sc: SendContext, channel: ChannelName): Promise<void> {
  const { rt, request, claim } = sc;
  const now = rt.clock.now();
  const nowMs = now.getTime();
  // The decision's time is its ledger entry's: a sent call's entry is found by it (`ledgerAt`).
  const ledgerAt = sc.ctx.now.getTime();
  const transition = claim.written
    ? startSending({ token: claim.token, channel, nowMs, ledgerAt })
    : claimAndSend({
        observed: claim.observed,
        token: claim.token,
        channel,
        nowMs,
        ledgerAt,
        reachedAt: sc.reachedAt.getTime(),
      });
  const written = await rt.store.transitionStep(request.enrollment.customerId, claim.key, transition, now);
  if (written.applied) {
    claim.written = true;
    return;
  }
  await releaseCapSlot(sc);
  throw new LostClaim('the step claim was taken over before the provider call');
}

/**
 * SES message tags: which journey, version, step, variant and run (the enrollment id, which is the
 * execution name) sent the message, so SES events and the SES stand-in's records attribute to one
 * step of one run. Enrollment ids use only letters, digits, `_` and `-` and at most 80 characters,
 * within what a MessageTag value allows
 * (https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html).
 */
function tags(sc: SendContext): Record<string, string> {
  return {
    journey: sc.journey.id,
    version: String(sc.journey.version),
    step: sc.request.stepId,
    variant: sc.variant ?? 'none',
    run: sc.request.enrollment.id,
  };
}

// ── After the call ──────────────────────────────────────────────────────────────────────────

function verdictOf(outcome: SendOutcome): ProviderVerdict {
  return outcome.status === 'permanent_failure' ? 'rejected' : outcome.status;
}

async function afterCall(
  sc: SendContext,
  channel: ChannelName,
  outcome: SendOutcome,
  rendered: RenderedMessage,
  addresses: { push?: { token: string }[] },
): Promise<ChannelTry> {
  const customerId = sc.request.enrollment.customerId;
  const now = sc.ctx.now;
  switch (afterProviderCall(verdictOf(outcome))) {
    case 'finish_sent': {
      if (outcome.status !== 'sent') throw new Error('unreachable: finish_sent without a send');
      // The index and content are written with the ledger entry, in one batch (send.ts `record`).
      const writes: SentWrites = {
        index: {
          providerMessageId: outcome.providerMessageId,
          customerId,
          channel,
          journeyId: sc.journey.id,
          journeyVersion: sc.journey.version,
          stepId: sc.request.stepId,
          executionId: sc.request.executionId,
          at: now.toISOString(),
          ...(channel === 'push' && addresses.push?.[0] ? { pushToken: addresses.push[0].token } : {}),
        },
        message: sentContent(sc, channel, rendered, outcome.providerMessageId, now),
      };
      await forgetInvalidTokens(sc.rt, customerId, outcome.invalidTokens, now);
      const attempt = { channel, result: 'sent' as const, providerMessageId: outcome.providerMessageId };
      return { attempt, stop: true, rendered, writes };
    }
    case 'settle_and_try_next': {
      if (outcome.status !== 'permanent_failure') throw new Error('unreachable: settle without a refusal');
      await releaseCapSlot(sc);
      await learnFromRefusal(sc, channel, outcome);
      const settled = await sc.rt.store.transitionStep(
        customerId,
        sc.claim.key,
        settle({ token: sc.claim.token }),
        sc.rt.clock.now(),
      );
      if (!settled.applied) throw new LostClaim('the step claim was resolved while the provider answered');
      return { attempt: { channel, result: 'permanent_failure', reason: outcome.reason }, stop: false };
    }
    case 'finish_deferred':
      // Proven not taken: same channel on the next attempt, never another channel now.
      await releaseCapSlot(sc);
      return { attempt: { channel, result: 'retry_later', reason: reasonOf(outcome) }, stop: true };
    case 'finish_unknown':
      // May have been delivered: the cap slot stays taken, and nothing else is tried.
      return { attempt: { channel, result: 'in_doubt', reason: reasonOf(outcome) }, stop: true };
  }
}

/** What the customer received, without the address it went to (the export shows it; nothing else reads it). */
function sentContent(
  sc: SendContext,
  channel: ChannelName,
  rendered: RenderedMessage,
  providerMessageId: string,
  now: Date,
): SentMessageRecord {
  const base = {
    customerId: sc.request.enrollment.customerId,
    executionId: sc.request.executionId,
    stepId: sc.request.stepId,
    journeyId: sc.journey.id,
    journeyVersion: sc.journey.version,
    channel,
    locale: rendered.locale,
    at: now.toISOString(),
    providerMessageId,
  };
  if (channel === 'email')
    return { ...base, subject: rendered.email?.subject ?? '', body: rendered.email?.text ?? '' };
  if (channel === 'sms') return { ...base, body: rendered.sms?.body ?? '' };
  return { ...base, title: rendered.push?.title ?? '', body: rendered.push?.body ?? '' };
}

function reasonOf(outcome: SendOutcome): string {
  return 'reason' in outcome ? outcome.reason : outcome.status;
}

/** A refusal can teach something about the customer: a dead push token, a carrier opt-out. */
async function learnFromRefusal(
  sc: SendContext,
  channel: ChannelName,
  outcome: Extract<SendOutcome, { status: 'permanent_failure' }>,
): Promise<void> {
  const customerId = sc.request.enrollment.customerId;
  await forgetInvalidTokens(sc.rt, customerId, outcome.invalidTokens, sc.ctx.now);
  if (channel === 'sms' && outcome.reason === 'opt_out') await optOutSms(sc.rt, customerId, sc.ctx.now);
}
