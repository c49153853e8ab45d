/**
 * Runs one customer through one journey with the production code: the journey compiled by
 * engine/compile and run by LOCAL's Step Functions runner, every Task bound to the real step
 * handler (`createStepHandler`), every event delivered through the real ingest handler
 * (`createIngestHandler`: entry, holdout, exits, wait-for-event resumes), the real DynamoDB store on
 * in-process dynalite, all on LOCAL's simulated clock. Only the providers are replaced: the
 * EmailSender and MessagingSender ports record what would have been sent (and can misbehave on
 * purpose, `providerFaults`, to show what the runtime does when a provider's answer is in doubt).
 *
 * Nothing here decides anything about the journey; it records what the real code did.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Conversion } from '../../engine/attribution.ts';
import type { Segment } from '../../engine/audience/index.ts';
import type { StepRequest, StepResult } from '../../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { readDuration } from '../../engine/duration.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import {
  type CapEntry,
  type ConditionTrace,
  explainCondition,
  type PolicyConfig,
} from '../../engine/policy/index.ts';
import type { ChannelName, Journey } from '../../engine/schema.ts';
import type { Vocabulary } from '../../engine/vocabulary.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { createJourneyRegistry } from '../../functions/adapters/journey-registry.ts';
import { engagementQuery, loadDecisionContext } from '../../functions/app/runtime.ts';
import { createFeedbackHandler } from '../../functions/handlers/feedback.ts';
import { createIngestHandler } from '../../functions/handlers/ingest.ts';
import { localContext } from '../../functions/handlers/lambda.ts';
import { createStepHandler } from '../../functions/handlers/step.ts';
import type {
  EmailMessage,
  EmailSender,
  MessagingSender,
  PushMessage,
  SendOutcome,
  SmsMessage,
} from '../../functions/ports.ts';
import { type AudienceTickRecord, LocalAudience } from '../../local/audience.ts';
import { installSimClock } from '../../local/clock.ts';
import { type ExecutionRecord, LocalWorkflows } from '../../local/runner.ts';
import { startDynalite } from '../../local/standins/dynalite.ts';

/** A message the customer already received (counts against the shared frequency caps). */
export interface PriorSend {
  at: string;
  channel: ChannelName;
  journeyId: string;
  category?: 'marketing' | 'transactional';
  priority?: number;
  /**
   * Not sent yet: another journey's message is waiting for a free cap slot until then (a hold,
   * engine/cap-window.ts), in line since `at`. It takes the slot from lower priorities.
   */
  heldUntil?: string;
}

/**
 * A provider misbehaving on purpose, for the first `times` sends on `channel` (default: all):
 * `in_doubt` — it took the message and its answer was lost (shown as sent, recorded as unknown);
 * `retry_later` — it took nothing and asked to retry (throttled); `rejected` — it refused it.
 */
export interface SimulatedProviderFault {
  channel: ChannelName;
  outcome: 'in_doubt' | 'retry_later' | 'rejected';
  times?: number;
}

/**
 * The customer opening (clicking) the message a send step sent, `after` it went out (default an
 * hour): the provider's feedback event goes through the real feedback handler, as SES (email open
 * or click) or End User Messaging (push open) would send it. SMS reports no opens or clicks, and a
 * push has no links: those are never simulated (engine/policy/engagement.ts reads them as not engaged).
 */
export interface SimulatedEngagement {
  step: string;
  with: 'open' | 'click';
  /** ISO 8601 duration after the send. */
  after?: string;
}

export interface SimulationInput {
  journey: Journey;
  profile: Profile;
  /** The customer's events, delivered in time order through ingest. */
  events: CustomerEvent[];
  products: Product[];
  sent?: PriorSend[];
  config: PolicyConfig;
  /** How far past the last event the simulation may run (default one year). */
  horizonMs?: number;
  providerFaults?: SimulatedProviderFault[];
  engagement?: SimulatedEngagement[];
  /** The journey folder's vocabulary (data.json): ingest and step read it as the Lambdas do. */
  vocabulary?: Vocabulary;
  /** The journey folder's segments (workflows/segments/): an audience journey's ticks judge the customer by them. */
  segments?: ReadonlyMap<string, Segment>;
}

export type Delivery =
  | { channel: 'email'; message: EmailMessage }
  | { channel: 'sms'; message: SmsMessage }
  | { channel: 'push'; message: PushMessage };

export interface RecordedSend {
  at: string;
  providerMessageId: string;
  delivery: Delivery;
}

export interface Invocation {
  at: string;
  request: StepRequest;
  result: StepResult;
  /** For branches: each branch condition as the policy evaluated it, at that moment. */
  traces?: ConditionTrace[];
}

export interface IngestRecord {
  at: string;
  event: CustomerEvent;
  summary: Record<string, unknown>;
  /** The customer's time zone as the store held it after this event (an event may change it). */
  profileAfter: { timeZone?: string };
}

