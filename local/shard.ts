/**
 * One shard of the demo: its customers live the month through the real system. Their events go in
 * through the ingest Lambda; the compiled workflows call the step Lambda, which sends through the
 * SES and Pinpoint stand-ins; the customers react to what they receive (opens, clicks, bounces,
 * complaints, STOP replies, one-click unsubscribes) through the feedback and unsubscribe Lambdas.
 * Afterwards the raw records are read back: the ledger from DynamoDB, the sink's messages, the
 * SES proxy's receipts, the Step Functions history.
 */
import type { EnrollmentRow } from '../engine/analytics/report-model.ts';
import type { Conversion } from '../engine/attribution.ts';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { PolicyConfig } from '../engine/policy/index.ts';
import { applyEventToProfile } from '../engine/profile-events.ts';
import type { ChannelName, Journey } from '../engine/schema.ts';
import { readAnalyticsRecords } from '../functions/adapters/dynamo-analytics.ts';
import { DynamoPrivacy } from '../functions/adapters/dynamo-privacy.ts';
import { createPseudonymiser } from '../functions/app/pseudonym.ts';
import type { AudienceTickRecord } from './audience.ts';
import { chance, createWorld, type ScheduledEvent } from './demo-data.ts';
import { type HiddenHabits, hiddenHabits, react as reactAsHabits } from './demo-truth.ts';
import type { DynamoRequestCounts } from './dynamo-requests.ts';
import type { ExecutionRecord } from './runner.ts';
import type { EmailReceipt, SinkMessage } from './standins/index.ts';
import {
  LOCAL_PRIVACY_KEY,
  type LocalSystem,
  type LocalSystemOptions,
  type Sent,
  startLocalSystem,
} from './system.ts';

export interface ShardOptions {
  customers: number;
  days: number;
  seed: number;
  start: Date;
  shard: { index: number; count: number };
  /** Send email to this aws-ses-v2-local (shared by the shards) instead of starting one. */
  sesEndpoint?: string;
  sesPort?: number;
  /** Which DynamoDB (default: dynalite in-process; an endpoint must be reachable from every shard). */
  dynamo?: LocalSystemOptions['dynamo'];
  /** The main thread already validated the compiled definitions. */
  validated?: boolean;
  /** Journeys and policy as the main thread loaded (and validated) them. */
  journeys?: Journey[];
  config?: PolicyConfig;
  /** Run every journey in this mode (scale: Express segments and timers); default: each journey's own. */
  execution?: LocalSystemOptions['execution'];
  /** In this thread only (test/iam): records every AWS call per function. */
  awsCalls?: LocalSystemOptions['awsCalls'];
}

export interface ShardProgress {
  /** Simulated hours since the start. */
  hour: number;
  events: number;
  sent: number;
  waiting: number;
}

export interface ShardResult {
  /** Orders customers placed because of a message (on top of the world's plan). */
  reactions: { customerId: string; type: string; at: string }[];
  ledger: LedgerRecord[];
  /** Read back from the table with the Scan `herald report` uses (functions/adapters/dynamo-analytics.ts). */
  enrollments: EnrollmentRow[];
  conversions: Conversion[];
  sink: SinkMessage[];
  /** The SES proxy's receipts in this shard: each accepted email, with its simulated arrival time. */
  emailReceipts: EmailReceipt[];
  executions: ExecutionRecord[];
  /** Each audience tick this shard ran, with its counts (local/audience.ts). */
  audienceTicks: AudienceTickRecord[];
  /** Accepted by the unsubscribe Lambda (email) or the feedback Lambda (SMS STOP). */
  unsubscribes: { customerId: string; channel: ChannelName; at: string }[];
  /** Opens and clicks the world reported to the feedback Lambda (SES events, push opens). */
  engagements: { providerMessageId: string; kind: 'open' | 'click'; at: string }[];
  /** Customers erased mid-month (DELETE /customers/{id}); `left`: their items still in the table at the end. */
  erasures: { customerId: string; at: string; left: number }[];
  counts: { events: number; feedback: number; unsubscribes: number; sent: number; rescues: number };
  /** Every request this shard's DynamoDB served, seeding and read-back included (in-process dynalite only). */
  dynamoRequests?: DynamoRequestCounts;
  errors: string[];
  timings: { setupMs: number; simulateMs: number; collectMs: number; cpuMs: number };
}

const MINUTE = 60_000;
/** A reader's mail client (a full user agent, unlike Apple's prefetch proxy). */
const READER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * How likely a cart message makes a customer who would not have ordered order anyway, per step:
 * the uplift the holdout and the A/B test should be able to see.
 */
