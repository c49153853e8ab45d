/**
 * Feedback: each provider event is attributed to its customer (by provider message id, or by phone
 * number for inbound STOPs), applied to the profile by the engine's rules, and recorded in the
 * ledger for analytics. Opens and clicks are also kept per run and step, for engagement conditions
 * (a machine open, an Apple Mail Privacy Protection prefetch, is not: nobody read the message).
 */
import { applyFeedback, outcomeWithoutProfile } from '../../engine/feedback.ts';
import type { LedgerOutcome } from '../../engine/ledger.ts';
import type { FeedbackDeps } from '../deps.ts';
import { feedbackPayloads, type ParsedFeedback, parseFeedback } from './feedback-parse.ts';
import type { Resolved } from './runtime.ts';

export interface FeedbackSummary {
  applied: number;
  ignored: number;
  unattributed: number;
}

export async function processFeedback(rt: Resolved<FeedbackDeps>, input: unknown): Promise<FeedbackSummary> {
  const summary: FeedbackSummary = { applied: 0, ignored: 0, unattributed: 0 };
  const now = rt.clock.now();
  for (const payload of feedbackPayloads(input)) {
    const parsed = parseFeedback(payload, now);
    if (parsed.via === 'ignored') {
      summary.ignored++;
      rt.logger.debug('feedback ignored', { reason: parsed.reason });
      continue;
    }
    if (await applyOne(rt, parsed)) summary.applied++;
    else summary.unattributed++;
  }
  rt.metrics.addMetric('FeedbackApplied', 'Count', summary.applied);
  if (summary.unattributed > 0) rt.metrics.addMetric('FeedbackUnattributed', 'Count', summary.unattributed);
  return summary;
}

async function applyOne(rt: Resolved<FeedbackDeps>, parsed: Exclude<ParsedFeedback, { via: 'ignored' }>) {
  const index =
    parsed.via === 'message' ? await rt.store.getMessageIndex(parsed.providerMessageId) : undefined;
  const customerId =
    parsed.via === 'message' ? index?.customerId : await rt.store.findCustomerByPhone(parsed.phone);
  if (!customerId) return false;
  let feedback = parsed.feedback;
  if (feedback.kind === 'push_token_invalid') {
    if (!index?.pushToken) return false;
    feedback = { ...feedback, token: index.pushToken };
  }
  // Feedback that never changes a profile (a delivery, most of them) does not read it.
  const fixed = outcomeWithoutProfile(feedback);
  let outcome: LedgerOutcome = fixed ?? 'delivered';
  const sourceId = parsed.via === 'message' ? parsed.providerMessageId : parsed.inboundId;
  const feedbackId = `feedback#${sourceId}#${feedback.kind}`;
  if (fixed === undefined) {
    // At most once per message and kind, as the ledger keeps it: a redelivered event (Lambda's
    // retries of an asynchronous invocation, a Kinesis batch read again after a later record
    // failed) must not count an open twice. A message opened three times is one open.
    const profile = await rt.store.updateProfile(
      customerId,
      (current) => (current ? applyFeedback(current, feedback, parsed.at).profile : undefined),
      { onceFor: feedbackId },
    );
    // The outcome depends on the feedback alone once there is a profile, so a retry that finds the
    // change applied rewrites the ledger entry (in case the first try stopped short of it) alike.
    if (profile) outcome = applyFeedback(profile, feedback, parsed.at).outcome;
  }
  await rt.store.putLedger({
    id: feedbackId,
    kind: 'feedback',
    at: parsed.at,
    customerId,
    outcome,
    reasons: [`${feedback.channel}:${feedback.kind}`],
    channel: feedback.channel,
    ...(parsed.via === 'message' ? { providerMessageId: parsed.providerMessageId } : {}),
    ...(index
      ? {
          journeyId: index.journeyId,
          journeyVersion: index.journeyVersion,
          stepId: index.stepId,
          executionId: index.executionId,
        }
      : {}),
    facts: parsed.facts,
  });
  const engaged = feedback.kind === 'clicked' || (feedback.kind === 'opened' && !feedback.machine);
  if (index && engaged) {
    // For engagement conditions: the step Lambda asks about this run's message by execution and step.
    await rt.store.recordEngagement({
      customerId,
      executionId: index.executionId,
      stepId: index.stepId,
      kind: feedback.kind as 'opened' | 'clicked',
      at: parsed.at,
      sentAt: index.at,
      channel: index.channel,
      providerMessageId: index.providerMessageId,
    });
  }
  rt.logger.info('feedback applied', { customerId, kind: feedback.kind, channel: feedback.channel, outcome });
  return true;
}
