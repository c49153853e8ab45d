/**
 * A send step, end to end, over the send protocol (engine/send-protocol.ts): claim (execution,
 * step) → policy (exit, channels, quiet hours) → for each usable channel, one channel attempt
 * (channel-attempt.ts: cap slot, consent re-check, render, `sending`, one provider call) → ledger →
 * finish (none after a sent call: its ledger entry is the proof, `sentProof`). A retried invocation
 * gets the recorded result and sends nothing; a provider call that may have delivered is recorded
 * as `unknown` and never repeated, on any channel (at most once).
 */

import { randomUUID } from 'node:crypto';
import type { StepRequest, StepResult } from '../../engine/contract.ts';
import { decisionId, type LedgerRecord, outcomeOf, stepKey } from '../../engine/ledger.ts';
import { DEFERRAL_LIMIT_REASON } from '../../engine/limits.ts';
import {
  boundDeferral,
  concludeUnsent,
  type DecisionContext,
  isChannelName,
  isExpired,
  messageCategory,
  planSend,
  preferredFacts,
  type Renderer,
  type SendPlan,
  sendExpiresAt,
} from '../../engine/policy/index.ts';
import { stepIsInLoop } from '../../engine/reach.ts';
import type { ChannelName, Journey, SendStep } from '../../engine/schema.ts';
import {
  type ClaimTiming,
  claimAndFinish,
  finish,
  type ReadView,
  readView,
  resolveInDoubt,
  type SentProof,
  type StepRecord,
} from '../../engine/send-protocol.ts';
import { withNextUntil } from '../../engine/step-results.ts';
import { variantFor } from '../../engine/variant.ts';
import type { StepDeps } from '../deps.ts';
import type { SentWrites } from '../ports.ts';
import { attemptChannel, type ChannelTry, LostClaim, type SendContext } from './channel-attempt.ts';
import { gateOnRead } from './control-gate.ts';
import { endedEnrollment, loadDecision, type Resolved } from './runtime.ts';
import { expire, expiredDecision, keepPlaceInLine } from './send-arbitration.ts';

export type StepRuntime = Resolved<StepDeps> & { leaseMs: number; renderer: Renderer };

/** A done step on a journey loop reopens after this long (Step Functions retries of one Task end well within it). */
const REOPEN_DONE_AFTER_MS = 30 * 60_000;

export type Decided = {
  result: StepResult;
  record: Omit<LedgerRecord, keyof DecisionBase | 'id' | 'attempt'>;
  /** A message went out: its index and content, written in the ledger entry's batch. */
  sent?: SentWrites;
};
type DecisionBase = ReturnType<typeof decisionBase>;

export async function runSend(rt: StepRuntime, request: StepRequest, journey: Journey, step: SendStep) {
  const now = rt.clock.now();
  const key = stepKey(request.executionId, request.stepId);
  const timing = claimTiming(rt, journey, request.stepId);
  // The lazy claim (engine/send-protocol.ts): the step record comes with the profile and the cap
  // window (one BatchGetItem, the cap window kept current by each reservation, so the attempts
  // below never read it again), and the first write claims the step, pinned to what was read.
  const controlOf = rt.controls?.uncached([journey.id])[0];
  const read = await loadDecision(rt.store, {
    journey,
    enrollment: request.enrollment,
    now,
    config: rt.config,
    caps: true,
    stepKey: key,
    ...(controlOf !== undefined ? { controlOf } : {}),
  });
  // The operator's control first: a paused journey holds the send before anything is claimed.
  const held = await gateOnRead(rt, request, journey, step, read.controls);
  if (held) return held;
  const view = readView(read.step, now.getTime(), timing, await sentProof(rt, request, read.step));
  switch (view.kind) {
    case 'decided':
      rt.metrics.addMetric('StepReplayed', 'Count', 1);
      return view.result;
    case 'busy':
      return retryLater(now, rt.leaseMs);
    case 'in_doubt':
      return resolveAbandoned(rt, request, journey, step, key, view, read.ctx, now);
    case 'claimable':
      break;
  }

  const sc: SendContext = {
    rt,
    request,
    journey,
    step,
    ctx: read.ctx,
    caps: read.caps ?? { entries: [], version: 0 },
    claim: { key, attempt: view.attempt, token: randomUUID(), observed: view.observed, written: false },
    reachedAt: new Date(view.reachedAt),
    category: messageCategory(journey.messages[step.message]),
    variant: variantFor(journey, request.stepId, request.enrollment.customerId),
  };
  const expiresAt = sendExpiresAt(step, sc.category, rt.config, sc.reachedAt);
  let decided: Decided;
  try {
    decided = expire(sc, expiresAt, limitDeferral(sc, await decide(sc, expiresAt)));
  } catch (error) {
    if (error instanceof LostClaim) return retryLater(now, rt.leaseMs);
    throw error;
  }
  await keepPlaceInLine(sc, decided, expiresAt);
  return (await record(sc, decided)) ? decided.result : retryLater(now, rt.leaseMs);
}

