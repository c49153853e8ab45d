/**
 * Everything a policy decision may look at. Built by the step Lambda (or simulate) from fresh
 * data; every policy function is a pure function of it.
 */
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent, Product, Profile } from '../data.ts';
import type { Journey } from '../schema.ts';
import type { PolicyConfig } from './config.ts';

export interface DecisionContext {
  journey: Journey;
  enrollment: Enrollment;
  /** Read fresh for this decision. */
  profile: Profile;
  /** The catalog entry of `enrollment.productId`, for per-product journeys. */
  product?: Product;
  /** The customer's events, newest first (order is not relied on for correctness). */
  history: CustomerEvent[];
  now: Date;
  config: PolicyConfig;
}

/** The data journeys address with field paths (`profile.*`, `event.*`, `product.*`) and templates. */
export interface DataScope {
  profile: Profile;
  event: CustomerEvent;
  product?: Product;
}

export function dataScope(ctx: DecisionContext): DataScope {
  return ctx.product
    ? { profile: ctx.profile, event: ctx.enrollment.event, product: ctx.product }
    : { profile: ctx.profile, event: ctx.enrollment.event };
}
