/**
 * The demo run: a synthetic audience lives a month through the real system. Their events go in
 * through the ingest Lambda; the journeys' compiled workflows call the step Lambda, which sends
 * through SES and Pinpoint stand-ins; the customers react to what they receive (opens, clicks,
 * bounces, complaints, STOP replies, one-click unsubscribes) through the feedback and
 * unsubscribe Lambdas. Afterwards everything is read back from the stores and stand-ins.
 */
import type { LedgerRecord } from '../engine/ledger.ts';
import type { ChannelName } from '../engine/schema.ts';
import { chance, createWorld, type DemoWorld } from './demo-data.ts';
import { checkInvariants, type InvariantResult, type ObservedCustomer } from './invariants.ts';
import { createProgress } from './progress.ts';
import type { ExecutionRecord } from './runner.ts';
import type { SinkMessage, StoredEmail } from './standins/index.ts';
import { type DemoSummary, summarize } from './summary.ts';
import { type LocalSystem, type Sent, startLocalSystem } from './system.ts';

export interface DemoOptions {
  customers: number;
  days: number;
  seed: number;
  start: Date;
  /** Show a progress bar on stderr (default: when it is a terminal). */
  progress?: boolean;
  /** Keep the system (stand-ins) running after the run; the caller stops it. */
  keepRunning?: boolean;
  sesPort?: number;
}

export interface DemoResult {
  world: DemoWorld;
  system: LocalSystem;
  ledger: LedgerRecord[];
  emails: StoredEmail[];
  sink: SinkMessage[];
  executions: ExecutionRecord[];
  summary: DemoSummary;
  checks: InvariantResult[];
  /** Accepted by the unsubscribe Lambda. */
  unsubscribes: { customerId: string; channel: ChannelName; at: string }[];
  counts: { events: number; feedback: number; unsubscribes: number; errors: number; rescues: number };
  errors: string[];
  timings: { setupMs: number; simulateMs: number; collectMs: number };
}