const CART_UPLIFT: Record<string, number> = {
  'send-cart-reminder': 0.12,
  'send-discount-offer': 0.3,
  'send-free-shipping-offer': 0.18,
};

export async function simulateShard(
  options: ShardOptions,
  onProgress?: (progress: ShardProgress) => void,
): Promise<{ result: ShardResult; system: LocalSystem }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const world = createWorld(options, options.shard);
  const byPhone = new Map<string, string>();
  const byPushToken = new Map<string, string>();
  for (const c of world.audience) {
    if (c.phone) byPhone.set(c.phone, c.id);
    if (c.pushToken) byPushToken.set(c.pushToken.token, c.id);
  }
  const temper = new Map(world.audience.map((c) => [c.id, c.temper]));
  // The hidden truth customers react by (local/demo-truth.ts): when they read, on which channel.
  const habits = new Map<string, { habits: HiddenHabits; zone: string | undefined }>(
    world.audience.map((c) => [
      c.id,
      { habits: hiddenHabits(options.seed, c.id, options.start, options.days), zone: c.timeZone },
    ]),
  );
  const unsubscribes: ShardResult['unsubscribes'] = [];
  const engagements: ShardResult['engagements'] = [];
  const errors: string[] = [];
  const counts = { events: 0, feedback: 0, unsubscribes: 0, sent: 0, rescues: 0 };
  const sendSeq = new Map<string, number>();
  const reactions: ShardResult['reactions'] = [];
  const planned = new Map<string, ScheduledEvent[]>();
  for (const e of world.events)
    planned.set(e.event.customerId, [...(planned.get(e.event.customerId) ?? []), e]);

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
    counts.sent += 1;
    // A customer's n-th message: a stable key for how they react, whatever the provider's ids.
    const n = (sendSeq.get(customerId) ?? 0) + 1;
    sendSeq.set(customerId, n);
    const roll = (purpose: string) => chance(options.seed, customerId, n, purpose);
    const now = sys.clock.now().getTime();
    const t = temper.get(customerId) ?? { open: 0.3, click: 0.1, unsubscribe: 0.01 };
    const truth = habits.get(customerId);
    const reaction = truth
      ? reactAsHabits(truth.habits, t, sent.channel, now, truth.zone, options.seed, `${customerId}#${n}`)
      : {};
    const later = (at: number, work: () => Promise<unknown>) => sys.clock.at(new Date(at), work, customerId);
    const feedbackAt = (at: number, event: unknown, engaged?: 'open' | 'click') =>
      later(at, async () => {
        counts.feedback += 1;
        const result = await sys.feedback(event);
        if (engaged)
          engagements.push({ providerMessageId: messageId, kind: engaged, at: new Date(at).toISOString() });
        return result;
      });

    const uplift =
      sent.message.tags?.journey === 'cart-abandonment'
        ? CART_UPLIFT[sent.message.tags.step ?? '']
        : undefined;
    if (uplift !== undefined && roll('uplift') < uplift) {
      // The customer's latest cart, unless the world already has them ordering in the next days.
      const own = planned.get(customerId) ?? [];
      const cart = own.filter((e) => e.event.type === 'cart_updated' && e.at.getTime() <= now).at(-1);
      const ordersSoon = own.some(
        (e) =>
          e.event.type === 'order_placed' &&
          e.at.getTime() >= (cart?.at.getTime() ?? now) &&
          e.at.getTime() < now + 3 * DAY,
      );
      if (cart && !ordersSoon) {
        const at = new Date(now + Math.floor(20 + roll('uplift-delay') * 20 * 60) * MINUTE);
        const props = cart.event.properties as {
          items: unknown[];
          total: number;
          currency: string;
          cartId: string;
        };
        const event = {
          id: `${customerId}-reply-${n}`,
          type: 'order_placed',
          customerId,
          time: at.toISOString(),
          properties: {
            orderId: `${props.cartId}-o`,
            items: props.items,
            total: props.total,
            currency: props.currency,
          },
        };
        later(at.getTime(), async () => {
          counts.events += 1;
          reactions.push({ customerId, type: event.type, at: event.time });
          await sys.ingest(event);
        });
      }
    }

    if (sent.channel === 'email') {
      const { to } = sent.message;
      // SES's mailbox simulator addresses bounce and complain for real; so do they here.
      if (to === 'bounce@simulator.amazonses.com') {
        feedbackAt(now + MINUTE, sesEvent('Bounce', messageId, now + MINUTE, { bounceType: 'Permanent' }));
        return;
      }
      if (to === 'complaint@simulator.amazonses.com') {
        feedbackAt(now + 5 * MINUTE, sesEvent('Complaint', messageId, now + 5 * MINUTE, {}));
        return;
      }
      if (reaction.machineOpenAt !== undefined) {
        // Apple Mail Privacy Protection fetches the pixel on arrival: an open nobody made.
        const at = reaction.machineOpenAt;
        feedbackAt(
          at,
          sesEvent('Open', messageId, at, { userAgent: 'Mozilla/5.0', ipAddress: '17.58.63.1' }),
        );
      }
      if (reaction.openAt === undefined) return;
      const openAt = reaction.openAt;
      feedbackAt(openAt, sesEvent('Open', messageId, openAt, { userAgent: READER_AGENT }), 'open');
      if (reaction.clickAt !== undefined) {
        const clickAt = reaction.clickAt;
        feedbackAt(
          clickAt,
          sesEvent('Click', messageId, clickAt, {
            link: 'https://shop.example.com',
            userAgent: READER_AGENT,
          }),
          'click',
        );
      }
      if (roll('unsubscribe') < t.unsubscribe) {
        // The mail client's RFC 8058 one-click POST to the List-Unsubscribe URL.
        const token = new URL(sent.message.unsubscribeUrl).searchParams.get('token') ?? '';
        later(openAt + 2 * MINUTE, async () => {
          const response = await sys.unsubscribe('POST', token);
          if (response.statusCode === 200) {
            counts.unsubscribes += 1;
            unsubscribes.push({ customerId, channel: 'email', at: sys.clock.now().toISOString() });
          }
        });
      }
    } else if (sent.channel === 'sms') {
      if (reaction.openAt !== undefined && roll('stop') >= 0.04) {
        // A reply other than STOP: engagement with SMS (two-way SMS inbound).
        later(reaction.openAt, async () => {
          counts.feedback += 1;
          await sys.feedback({
            originationNumber: sent.message.to,
            destinationNumber: '+18005550100',
            messageBody: 'Thanks!',
            inboundMessageId: `inbound-${customerId}-${n}-reply`,
          });
        });
      }
      if (roll('stop') < 0.04) {
        later(now + Math.floor(1 + roll('stop-delay') * 120) * MINUTE, async () => {
          counts.feedback += 1;
          const result = (await sys.feedback({
            originationNumber: sent.message.to,
            destinationNumber: '+18005550100',
            messageBody: 'STOP',
            inboundMessageId: `inbound-${customerId}-${n}`,
          })) as { applied?: number } | undefined;
          if (result?.applied) {
            counts.unsubscribes += 1;
            unsubscribes.push({ customerId, channel: 'sms', at: sys.clock.now().toISOString() });
          }
        });
      }
    } else if (reaction.openAt !== undefined) {
      const at = reaction.openAt;
      feedbackAt(
        at,
        { event_type: '_push.open', event_timestamp: at, attributes: { message_id: messageId } },
        'open',
      );
    }
  };

  system = await startLocalSystem({
    start: options.start,
    onSent: react,
    shard: options.shard,
    validateDefinitions: !options.validated,
    ...(options.journeys ? { journeys: options.journeys } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.awsCalls ? { awsCalls: options.awsCalls } : {}),
    ...(options.sesPort === undefined ? {} : { sesPort: options.sesPort }),
    ...(options.sesEndpoint === undefined ? {} : { sesEndpoint: options.sesEndpoint }),
    ...(options.dynamo === undefined ? {} : { dynamo: options.dynamo }),
    ...(options.execution === undefined ? {} : { execution: options.execution }),
  });
  const sys = system;
  const store = sys.stack.store;
  for (const product of world.catalog) await sys.clock.track(() => store.putProduct(product));
  // The audience from before the demo: profiles loaded straight into the table, as an import would.
  for (const { at, event } of world.imports) {
    await sys.clock.track(() =>
      store.updateProfile(event.customerId, (current) => applyEventToProfile(current, event, at).profile),
    );
  }
  // Their orders from before the demo, stored as processed events (what segments read).
  for (const { at, event } of world.history) {
    await sys.clock.track(async () => {
      await store.putEvent(event, at);
      await store.updateProfile(
        event.customerId,
        (current) => applyEventToProfile(current, event, at).profile,
      );
      await store.markEventProcessed(event.customerId, event.id);
    });
  }
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
  // A few customers ask to be erased mid-month, whatever journeys they are in: about 1 in 100, chosen
  // by their number (cust-0013, cust-0110, …), so the same ones whatever the shards.
  const erasures: ShardResult['erasures'] = [];
  const midMonth = new Date(options.start.getTime() + Math.floor(options.days / 2) * 86_400_000 + 12 * HOUR);
  for (const c of world.audience.filter((c) => Number(c.id.replace(/\D/g, '')) % 97 === 13)) {
    sys.clock.at(
      midMonth,
      async () => {
        const response = await sys.erase(c.id);
        if (response.statusCode === 200)
          erasures.push({ customerId: c.id, at: sys.clock.now().toISOString(), left: 0 });
        else errors.push(`erasing ${c.id}: ${response.statusCode} ${response.body}`);
      },
      c.id,
    );
  }
  const end = new Date(options.start.getTime() + options.days * 86_400_000);
  // Audience journeys (win-back, broadcasts): each tick of their schedules is a timer too.
  sys.audience.schedule(sys.journeys, options.start, end);
  const setupMs = performance.now() - t0;

  const tSim = performance.now();
  let lastHour = -1;
  await sys.clock.run({
    until: end,
    onProgress: (now) => {
      const hour = Math.floor((now.getTime() - options.start.getTime()) / HOUR);
      if (hour === lastHour || !onProgress) return;
      lastHour = hour;
      onProgress({ hour, events: counts.events, sent: counts.sent, waiting: sys.workflows.runningCount() });
    },
  });
  const simulateMs = performance.now() - tSim;

  const tCollect = performance.now();
  for (const error of sys.clock.errors) errors.push(describe(error));
  for (const e of sys.workflows.executions()) {
    if (e.status === 'FAILED') errors.push(`${e.arn}: ${e.error} ${e.cause}`);
  }
  const ledger: LedgerRecord[] = [];
  for (const c of world.audience)
    ledger.push(...(await sys.clock.track(() => sys.stack.store.listLedger(c.id))));
  const { enrollments, conversions } = await sys.clock.track(() =>
    readAnalyticsRecords({ client: sys.stack.dynamo.client, tableName: sys.stack.dynamo.tableName }),
  );
  // An erased customer's decisions live on under their pseudonym; the demo, which knows whom it
  // erased, maps them back for its bookkeeping (every delivery has its decision), and counts what
  // of them is still in their partitions (nothing, if the erasure worked).
  const privacy = new DynamoPrivacy({
    client: sys.stack.dynamo.client,
    tableName: sys.stack.dynamo.tableName,
  });
  const pseudonyms = createPseudonymiser(LOCAL_PRIVACY_KEY);
  for (const erasure of erasures) {
    const kept = await sys.clock.track(() =>
      privacy.anonymousLedger(pseudonyms.pseudonym(erasure.customerId)),
    );
    ledger.push(...kept.map((r) => ({ ...r, customerId: erasure.customerId })));
    const left = await sys.clock.track(() => privacy.remaining(erasure.customerId));
    erasure.left = left.ledger + left.other.length;
  }
  counts.rescues = sys.clock.rescues();
  const dynamoRequests = sys.stack.dynamo.requestCounts?.();
  const cpu = process.cpuUsage(cpu0);
  return {
    system: sys,
    result: {
      reactions,
      ledger,
      enrollments,
      conversions,
      sink: [...sys.stack.pinpoint.messages],
      emailReceipts: sys.stack.emailReceipts(),
      executions: sys.workflows.executions(),
      audienceTicks: sys.audience.ticks,
      unsubscribes,
      engagements,
      erasures,
      counts,
      ...(dynamoRequests ? { dynamoRequests } : {}),
      errors,
      timings: {
        setupMs,
        simulateMs,
        collectMs: performance.now() - tCollect,
        cpuMs: (cpu.user + cpu.system) / 1000,
      },
    },
  };
}

/** An SES event-publishing record as EventBridge delivers it. */
function sesEvent(eventType: string, messageId: string, at: number, detail: Record<string, string>) {
  const timestamp = new Date(at).toISOString();
  const key = eventType.toLowerCase();
  return {
    'detail-type': `Email ${eventType}`,
    source: 'aws.ses',
    detail: { eventType, mail: { messageId, timestamp }, [key]: { ...detail, timestamp } },
  };
}

/** The customer an unsubscribe link names (the token's payload; the handler verifies it). */
export function customerOfLink(url: string): string | undefined {
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
