import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../functions/unsubscribe-token.ts';

const claims = { customerId: 'c-1', channel: 'email' as const, scope: 'all', exp: 2_000_000_000 };
const now = new Date('2030-01-01T00:00:00Z');

describe('unsubscribe tokens', () => {
  it('verifies a token it signed and returns its claims', () => {
    expect(verifyUnsubscribeToken(signUnsubscribeToken(claims, 'k1'), 'k1', now)).toEqual({
      ok: true,
      claims,
    });
  });

  it('accepts tokens signed with an older key during rotation', () => {
    const token = signUnsubscribeToken(claims, 'old');
    expect(verifyUnsubscribeToken(token, ['new', 'old'], now).ok).toBe(true);
  });

  it('rejects a token signed with another key', () => {
    expect(verifyUnsubscribeToken(signUnsubscribeToken(claims, 'evil'), 'k1', now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a token whose payload was altered', () => {
    const [v, , sig] = signUnsubscribeToken(claims, 'k1').split('.');
    const forged = Buffer.from(JSON.stringify(['c-2', 'email', 'all', 2_000_000_000])).toString('base64url');
    expect(verifyUnsubscribeToken(`${v}.${forged}.${sig}`, 'k1', now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects an expired token', () => {
    const token = signUnsubscribeToken({ ...claims, exp: Math.floor(now.getTime() / 1000) }, 'k1');
    expect(verifyUnsubscribeToken(token, 'k1', now)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([undefined, '', 'v1', 'v1..', 'v2.a.b', 'x'.repeat(5000), 'v1.a.b.c', 42])(
    'rejects malformed input %#',
    (token) => {
      expect(verifyUnsubscribeToken(token, 'k1', now)).toEqual({
        ok: false,
        reason: expect.stringMatching(/malformed|bad_signature/),
      });
    },
  );
});
