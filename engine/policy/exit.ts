/**
 * Leaving a journey early: an exit event (a purchase ends cart abandonment) or the goal reached
 * within its window. The step Lambda checks this first at every step (history read fresh), and
 * ingest uses the same rule to stop running executions the moment such an event arrives.
 */
import { Duration } from 'luxon';
import type { Enrollment } from '../contract.ts';
import type { CustomerEvent } from '../data.ts';
import { runDeadline } from '../run-budget.ts';
import type { Journey } from '../schema.ts';
import { type DecisionContext, entryInstant, eventMentionsProduct, instant } from './context.ts';

export type ExitReason = `exit_event:${string}` | 'converted';

export interface ExitDecision {
  reason: ExitReason;
  /** The event that ended the journey (an id, never personal data). */
  eventId: string;
}

/**
 * Why this event ends this enrollment, or undefined. Only events of the same customer, other than
 * the one that started the enrollment, that happened at or after entry (`entryInstant`) count;
 * exit rules are checked before the goal, whose window runs from entry.
 */
/**
 * Whether a run of `journey` reacts to an event of this type while it runs: the event may end it
 * (an exit rule, the goal) or end one of its waits (a waitForEvent step). Other events only feed
 * later conditions over the customer's history.
 */
export function reactsWhileRunning(
  journey: Pick<Journey, 'exit' | 'goal' | 'steps'>,
  eventType: string,
): boolean {
  return (
    (journey.exit ?? []).some((rule) => rule.event === eventType) ||
    journey.goal?.event === eventType ||
    Object.values(journey.steps).some((step) => step.type === 'waitForEvent' && step.event === eventType)
  );
}

export function exitReasonFor(
  event: CustomerEvent,
  enrollment: Enrollment,
  journey: Pick<Journey, 'exit' | 'goal'>,
): ExitReason | undefined {
  return reasonAt(event, instant(event.time), enrollment, entryInstant(enrollment), journey);
}

/** `exitReasonFor` with the event's instant and the entry instant already read. */
function reasonAt(
  event: CustomerEvent,
  at: number | undefined,
  enrollment: Enrollment,
  entered: number | undefined,
  journey: Pick<Journey, 'exit' | 'goal'>,
): ExitReason | undefined {
  if (event.customerId !== enrollment.customerId || event.id === enrollment.event?.id) return undefined;
  if (at === undefined || entered === undefined || at < entered) return undefined;

  for (const rule of journey.exit ?? []) {
    if (rule.event !== event.type) continue;
    if (rule.sameProduct && !eventMentionsProduct(event, enrollment.productId)) continue;
    return `exit_event:${event.type}`;
  }

  const goal = journey.goal;
  if (goal && goal.event === event.type && goal.exitOnConversion !== false) {
    const window = Duration.fromISO(goal.within);
    if (window.isValid && at <= entered + window.toMillis()) return 'converted';
  }
  return undefined;
}

/** The earliest event in the customer's history (up to `now`) that ends this enrollment. */
export function checkExit(ctx: DecisionContext): ExitDecision | undefined {
  const now = ctx.now.getTime();
  // Read once per decision, not once per event in the history.
  const entered = entryInstant(ctx.enrollment);
  let found: { at: number; decision: ExitDecision } | undefined;
  for (const event of ctx.history) {
    const at = instant(event?.time);
    if (at === undefined || at > now || (found && at >= found.at)) continue;
    const reason = reasonAt(event, at, ctx.enrollment, entered, ctx.journey);
    if (reason) found = { at, decision: { reason, eventId: event.id } };
  }
  return found?.decision;
}

/**
 * Whether the run has reached its deadline (engine/run-budget.ts): a year after entry less the
 * margins, so that it ends with a recorded reason instead of failing at Standard's one-year limit.
 */
export function pastRunDeadline(ctx: Pick<DecisionContext, 'journey' | 'enrollment' | 'now'>): boolean {
  const deadline = runDeadline(ctx.journey, ctx.enrollment);
  return deadline !== undefined && ctx.now.getTime() >= deadline.getTime();
}
