/**
 * Conversions: a goal event that arrives inside a run's attribution window (the goal's `within`,
 * counted from entry) is recorded against that run, whether the run was messaged or held out, and
 * credited to the last message the run sent before it (last touch). Every touch inside the window
 * is kept with it, so first-touch, linear or time-decay credit can be computed later from the same
 * record. Pure: the caller passes the customer's enrollments and ledger (docs/analytics.md).
 *
 * - Intention to treat: a run counts from entry whatever happened after (stopped by an exit event,
 *   unsubscribed, still waiting), and a held-out run counts the same way: the control group is the
 *   held-out entrants, so the treated group must be all entrants, not only those a message reached.
 * - One conversion per (run, goal event): the record's id is built from both, so a redelivered or
 *   re-processed event writes the same id and a conditional put records it once. A second order
 *   inside the window is a second record of the same run: it adds revenue, not a converter.
 * - Revenue: the event's `properties.total` (a finite number ≥ 0) in `properties.currency`. When the
 *   goal names a currency, a value in any other currency is refused (`revenue: 'other_currency'`):
 *   Herald has no exchange rates, and a rate taken at report time would make the comparison move
 *   with the market, not with the messages. Without a goal currency, values are kept as sent and the
 *   report sums them per currency, never across (engine/analytics/report-model.ts).
 */
import { Duration } from 'luxon';
import type { Enrollment } from './contract.ts';
import type { CustomerEvent } from './data.ts';
import type { LedgerRecord } from './ledger.ts';
import { entryInstant, instant } from './policy/context.ts';
import type { ChannelName, Journey } from './schema.ts';

/** One message a run sent to the customer before the goal event (a ledger decision that sent). */
export interface Touch {
  at: string;
  stepId: string;
  channel: ChannelName;
  variant?: string;
  /** The ledger record of the send decision. */
  decisionId: string;
}

export type RevenueStatus = 'counted' | 'no_value' | 'other_currency';

export interface Conversion {
  /** `conversion#<journey>#<enrollment>#<goal event>`: deterministic, one per (run, goal event). */
  id: string;
  customerId: string;
  journeyId: string;
  journeyVersion: number;
  enrollmentId: string;
  enteredAt: string;
  /** The goal event. */
  eventId: string;
  eventType: string;
  /** When the goal event happened (its own time). */
  at: string;
  heldOut: boolean;
  /** The last touch before the goal event, inside the window: the message credited. */
  attributed?: Touch;
  /** Every touch inside the window, oldest first. */
  touches: Touch[];
  /** The attributed message's step and channel (absent when nothing was sent: held out, or converted first). */
  stepId?: string;
  channel?: ChannelName;
  /** The A/B arm of each split the run passed before converting (split step id → arm). */
  arms: Record<string, string>;
  /** The attributed message's variant, else the arms joined (`+`), else absent. */
  variant?: string;
  value?: number;
  currency?: string;
  revenue: RevenueStatus;
  /** Goal event time minus entry. */
  latencyMs: number;
  /** Goal event time minus the attributed message's time. */
  sinceTouchMs?: number;
  /** Whether this conversion ends the run (the goal's `exitOnConversion`, default true). */
  endsRun: boolean;
}

export interface RunOfCustomer {
  enrollment: Enrollment;
  /** Kept out of the journey (the holdout control group). */
  heldOut: boolean;
}

export interface AttributionInput {
  event: CustomerEvent;
  /** All the customer's runs, whatever their status. */
  runs: readonly RunOfCustomer[];
  /** The journey version each run entered (undefined: not carried by this deploy). */
  journeyOf: (journeyId: string, version: number) => Journey | undefined;
  /** The customer's ledger (any order). */
  ledger: readonly LedgerRecord[];
}

export function conversionId(journeyId: string, enrollmentId: string, eventId: string): string {
  return `conversion#${journeyId}#${enrollmentId}#${eventId}`;
}

/** A run whose attribution window holds the event: its goal and where the window starts. */
function inWindow(
  input: Pick<AttributionInput, 'event' | 'journeyOf'>,
  run: RunOfCustomer,
  at: number,
): { goal: NonNullable<Journey['goal']>; entered: number } | undefined {
  const { event } = input;
  const { enrollment } = run;
  if (enrollment.customerId !== event.customerId || enrollment.event?.id === event.id) return undefined;
  const goal = input.journeyOf(enrollment.journeyId, enrollment.journeyVersion)?.goal;
  if (!goal || goal.event !== event.type) return undefined;
  const entered = entryInstant(enrollment);
  // The same window as the exit rule (policy/exit.ts): a goal that ends the run ends it exactly
  // when a conversion is recorded.
  const window = Duration.fromISO(goal.within);
  if (entered === undefined || !window.isValid) return undefined;
  if (at < entered || at > entered + window.toMillis()) return undefined;
  return { goal, entered };
}