/**
 * A `sending` record's ledger entry, when it says `sent` (engine/send-protocol.ts `SentProof`): a
 * send that went out writes no finish. One GetItem, only for a `sending` record: a retry after the
 * call, a journey loop's next pass, a holder that died during the call.
 */
async function sentProof(
  rt: StepRuntime,
  request: StepRequest,
  record: StepRecord | undefined,
): Promise<SentProof | undefined> {
  if (record?.state !== 'sending' || record.ledgerAt === undefined) return undefined;
  const at = new Date(record.ledgerAt).toISOString();
  const id = decisionId(request.executionId, request.stepId, record.attempt);
  const entry = await rt.store.getLedgerEntry(request.enrollment.customerId, at, id);
  return entry?.outcome === 'sent' && entry.result
    ? { atMs: Date.parse(entry.at), result: entry.result }
    : undefined;
}

function claimTiming(rt: StepRuntime, journey: Journey, stepId: string): ClaimTiming {
  // A finished step runs again only on a journey loop; anything else is a retry.
  const reopenDoneAfterMs = stepIsInLoop(journey, stepId) ? REOPEN_DONE_AFTER_MS : Number.MAX_SAFE_INTEGER;
  return { leaseMs: rt.leaseMs, reopenDoneAfterMs };
}

function decisionBase(request: StepRequest, journey: Journey, now: Date) {
  return {
    kind: 'decision' as const,
    at: now.toISOString(),
    customerId: request.enrollment.customerId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    stepId: request.stepId,
    op: 'send' as const,
    executionId: request.executionId,
  };
}

/**
 * A provider call started and its holder never came back (lease expired): it may have delivered,
 * so the step moves on without any provider call, and the ledger says `unknown`.
 */
async function resolveAbandoned(
  rt: StepRuntime,
  request: StepRequest,
  journey: Journey,
  step: SendStep,
  key: string,
  view: Extract<ReadView, { kind: 'in_doubt' }>,
  ctx: DecisionContext,
  now: Date,
): Promise<StepResult> {
  const result = unknownResult(step, journey, ctx);
  const transition = resolveInDoubt({
    observed: view.record,
    token: randomUUID(),
    result,
    nowMs: now.getTime(),
    leaseMs: rt.leaseMs,
  });
  const written = await rt.store.transitionStep(request.enrollment.customerId, key, transition, now);
  // Someone else resolved it (or the holder finished late): the next call reads their result.
  if (!written.applied) return retryLater(now, rt.leaseMs);
  // The step moves on as after any send, so a result that ends the journey ends the enrollment too.
  const ended = endedEnrollment(request.enrollment, result, journey, now);
  await rt.store.putLedger(
    {
      ...decisionBase(request, journey, now),
      id: decisionId(request.executionId, request.stepId, view.attempt),
      attempt: view.attempt,
      outcome: 'unknown',
      reasons: ['provider_call_unconfirmed'],
      ...(isChannelName(view.channel) ? { channel: view.channel } : {}),
      result,
    },
    { ended },
  );
  rt.metrics.addMetric('Send_unknown', 'Count', 1);
  rt.logger.warn('send in doubt: provider call never confirmed', {
    customerId: request.enrollment.customerId,
    journeyId: journey.id,
    stepId: request.stepId,
    attempt: view.attempt,
    channel: view.channel,
  });
  return result;
}

function unknownResult(step: SendStep, journey: Journey, ctx: DecisionContext): StepResult {
  return withNextUntil(
    { outcome: 'next', next: step.next, detail: { skipped: 'outcome_unknown' } },
    journey,
    ctx,
  );
}

/**
 * Records the decision; false when a racing invocation claimed the step first (this one sent
 * nothing and records nothing). After a provider call: the ledger first (a send that happened is
 * never unrecorded), then the fenced finish, except after a sent call, whose entry is the finish
 * (`sentProof` reads it back). Without one, the step is claimed and finished in one
 * write, and the ledger entry follows only if it applied: a racing invocation's decision of the
 * same attempt must not sit in the ledger beside the one the step kept. A crash between the two
 * loses that entry of a decision that sent nothing; the retry answers the recorded result.
 */
