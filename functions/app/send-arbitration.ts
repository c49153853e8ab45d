/**
 * Arbitration around a send (engine/cap-window.ts, engine/policy/expiry.ts): a send deferred by a
 * full cap keeps its place in line, and a held send past its expiry is dropped as `expired`.
 */
import { holdSlot, releaseSlot } from '../../engine/cap-window.ts';
import { deferralOutlivesExpiry, EXPIRED_REASON, isChannelName } from '../../engine/policy/index.ts';
import { withNextUntil } from '../../engine/step-results.ts';
import type { SendContext } from './channel-attempt.ts';
import type { Decided } from './send.ts';

/**
 * A send deferred by a full cap keeps its place in line (engine/cap-window.ts: a hold outranks
 * lower priorities when room frees); any other end of a step that was held gives its place up.
 * A send that went out already gave it up in the reservation's own write.
 */
export async function keepPlaceInLine(
  sc: SendContext,
  decided: Decided,
  expiresAt: Date | undefined,
): Promise<void> {
  const { rt, request, journey, claim: held } = sc;
  const customerId = request.enrollment.customerId;
  const { result } = decided;
  const channel = sc.step.channels.find(isChannelName) ?? 'email';
  if (result.outcome === 'defer' && result.reason === 'capped') {
    const hold = {
      key: held.key,
      at: sc.ctx.now.toISOString(),
      channel: decided.record.attempts?.find((a) => a.result === 'capped')?.channel ?? channel,
      category: sc.category,
      priority: journey.priority,
      journeyId: journey.id,
      held: {
        since: sc.reachedAt.toISOString(),
        until: result.until,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
        caps: waitedFor(decided),
      },
    };
    await rt.store.reserveCap(
      customerId,
      (entries) => ({ entries: holdSlot(entries, hold, sc.ctx.now, rt.config).entries, result: undefined }),
      sc.caps,
    );
    return;
  }
  if (held.attempt > 1 && decided.record.outcome !== 'sent') {
    await rt.store.reserveCap(
      customerId,
      (entries) => ({ entries: releaseSlot(entries, held.key).entries, result: undefined }),
      sc.caps,
    );
  }
}

/**
 * The send's expiry (engine/policy/expiry.ts): a deferral that would wake at or after it drops the
 * message now, with the reason `expired`.
 */
export function expire(sc: SendContext, expiresAt: Date | undefined, decided: Decided): Decided {
  if (!deferralOutlivesExpiry(decided.result, expiresAt)) return decided;
  const { until: _until, ...record } = decided.record;
  return expiredDecision(sc, { ...record, reasons: [...record.reasons] });
}

export function expiredDecision(
  sc: SendContext,
  base: Pick<Decided['record'], 'reasons'> & Partial<Decided['record']>,
): Decided {
  const result = withNextUntil(
    { outcome: 'next', next: sc.step.next, detail: { sent: false, skipped: EXPIRED_REASON } },
    sc.journey,
    sc.ctx,
  );
  return {
    result,
    record: { ...base, outcome: 'skipped' as const, reasons: [...base.reasons, EXPIRED_REASON] },
  };
}

/** The caps a deferred send was refused by (`capped:<id>`, `preempted:<id>`): its hold waits for these. */
function waitedFor(decided: Decided): string[] {
  const ids = (decided.record.attempts ?? [])
    .filter((a) => a.result === 'capped' && a.reason)
    .map((a) => a.reason?.split(':')[1] ?? '')
    .filter(Boolean);
  return [...new Set(ids)];
}
