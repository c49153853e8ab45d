/**
 * Journey conditions: data, never code. Evaluation is total: a malformed or unknown shape, a
 * missing field or a type mismatch makes the condition false instead of throwing, so one bad
 * profile can never stop a journey for everybody.
 */
import { DateTime, Duration } from 'luxon';
import type { CustomerEvent } from '../data.ts';
import { COMPARISON_OPERATORS, type Condition, MAX_CONDITION_DEPTH } from '../schema.ts';
import {
  type DecisionContext,
  dataScope,
  entryInstant,
  eventMentionsProduct,
  instant,
  readField,
} from './context.ts';
import { engagementTest, evaluateEngagement, isEngagementCondition } from './engagement.ts';

export function evaluateCondition(cond: Condition, ctx: DecisionContext): boolean {
  return evaluate(cond as unknown, ctx, 0);
}

function evaluate(cond: unknown, ctx: DecisionContext, depth: number): boolean {
  if (depth > MAX_CONDITION_DEPTH || typeof cond !== 'object' || cond === null || Array.isArray(cond)) {
    return false;
  }
  const c = cond as Record<string, unknown>;
  if ('all' in c) {
    return Array.isArray(c.all) && c.all.length > 0 && c.all.every((x) => evaluate(x, ctx, depth + 1));
  }
  if ('any' in c) {
    return Array.isArray(c.any) && c.any.some((x) => evaluate(x, ctx, depth + 1));
  }
  if ('not' in c) {
    // A malformed child is false, and `not` of it would be true: refuse it instead.
    return isWellFormed(c.not, depth + 1) && !evaluate(c.not, ctx, depth + 1);
  }
  if ('field' in c) return compareField(c, ctx);
  if ('did' in c) return didBehaviour(c, ctx);
  if ('engaged' in c) return evaluateEngagement(c, ctx).result;
  return false;
}

/** Structural check used under `not`, so that `not(garbage)` is false rather than true. */
function isWellFormed(cond: unknown, depth: number): boolean {
  if (depth > MAX_CONDITION_DEPTH || typeof cond !== 'object' || cond === null || Array.isArray(cond)) {
    return false;
  }
  const c = cond as Record<string, unknown>;
  if ('all' in c) return Array.isArray(c.all) && c.all.every((x) => isWellFormed(x, depth + 1));
  if ('any' in c) return Array.isArray(c.any) && c.any.every((x) => isWellFormed(x, depth + 1));
  if ('not' in c) return isWellFormed(c.not, depth + 1);
  if ('field' in c) return typeof c.field === 'string' && typeof c.op === 'string' && OPERATORS.has(c.op);
  if ('did' in c) return typeof c.did === 'string';
  if ('engaged' in c) return isEngagementCondition(c);
  return false;
}

// ── Field comparisons ─────────────────────────────────────────────────────────────────────────

const OPERATORS = new Set<string>(COMPARISON_OPERATORS);

function compareField(c: Record<string, unknown>, ctx: DecisionContext): boolean {
  const { field, op, value: expected } = c;
  if (typeof field !== 'string' || typeof op !== 'string') return false;
  const actual = readField(dataScope(ctx), field);
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
    case 'eq':
      return equal(actual, expected);
    case 'ne':
      return !equal(actual, expected);
    case 'gt':
      return order(actual, expected, (d) => d > 0);
    case 'gte':
      return order(actual, expected, (d) => d >= 0);
    case 'lt':
      return order(actual, expected, (d) => d < 0);
    case 'lte':
      return order(actual, expected, (d) => d <= 0);
    case 'in':
      return Array.isArray(expected) && expected.some((x) => equal(actual, x));
    case 'notIn':
      return Array.isArray(expected) && !expected.some((x) => equal(actual, x));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((x) => equal(x, expected));
    case 'startsWith':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    default:
      return false;
  }
}

/** Same type and value; two ISO timestamps are equal when they name the same instant. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return a !== undefined;
  if (typeof a === 'string' && typeof b === 'string') {
    const ta = instant(a);
    const tb = instant(b);
    return ta !== undefined && ta === tb;
  }
  return false;
}

/** Numbers against numbers, ISO dates against ISO dates; anything else does not compare (false). */
function order(a: unknown, b: unknown, test: (diff: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Number.isFinite(a) && Number.isFinite(b) && test(a - b);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const ta = instant(a);
    const tb = instant(b);
    return ta !== undefined && tb !== undefined && test(ta - tb);
  }
  return false;
}

// ── Behaviour ─────────────────────────────────────────────────────────────────────────────────

function didBehaviour(c: Record<string, unknown>, ctx: DecisionContext): boolean {
  const { count = 1 } = c;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return false;
  const found = behaviourCount(c, ctx);
  return found !== undefined && found >= count;
}