async function record(sc: SendContext, decided: Decided): Promise<boolean> {
  const { rt, request, journey, claim: held } = sc;
  const now = sc.ctx.now;
  const { customerId } = request.enrollment;
  const { result, record } = decided;
  const entry: LedgerRecord = {
    ...decisionBase(request, journey, now),
    ...record,
    id: decisionId(request.executionId, request.stepId, held.attempt),
    attempt: held.attempt,
    result,
  };
  const until = result.outcome === 'defer' ? Date.parse(result.until) : undefined;
  // A result that ends the journey rewrites the enrollment in the ledger entry's batch.
  const ended = endedEnrollment(request.enrollment, result, journey, now);
  const writes = { sent: decided.sent, ended };
  const finishing = {
    token: held.token,
    result,
    nowMs: rt.clock.now().getTime(),
    ...(until === undefined ? {} : { untilMs: until }),
  };
  if (held.written) {
    await rt.store.putLedger(entry, writes);
    // After a sent call the entry is the finish: the record stays `sending` with `ledgerAt`, and
    // whoever reads it next reads this entry (`sentProof`). One write fewer per message.
    if (
      record.outcome !== 'sent' &&
      !(await rt.store.transitionStep(customerId, held.key, finish(finishing), rt.clock.now())).applied
    ) {
      rt.logger.warn('step finish fenced out: another invocation resolved it', {
        customerId,
        journeyId: journey.id,
        stepId: request.stepId,
        attempt: held.attempt,
      });
    }
  } else {
    const transition = claimAndFinish({
      ...finishing,
      observed: held.observed,
      reachedAt: sc.reachedAt.getTime(),
    });
    if (!(await rt.store.transitionStep(customerId, held.key, transition, rt.clock.now())).applied) {
      rt.metrics.addMetric('StepClaimLost', 'Count', 1);
      return false;
    }
    held.written = true;
    await rt.store.putLedger(entry, writes);
  }
  rt.metrics.addMetric(`Send_${record.outcome}`, 'Count', 1);
  rt.logger.info('send decided', {
    customerId,
    journeyId: journey.id,
    stepId: request.stepId,
    attempt: held.attempt,
    outcome: record.outcome,
    channel: record.channel,
    reasons: record.reasons,
  });
  return true;
}

async function decide(sc: SendContext, expiresAt: Date | undefined): Promise<Decided> {
  const { step, journey, ctx } = sc;
  const plan = planSend(step, ctx);
  // A held message that woke past its expiry is dropped before any channel is tried (an exit wins).
  if (plan.kind !== 'exit' && isExpired(expiresAt, ctx.now)) return expiredDecision(sc, { reasons: [] });
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
      return tryChannels(sc, plan.channels, reasons, zone);
  }
}

/** One channel attempt after another, until one says stop (sent, retry later, in doubt). */
async function tryChannels(
  sc: SendContext,
  channels: readonly ChannelName[],
  reasons: string[],
  zone: DecisionFacts,
): Promise<Decided> {
  const tries: ChannelTry[] = [];
  for (const channel of channels) {
    const tried = await attemptChannel(sc, channel);
    tries.push(tried);
    if (tried.stop) break;
  }
  return conclude(sc, tries, reasons, zone);
}

function attemptReason(a: ChannelTry['attempt']): string {
  // A provider's answer keeps its class in the reason: `email:in_doubt:InternalFailure`.
  if (a.result === 'in_doubt' || a.result === 'retry_later') return `${a.channel}:${a.result}:${a.reason}`;
  return `${a.channel}:${a.reason ?? a.result}`;
}

