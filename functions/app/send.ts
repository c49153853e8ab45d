/**
 * A send step, end to end: claim (execution, step) → policy (exit, channels, quiet hours) → for
 * each usable channel: reserve a cap slot, render, re-check consent on a fresh profile, send →
 * ledger → finish. The claim makes a retried invocation return the recorded result and send
 * nothing; a provider call whose result was never recorded is not repeated (at most once).
 */

import { releaseSlot, reserveSlot } from '../../engine/cap-window.ts';
import type { StepRequest, StepResult } from '../../engine/contract.ts';
import {
  type ChannelAttempt,
  decisionId,
  type LedgerRecord,
  outcomeOf,
  stepKey,
} from '../../engine/ledger.ts';
import { DEFERRAL_LIMIT_REASON } from '../../engine/limits.ts';
import {
  boundDeferral,
  type CapEntry,
  candidateChannels,
  concludeUnsent,
  type DecisionContext,
  isChannelName,
  messageCategory,
  planSend,
  RenderError,
  type RenderedMessage,
  type Renderer,
  type SendPlan,
} from '../../engine/policy/index.ts';
import { stepIsInLoop } from '../../engine/reach.ts';
import type { ChannelName, Journey, SendStep } from '../../engine/schema.ts';
import { endsJourney, withNextUntil } from '../../engine/step-results.ts';
import { variantFor } from '../../engine/variant.ts';
import type { StepDeps } from '../deps.ts';
import { deliver, forgetInvalidTokens, optOutSms } from './deliver.ts';
import { unsubscribeLinks } from './links.ts';
import { loadDecisionContext, type Resolved } from './runtime.ts';

export type StepRuntime = Resolved<StepDeps> & { leaseMs: number; renderer: Renderer };

/** A done step on a journey loop reopens after this long (Step Functions retries of one Task end well within it). */
const REOPEN_DONE_AFTER_MS = 30 * 60_000;

class LostClaim extends Error {
  override readonly name = 'LostClaim';
}

export async function runSend(rt: StepRuntime, request: StepRequest, journey: Journey, step: SendStep) {
  const now = rt.clock.now();
  const { customerId } = request.enrollment;
  const key = stepKey(request.executionId, request.stepId);
  // A finished step runs again only on a journey loop; anything else is a retry.
  const reopenDoneAfterMs = stepIsInLoop(journey, request.stepId)
    ? REOPEN_DONE_AFTER_MS
    : Number.MAX_SAFE_INTEGER;
  const timing = { leaseMs: rt.leaseMs, reopenDoneAfterMs };
  const claim = await rt.store.claimStep(customerId, key, now, timing);
  const base = {
    kind: 'decision' as const,
    at: now.toISOString(),
    customerId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    stepId: request.stepId,
    op: 'send' as const,
    executionId: request.executionId,
  };
  switch (claim.kind) {
    case 'decided':
      rt.metrics.addMetric('StepReplayed', 'Count', 1);
      return claim.result;
    case 'busy':
      return retryLater(now, rt.leaseMs);
    case 'in_doubt': {
      // At most once: a provider call may have happened, so the step moves on without resending.
      const ctx = await loadDecisionContext(rt.store, journey, request.enrollment, now, rt.config);
      const result = withNextUntil(
        { outcome: 'next', next: step.next, detail: { skipped: 'outcome_unknown' } },
        journey,
        ctx,
      );
      await rt.store.putLedger({
        ...base,
        id: decisionId(request.executionId, request.stepId, claim.attempt),
        attempt: claim.attempt,
        outcome: 'unknown',
        reasons: ['provider_call_unconfirmed'],
        ...(isChannelName(claim.channel) ? { channel: claim.channel } : {}),
        result,
      });
      await rt.store.finishStep(customerId, key, claim.token, { state: 'done', result }, now);
      rt.metrics.addMetric('Send_unknown', 'Count', 1);
      return result;
    }
    case 'claimed':
      break;
  }

  const ctx = await loadDecisionContext(rt.store, journey, request.enrollment, now, rt.config);
  let decided: { result: StepResult; record: Omit<LedgerRecord, keyof typeof base | 'id' | 'attempt'> };
  try {
    decided = await decide(rt, request, journey, step, ctx, {
      key,
      attempt: claim.attempt,
      token: claim.token,
    });
  } catch (error) {
    if (error instanceof LostClaim) return retryLater(now, rt.leaseMs);
    throw error;
  }
  const { result, record } = limitDeferral(decided, claim.attempt, journey, step, ctx);
  await rt.store.putLedger({
    ...base,
    ...record,
    id: decisionId(request.executionId, request.stepId, claim.attempt),
    attempt: claim.attempt,
    result,
  });
  const finish =
    result.outcome === 'defer'
      ? { state: 'deferred' as const, result, until: result.until }
      : { state: 'done' as const, result };
  await rt.store.finishStep(customerId, key, claim.token, finish, now);
  const ended = endsJourney(result, journey);
  if (ended) await rt.store.setEnrollmentStatus(request.enrollment, 'exited', now, ended);
  rt.metrics.addMetric(`Send_${record.outcome}`, 'Count', 1);
  rt.logger.info('send decided', {
    customerId,
    journeyId: journey.id,
    stepId: request.stepId,
    attempt: claim.attempt,
    outcome: record.outcome,
    channel: record.channel,
    reasons: record.reasons,
  });
  return result;
}

