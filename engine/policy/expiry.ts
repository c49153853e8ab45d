/**
 * How long a send stays relevant. A step may say (`"expiresAfter": "PT6H"`); otherwise the policy's
 * default for the message category applies (`expiresAfter.marketing`, `.transactional`; a category
 * absent there never expires). The clock starts when the customer first reached the step (the
 * step record's `reachedAt`), not at each deferral: a cart reminder held by quiet hours and then
 * by a full cap is as stale after 43 hours as one held by either alone.
 *
 * A held send is dropped with the reason `expired` when it wakes at or after its expiry, or as soon
 * as it would be deferred to a time at or after it (it could never go out in time, so the customer
 * moves on now instead of waiting to be dropped).
 */

import type { StepResult } from '../contract.ts';
import { parseDuration } from '../duration.ts';
import type { SendStep } from '../schema.ts';
import type { MessageCategory } from './caps.ts';
import type { PolicyConfig } from './config.ts';

/** The ledger reason of a dropped send. */
export const EXPIRED_REASON = 'expired';

/** When the send stops being relevant, or undefined when it never does. */
export function sendExpiresAt(
  step: Pick<SendStep, 'expiresAfter'>,
  category: MessageCategory,
  config: Pick<PolicyConfig, 'expiresAfter'>,
  reachedAt: Date,
): Date | undefined {
  const iso = step.expiresAfter ?? config.expiresAfter[category];
  const after = iso === undefined ? undefined : parseDuration(iso);
  if (!after || !(after.toMillis() > 0)) return undefined;
  return new Date(reachedAt.getTime() + after.toMillis());
}

/** Expired from its expiry instant on (`now >= expiresAt`). */
export function isExpired(expiresAt: Date | undefined, now: Date): boolean {
  return expiresAt !== undefined && now.getTime() >= expiresAt.getTime();
}

/** A deferral that would wake at or after the expiry: the message can no longer go out in time. */
export function deferralOutlivesExpiry(result: StepResult, expiresAt: Date | undefined): boolean {
  return result.outcome === 'defer' && isExpired(expiresAt, new Date(Date.parse(result.until)));
}
