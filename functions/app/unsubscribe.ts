/**
 * One-click unsubscribe (RFC 8058). GET shows a confirmation page and changes nothing (mail
 * scanners follow links); POST — the mail client's one-click request or the page's form — opts the
 * customer out of the token's channel. Forged, altered and expired tokens change nothing.
 */
import type { UnsubscribeDeps } from '../deps.ts';
import { type UnsubscribeClaims, verifyUnsubscribeToken } from '../unsubscribe-token.ts';
import type { Resolved } from './runtime.ts';

export type UnsubscribeOutcome =
  | { status: 'confirm'; claims: UnsubscribeClaims }
  | { status: 'unsubscribed'; claims: UnsubscribeClaims }
  | { status: 'rejected'; httpStatus: 400 | 403 | 410; reason: string };

export async function unsubscribe(
  rt: Resolved<UnsubscribeDeps>,
  method: 'GET' | 'POST',
  token: unknown,
): Promise<UnsubscribeOutcome> {
  const now = rt.clock.now();
  const verified = verifyUnsubscribeToken(token, rt.secrets, now);
  if (!verified.ok) {
    rt.metrics.addMetric('UnsubscribeRejected', 'Count', 1);
    const httpStatus = verified.reason === 'expired' ? 410 : verified.reason === 'bad_signature' ? 403 : 400;
    return { status: 'rejected', httpStatus, reason: verified.reason };
  }
  const { claims } = verified;
  if (method === 'GET') return { status: 'confirm', claims };

  const at = now.toISOString();
  let known = false;
  await rt.store.updateProfile(claims.customerId, (current) => {
    known = current !== undefined;
    if (!current || current.consent?.[claims.channel]?.status === 'opted_out') return undefined;
    return {
      ...current,
      consent: {
        ...current.consent,
        [claims.channel]: { status: 'opted_out', at, source: 'unsubscribe_link' },
      },
      updatedAt: at,
    };
  });
  // No profile: the customer was erased (engine/privacy/erasure.ts), or never existed. Nothing is
  // sent to them either way, and a ledger record would bring their id back into the table.
  if (!known) return { status: 'unsubscribed', claims };
  await rt.store.putLedger({
    id: `consent#unsubscribe#${claims.channel}#${at}`,
    kind: 'consent',
    at,
    customerId: claims.customerId,
    outcome: 'opted_out',
    reasons: [`${claims.channel}:unsubscribe_link`],
    channel: claims.channel,
    facts: { scope: claims.scope },
  });
  rt.metrics.addMetric('Unsubscribed', 'Count', 1);
  rt.logger.info('unsubscribed', { customerId: claims.customerId, channel: claims.channel });
  return { status: 'unsubscribed', claims };
}