const MINUTE = 60_000;

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const world = createWorld(options);
  const byPhone = new Map<string, string>();
  const byPushToken = new Map<string, string>();
  for (const c of world.audience) {
    if (c.phone) byPhone.set(c.phone, c.id);
    if (c.pushToken) byPushToken.set(c.pushToken.token, c.id);
  }
  const temper = new Map(world.audience.map((c) => [c.id, c.temper]));
  const unsubscribes: DemoResult['unsubscribes'] = [];
  const errors: string[] = [];
  const counts = { events: 0, feedback: 0, unsubscribes: 0, errors: 0, rescues: 0 };
  const sendSeq = new Map<string, number>();
  let sentTotal = 0;

  // Reactions need the system, and the system needs the reaction hook.
  let system: LocalSystem | undefined;
  const react = (sent: Sent) => {
    if (sent.outcome.status !== 'sent' || !system) return;
    const sys = system;
    const messageId = sent.outcome.providerMessageId;
    const customerId =
      sent.channel === 'email'
        ? customerOfLink(sent.message.unsubscribeUrl)
        : sent.channel === 'sms'
          ? byPhone.get(sent.message.to)
          : byPushToken.get(sent.message.tokens[0]?.token ?? '');
    if (!customerId) return;
    const n = (sendSeq.get(customerId) ?? 0) + 1;
    sendSeq.set(customerId, n);
    sentTotal += 1;
    const roll = (purpose: string) => chance(options.seed, customerId, n, purpose);
    const now = sys.clock.now().getTime();
    const t = temper.get(customerId) ?? { open: 0.3, click: 0.1, unsubscribe: 0.01 };
    const feedbackAt = (at: number, event: unknown) =>
      sys.clock.at(
        new Date(at),
        async () => {
          counts.feedback += 1;
          await sys.feedback(event);
        },
        customerId,
      );

    if (sent.channel === 'email') {
      const { to } = sent.message;
      if (to === 'bounce@simulator.amazonses.com') {
        feedbackAt(
          now + MINUTE,
          sesEvent('Bounce', messageId, now + MINUTE, { bounce: { bounceType: 'Permanent' } }),
        );
        return;
      }
      if (to === 'complaint@simulator.amazonses.com') {
        feedbackAt(now + 5 * MINUTE, sesEvent('Complaint', messageId, now + 5 * MINUTE, { complaint: {} }));
        return;
      }
      if (roll('open') >= t.open) return;
      const openAt = now + Math.floor(5 + roll('open-delay') * 600) * MINUTE;
      feedbackAt(openAt, sesEvent('Open', messageId, openAt, { open: {} }));
      if (roll('click') < t.click) {
        const clickAt = openAt + Math.floor(1 + roll('click-delay') * 10) * MINUTE;
        feedbackAt(
          clickAt,
          sesEvent('Click', messageId, clickAt, { click: { link: 'https://shop.example.com' } }),
        );
      }
      if (roll('unsubscribe') < t.unsubscribe) {
        const token = new URL(sent.message.unsubscribeUrl).searchParams.get('token') ?? '';
        const at = openAt + 2 * MINUTE;
        sys.clock.at(
          new Date(at),
          async () => {
            const response = await sys.unsubscribe('POST', token);
            if (response.statusCode === 200) {
              counts.unsubscribes += 1;
              unsubscribes.push({ customerId, channel: 'email', at: sys.clock.now().toISOString() });
            }
          },
          customerId,
        );
      }
    } else if (sent.channel === 'sms') {
      if (roll('stop') < 0.04) {
        const at = now + Math.floor(1 + roll('stop-delay') * 120) * MINUTE;
        sys.clock.at(
          new Date(at),
          async () => {
            counts.feedback += 1;
            const result = (await sys.feedback({
              originationNumber: sent.message.to,
              destinationNumber: '+18005550100',
              messageBody: 'STOP',
              inboundMessageId: `inbound-${customerId}-${n}`,
            })) as { applied?: number } | undefined;
            if (result?.applied)
              unsubscribes.push({ customerId, channel: 'sms', at: sys.clock.now().toISOString() });
          },
          customerId,
        );
      }
    } else if (roll('push-open') < t.open) {
      const at = now + Math.floor(1 + roll('push-open-delay') * 240) * MINUTE;
      feedbackAt(at, {
        event_type: '_push.open',
        event_timestamp: at,
        attributes: { message_id: messageId },
      });
    }
  };

  system = await startLocalSystem({
    start: options.start,
    onSent: react,
    ...(options.sesPort === undefined ? {} : { sesPort: options.sesPort }),
  });
  const sys = system;
  try {
    for (const product of world.catalog) await sys.clock.track(() => sys.stack.store.putProduct(product));
    // Stale push tokens: the sink answers PERMANENT_FAILURE, as APNs/FCM do for an uninstalled app.
    for (const c of world.audience) {
      if (c.pushToken?.token.startsWith('stale-'))
        sys.stack.pinpoint.failAddress(c.pushToken.token, 'PERMANENT_FAILURE');
    }
    for (const { at, event } of world.events) {
      sys.clock.at(
        at,
        async () => {
          counts.events += 1;
          await sys.ingest(event);
        },
        event.customerId,
      );
    }
    const setupMs = performance.now() - t0;

    const end = new Date(options.start.getTime() + options.days * 86_400_000);
    const progress = createProgress(
      options.days * 24,
      ' {bar} day {day}/{days} | {events} events | {sent} sent | {running} waiting',
      options.progress,
    );
    const hourOf = (d: Date) => Math.floor((d.getTime() - options.start.getTime()) / 3_600_000);
    const tSim = performance.now();
    await sys.clock.run({
      until: end,
      onProgress: (now) => {
        progress.update(Math.min(options.days * 24, hourOf(now)), {
          day: Math.min(options.days, Math.floor(hourOf(now) / 24) + 1),
          days: options.days,
          events: counts.events,
          sent: sentTotal,
          running: sys.workflows.runningCount(),
        });
      },
    });
    progress.update(options.days * 24, {
      day: options.days,
      days: options.days,
      events: counts.events,
      sent: sentTotal,
      running: sys.workflows.runningCount(),
    });
    progress.stop();
    const simulateMs = performance.now() - tSim;

    const tCollect = performance.now();
    for (const error of sys.clock.errors) errors.push(describe(error));
    for (const e of sys.workflows.executions())
      if (e.status === 'FAILED') errors.push(`${e.arn}: ${e.error} ${e.cause}`);
    const ledger: LedgerRecord[] = [];
    for (const c of world.audience)
      ledger.push(...(await sys.clock.track(() => sys.stack.store.listLedger(c.id))));
    const emails = await sys.clock.track(() => sys.stack.ses.emails());
    const sink = [...sys.stack.pinpoint.messages];
    const executions = sys.workflows.executions();
    const customers: ObservedCustomer[] = world.audience.map((c) => ({
      id: c.id,
      locale: c.locale,
      ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      ...(c.pushToken ? { pushToken: c.pushToken.token } : {}),
    }));
    const ingested = world.events
      .filter((e) => e.at < end)
      .map((e) => ({ customerId: e.event.customerId, type: e.event.type, at: e.event.time }));
    const summary = summarize({ journeys: sys.journeys, ledger, executions, emails, sink, events: ingested });
    const checks = checkInvariants({
      journeys: sys.journeys,
      config: sys.config,
      customers,
      ledger,
      emails,
      sink,
      executions,
      orders: ingested.filter((e) => e.type === 'order_placed'),
      unsubscribes,
    });
    counts.errors = errors.length;
    counts.rescues = sys.clock.rescues();
    const collectMs = performance.now() - tCollect;
    return {
      world,
      system: sys,
      ledger,
      emails,
      sink,
      executions,
      summary,
      checks,
      unsubscribes,
      counts,
      errors,
      timings: { setupMs, simulateMs, collectMs },
    };
  } finally {
    if (!options.keepRunning) await sys.stop();
  }
}

function sesEvent(eventType: string, messageId: string, at: number, detail: Record<string, object>) {
  const timestamp = new Date(at).toISOString();
  const [key, value] = Object.entries(detail)[0] ?? ['open', {}];
  return {
    'detail-type': `Email ${eventType}`,
    source: 'aws.ses',
    detail: { eventType, mail: { messageId, timestamp }, [key]: { ...value, timestamp } },
  };
}

/** The customer an unsubscribe link names (the token's payload; the handler verifies it). */
function customerOfLink(url: string): string | undefined {
  const token = new URL(url).searchParams.get('token') ?? '';
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const [customerId] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [unknown];
    return typeof customerId === 'string' ? customerId : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
