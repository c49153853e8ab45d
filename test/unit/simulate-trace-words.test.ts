import { describe, expect, it } from 'vitest';
import { traceWords } from '../../tools/simulate/words.ts';

describe('simulate’s words for a branch condition', () => {
  const gold = { field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gold' } as const;

  it('says the field is missing when the profile has no value for it', () => {
    const [line] = traceWords(gold, { result: false, test: 'profile.attributes.loyaltyTier eq "gold"' });
    expect(line).toMatch(/ — no \(missing: no value for this field\)$/);
  });

  it('shows the value it compared when there is one', () => {
    const [line] = traceWords(gold, { result: false, test: '…', actual: 'silver' });
    expect(line).toMatch(/ — no \(value: "silver"\)$/);
  });
});
