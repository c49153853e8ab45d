/**
 * What must hold after any run, checked from what the world saw — the stand-ins' own records (the
 * SES store and the SES proxy's receipts, the Pinpoint sink), the ledger and the Step Functions
 * history — never from the code's own counters. Each check reports how many things it examined,
 * so a vacuous pass shows. The recipient-side checks (receipt window, once per step, quiet hours,
 * caps, unsubscribes, RTL, one-click headers) read who got what and when from the stand-ins only
 * (deliveries.ts); only `recordedSends` compares them with the ledger.
 *
 * The rules are restated here from the design (quiet hours in the customer's zone, rolling caps,
 * RFC 8058 headers) rather than imported from engine/, so a bug there cannot hide itself here.
 */
import { DomUtils, parseDocument } from 'htmlparser2';
import { DateTime, Duration, IANAZone } from 'luxon';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { PolicyConfig } from '../engine/policy/index.ts';
import type { ChannelName, Journey } from '../engine/schema.ts';
import { collectDeliveries, type Delivery } from './deliveries.ts';
import { engagementBranches, type ReportedEngagement } from './invariants-engagement.ts';
import type { ExecutionRecord } from './runner.ts';
import type { EmailReceipt, SinkMessage, StoredEmail } from './standins/index.ts';

/** A customer as the demo seeded them (their profile data, not what Herald recorded). */
export interface ObservedCustomer {
  id: string;
  locale: string;
  timeZone?: string;
  email?: string;
  phone?: string;
  pushToken?: string;
}

export interface ObservedRun {
  journeys: readonly Journey[];
  config: PolicyConfig;
  customers: readonly ObservedCustomer[];
  ledger: readonly LedgerRecord[];
  emails: readonly StoredEmail[];
  /** The SES proxy's record of each accepted email: tags and when it arrived (simulated time). */
  emailReceipts: readonly EmailReceipt[];
  sink: readonly SinkMessage[];
  executions: readonly ExecutionRecord[];
  /** The simulated time the run covered: every receipt lies in [start, end]. */
  window: { start: string; end: string };
  /** Orders the world placed (accepted by ingest). */
  orders: readonly { customerId: string; at: string }[];
  /** Unsubscribes the unsubscribe handler accepted. */
  unsubscribes: readonly { customerId: string; channel: ChannelName; at: string }[];
  /** Opens and clicks the world reported to the feedback Lambda. */
  engagements?: readonly ReportedEngagement[];
  /** Customers erased during the run, when, and how many of their items the table still held at the end. */
  erasures?: readonly { customerId: string; at: string; left: number }[];
}

export interface InvariantResult {
  name: string;
  checked: number;
  violations: string[];
}

export function checkInvariants(run: ObservedRun): InvariantResult[] {
  const deliveries = collectDeliveries(run);
  return [
    recordedSends(run, deliveries),
    receivedInWindow(run, deliveries),
    oncePerStep(run, deliveries),
    quietHours(run, deliveries),
    caps(run, deliveries),
    unsubscribed(run, deliveries),
    erased(run, deliveries),
    orderedDuringWait(run, deliveries),
    rtlEmails(run, deliveries),
    oneClickHeaders(deliveries),
    engagementBranches(run.journeys, run.ledger, run.engagements ?? []),
  ];
}

/** Every message a stand-in received has exactly one `sent` decision in the ledger, and vice versa. */
function recordedSends(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  for (const d of deliveries) {
    if (!d.decision)
      violations.push(`${d.channel} message ${d.messageId ?? '?'} has no sent decision in the ledger`);
    else if (d.decision.customerId !== d.customerId)
      violations.push(
        `${d.channel} message ${d.messageId} went to ${d.customerId}, ledger says ${d.decision.customerId}`,
      );
  }
  const delivered = new Set(deliveries.map((d) => d.messageId));
  for (const r of run.ledger) {
    if (r.kind === 'decision' && r.outcome === 'sent' && !delivered.has(r.providerMessageId))
      violations.push(`ledger says ${r.customerId} was sent ${r.journeyId}/${r.stepId}, no stand-in has it`);
  }
  return {
    name: 'every delivered message is a recorded send decision',
    checked: deliveries.length,
    violations,
  };
}

/**
 * Every message has a receipt time from its stand-in, inside the simulated time the run covered: a
 * time outside it was read from some other clock (the wall clock, say), and checks on it mean nothing.
 */