/** How many events match a behaviour condition, or undefined when the condition is malformed. */
function behaviourCount(c: Record<string, unknown>, ctx: DecisionContext): number | undefined {
  const { did, within, since, sameProduct } = c;
  if (typeof did !== 'string') return undefined;
  if (since !== undefined && since !== 'entry') return undefined;
  if (within !== undefined && typeof within !== 'string') return undefined;
  if (sameProduct !== undefined && typeof sameProduct !== 'boolean') return undefined;
  const window = behaviourWindow(ctx, within as string | undefined, since === 'entry');
  if (!window) return undefined;
  return matchingEvents(ctx.history, {
    type: did,
    ...window,
    productId: sameProduct ? ctx.enrollment.productId : undefined,
    sameProduct: sameProduct === true,
  });
}

interface EventWindow {
  /** Exclusive lower bound (ms). */
  after: number;
  /** Inclusive upper bound (ms): events "in the future" of the decision have not happened yet. */
  until: number;
  /** An event id that never counts (the enrollment's own trigger, for `since: entry`). */
  excludeId?: string;
}

function behaviourWindow(
  ctx: DecisionContext,
  within: string | undefined,
  sinceEntry: boolean,
): EventWindow | undefined {
  const now = ctx.now.getTime();
  const max = Duration.fromISO(ctx.config.maxBehaviourWindow);
  const nowUtc = DateTime.fromMillis(now, { zone: 'utc' });
  let after = max.isValid ? nowUtc.minus(max).toMillis() : now;
  if (within !== undefined) {
    const d = Duration.fromISO(within);
    if (!d.isValid || d.toMillis() <= 0) return undefined;
    after = Math.max(after, nowUtc.minus(d).toMillis() - 1);
  } else {
    after -= 1;
  }
  if (sinceEntry) {
    const entered = entryInstant(ctx.enrollment);
    if (entered === undefined) return undefined;
    return { after: Math.max(after, entered), until: now, excludeId: ctx.enrollment.event.id };
  }
  return { after, until: now };
}

/** Counts distinct events (by id) of a type inside a window, optionally about one product. */
export function matchingEvents(
  history: readonly CustomerEvent[],
  query: EventWindow & { type: string; productId: string | undefined; sameProduct: boolean },
): number {
  const seen = new Set<string>();
  for (const event of history) {
    if (event?.type !== query.type || seen.has(event.id) || event.id === query.excludeId) continue;
    const t = instant(event.time);
    if (t === undefined || t <= query.after || t > query.until) continue;
    if (query.sameProduct && !eventMentionsProduct(event, query.productId)) continue;
    seen.add(event.id);
  }
  return seen.size;
}

// ── Explanations (for simulate and the ledger) ────────────────────────────────────────────────

export interface ConditionTrace {
  result: boolean;
  /** What was tested, e.g. `profile.attributes.lifetimeValue gte 500` or `did order_placed within P30D`. */
  test: string;
  /** The value found (field comparisons only); personal contact data is never shown. */
  actual?: unknown;
  /** Matching events found (behaviour only). */
  found?: number;
  /** Engagement only: when the step's message went out, on which channel, and when it was engaged with. */
  engagement?: { sentAt?: string; channel?: string; at?: string };
  children?: ConditionTrace[];
}

const PERSONAL_FIELDS = /^profile\.(email|phone|pushTokens)(\.|$)/;

/** The same verdict as `evaluateCondition`, with every sub-condition's result and what it saw. */
export function explainCondition(cond: Condition, ctx: DecisionContext): ConditionTrace {
  return explain(cond as unknown, ctx, 0);
}

function explain(cond: unknown, ctx: DecisionContext, depth: number): ConditionTrace {
  if (depth > MAX_CONDITION_DEPTH) return { result: false, test: 'nested too deeply' };
  if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) {
    return { result: false, test: 'not a condition' };
  }
  const c = cond as Record<string, unknown>;
  const result = evaluate(c, ctx, depth);
  for (const key of ['all', 'any'] as const) {
    if (key in c) {
      const children = Array.isArray(c[key]) ? c[key].map((x) => explain(x, ctx, depth + 1)) : [];
      return { result, test: key, children };
    }
  }
  if ('not' in c) return { result, test: 'not', children: [explain(c.not, ctx, depth + 1)] };
  if ('field' in c) {
    const field = String(c.field);
    const value = 'value' in c ? ` ${JSON.stringify(c.value)}` : '';
    const actual = PERSONAL_FIELDS.test(field) ? '[personal data]' : readField(dataScope(ctx), field);
    return { result, test: `${field} ${String(c.op)}${value}`, actual };
  }
  if ('did' in c) {
    const parts = [`did ${String(c.did)}`];
    if (c.within !== undefined) parts.push(`within ${String(c.within)}`);
    if (c.since !== undefined) parts.push(`since ${String(c.since)}`);
    if (c.count !== undefined) parts.push(`at least ${String(c.count)} times`);
    if (c.sameProduct) parts.push('for the same product');
    return { result, test: parts.join(' '), found: behaviourCount(c, ctx) };
  }
  if ('engaged' in c) return { result, test: engagementTest(c), engagement: evaluateEngagement(c, ctx).seen };
  return { result: false, test: 'unknown condition' };
}
