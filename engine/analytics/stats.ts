/**
 * The statistics behind the report's verdicts. Distributions and the multiple-comparison correction
 * come from stdlib (@stdlib/stats-*); what is composed here is each method's published formula, cited
 * where it is defined and checked against the source's worked examples in test/unit/stats.test.ts.
 * Why these methods: docs/analytics.md.
 *
 * - Wilson score interval for one proportion (Wilson 1927; Newcombe 1998a, method 3).
 * - Newcombe's hybrid score interval for a difference of proportions (Newcombe 1998b, method 10):
 *   near-nominal coverage at small counts and extreme rates, where the Wald interval fails.
 * - Katz's log interval for a ratio of proportions (Katz et al. 1978): the relative uplift.
 * - An always-valid confidence sequence and p-value for the difference (the normal-mixture mSPRT of
 *   Johari, Koomen, Pekelis & Walsh 2017, "Peeking at A/B tests", KDD; Robbins 1970): valid however
 *   often it is looked at, so a marketer who checks every day is not fooled.
 * - Holm's step-down correction (Holm 1979) across arms and goals, from @stdlib/stats-padjust.
 * - Sample size per group for a two-sided test of two proportions by Cohen's arcsine effect size h
 *   (Cohen 1988, ch. 6; the same formula as R's pwr.2p.test).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import padjust from '@stdlib/stats-padjust';

export interface Interval {
  lo: number;
  hi: number;
}

/** The standard normal quantile (stdlib). */
export const z = (p: number): number => normalQuantile(p, 0, 1);

/** Wilson's score interval for x successes of n, at confidence 1 − alpha. */
export function wilson(x: number, n: number, alpha = 0.05): Interval {
  if (n <= 0) return { lo: 0, hi: 1 };
  const q = z(1 - alpha / 2);
  const p = x / n;
  const q2 = q * q;
  const centre = p + q2 / (2 * n);
  const half = q * Math.sqrt((p * (1 - p)) / n + q2 / (4 * n * n));
  const denom = 1 + q2 / n;
  return { lo: Math.max(0, (centre - half) / denom), hi: Math.min(1, (centre + half) / denom) };
}

/**
 * Newcombe's method 10: the interval for p1 − p2 from the two Wilson intervals,
 * δ − √((p1 − l1)² + (u2 − p2)²) … δ + √((u1 − p1)² + (p2 − l2)²).
 */
export function newcombeDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  alpha = 0.05,
): Interval & { estimate: number } {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const a = wilson(x1, n1, alpha);
  const b = wilson(x2, n2, alpha);
  const d = p1 - p2;
  return {
    estimate: d,
    lo: d - Math.sqrt((p1 - a.lo) ** 2 + (b.hi - p2) ** 2),
    hi: d + Math.sqrt((a.hi - p1) ** 2 + (p2 - b.lo) ** 2),
  };
}

/**
 * Katz's interval for the ratio p1 / p2: exp(ln r ± z √(1/x1 − 1/n1 + 1/x2 − 1/n2)). Undefined when
 * either group has no success (the log ratio is unbounded).
 */
export function ratioInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  alpha = 0.05,
): (Interval & { estimate: number }) | undefined {
  if (x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0) return undefined;
  const r = x1 / n1 / (x2 / n2);
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  const q = z(1 - alpha / 2);
  return { estimate: r, lo: r * Math.exp(-q * se), hi: r * Math.exp(q * se) };
}

export interface SequentialResult extends Interval {
  estimate: number;
  /** The always-valid p-value of this look (1 / the mixture likelihood ratio, at most 1). */
  p: number;
}