interface Claim {
  key: string;
  attempt: number;
  token: string;
}

async function decide(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: SendStep,
  ctx: DecisionContext,
  claim: Claim,
) {
  const plan = planSend(step, ctx);
  const reasons = 'skipped' in plan ? plan.skipped.map((s) => `${s.channel}:${s.reason}`) : [];
  const zone = zoneFacts(plan, reasons);
  switch (plan.kind) {
    case 'exit': {
      const result: StepResult = { outcome: 'exit', reason: plan.reason };
      return {
        result,
        record: {
          outcome: outcomeOf(result, false),
          reasons: [plan.reason],
          ...(plan.eventId ? { facts: { eventId: plan.eventId } } : {}),
        },
      };
    }
    case 'none': {
      const result = withNextUntil(
        { outcome: 'next', next: step.next, detail: { sent: false, skipped: 'no_channel' } },
        journey,
        ctx,
      );
      return { result, record: { outcome: 'skipped' as const, reasons, ...zone } };
    }
    case 'defer': {
      reasons.push(`${plan.channel}:quiet_hours`);
      const until = plan.until.toISOString();
      const result: StepResult = {
        outcome: 'defer',
        until,
        reason: 'quiet_hours',
        detail: { channel: plan.channel },
      };
      return {
        result,
        record: { outcome: 'deferred' as const, reasons, until, channel: plan.channel, ...zone },
      };
    }
    case 'try':
      return tryChannels(rt, request, journey, step, ctx, claim, plan.channels, reasons, zone);
  }
}

