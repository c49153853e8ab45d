/**
 * Everything a policy decision may look at. Built by the step Lambda (or simulate) from fresh
 * data; every policy function is a pure function of it.
 */
import { DateTime } from 'luxon';
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent, Product, Profile } from '../data.ts';
import type { Journey } from '../schema.ts';
import type { PolicyConfig } from './config.ts';
import type { MessageEngagement } from './engagement.ts';

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
  /**
   * For engagement conditions: what each send step they ask about sent in this run, by step id.
   * Loaded only for a branch that asks (functions/app/runtime.ts); absent means nothing was sent.
   */
  engagement?: Readonly<Record<string, MessageEngagement>>;
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
  if (typeof iso !== 'string') return undefined;
  const fast = utcInstant(iso);
  if (fast !== undefined) return fast;
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso)) return undefined;
  const parsed = DateTime.fromISO(iso, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

// `2024-07-01T10:00:00Z` / `2024-07-01T10:00:00.0Z` … `.000Z`: what `Date#toISOString` writes and
// what events carry.
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common case of `instant` without luxon or a regular expression (parsing was a tenth of a
 * send decision's CPU): a UTC timestamp in the form above, read exactly as luxon reads it.
 * Anything else, including out-of-range fields, is left to luxon (undefined here).
 */
function utcInstant(iso: string): number | undefined {
  const n = iso.length;
  if ((n !== 20 && (n < 22 || n > 24)) || iso.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (iso[4] !== '-' || iso[7] !== '-' || iso[10] !== 'T' || iso[13] !== ':' || iso[16] !== ':')
    return undefined;
  if (n > 20 && iso[19] !== '.') return undefined;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 7);
  const day = digits(iso, 8, 10);
  const hour = digits(iso, 11, 13);
  const minute = digits(iso, 14, 16);
  const second = digits(iso, 17, 19);
  const fraction = n > 20 ? digits(iso, 20, n - 1) : 0;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || fraction < 0) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  // luxon's own reading of a fraction of a second (`.5` is 500 ms).
  const millis = n > 20 ? Math.floor(Number.parseFloat(`0.${iso.slice(20, n - 1)}`) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** The decimal number in `text[from, to)`, or -1 when any character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
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