/**
 * The normal-mixture sequential test of p1 − p2 = 0 (mSPRT, Johari et al. 2017, eq. for the
 * two-stream normal case). With θ̂ = p̂1 − p̂2, V = p̂1(1−p̂1)/n1 + p̂2(1−p̂2)/n2 and a mixing
 * distribution N(0, τ²) over the effect:
 *   Λ = √(V / (V + τ²)) · exp(θ̂² τ² / (2 V (V + τ²))),   p = min(1, 1/Λ),
 * and the confidence sequence is the set of θ0 the test at θ0 does not reject:
 *   θ̂ ± √( V (V + τ²) / τ² · (2 ln(1/α) + ln((V + τ²) / V)) ).
 * P(the sequence ever misses the true difference) ≤ α, at every look, however many.
 */
export function sequentialDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  options: { alpha?: number; tau: number },
): SequentialResult {
  const alpha = options.alpha ?? 0.05;
  const tau2 = options.tau * options.tau;
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const estimate = p1 - p2;
  // A group with no variance yet (0 or all converted) gets the variance of one pseudo-observation
  // either way, so V is never 0 and the first looks stay wide rather than degenerate.
  const varOf = (p: number, n: number) => (n > 0 ? Math.max(p * (1 - p), 1 / (4 * (n + 1))) / n : 1);
  const v = varOf(p1, n1) + varOf(p2, n2);
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
  const logLambda = 0.5 * Math.log(v / (v + tau2)) + (estimate * estimate * tau2) / (2 * v * (v + tau2));
  // A difference of two rates lies in [−1, 1]: cutting the sequence there loses no coverage.
  return {
    estimate,
    lo: Math.max(-1, estimate - half),
    hi: Math.min(1, estimate + half),
    p: Math.min(1, Math.exp(-logLambda)),
  };
}

/** Holm-adjusted p-values, in the input's order (@stdlib/stats-padjust). */
export function holm(pValues: readonly number[]): number[] {
  return pValues.length === 0 ? [] : padjust([...pValues], 'holm');
}

/** Cohen's effect size h = 2 asin √p1 − 2 asin √p2. */
export function cohenH(p1: number, p2: number): number {
  return 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2));
}

/**
 * Customers needed in each of two equal groups for a two-sided test at `alpha` to detect the change
 * from `baseline` to `baseline + effect` with probability `power`: n = 2 ((z₁₋α/₂ + z_power) / h)².
 */
export function sampleSizePerGroup(baseline: number, effect: number, alpha = 0.05, power = 0.8): number {
  const p1 = Math.min(0.999, Math.max(0.001, baseline));
  const p2 = Math.min(0.999, Math.max(0.001, baseline + effect));
  return Math.ceil(sampleSizeForH(cohenH(p2, p1), alpha, power));
}

/** n per group for effect size h (unrounded): 2 ((z₁₋α/₂ + z_power) / h)², as R's pwr.2p.test solves it. */
export function sampleSizeForH(h: number, alpha = 0.05, power = 0.8): number {
  if (!(Math.abs(h) > 0)) return Number.POSITIVE_INFINITY;
  return 2 * ((z(1 - alpha / 2) + z(power)) / h) ** 2;
}

/** The two-sided p-value of a z statistic (for the fixed-horizon comparison the bench shows). */
export function twoSidedP(statistic: number): number {
  return 2 * (1 - normalCdf(Math.abs(statistic), 0, 1));
}

export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

/**
 * Mean per recipient and the Welch normal interval for the difference of two means (revenue per
 * recipient: most recipients spend 0, so the means are compared, not the spenders').
 */
export function meanDifference(a: Moments, b: Moments, alpha = 0.05): Interval & { estimate: number } {
  const mean = (m: Moments) => (m.n > 0 ? m.sum / m.n : 0);
  const variance = (m: Moments) =>
    m.n > 1 ? Math.max(0, (m.sumSquares - (m.sum * m.sum) / m.n) / (m.n - 1)) : Number.POSITIVE_INFINITY;
  const d = mean(a) - mean(b);
  const se = Math.sqrt(variance(a) / Math.max(1, a.n) + variance(b) / Math.max(1, b.n));
  const q = z(1 - alpha / 2);
  return { estimate: d, lo: d - q * se, hi: d + q * se };
}
