/**
 * Engagement conditions: `{ "engaged": "send-first-reminder", "with": "open", "within": "P3D" }`
 * holds when the message that send step sent in this run was opened (clicked, converted on) no
 * later than `within` after it went out.
 *
 * Answered from what the runtime records, per run and step (functions/ports.ts `MessageEngagement`):
 * when the step's message went out and on which channel (the send's own claim), and the first open
 * and click the provider reported for that message (the feedback Lambda). Conversions are the
 * journey's goal events in the customer's history after the message went out, inside both `within`
 * and the goal's own window from entry.
 *
 * Where the opens and clicks come from: SES adds an invisible image (open) and rewrites links
 * (click) in emails sent with a configuration set whose event destination matches OPEN and CLICK
 * (infra/constructs/messaging.ts publishes both), and reports each as an event
 * ("TrackingOptions", https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TrackingOptions.html;
 * "Amazon Simple Email Service events", Email Opened / Email Clicked,
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html). A push open is reported
 * only when the app records it (`_push.open` in the event stream, functions/app/feedback-parse.ts).
 *
 * Total, like every condition: a step that sent nothing (skipped, no usable channel, not reached on
 * the customer's way, in doubt), a channel that reports no opens (SMS), data that was not loaded,
 * or a malformed condition make it false.
 */
import { DateTime } from 'luxon';
import { readDuration } from '../duration.ts';
import type { ChannelName, EngagementKind } from '../schema.ts';
import { type DecisionContext, entryInstant, instant } from './context.ts';

/** What one send step of this run sent, and what the customer did with it. ISO times. */
export interface MessageEngagement {
  /** When the message went out; absent when the step sent nothing (yet). */
  sentAt?: string;
  channel?: ChannelName;
  /** The first open the provider reported for that message (email open pixel, push open). */
  openedAt?: string;
  /** The first click on a link in it (email). */
  clickedAt?: string;
}

const KINDS = new Set<string>(['open', 'click', 'convert']);

/** True for a value shaped like an engagement condition (under `not`, malformed is refused). */
export function isEngagementCondition(
  c: Record<string, unknown>,
): c is { engaged: string; with: EngagementKind; within: string } {
  return (
    typeof c.engaged === 'string' &&
    typeof c.with === 'string' &&
    KINDS.has(c.with) &&
    typeof c.within === 'string' &&
    windowMs(c.within, 0) !== undefined
  );
}

export interface EngagementVerdict {
  result: boolean;
  /** What was found (for simulate): when it was sent, and when the engagement asked about happened. */
  seen: { sentAt?: string; channel?: ChannelName; at?: string };
}

export function evaluateEngagement(c: Record<string, unknown>, ctx: DecisionContext): EngagementVerdict {
  if (!isEngagementCondition(c)) return { result: false, seen: {} };
  const message = ctx.engagement?.[c.engaged];
  const sent = instant(message?.sentAt);
  if (!message || sent === undefined) return { result: false, seen: {} };
  const seen = { sentAt: message.sentAt!, ...(message.channel ? { channel: message.channel } : {}) };
  const end = Math.min(windowMs(c.within, sent) ?? sent, ctx.now.getTime());
  const at = engagedAt(c.with, message, sent, end, ctx);
  return at === undefined ? { result: false, seen } : { result: true, seen: { ...seen, at } };
}

/** The first moment of the asked-for engagement inside [sent, end], as ISO. */
function engagedAt(
  kind: EngagementKind,
  message: MessageEngagement,
  sent: number,
  end: number,
  ctx: DecisionContext,
): string | undefined {
  // Provider and runtime clocks differ by seconds: an open stamped just before the recorded send
  // time is still about that message (nothing else could have been opened).
  const inWindow = (iso: string | undefined) => {
    const t = instant(iso);
    return t !== undefined && t <= end ? iso : undefined;
  };
  switch (kind) {
    case 'open': {
      // A click proves the message was read, even when the mail client blocked the open pixel.
      const opened = inWindow(message.openedAt);
      const clicked = inWindow(message.clickedAt);
      if (opened && clicked) return instant(opened)! <= instant(clicked)! ? opened : clicked;
      return opened ?? clicked;
    }
    case 'click':
      return inWindow(message.clickedAt);
    case 'convert':
      return conversionAfter(sent, end, ctx);
  }
}

/** The earliest goal event after the message and inside the goal's window from entry. */
function conversionAfter(sent: number, end: number, ctx: DecisionContext): string | undefined {
  const goal = ctx.journey.goal;
  if (!goal) return undefined;
  const entered = entryInstant(ctx.enrollment);
  const goalEnd = entered === undefined ? undefined : windowMs(goal.within, entered);
  if (goalEnd === undefined) return undefined;
  let first: { t: number; iso: string } | undefined;
  for (const event of ctx.history) {
    if (event?.type !== goal.event || event.id === ctx.enrollment.event?.id) continue;
    const t = instant(event.time);
    if (t === undefined || t <= sent || t > end || t > goalEnd) continue;
    if (!first || t < first.t) first = { t, iso: event.time };
  }
  return first?.iso;
}

/** `from` plus the duration (calendar months and years on the UTC calendar), or undefined. */
function windowMs(text: string, from: number): number | undefined {
  const reading = readDuration(text);
  if (!reading.ok || reading.duration.toMillis() <= 0) return undefined;
  return DateTime.fromMillis(from, { zone: 'utc' }).plus(reading.duration).toMillis();
}

/** The send steps a condition asks about, so the runtime loads only their engagement. */
export function engagedSteps(cond: unknown, depth = 0): string[] {
  if (depth > 64 || typeof cond !== 'object' || cond === null || Array.isArray(cond)) return [];
  const c = cond as Record<string, unknown>;
  const out: string[] = [];
  if (typeof c.engaged === 'string') out.push(c.engaged);
  for (const key of ['all', 'any'] as const) {
    const list = c[key];
    if (Array.isArray(list)) for (const x of list) out.push(...engagedSteps(x, depth + 1));
  }
  if (c.not !== undefined) out.push(...engagedSteps(c.not, depth + 1));
  return [...new Set(out)];
}

/** In words, for simulate and the ledger: `engaged send-first-reminder with open within P3D`. */
export function engagementTest(c: Record<string, unknown>): string {
  return `engaged ${String(c.engaged)} with ${String(c.with)} within ${String(c.within)}`;
}