export interface SimulationRecords {
  start: string;
  end: string;
  executions: ExecutionRecord[];
  invocations: Invocation[];
  ledger: LedgerRecord[];
  sends: RecordedSend[];
  ingests: IngestRecord[];
  /** The conversions ingest recorded (engine/attribution.ts), oldest first. */
  conversions: Conversion[];
  /** The profile as the store holds it when the simulation ends. */
  finalProfile?: Profile;
  /** Executions still waiting when the horizon was reached. */
  unfinished: string[];
  /** An audience journey's schedule ticks and what each did with this customer (local/audience.ts). */
  audienceTicks: AudienceTickRecord[];
}

export const SIMULATED_UNSUBSCRIBE_URL = 'https://herald.example/unsubscribe';
const HORIZON_MS = 366 * 24 * 3600_000;

export async function runSimulation(input: SimulationInput): Promise<SimulationRecords> {
  // Powertools would print a metrics blob per invocation: the timeline is the output.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // The SDK's advice to move to Node 22 is for operators, not for a marketer's timeline.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const events = [...input.events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const first = events[0];
  if (!first) throw new Error('runSimulation needs at least one event');
  const start = new Date(Date.parse(first.time));
  const customerId = input.profile.id;

  const dynamo = await startDynalite();
  const clock = installSimClock(start);
  try {
    const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    await store.updateProfile(customerId, () => input.profile);
    for (const product of input.products) await store.putProduct(product);
    if (input.sent && input.sent.length > 0) {
      const entries: CapEntry[] = input.sent.map((s, i) => ({
        key: `earlier#${i}`,
        at: s.at,
        channel: s.channel,
        category: s.category ?? 'marketing',
        priority: s.priority ?? 50,
        journeyId: s.journeyId,
        ...(s.heldUntil ? { held: { since: s.at, until: s.heldUntil } } : {}),
      }));
      await store.reserveCap(customerId, () => ({ entries, result: undefined }));
    }

    const base = (service: string) => ({
      store,
      clock: { now: () => clock.now() },
      logger: new Logger({ serviceName: service, logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'HeraldSimulate', serviceName: service }),
      ...(input.vocabulary ? { vocabulary: input.vocabulary } : {}),
    });
    const registry = createJourneyRegistry([input.journey], input.vocabulary);
    const sends: RecordedSend[] = [];
    let sequence = 0;
    const faults = (input.providerFaults ?? []).map((f) => ({
      ...f,
      left: f.times ?? Number.POSITIVE_INFINITY,
    }));
    const record = (delivery: Delivery): Promise<SendOutcome> => {
      const fault = faults.find((f) => f.channel === delivery.channel && f.left > 0);
      if (fault) fault.left -= 1;
      if (fault?.outcome === 'retry_later')
        return Promise.resolve({ status: 'retry_later', reason: 'simulated_throttle' });
      if (fault?.outcome === 'rejected')
        return Promise.resolve({ status: 'permanent_failure', reason: 'simulated_refusal' });
      sequence += 1;
      const providerMessageId = `simulated-${sequence}`;
      sends.push({ at: clock.now().toISOString(), providerMessageId, delivery });
      if (fault?.outcome === 'in_doubt')
        return Promise.resolve({ status: 'in_doubt', reason: 'simulated_lost_answer' });
      for (const reaction of engagementFeedback(input.engagement, delivery, providerMessageId, clock.now())) {
        clock.at(reaction.at, () => feedback(reaction.event, feedbackContext), customerId);
      }
      return Promise.resolve({ status: 'sent', providerMessageId });
    };
    const email: EmailSender = { sendEmail: (message) => record({ channel: 'email', message }) };
    const messaging: MessagingSender = {
      sendSms: (message) => record({ channel: 'sms', message }),
      sendPush: (message) => record({ channel: 'push', message }),
    };
    const feedback = createFeedbackHandler(base('feedback'));
    const feedbackContext = localContext('feedback');
    const step = createStepHandler({
      ...base('step'),
      journeys: registry,
      config: input.config,
      email,
      messaging,
      unsubscribe: { baseUrl: SIMULATED_UNSUBSCRIBE_URL, secrets: ['herald-simulate-not-a-secret'] },
    });
    const stepContext = localContext('step');
    const invocations: Invocation[] = [];
    const workflows = new LocalWorkflows({
      journeys: [input.journey],
      clock,
      // The runner's own validator costs about half a second per definition; the compiler's output
      // for any valid journey is held to valid ASL by test/unit/compile-property.test.ts.
      validate: false,
      invokeStep: async (request) => {
        const at = clock.now().toISOString();
        const traces =
          request.op === 'branch' ? await branchTraces(store, input, request, clock.now()) : undefined;
        const result = (await step(request, stepContext)) as StepResult;
        invocations.push({ at, request, result, ...(traces ? { traces } : {}) });
        return result;
      },
    });
    const ingest = createIngestHandler({
      ...base('ingest'),
      journeys: registry,
      executions: workflows,
      config: input.config,
    });
    const ingestContext = localContext('ingest');
    const ingests: IngestRecord[] = [];
    for (const event of events) {
      clock.at(
        new Date(Date.parse(event.time)),
        async () => {
          const at = clock.now().toISOString();
          const summary = (await ingest(
            { 'detail-type': 'Customer Event', source: 'herald.simulate', detail: event } as never,
            ingestContext,
          )) as Record<string, unknown>;
          const timeZone = (await store.getProfile(customerId))?.timeZone;
          ingests.push({ at, event, summary, profileAfter: timeZone === undefined ? {} : { timeZone } });
        },
        customerId,
      );
    }

    const last = Date.parse(events[events.length - 1]?.time ?? first.time);
    const until = new Date(last + (input.horizonMs ?? HORIZON_MS));
    // An audience journey: its schedule's ticks over the same window, through the same enrolment
    // code the audience Lambda and the demo run (a scan of this one-customer table).
    const audience = audienceOf(input, { store, workflows, clock, dynamo });
    audience?.schedule([input.journey], start, until);
    await clock.run({ until });
    const failure = clock.errors[0];
    if (failure) throw failure;

    const executions = workflows.executions();
    const unfinished = executions.filter((e) => e.status === 'RUNNING').map((e) => e.name);
    const end = clock.now().toISOString();
    const [ledger, finalProfile, conversions] = await Promise.all([
      store.listLedger(customerId),
      store.getProfile(customerId),
      store.listConversions(customerId),
    ]);
    const records: SimulationRecords = {
      start: start.toISOString(),
      end,
      executions,
      invocations,
      ledger,
      sends,
      ingests,
      conversions,
      unfinished,
      audienceTicks: audience?.ticks ?? [],
    };
    if (finalProfile) records.finalProfile = finalProfile;
    return records;
  } finally {
    clock.uninstall();
    await dynamo.stop();
  }
}

