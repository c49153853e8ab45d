/**
 * Stable pseudo-random assignment: A/B arms and holdout groups. The same customer always lands in
 * the same arm of the same step (retries, re-runs and simulate agree), and customers spread over
 * arms in proportion to the weights. No randomness, no clock: a hash of the coordinates.
 */
import { createHash } from 'node:crypto';
import type { Journey } from '../schema.ts';

/** A point in [0, 100) derived from the key; uniform for practical purposes. */
export function bucket(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  // 48 bits: exact in a double, fine-grained enough for fractional weights.
  return (digest.readUIntBE(0, 6) / 2 ** 48) * 100;
}

/**
 * The arm for a customer at a split step. Weights are cumulative in the listed order; when they do
 * not sum to 100 (the validator says they must) they are used proportionally.
 */
export function assignArm<A extends { weight: number }>(
  customerId: string,
  journeyId: string,
  stepId: string,
  arms: readonly A[],
): A | undefined {
  const usable = arms.filter((arm) => Number.isFinite(arm.weight) && arm.weight > 0);
  const total = usable.reduce((sum, arm) => sum + arm.weight, 0);
  if (usable.length === 0 || total <= 0) return undefined;
  const point = (bucket(JSON.stringify(['split', journeyId, stepId, customerId])) / 100) * total;
  let cumulative = 0;
  for (const arm of usable) {
    cumulative += arm.weight;
    if (point < cumulative) return arm;
  }
  return usable[usable.length - 1];
}

/**
 * Whether the customer is in the journey's control group. Stable per (journey, customer): the same
 * customer is held out of every run of the journey, so the comparison stays clean.
 */
export function isHeldOut(journey: Pick<Journey, 'id' | 'holdout'>, customerId: string): boolean {
  const percent = journey.holdout?.percent ?? 0;
  if (!(percent > 0)) return false;
  return bucket(JSON.stringify(['holdout', journey.id, customerId])) < percent;
}
