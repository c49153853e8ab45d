/**
 * Signed unsubscribe tokens: `v1.<payload>.<signature>`, base64url, HMAC-SHA256 over the payload.
 * The payload names the customer, channel, scope and expiry; anything forged, altered or expired
 * fails verification. Several secrets may verify (key rotation); the first one signs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelName } from '../engine/schema.ts';

export interface UnsubscribeClaims {
  customerId: string;
  channel: ChannelName;
  /** `all` or a journey id: what the customer leaves. */
  scope: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export type TokenVerification =
  | { ok: true; claims: UnsubscribeClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const PREFIX = 'v1';
const CHANNELS = new Set(['email', 'sms', 'push']);

export function signUnsubscribeToken(claims: UnsubscribeClaims, secrets: string | readonly string[]): string {
  const secret = typeof secrets === 'string' ? secrets : secrets[0];
  if (!secret) throw new Error('no unsubscribe signing secret configured');
  const payload = Buffer.from(
    JSON.stringify([claims.customerId, claims.channel, claims.scope, claims.exp]),
  ).toString('base64url');
  return `${PREFIX}.${payload}.${mac(secret, payload)}`;
}

export function verifyUnsubscribeToken(
  token: unknown,
  secrets: string | readonly string[],
  now: Date,
): TokenVerification {
  if (typeof token !== 'string' || token.length > 2048) return { ok: false, reason: 'malformed' };
  const [prefix, payload, signature, ...rest] = token.split('.');
  if (prefix !== PREFIX || !payload || !signature || rest.length > 0)
    return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const valid = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = Buffer.from(mac(secret, payload), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: 'bad_signature' };
  let claims: UnsubscribeClaims;
  try {
    const [customerId, channel, scope, exp] = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof customerId !== 'string' || typeof channel !== 'string' || !CHANNELS.has(channel))
      throw new Error();
    if (typeof scope !== 'string' || typeof exp !== 'number') throw new Error();
    claims = { customerId, channel: channel as ChannelName, scope, exp };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest('base64url');
}
