import { describe, expect, it, vi } from 'vitest';
import { buildVocabulary } from '../../engine/vocabulary.ts';
import { resolve } from '../../functions/app/runtime.ts';
import { REDACTED, redact, scrub } from '../../functions/observability.ts';

describe('log redaction', () => {
  it('drops the values of fields that carry personal data, at any depth', () => {
    expect(
      redact({
        customerId: 'c-1',
        profile: { email: 'a@b.co', phone: '+14155550123', pushTokens: [{ token: 't' }] },
      }),
    ).toEqual({
      customerId: 'c-1',
      profile: { email: REDACTED, phone: REDACTED, pushTokens: REDACTED },
    });
  });

  it.each([
    ['an email address', 'bounce for ann.lee+x@mail.example.com today', 'bounce for [redacted] today'],
    ['an E.164 number', 'sms to +14155550123 failed', 'sms to [redacted] failed'],
    ['a national number', 'call (415) 555-0123 or 415-555-0123', 'call [redacted] or [redacted]'],
    ['a UK national number', 'ring 020 7946 0958 now', 'ring [redacted] now'],
    ['an APNs token', `token ${'ab'.repeat(32)} is invalid`, 'token [redacted] is invalid'],
    [
      'an unsubscribe token',
      'link v1.WyJjLTEiLCJlbWFpbCJd.abcdefghijklmnopqrstuvwxyz012345 used',
      'link [redacted] used',
    ],
  ])('scrubs %s from free text', (_kind, text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it('leaves ids, timestamps and reason codes alone', () => {
    const text = 'c-123 welcome-v1-0123456789abcdef0123456789abcdef 2025-06-02T12:00:00.000Z email:opted_out';
    expect(scrub(text)).toBe(text);
  });

  it('drops the values of the attributes workflows/data.json flags `pii` from what a handler logs', () => {
    const { vocabulary } = buildVocabulary({
      attributes: {
        postcode: { type: 'string', pii: true },
        loyaltyTier: { type: 'enum', values: ['gold'] },
      },
    });
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const rt = resolve({ vocabulary }, 'test');
      rt.logger.info('profile changed', { attributes: { postcode: 'SW1A 1AA', loyaltyTier: 'gold' } });
    } finally {
      spy.mockRestore();
    }
    const logged = lines.join('');
    expect(logged).not.toContain('SW1A 1AA');
    expect(logged).toContain(`"postcode":"${REDACTED}"`);
    expect(logged).toContain('"loyaltyTier":"gold"');
  });
});
