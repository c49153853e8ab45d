import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateJourneyValue } from '../../engine/validate/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: journeys are built as loose JSON here
type Loose = Record<string, any>;
const cart = (): Loose =>
  JSON.parse(readFileSync(new URL('../../workflows/cart-abandonment.journey.json', import.meta.url), 'utf8'));

function problemsWith(expiresAfter: unknown) {
  const journey = cart();
  journey.steps['send-cart-reminder'].expiresAfter = expiresAfter;
  const result = validateJourneyValue(journey, 'cart-abandonment.journey.json');
  return 'problems' in result ? result.problems : [];
}

describe('a send step’s expiresAfter', () => {
  it('accepts a positive ISO duration', () => {
    expect(problemsWith('PT6H')).toEqual([]);
  });

  it.each([
    { value: 'PT0S', code: 'send.expires-at-once' },
    { value: '6 hours', code: 'duration.invalid' },
    { value: '-PT6H', code: 'duration.invalid' },
  ])('rejects $value with $code at the step’s expiresAfter', ({ value, code }) => {
    const problems = problemsWith(value);
    expect(problems.map((p) => ({ code: p.code, path: p.path }))).toContainEqual({
      code,
      path: '/steps/send-cart-reminder/expiresAfter',
    });
    expect(problems.every((p) => p.file === 'cart-abandonment.journey.json')).toBe(true);
  });
});