function conclude(sc: SendContext, tries: ChannelTry[], reasons: string[], zone: DecisionFacts): Decided {
  const { step, journey, ctx, claim: held } = sc;
  const attempts = tries.map((t) => t.attempt);
  const caps = tries.flatMap((t) => (t.cap ? [t.cap] : []));
  const lastCap = caps.at(-1);
  const capDefer = caps
    .filter((c) => c.until !== undefined)
    .sort((a, b) => (a.until?.getTime() ?? 0) - (b.until?.getTime() ?? 0))[0];
  for (const a of attempts) if (a.result !== 'sent') reasons.push(attemptReason(a));
  const common = {
    reasons,
    attempts,
    ...zone,
    ...(sc.variant ? { variant: sc.variant } : {}),
    ...(lastCap ? { cap: { id: lastCap.id, count: lastCap.count, limit: lastCap.limit } } : {}),
  };

  const sent = tries.find((t) => t.attempt.result === 'sent');
  if (sent?.attempt.providerMessageId) {
    const { channel, providerMessageId } = sent.attempt;
    const result = withNextUntil(
      { outcome: 'next', next: step.next, detail: { channel, sent: true } },
      journey,
      ctx,
    );
    const rendered = sent.rendered;
    return {
      result,
      ...(sent.writes ? { sent: sent.writes } : {}),
      record: {
        ...common,
        outcome: 'sent' as const,
        channel,
        providerMessageId,
        ...(rendered ? { locale: rendered.locale } : {}),
        ...(rendered?.sms
          ? { sms: { encoding: rendered.sms.encoding, segments: rendered.sms.segments } }
          : {}),
      },
    };
  }

  const unsent = concludeUnsent(attempts, capDefer?.until, held.attempt, ctx.now);
  if (unsent.kind === 'defer') {
    const until = unsent.until.toISOString();
    if (unsent.reason === 'capped') {
      const skipped = preemptedOnly(tries) ? 'preempted' : 'capped';
      const result: StepResult = { outcome: 'defer', until, reason: 'capped', detail: { skipped } };
      return { result, record: { ...common, outcome: 'capped' as const, until } };
    }
    const retried = attempts.find((a) => a.result === 'retry_later');
    const result: StepResult = {
      outcome: 'defer',
      until,
      reason: 'retry',
      ...(retried ? { detail: { channel: retried.channel } } : {}),
    };
    return {
      result,
      record: {
        ...common,
        outcome: 'deferred' as const,
        until,
        ...(retried ? { channel: retried.channel } : {}),
      },
    };
  }
  if (unsent.outcome === 'unknown') {
    const doubt = attempts.find((a) => a.result === 'in_doubt');
    return {
      result: unknownResult(step, journey, ctx),
      record: { ...common, outcome: 'unknown' as const, ...(doubt ? { channel: doubt.channel } : {}) },
    };
  }
  const skipped = unsent.skipped === 'capped' && preemptedOnly(tries) ? 'preempted' : unsent.skipped;
  const result = withNextUntil(
    { outcome: 'next', next: step.next, detail: { sent: false, skipped } },
    journey,
    ctx,
  );
  return { result, record: { ...common, outcome: unsent.outcome } };
}

/** Every cap that refused had room, held for sends that outrank this one. */
function preemptedOnly(tries: readonly ChannelTry[]): boolean {
  const caps = tries.flatMap((t) => (t.cap ? [t.cap] : []));
  return caps.length > 0 && caps.every((c) => c.preemptedBy !== undefined);
}

/** The engine's bound on the deferral loop (`boundDeferral`): at the bound the send is skipped, recorded. */
function limitDeferral(sc: SendContext, decided: Decided): Decided {
  const bounded = boundDeferral(decided.result, sc.claim.attempt, sc.ctx);
  if (!bounded.limited) {
    const until = bounded.result.outcome === 'defer' ? bounded.result.until : undefined;
    return {
      ...decided,
      result: bounded.result,
      record: until ? { ...decided.record, until } : decided.record,
    };
  }
  const { until: _until, ...record } = decided.record;
  const result = withNextUntil(
    { outcome: 'next', next: sc.step.next, detail: { sent: false, skipped: DEFERRAL_LIMIT_REASON } },
    sc.journey,
    sc.ctx,
  );
  return {
    result,
    record: { ...record, outcome: 'skipped' as const, reasons: [...record.reasons, DEFERRAL_LIMIT_REASON] },
  };
}

/** The zone used, and how `preferred` was resolved (engine/policy/send.ts `preferredFacts`). */
function zoneFacts(plan: SendPlan, reasons: string[]): DecisionFacts {
  if (plan.kind === 'exit') return {};
  const preferred = preferredFacts(plan.preferred);
  const facts = Object.keys(preferred).length > 0 ? { facts: preferred } : {};
  if (plan.kind !== 'defer' && plan.kind !== 'try') return facts;
  if (plan.zoneFallback) reasons.push(`zone:${plan.zoneFallback}`);
  return { zone: plan.zone, ...facts };
}

type DecisionFacts = { zone?: string; facts?: Record<string, string> };

function retryLater(now: Date, ms: number): StepResult {
  return { outcome: 'defer', until: new Date(now.getTime() + ms).toISOString(), reason: 'retry' };
}
