import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignArm, bucket, isHeldOut } from '../../engine/policy/split.ts';
import { journey } from './policy-flow-fixtures.ts';

const arms = [
  { name: 'a', weight: 50, next: 'send-a' },
  { name: 'b', weight: 30, next: 'send-b' },
  { name: 'c', weight: 20, next: 'send-c' },
];

describe('stable split', () => {
  it('gives the same customer the same arm every time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (customerId, stepId) => {
        const first = assignArm(customerId, 'welcome', stepId, arms);
        const again = assignArm(customerId, 'welcome', stepId, [...arms]);
        expect(again?.name).toBe(first?.name);
      }),
    );
  });

  it('puts every bucket in [0, 100)', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const b = bucket(key);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(100);
      }),
    );
  });

  it('spreads customers over arms in proportion to the weights', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const arm = assignArm(`customer-${i}`, 'welcome', 'ab-test', arms);
      counts[arm!.name] = (counts[arm!.name] ?? 0) + 1;
    }
    // Binomial standard deviation at n=20000 is ≤ 0.36 percentage points; allow 1.5.
    expect(Math.abs((counts.a! / n) * 100 - 50)).toBeLessThan(1.5);
    expect(Math.abs((counts.b! / n) * 100 - 30)).toBeLessThan(1.5);
    expect(Math.abs((counts.c! / n) * 100 - 20)).toBeLessThan(1.5);
  });

  it('assigns independently per step: the arms of two splits are not correlated', () => {
    const half = [
      { name: 'x', weight: 50, next: 'x' },
      { name: 'y', weight: 50, next: 'y' },
    ];
    let same = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const first = assignArm(`customer-${i}`, 'welcome', 'split-1', half);
      const second = assignArm(`customer-${i}`, 'welcome', 'split-2', half);
      if (first?.name === second?.name) same++;
    }
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.03);
  });

  it('uses weights proportionally when they do not sum to 100, and ignores non-positive ones', () => {
    const odd = [
      { name: 'a', weight: 1, next: 'a' },
      { name: 'zero', weight: 0, next: 'z' },
      { name: 'b', weight: 3, next: 'b' },
    ];
    let b = 0;
    for (let i = 0; i < 8_000; i++) {
      const arm = assignArm(`c-${i}`, 'j', 's', odd);
      expect(arm?.name).not.toBe('zero');
      if (arm?.name === 'b') b++;
    }
    expect(Math.abs(b / 8_000 - 0.75)).toBeLessThan(0.03);
  });

  it('has no arm to give when there are no usable arms', () => {
    expect(assignArm('c', 'j', 's', [])).toBeUndefined();
    expect(assignArm('c', 'j', 's', [{ name: 'a', weight: 0, next: 'a' }])).toBeUndefined();
  });
});

describe('holdout', () => {
  it('never holds anybody out without a holdout share', () => {
    fc.assert(fc.property(fc.string(), (customerId) => !isHeldOut(journey(), customerId)));
    fc.assert(
      fc.property(fc.string(), (customerId) => !isHeldOut(journey({ holdout: { percent: 0 } }), customerId)),
    );
  });

  it('is stable per journey and customer', () => {
    const j = journey({ holdout: { percent: 10 } });
    fc.assert(
      fc.property(fc.string(), (customerId) => isHeldOut(j, customerId) === isHeldOut({ ...j }, customerId)),
    );
  });

  it('holds out about the configured share', () => {
    const j = journey({ holdout: { percent: 10 } });
    let held = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (isHeldOut(j, `customer-${i}`)) held++;
    expect(Math.abs((held / n) * 100 - 10)).toBeLessThan(1);
  });

  it('does not depend on the journey version', () => {
    const v1 = journey({ version: 1, holdout: { percent: 30 } });
    const v2 = journey({ version: 2, holdout: { percent: 30 } });
    for (let i = 0; i < 200; i++) expect(isHeldOut(v2, `c-${i}`)).toBe(isHeldOut(v1, `c-${i}`));
  });
});