function receivedInWindow(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  const start = Date.parse(run.window.start);
  const end = Date.parse(run.window.end);
  for (const d of deliveries) {
    const at = d.at === undefined ? Number.NaN : Date.parse(d.at);
    if (Number.isNaN(at)) violations.push(`${d.channel} message ${d.messageId ?? '?'} has no receipt time`);
    else if (at < start || at > end)
      violations.push(
        `${d.channel} message ${d.messageId ?? '?'} received at ${d.at}, outside the run (${run.window.start} to ${run.window.end})`,
      );
  }
  return {
    name: 'every message was received within the run’s simulated time',
    checked: deliveries.length,
    violations,
  };
}

/** Keyed by what the recipient got: customer, run and step from the stand-in (SES tags for email). */
function oncePerStep(_run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const seen = new Map<string, number>();
  for (const d of deliveries) {
    if (!d.stepId) continue;
    const key = `${d.customerId ?? d.address ?? '?'} ${d.journeyId ?? '?'}/${d.stepId} (run ${d.run ?? '?'})`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const violations = [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} delivered ${n} times`);
  return { name: 'no customer receives the same journey step twice', checked: seen.size, violations };
}

function zoneOf(run: ObservedRun, customerId: string | undefined, journeyId: string | undefined): string {
  const customer = run.customers.find((c) => c.id === customerId);
  const journey = run.journeys.find((j) => j.id === journeyId);
  const candidates = [customer?.timeZone, journey?.defaultTimeZone, run.config.defaultTimeZone];
  return candidates.find((z): z is string => typeof z === 'string' && IANAZone.isValidZone(z)) ?? 'UTC';
}

/** Minutes after local midnight. */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function quietHours(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  for (const d of deliveries) {
    const window = run.config.quietHours[d.channel];
    if (!window || !d.at) continue;
    checked += 1;
    const zone = zoneOf(run, d.customerId, d.journeyId);
    const local = DateTime.fromISO(d.at, { zone });
    const minute = local.hour * 60 + local.minute;
    const start = minutesOf(window.start);
    const end = minutesOf(window.end);
    const quiet = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
    if (quiet)
      violations.push(
        `${d.channel} to ${d.customerId} at ${local.toFormat('yyyy-MM-dd HH:mm')} ${zone} (quiet hours)`,
      );
  }
  return { name: 'no SMS or push inside quiet hours, customer local time', checked, violations };
}

function categoryOf(run: ObservedRun, d: Delivery): string {
  const journey = run.journeys.find((j) => j.id === d.journeyId);
  const step = journey?.steps[d.stepId ?? ''];
  if (!journey || step?.type !== 'send') return 'marketing';
  return journey.messages[step.message]?.category ?? 'marketing';
}

function caps(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  const byCustomer = new Map<string, Delivery[]>();
  for (const d of deliveries) {
    if (!d.customerId || !d.at) continue;
    byCustomer.set(d.customerId, [...(byCustomer.get(d.customerId) ?? []), d]);
  }
  for (const rule of run.config.caps) {
    const windowMs = Duration.fromISO(rule.window).toMillis();
    for (const [customerId, all] of byCustomer) {
      const counted = all
        .filter((d) => rule.channels.includes(d.channel))
        .filter((d) => !rule.category || categoryOf(run, d) === rule.category)
        .map((d) => Date.parse(d.at!))
        .sort((a, b) => a - b);
      for (let i = 0; i < counted.length; i++) {
        checked += 1;
        const inWindow = counted.filter((t) => t > counted[i]! - windowMs && t <= counted[i]!).length;
        if (inWindow > rule.limit) {
          violations.push(
            `${customerId}: ${inWindow} messages within ${rule.window} by ${new Date(counted[i]!).toISOString()} (cap ${rule.id} is ${rule.limit})`,
          );
        }
      }
    }
  }
  return { name: 'frequency caps are never exceeded', checked, violations };
}

function unsubscribed(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  for (const u of run.unsubscribes) {
    for (const d of deliveries) {
      if (
        d.customerId === u.customerId &&
        d.channel === u.channel &&
        d.at &&
        Date.parse(d.at) > Date.parse(u.at)
      )
        violations.push(`${u.customerId} unsubscribed from ${u.channel} at ${u.at}, was sent one at ${d.at}`);
    }
  }
  return {
    name: 'nothing on a channel after unsubscribing from it',
    checked: run.unsubscribes.length,
    violations,
  };
}

/**
 * Nothing reaches an erased customer after their erasure, on any channel, counted from what the
 * stand-ins received (SES receipts, the Pinpoint sink); and the table keeps nothing of theirs.
 */
function erased(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  for (const e of run.erasures ?? []) {
    for (const d of deliveries) {
      if (d.customerId === e.customerId && d.at && Date.parse(d.at) > Date.parse(e.at))
        violations.push(`${e.customerId} was erased at ${e.at}, was sent a ${d.channel} message at ${d.at}`);
    }
    if (e.left > 0)
      violations.push(
        `${e.customerId} was erased at ${e.at}; ${e.left} of their items are still in the table`,
      );
  }
  return {
    name: 'nothing reaches an erased customer, and nothing of theirs is kept',
    checked: run.erasures?.length ?? 0,
    violations,
  };
}

/** For every wait-for-event the customer answered in time, nothing was sent in that run afterwards. */
function orderedDuringWait(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  for (const execution of run.executions) {
    const journey = run.journeys.find((j) => j.id === execution.journeyId);
    if (!journey) continue;
    for (const entered of execution.states) {
      const step = journey.steps[entered.name];
      if (step?.type !== 'waitForEvent' || step.event !== 'order_placed') continue;
      const from = Date.parse(entered.at);
      const until = from + Duration.fromISO(step.timeout).toMillis();
      const ordered = run.orders.find(
        (o) => o.customerId === execution.customerId && Date.parse(o.at) >= from && Date.parse(o.at) < until,
      );
      if (!ordered) continue;
      checked += 1;
      for (const d of deliveries) {
        if (d.run === execution.name && d.at && Date.parse(d.at) >= Date.parse(ordered.at))
          violations.push(
            `${execution.customerId} ordered at ${ordered.at} during ${entered.name}, then got ${d.stepId} at ${d.at}`,
          );
      }
    }
  }
  return { name: 'an order during the wait stops the reminders', checked, violations };
}

function rtlEmails(run: ObservedRun, deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  for (const d of deliveries) {
    if (d.channel !== 'email') continue;
    const locale = run.customers.find((c) => c.id === d.customerId)?.locale ?? '';
    const language = /^(ar|fa)\b/.exec(locale)?.[1];
    if (!language) continue;
    checked += 1;
    const problem = bodyDirectionProblem(d.html ?? '', language);
    if (problem) violations.push(`email ${d.messageId} to ${d.customerId} (${locale}) ${problem}`);
  }
  return { name: 'every Arabic or Persian email is right-to-left', checked, violations };
}

/**
 * Why the email would not read right-to-left where webmail shows it, or undefined. Webmail (and
 * aws-ses-v2-local's viewer) keep only what is inside `<body>`, dropping `<html dir>` and
 * `<body dir>`: so all of the body's content must sit in one element that carries `dir="rtl"`,
 * the language in `lang`, and `direction: rtl` inline for clients that strip attributes.
 */
function bodyDirectionProblem(html: string, language: string): string | undefined {
  const doc = parseDocument(html);
  const body = DomUtils.findOne((e) => e.name === 'body', doc.children) ?? doc;
  const content = body.children.filter(
    (n) =>
      (DomUtils.isTag(n) && !['title', 'meta', 'style'].includes(n.name)) ||
      (DomUtils.isText(n) && n.data.trim() !== ''),
  );
  const [wrapper] = content;
  if (content.length !== 1 || !wrapper || !DomUtils.isTag(wrapper))
    return 'has body content outside a right-to-left wrapper element';
  const attr = (name: string) => wrapper.attribs[name]?.trim().toLowerCase() ?? '';
  if (attr('dir') !== 'rtl') return `has a body wrapper <${wrapper.name}> without dir="rtl"`;
  if (attr('lang').split('-')[0] !== language)
    return `has a body wrapper <${wrapper.name}> without lang="${language}"`;
  if (!/(^|;)\s*direction\s*:\s*rtl\b/.test(attr('style')))
    return `has a body wrapper <${wrapper.name}> without an inline direction: rtl`;
  return undefined;
}

function oneClickHeaders(deliveries: Delivery[]): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  for (const d of deliveries) {
    if (d.channel !== 'email') continue;
    checked += 1;
    const header = (name: string) => d.headers?.find((h) => h.name.toLowerCase() === name)?.value ?? '';
    if (!/<https:\/\/[^>]+>/.test(header('list-unsubscribe')))
      violations.push(`email ${d.messageId} has no https List-Unsubscribe`);
    if (header('list-unsubscribe-post') !== 'List-Unsubscribe=One-Click')
      violations.push(`email ${d.messageId} has no List-Unsubscribe-Post: List-Unsubscribe=One-Click`);
    // A link naming someone else would unsubscribe them, not the recipient.
    if (d.linkCustomerId && d.customerId !== d.linkCustomerId)
      violations.push(
        `email ${d.messageId} to ${d.customerId ?? 'an unknown address'} carries ${d.linkCustomerId}'s unsubscribe link`,
      );
  }
  return { name: 'every email carries one-click unsubscribe headers (RFC 8058)', checked, violations };
}