async function tryChannels(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: SendStep,
  ctx: DecisionContext,
  claim: Claim,
  channels: ChannelName[],
  reasons: string[],
  zone: { zone?: string },
) {
  const { customerId } = request.enrollment;
  const now = ctx.now;
  const category = messageCategory(journey.messages[step.message]);
  const variant = variantFor(journey, request.stepId, customerId);
  const capKey = `${claim.key}#${claim.attempt}`;
  const attempts: ChannelAttempt[] = [];
  let capDefer: { until: Date; id: string; count: number; limit: number } | undefined;
  let lastCap: { id: string; count: number; limit: number } | undefined;
  let rendered: RenderedMessage | undefined;
  let sent: { channel: ChannelName; providerMessageId: string } | undefined;

  for (const channel of channels) {
    const entry: CapEntry = {
      key: capKey,
      at: now.toISOString(),
      channel,
      category,
      priority: journey.priority,
      journeyId: journey.id,
    };
    const check = await rt.store.reserveCap(customerId, (entries) => {
      const slot = reserveSlot(entries, entry, now, rt.config);
      return { entries: slot.entries, result: slot.check };
    });
    if (!check.ok) {
      attempts.push({ channel, result: 'capped', reason: `capped:${check.capId}` });
      lastCap = { id: check.capId, count: check.count, limit: check.limit };
      if (check.action === 'defer' && (!capDefer || check.until < capDefer.until))
        capDefer = { ...lastCap, until: check.until };
      continue;
    }
    const release = () =>
      rt.store.reserveCap(customerId, (entries) => ({
        entries: releaseSlot(entries, capKey).entries,
        result: undefined,
      }));

    // Consent is re-read right before the provider call: an unsubscribe that landed while this
    // step was deciding still wins.
    const fresh = (await rt.store.getProfile(customerId)) ?? ctx.profile;
    const recheck = candidateChannels(step, { ...ctx, profile: fresh });
    if (!recheck.candidates.includes(channel)) {
      const why = recheck.skipped.find((s) => s.channel === channel)?.reason ?? 'not_allowed';
      attempts.push({ channel, result: 'not_allowed', reason: why });
      await release();
      continue;
    }
    const links = unsubscribeLinks(rt.unsubscribe, customerId, channel, now);
    try {
      rendered = rt.renderer.render(
        journey,
        step.message,
        channel,
        {
          profile: fresh,
          event: request.enrollment.event,
          ...(ctx.product ? { product: ctx.product } : {}),
          journey: { id: journey.id, name: journey.name },
          links: { unsubscribe: links.url },
        },
        fresh.locale,
      );
    } catch (error) {
      attempts.push({
        channel,
        result: 'render_error',
        reason: error instanceof RenderError ? error.code : 'render_error',
      });
      rt.logger.warn('render failed', {
        customerId,
        journeyId: journey.id,
        stepId: request.stepId,
        channel,
        error,
      });
      await release();
      continue;
    }
    if (!(await rt.store.markSending(customerId, claim.key, claim.token, channel))) {
      // Another invocation took the step over (this one outlived its lease): leave it to that one.
      await release();
      throw new LostClaim();
    }
    const tags = {
      journey: journey.id,
      version: String(journey.version),
      step: request.stepId,
      variant: variant ?? 'none',
    };
    const outcome = await deliver(rt, channel, rendered, recheck.addresses, links, tags, category);
    if (outcome.status === 'sent') {
      attempts.push({ channel, result: 'sent', providerMessageId: outcome.providerMessageId });
      sent = { channel, providerMessageId: outcome.providerMessageId };
      await rt.store.putMessageIndex({
        providerMessageId: outcome.providerMessageId,
        customerId,
        channel,
        journeyId: journey.id,
        journeyVersion: journey.version,
        stepId: request.stepId,
        executionId: request.executionId,
        at: now.toISOString(),
        ...(channel === 'push' && recheck.addresses.push?.[0]
          ? { pushToken: recheck.addresses.push[0].token }
          : {}),
      });
      await forgetInvalidTokens(rt, customerId, outcome.invalidTokens, now);
      break;
    }
    await release();
    attempts.push({ channel, result: outcome.status, reason: outcome.reason });
    if (outcome.status === 'permanent_failure') {
      await forgetInvalidTokens(rt, customerId, outcome.invalidTokens, now);
      if (channel === 'sms' && outcome.reason === 'opt_out') await optOutSms(rt, customerId, now);
    }
  }

  for (const a of attempts) if (a.result !== 'sent') reasons.push(`${a.channel}:${a.reason ?? a.result}`);
  const common = {
    reasons,
    attempts,
    ...zone,
    ...(variant ? { variant } : {}),
    ...(lastCap ? { cap: lastCap } : {}),
  };
  if (sent) {
    const result = withNextUntil(
      { outcome: 'next', next: step.next, detail: { channel: sent.channel, sent: true } },
      journey,
      ctx,
    );
    return {
      result,
      record: {
        ...common,
        outcome: 'sent' as const,
        channel: sent.channel,
        providerMessageId: sent.providerMessageId,
        ...(rendered ? { locale: rendered.locale } : {}),
        ...(rendered?.sms
          ? { sms: { encoding: rendered.sms.encoding, segments: rendered.sms.segments } }
          : {}),
      },
    };
  }
  const unsent = concludeUnsent(attempts, capDefer?.until, claim.attempt, now);
  if (unsent.kind === 'defer') {
    const until = unsent.until.toISOString();
    if (unsent.reason === 'capped') {
      const result: StepResult = { outcome: 'defer', until, reason: 'capped', detail: { skipped: 'capped' } };
      return { result, record: { ...common, outcome: 'capped' as const, until } };
    }
    const result: StepResult = { outcome: 'defer', until, reason: 'retry' };
    return { result, record: { ...common, outcome: 'deferred' as const, until } };
  }
  const result = withNextUntil(
    { outcome: 'next', next: step.next, detail: { sent: false, skipped: unsent.skipped } },
    journey,
    ctx,
  );
  return { result, record: { ...common, outcome: unsent.outcome } };
}

/** The engine's bound on the deferral loop (`boundDeferral`): at the bound the send is skipped, recorded. */
/** A decision's ledger fields, before the step's coordinates are added. */
type DecisionRecord = Omit<
  LedgerRecord,
  | 'kind'
  | 'at'
  | 'customerId'
  | 'journeyId'
  | 'journeyVersion'
  | 'stepId'
  | 'op'
  | 'executionId'
  | 'id'
  | 'attempt'
>;

function limitDeferral(
  decided: { result: StepResult; record: DecisionRecord },
  attempt: number,
  journey: Journey,
  step: SendStep,
  ctx: DecisionContext,
) {
  const bounded = boundDeferral(decided.result, attempt, ctx);
  if (!bounded.limited) {
    const until = bounded.result.outcome === 'defer' ? bounded.result.until : undefined;
    return { result: bounded.result, record: until ? { ...decided.record, until } : decided.record };
  }
  const { until: _until, ...record } = decided.record;
  const result = withNextUntil(
    { outcome: 'next', next: step.next, detail: { sent: false, skipped: DEFERRAL_LIMIT_REASON } },
    journey,
    ctx,
  );
  return {
    result,
    record: { ...record, outcome: 'skipped' as const, reasons: [...record.reasons, DEFERRAL_LIMIT_REASON] },
  };
}

function zoneFacts(plan: SendPlan, reasons: string[]): { zone?: string } {
  if (plan.kind !== 'defer' && plan.kind !== 'try') return {};
  if (plan.zoneFallback) reasons.push(`zone:${plan.zoneFallback}`);
  return { zone: plan.zone };
}

function retryLater(now: Date, ms: number): StepResult {
  return { outcome: 'defer', until: new Date(now.getTime() + ms).toISOString(), reason: 'retry' };
}
