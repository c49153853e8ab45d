/**
 * Everything a policy decision may look at. Built by the step Lambda (or simulate) from fresh
 * data; every policy function is a pure function of it.
 */
import { DateTime } from 'luxon';
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

const MAX_PATH_SEGMENTS = 16;

/**
 * Reads a dotted field path (`profile.attributes.lifetimeValue`) from a scope. Only own properties
 * of plain objects are followed (never the prototype chain); anything missing is `undefined`.
 */
export function readField(scope: DataScope, path: string): unknown {
  const segments = path.split('.');
  if (segments.length > MAX_PATH_SEGMENTS) return undefined;
  let current: unknown = scope;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

// ── History helpers ───────────────────────────────────────────────────────────────────────────

/**
 * Milliseconds since the epoch of an ISO date or timestamp, or `undefined` when it does not parse.
 * A value without an offset is read as UTC, never in the host's zone (decisions must not depend on
 * where the code runs).
 */
export function instant(iso: unknown): number | undefined {
  if (typeof iso !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(iso)) return undefined;
  const fast = utcInstant(iso);
  if (fast !== undefined) return fast;
  const parsed = DateTime.fromISO(iso, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

// `2024-07-01T10:00:00.000Z`, what `Date#toISOString` writes and what events carry.
const UTC_TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?Z$/;

/**
 * The common case of `instant` without luxon (parsing was a tenth of a send decision's CPU):
 * a UTC timestamp in the form above, read exactly as luxon reads it. Anything else, including
 * out-of-range fields, is left to luxon (undefined here).
 */
function utcInstant(iso: string): number | undefined {
  const m = UTC_TIMESTAMP.exec(iso);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  // luxon's own reading of a fraction of a second.
  const millis = m[7] === undefined ? 0 : Math.floor(Number.parseFloat(`0.${m[7]}`) * 1000);
  const ts = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls an impossible day (02-30) into the next month; luxon calls it invalid.
  return new Date(ts).getUTCDate() === day ? ts : undefined;
}

/** True when the event is about the product: one of its `items` or its `productId` property. */
export function eventMentionsProduct(event: CustomerEvent, productId: string | undefined): boolean {
  if (productId === undefined) return false;
  const props: unknown = event.properties;
  if (typeof props !== 'object' || props === null) return false;
  const { items, productId: single } = props as { items?: unknown; productId?: unknown };
  if (single === productId) return true;
  return (
    Array.isArray(items) &&
    items.some(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        (item as { productId?: unknown }).productId === productId,
    )
  );
}

/**
 * When the enrollment began, for "since entry" questions: its `enteredAt`, or the triggering
 * event's own time when that is earlier (an event delivered late still starts the clock when it
 * happened, so an order placed in between is not missed).
 */
export function entryInstant(enrollment: Enrollment): number | undefined {
  const entered = instant(enrollment.enteredAt);
  const triggered = instant(enrollment.event?.time);
  if (entered === undefined) return undefined;
  return triggered === undefined ? entered : Math.min(entered, triggered);
}
