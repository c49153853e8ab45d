/**
 * The report's statistics against published worked examples (and, for the sequential test, against a
 * second implementation by numerical integration of its definition).
 */
import { describe, expect, it } from 'vitest';
import {
  holm,
  meanDifference,
  newcombeDifference,
  ratioInterval,
  sampleSizeForH,
  sampleSizePerGroup,
  sequentialDifference,
  wilson,
} from '../../engine/analytics/stats.ts';

describe('Wilson score interval', () => {
  // Newcombe RG (1998a), "Two-sided confidence intervals for the single proportion: comparison of
  // seven methods", Statistics in Medicine 17:857–872, Table I, method 3 (score, no correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
  ])('%i/%i gives %f to %f', (x, n, lo, hi) => {
    const ci = wilson(x, n);
    expect(ci.lo).toBeCloseTo(lo, 4);
    expect(ci.hi).toBeCloseTo(hi, 4);
  });
});

describe('Newcombe hybrid score interval for a difference of proportions', () => {
  // Newcombe RG (1998b), "Interval estimation for the difference between independent proportions:
  // comparison of eleven methods", Statistics in Medicine 17:873–890, Table II, method 10.
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
  ])('%i/%i − %i/%i gives %f to %f', (x1, n1, x2, n2, lo, hi) => {
    const ci = newcombeDifference(x1, n1, x2, n2);
    expect(ci.lo).toBeCloseTo(lo, 4);
    expect(ci.hi).toBeCloseTo(hi, 4);
  });
});

describe('Katz interval for a ratio of proportions', () => {
  it('puts the estimate at the geometric centre and widens as counts shrink', () => {
    const big = ratioInterval(300, 1000, 200, 1000);
    const small = ratioInterval(30, 100, 20, 100);
    expect(big?.estimate).toBeCloseTo(1.5, 10);
    expect(Math.sqrt((big?.lo ?? 0) * (big?.hi ?? 0))).toBeCloseTo(1.5, 10);
    expect((small?.hi ?? 0) - (small?.lo ?? 0)).toBeGreaterThan((big?.hi ?? 0) - (big?.lo ?? 0));
  });

  it('has no interval when a group has no conversion', () => {
    expect(ratioInterval(0, 100, 20, 100)).toBeUndefined();
  });
});

describe('sample size for two proportions', () => {
  // Cohen J (1988), Statistical Power Analysis for the Behavioral Sciences, Table 6.4.1: h = 0.2,
  // two-sided α = .05, power .80 → n = 392 per group (R: pwr.2p.test(h = 0.2, power = 0.8) → 392.44).
  it.each([
    [0.2, 392.44],
    [0.5, 62.79],
    [0.8, 24.53],
  ])('reproduces Cohen’s n for h = %f at α = .05, power .80', (h, n) => {
    expect(sampleSizeForH(h)).toBeCloseTo(n, 2);
  });

  it('rounds up the customers needed to detect 50% → 60%', () => {
    // h = 2 asin √0.6 − 2 asin √0.5 = 0.20136 → 387.1 → 388.
    expect(sampleSizePerGroup(0.5, 0.1)).toBe(388);
  });

  it('needs more customers for a smaller effect', () => {
    expect(sampleSizePerGroup(0.05, 0.01)).toBeGreaterThan(sampleSizePerGroup(0.05, 0.02));
  });
});

describe('always-valid sequential test (normal-mixture mSPRT)', () => {
  /** Λ by numerical integration of its definition: ∫ φ(θ̂; θ, V) φ(θ; 0, τ²) dθ / φ(θ̂; 0, V). */
  function mixtureRatio(estimate: number, v: number, tau: number): number {
    const pdf = (x: number, mean: number, variance: number) =>
      Math.exp(-((x - mean) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
    const steps = 20_000;
    const width = 12 * tau;
    let total = 0;
    for (let i = 0; i <= steps; i++) {
      const theta = -width + (2 * width * i) / steps;
      const weight = i === 0 || i === steps ? 0.5 : 1;
      total += weight * pdf(estimate, theta, v) * pdf(theta, 0, tau * tau);
    }
    return (total * (2 * width)) / steps / pdf(estimate, 0, v);
  }

  it.each([
    [60, 500, 40, 500, 0.05],
    [130, 1000, 100, 1000, 0.02],
    [52, 400, 50, 400, 0.1],
  ])('%i/%i vs %i/%i: its p-value is 1/Λ of the mixture', (x1, n1, x2, n2, tau) => {
    const r = sequentialDifference(x1, n1, x2, n2, { tau });
    const p1 = x1 / n1;
    const p2 = x2 / n2;
    const v = (p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2;
    expect(r.p).toBeCloseTo(Math.min(1, 1 / mixtureRatio(p1 - p2, v, tau)), 6);
  });

  it('puts the confidence sequence’s ends where the test at that difference reaches 1/α', () => {
    const r = sequentialDifference(130, 1000, 100, 1000, { tau: 0.02, alpha: 0.05 });
    const v = (0.13 * 0.87) / 1000 + (0.1 * 0.9) / 1000;
    expect(mixtureRatio(r.estimate - r.lo, v, 0.02)).toBeCloseTo(20, 3);
    expect(mixtureRatio(r.estimate - r.hi, v, 0.02)).toBeCloseTo(20, 3);
  });

  it('is wider than the fixed-horizon interval at the same counts (the price of looking every day)', () => {
    const seq = sequentialDifference(130, 1000, 100, 1000, { tau: 0.02 });
    const fixed = newcombeDifference(130, 1000, 100, 1000);
    expect(seq.hi - seq.lo).toBeGreaterThan(fixed.hi - fixed.lo);
  });
});

describe('Holm correction', () => {
  // @stdlib/stats-padjust's own documented example.
  it('adjusts in the input order', () => {
    expect(holm([0.008, 0.03, 0.123, 0.6, 0.2])).toEqual([0.04, 0.12, 0.369, 0.6, 0.4]);
  });
});

describe('revenue per recipient', () => {
  it('compares means per recipient with a Welch interval', () => {
    // a: 10 recipients, two spent 50; b: 10 recipients, one spent 50.
    const d = meanDifference({ n: 10, sum: 100, sumSquares: 5000 }, { n: 10, sum: 50, sumSquares: 2500 });
    expect(d.estimate).toBe(5);
    // var a = (5000 − 1000)/9, var b = (2500 − 250)/9; se = √((444.4 + 250)/10) = 8.333.
    expect(d.hi - d.estimate).toBeCloseTo(1.959964 * 8.33333, 3);
  });
});