/**
 * Where the ledger records this event's conversions read begin: the earliest entry among the runs
 * whose window holds it (every touch and split arm of a run comes after its entry). Undefined when
 * no run's window holds it: there is nothing to read.
 */
export function attributionSince(input: Omit<AttributionInput, 'ledger'>): number | undefined {
  const at = instant(input.event.time);
  if (at === undefined) return undefined;
  const starts = input.runs.flatMap((run) => inWindow(input, run, at)?.entered ?? []);
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

/** The conversions this event is, one per run whose window it falls in. */
export function conversionsFor(input: AttributionInput): Conversion[] {
  const { event } = input;
  const at = instant(event.time);
  if (at === undefined) return [];
  const out: Conversion[] = [];
  for (const run of input.runs) {
    const { enrollment } = run;
    const held = inWindow(input, run, at);
    if (!held) continue;
    const { goal, entered } = held;

    const touches = touchesOf(input.ledger, enrollment, entered, at);
    const arms = armsOf(input.ledger, enrollment, at);
    const attributed = touches.at(-1);
    const armNames = Object.values(arms);
    const variant = attributed?.variant ?? (armNames.length ? armNames.join('+') : undefined);
    out.push({
      id: conversionId(enrollment.journeyId, enrollment.id, event.id),
      customerId: event.customerId,
      journeyId: enrollment.journeyId,
      journeyVersion: enrollment.journeyVersion,
      enrollmentId: enrollment.id,
      enteredAt: enrollment.enteredAt,
      eventId: event.id,
      eventType: event.type,
      at: new Date(at).toISOString(),
      heldOut: run.heldOut,
      ...(attributed
        ? {
            attributed,
            stepId: attributed.stepId,
            channel: attributed.channel,
            sinceTouchMs: at - Date.parse(attributed.at),
          }
        : {}),
      touches,
      arms,
      ...(variant !== undefined ? { variant } : {}),
      ...revenueOf(event, goal.currency),
      latencyMs: at - entered,
      endsRun: goal.exitOnConversion !== false,
    });
  }
  return out;
}

/** A run's sends from entry up to the goal event (inclusive), oldest first. */
function touchesOf(ledger: readonly LedgerRecord[], run: Enrollment, from: number, to: number): Touch[] {
  const touches: { ms: number; touch: Touch }[] = [];
  for (const r of ledger) {
    if (r.kind !== 'decision' || r.outcome !== 'sent' || !r.channel || !r.stepId) continue;
    if (r.journeyId !== run.journeyId || !ofRun(r, run)) continue;
    const ms = instant(r.at);
    if (ms === undefined || ms < from || ms > to) continue;
    touches.push({
      ms,
      touch: {
        at: r.at,
        stepId: r.stepId,
        channel: r.channel,
        decisionId: r.id,
        ...(r.variant ? { variant: r.variant } : {}),
      },
    });
  }
  return touches
    .sort((a, b) => a.ms - b.ms || (a.touch.decisionId < b.touch.decisionId ? -1 : 1))
    .map((t) => t.touch);
}

/** The arm of every split the run decided before the goal event (split ledger records carry it). */
function armsOf(ledger: readonly LedgerRecord[], run: Enrollment, to: number): Record<string, string> {
  const arms: Record<string, string> = {};
  for (const r of ledger) {
    if (r.kind !== 'decision' || r.op !== 'split' || !r.variant || !r.stepId) continue;
    if (r.journeyId !== run.journeyId || !ofRun(r, run)) continue;
    const ms = instant(r.at);
    if (ms !== undefined && ms <= to) arms[r.stepId] = r.variant;
  }
  return arms;
}

/** Execution ids are the run's ARN, whose last segment is the execution name: the enrollment id. */
function ofRun(record: LedgerRecord, run: Enrollment): boolean {
  const id = record.executionId;
  return id !== undefined && (id === run.id || id.endsWith(`:${run.id}`));
}

function revenueOf(
  event: CustomerEvent,
  goalCurrency: string | undefined,
): Pick<Conversion, 'value' | 'currency' | 'revenue'> {
  const props = (event.properties ?? {}) as Record<string, unknown>;
  const total = props.total;
  const currency = typeof props.currency === 'string' ? props.currency.toUpperCase() : undefined;
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return { revenue: 'no_value' };
  const value = { value: total, ...(currency ? { currency } : {}) };
  if (goalCurrency !== undefined && currency !== goalCurrency) return { ...value, revenue: 'other_currency' };
  return { ...value, revenue: 'counted' };
}