function audienceOf(
  input: SimulationInput,
  parts: {
    store: DynamoStore;
    workflows: LocalWorkflows;
    clock: ReturnType<typeof installSimClock>;
    dynamo: Awaited<ReturnType<typeof startDynalite>>;
  },
): LocalAudience | undefined {
  const id = input.journey.entry.segment;
  if (id === undefined || !input.journey.entry.schedule) return undefined;
  if (!input.segments?.has(id)) {
    throw new Error(
      `journey ${input.journey.id} enters segment ${id}, which is not among the segments given`,
    );
  }
  return new LocalAudience({
    deps: {
      store: parts.store,
      executions: parts.workflows,
      config: input.config,
      now: () => parts.clock.now(),
    },
    reader: new DynamoAudience(parts.dynamo.client, parts.dynamo.tableName),
    clock: parts.clock,
    segments: input.segments,
  });
}

/** Each branch's condition explained by the policy on the data the step handler is about to read. */
async function branchTraces(
  store: DynamoStore,
  input: SimulationInput,
  request: StepRequest,
  now: Date,
): Promise<ConditionTrace[] | undefined> {
  const step = input.journey.steps[request.stepId];
  if (step?.type !== 'branch') return undefined;
  const engaged = engagementQuery(step, request.executionId);
  const ctx = await loadDecisionContext(store, input.journey, request.enrollment, now, input.config, engaged);
  return step.branches.map((b) => explainCondition(b.when, ctx));
}

/** The provider events a simulated open or click of this delivery sends, and when. */
function engagementFeedback(
  engagement: readonly SimulatedEngagement[] | undefined,
  delivery: Delivery,
  providerMessageId: string,
  sentAt: Date,
): { at: Date; event: unknown }[] {
  const step = delivery.message.tags?.step;
  const out: { at: Date; event: unknown }[] = [];
  for (const e of engagement ?? []) {
    if (e.step !== step) continue;
    const after = readDuration(e.after ?? 'PT1H');
    const at = new Date(sentAt.getTime() + (after.ok ? Math.max(after.duration.toMillis(), 1000) : 3600_000));
    if (delivery.channel === 'email') {
      // SES event publishing through EventBridge (functions/app/feedback-parse.ts reads the same).
      // detail-type as EventBridge names them: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html
      const eventType = e.with === 'click' ? 'Click' : 'Open';
      const key = eventType.toLowerCase();
      const timestamp = at.toISOString();
      out.push({
        at,
        event: {
          'detail-type': e.with === 'click' ? 'Email Clicked' : 'Email Opened',
          source: 'aws.ses',
          detail: {
            eventType,
            mail: { messageId: providerMessageId, timestamp: sentAt.toISOString() },
            [key]: { timestamp, ...(e.with === 'click' ? { link: 'https://herald.example/simulated' } : {}) },
          },
        },
      });
    } else if (delivery.channel === 'push' && e.with === 'open') {
      out.push({
        at,
        event: {
          event_type: '_push.open',
          event_timestamp: at.getTime(),
          attributes: { message_id: providerMessageId },
        },
      });
    }
  }
  return out;
}
