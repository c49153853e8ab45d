/**
 * Herald on one machine: the real handlers (ingest, step, feedback, unsubscribe) with their real
 * adapters bound to the local stand-ins, every journey's compiled ASL running in the local Step
 * Functions runner, all on one simulated clock.
 *
 * Every invocation goes through `clock.track`, keyed by customer: the clock never moves while a
 * handler works, and one customer's invocations due at the same instant run one after another.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Segment } from '../engine/audience/index.ts';
import { type PolicyConfig, parsePolicyConfig } from '../engine/policy/index.ts';
import { type ExecutionMode, executionMode } from '../engine/run-protocol.ts';
import type { Journey } from '../engine/schema.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { DynamoAudience } from '../functions/adapters/dynamo-audience.ts';
import { DynamoCatalog } from '../functions/adapters/dynamo-catalog.ts';
import { CONTROL_CACHE_MS, DynamoJourneyControls } from '../functions/adapters/dynamo-controls.ts';
import { DynamoPrivacy } from '../functions/adapters/dynamo-privacy.ts';
import { DynamoRuns } from '../functions/adapters/dynamo-runs.ts';
import { createJourneyRegistry, journeyRegistryOf } from '../functions/adapters/journey-registry.ts';
import { SchedulerTimers } from '../functions/adapters/scheduler-timers.ts';
import { createErasureGate } from '../functions/app/privacy.ts';
import { createPseudonymiser } from '../functions/app/pseudonym.ts';
import { enterRun } from '../functions/app/runs.ts';
import type { ScaleDeps } from '../functions/deps.ts';
import { createCatalogHandler } from '../functions/handlers/catalog.ts';
import { createFeedbackHandler } from '../functions/handlers/feedback.ts';
import { createFireHandler } from '../functions/handlers/fire.ts';
import { createIngestHandler } from '../functions/handlers/ingest.ts';
import { localContext } from '../functions/handlers/lambda.ts';
import { createPrivacyHandler } from '../functions/handlers/privacy.ts';
import { createReconcileHandler } from '../functions/handlers/reconcile.ts';
import { createStepHandler } from '../functions/handlers/step.ts';
import { createUnsubscribeHandler } from '../functions/handlers/unsubscribe.ts';
import type {
  EmailMessage,
  EmailSender,
  ExecutionStarter,
  JourneyRegistry,
  MessagingSender,
  PushMessage,
  SendOutcome,
  SmsMessage,
} from '../functions/ports.ts';
import { loadSegments } from '../infra/segments.ts';
import { LocalAudience } from './audience.ts';
import type { AwsCallRecorder } from './aws-calls.ts';
import { installSimClock, type SimClock } from './clock.ts';
import { loadJourneys, loadWorkflowsVocabulary, WORKFLOWS_DIR } from './journeys.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, LocalWorkflows } from './runner.ts';
import { type SchedulerStandIn, startSchedulerStandIn } from './standins/index.ts';

export const LOCAL_SCHEDULE_GROUP = 'herald-runs';

import { type LocalStack, type LocalStackOptions, startLocalStack } from './stack.ts';

/** Not a secret: it signs the demo's unsubscribe links, which only the local handler verifies. */
export const LOCAL_UNSUBSCRIBE_SECRET = 'herald-local-demo-signing-key';
export const LOCAL_UNSUBSCRIBE_URL = 'https://herald.example/unsubscribe';

/** Not a secret: the demo's pseudonym key (deployed: the PrivacyKey secret). */
export const LOCAL_PRIVACY_KEY = 'herald-local-demo-privacy-key';

/** What a provider accepted, as the sending adapter reported it (the demo's customers react to it). */
export type Sent =
  | { channel: 'email'; message: EmailMessage; outcome: SendOutcome }
  | { channel: 'sms'; message: SmsMessage; outcome: SendOutcome }
  | { channel: 'push'; message: PushMessage; outcome: SendOutcome };

const quiet = () => undefined;
/** Powertools warns about empty metric flushes; locally every flush is empty (metrics are disabled). */
const QUIET = { debug: quiet, info: quiet, warn: quiet, error: quiet, trace: quiet, log: quiet };

export interface HttpResult {
  statusCode: number;
  body?: string;
}

export interface LocalSystem {
  stack: LocalStack;
  clock: SimClock;
  workflows: LocalWorkflows;
  /** Scale mode: the Scheduler stand-in, the run items, and the fire and reconciler Lambdas. */
  scale: {
    scheduler: SchedulerStandIn;
    runs: DynamoRuns;
    /** The fire Lambda, invoked as EventBridge Scheduler invokes it (the schedule's `Target.Input`). */
    fire(input: unknown): Promise<unknown>;
    /** The reconciler Lambda, invoked as its recurring schedule would. */
    reconcile(): Promise<unknown>;
  };
  /** Audience journeys: their ticks on the simulated clock (`audience.schedule(journeys, from, to)`). */
  audience: LocalAudience;
  /** What the last deploy carried (`deploy` replaces it). */
  journeys: Journey[];
  config: PolicyConfig;
  /**
   * A deploy: every handler now resolves exactly these journeys (the current version of each and
   * the older versions kept for customers still on them, as infra bundles them), new entrants run
   * the newest version's definition, and executions already running keep the one they started on.
   */
  deploy(journeys: Journey[]): void;
  /** The ingest Lambda, invoked as EventBridge would (`detail`). */
  ingest(event: unknown): Promise<unknown>;
  /** The ingest Lambda, invoked as the HTTP API invokes it (`POST /events`, payload format 2.0). */
  ingestHttp(event: unknown): Promise<unknown>;
  /** The catalog Lambda, invoked as the HTTP API invokes it (`PUT /products`, payload format 2.0). */
  catalog(event: unknown): Promise<unknown>;
  /** The feedback Lambda, invoked with a provider event (EventBridge envelope or raw). */
  feedback(event: unknown): Promise<unknown>;
  /** The unsubscribe Lambda, invoked as the HTTP API would: one-click POST or GET. */
  unsubscribe(method: 'GET' | 'POST', token: string): Promise<HttpResult>;
  /** The privacy Lambda, invoked as the HTTP API would: `DELETE /customers/{id}`. */
  erase(customerId: string): Promise<HttpResult>;
  /** The privacy Lambda: `GET /customers/{id}/export`. */
  exportCustomer(customerId: string): Promise<HttpResult>;
  /** Uninstalls the simulated clock and stops the stand-ins. */
  stop(): Promise<void>;
}

export interface LocalSystemOptions {
  start: Date;
  journeys?: Journey[];
  /** What the journeys may read and events may carry (default: workflows/data.json merged in). */
  vocabulary?: Vocabulary;
  config?: PolicyConfig;
  /** Segments by id (default: workflows/segments/). */
  segments?: ReadonlyMap<string, Segment>;
  /** This system's share of a sharded demo: paced positions interleave across shards. */
  shard?: { index: number; count: number };
  sesPort?: number;
  /** Send email to this aws-ses-v2-local instead of starting one. */
  sesEndpoint?: string;
  /** Which DynamoDB (see `LocalStackOptions`; default: dynalite in-process). */
  dynamo?: LocalStackOptions['dynamo'];
  /**
   * Run every journey in this mode, whatever its own `execution` says (`npm start -- --execution`);
   * default: each journey's own mode, else the policy's.
   */
  execution?: ExecutionMode;
  /** Validate the compiled definitions (default true; shards skip what the main thread checked). */
  validateDefinitions?: boolean;
  /** Told about every provider call the step handler makes (after it returns). */
  onSent?: (sent: Sent) => void;
  /**
   * Records every AWS call per function (test/iam evaluates them against the deployed roles). The
   * local runner has no Step Functions API: its starts, stops and task successes are recorded with
   * the state machine ARN `stateMachineArn` gives, as the deployed ingest would call it.
   */
  awsCalls?: {
    recorder: AwsCallRecorder;
    stateMachineArn: (journeyId: string, version: number) => string | undefined;
  };
}

export function loadPolicy(): PolicyConfig {
  return parsePolicyConfig(readFileSync(new URL('policy.json', `file://${WORKFLOWS_DIR}`), 'utf8'));
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  // Powertools would print a log line and a metrics blob per invocation: keep the demo's output
  // readable. Restored by stop(): the process (a test worker, `herald serve`) may go on without it.
  const metricsDisabledBefore = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const vocabulary = options.vocabulary ?? loadWorkflowsVocabulary();
  const forced = options.execution;
  const inMode = (list: Journey[]) => (forced ? list.map((j) => ({ ...j, execution: forced })) : list);
  const journeys = inMode(options.journeys ?? loadJourneys(WORKFLOWS_DIR, vocabulary));
  const config = options.config ?? loadPolicy();
  const scheduler = await startSchedulerStandIn();
  const segments = options.segments ?? loadSegments(WORKFLOWS_DIR, vocabulary);
  const stack = await startLocalStack({
    ...(options.sesPort === undefined ? {} : { sesPort: options.sesPort }),
    ...(options.sesEndpoint === undefined ? {} : { sesEndpoint: options.sesEndpoint }),
    ...(options.dynamo === undefined ? {} : { dynamo: options.dynamo }),
  });
  const clock = installSimClock(options.start);
  const recorder = options.awsCalls?.recorder;
  for (const client of [stack.dynamo.client, stack.clients.ses, stack.clients.pinpoint])
    recorder?.attach(client);
  const as = <A extends unknown[], R>(fn: string, handler: (...args: A) => Promise<R>) =>
    recorder ? recorder.as(fn, handler) : handler;
  const recorded = (starter: ExecutionStarter) =>
    options.awsCalls
      ? options.awsCalls.recorder.executions(starter, options.awsCalls.stateMachineArn)
      : starter;
  const base = (service: string) => ({
    store: stack.store,
    clock: { now: () => clock.now() },
    logger: new Logger({ serviceName: service, logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'HeraldLocal', serviceName: service, logger: QUIET }),
    vocabulary,
  });
  // Journeys handed over by the main thread were validated there; don't pay for it per shard.
  let deployed = options.journeys ? journeyRegistryOf(journeys) : createJourneyRegistry(journeys, vocabulary);
  // Handlers hold this one registry; a deploy swaps what it reads, as new Lambda code would.
  const registry: JourneyRegistry = {
    get: (id, version) => deployed.get(id, version),
    active: () => deployed.active(),
  };
  const onSent = options.onSent;
  const email: EmailSender = onSent
    ? {
        sendEmail: async (message) => {
          const outcome = await stack.email.sendEmail(message);
          onSent({ channel: 'email', message, outcome });
          return outcome;
        },
      }
    : stack.email;
  const messaging: MessagingSender = onSent
    ? {
        sendSms: async (message) => {
          const outcome = await stack.messaging.sendSms(message);
          onSent({ channel: 'sms', message, outcome });
          return outcome;
        },
        sendPush: async (message) => {
          const outcome = await stack.messaging.sendPush(message);
          onSent({ channel: 'push', message, outcome });
          return outcome;
        },
      }
    : stack.messaging;

  // The step handler may resume its own wait-for-event task (an event that arrived just before
  // the token was stored); the runner it would call is built around the handler, hence the late binding.
  let workflows: LocalWorkflows | undefined;
  const executions: ExecutionStarter = recorded({
    start: (enrollment) => workflows!.start(enrollment),
    stop: (enrollment, cause) => workflows!.stop(enrollment, cause),
    sendTaskSuccess: (token, output) => workflows!.sendTaskSuccess(token, output),
  });
  // Journey controls, cached as the deployed functions cache them (functions/env.ts: a read is
  // reused for 5 s), on the simulated clock: the time a deployed Lambda instance would live through.
  // This system's own control changes clear its cache (DynamoJourneyControls.put), so a pause here
  // takes effect at once.
  const controls = new DynamoJourneyControls({
    client: stack.dynamo.client,
    tableName: stack.dynamo.tableName,
    cacheMs: CONTROL_CACHE_MS,
    nowMs: () => clock.now().getTime(),
  });
  // Scale mode: the same adapters as on AWS — run items in the table, timers through the real
  // Scheduler client to the stand-in, segments started in the local runner.
  const runs = new DynamoRuns({ client: stack.dynamo.client, tableName: stack.dynamo.tableName });
  const schedulerClient = new SchedulerClient(scheduler.clientConfig);
  const scale: ScaleDeps = {
    runs,
    timers: new SchedulerTimers({
      client: schedulerClient,
      groupName: LOCAL_SCHEDULE_GROUP,
      fireFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:herald-fire`,
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/herald-scheduler`,
      deadLetterArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:herald-timers-dlq`,
    }),
    segments: options.awsCalls
      ? options.awsCalls.recorder.segments(
          { startSegment: (input) => workflows!.startSegment(input) },
          options.awsCalls.stateMachineArn,
        )
      : { startSegment: (input) => workflows!.startSegment(input) },
  };
  recorder?.attach(schedulerClient);
  const step = createStepHandler({
    ...base('step'),
    scale,
    controls,
    executions,
    journeys: registry,
    config,
    email,
    messaging,
    unsubscribe: { baseUrl: LOCAL_UNSUBSCRIBE_URL, secrets: [LOCAL_UNSUBSCRIBE_SECRET] },
  });
  const stepContext = localContext('step');
  workflows = new LocalWorkflows({
    journeys,
    clock,
    invokeStep: as('step', (request) => step(request, stepContext)),
    validate: options.validateDefinitions ?? true,
    modeOf: (journey) => executionMode(journey, config),
  });
  const pseudonymiser = async () => createPseudonymiser(LOCAL_PRIVACY_KEY);
  const privacyItems = new DynamoPrivacy({ client: stack.dynamo.client, tableName: stack.dynamo.tableName });
  const ingest = createIngestHandler({
    ...base('ingest'),
    erasures: createErasureGate({ privacy: privacyItems, pseudonymiser, clock: { now: () => clock.now() } }),
    controls,
    journeys: registry,
    executions: recorded(workflows),
    config,
    scale,
    segments,
  });
  const audienceBase = base('audience');
  const audience = new LocalAudience({
    deps: {
      store: stack.store,
      executions: recorded(workflows),
      config,
      controls,
      now: () => clock.now(),
      // Scale-mode audience journeys enter runs through the same ports as ingest's entrants.
      enterRun: (enrollment, journey) =>
        enterRun({ ...audienceBase, journeys: registry, scale }, enrollment, journey),
    },
    reader: new DynamoAudience(stack.dynamo.client, stack.dynamo.tableName),
    clock,
    segments,
    ...(options.shard ? { shard: options.shard } : {}),
  });
  const fire = createFireHandler({ ...base('fire'), journeys: registry, scale });
  const reconcile = createReconcileHandler({ ...base('reconcile'), journeys: registry, scale });
  const feedback = createFeedbackHandler(base('feedback'));
  const catalog = createCatalogHandler({
    ...base('catalog'),
    catalog: new DynamoCatalog({ client: stack.dynamo.client, tableName: stack.dynamo.tableName }),
  });
  const privacy = createPrivacyHandler({
    ...base('privacy'),
    privacy: privacyItems,
    executions: recorded(workflows),
    pseudonymiser,
    timers: scale.timers,
  });
  const unsubscribe = createUnsubscribeHandler({
    ...base('unsubscribe'),
    secrets: [LOCAL_UNSUBSCRIBE_SECRET],
  });
  // Each invocation's AWS calls are attributed to its function when recording.
  const invoke = {
    ingest: as('ingest', ingest),
    feedback: as('feedback', feedback),
    catalog: as('catalog', catalog),
    unsubscribe: as('unsubscribe', unsubscribe),
    privacy: as('privacy', privacy),
    fire: as('fire', fire),
    reconcile: as('reconcile', reconcile),
  };
  const contexts = {
    ingest: localContext('ingest'),
    feedback: localContext('feedback'),
    catalog: localContext('catalog'),
    unsubscribe: localContext('unsubscribe'),
    privacy: localContext('privacy'),
    fire: localContext('fire'),
    reconcile: localContext('reconcile'),
  };
  const customerRoute = (method: 'GET' | 'DELETE', customerId: string, suffix: string) =>
    invoke.privacy(
      {
        rawPath: `/customers/${encodeURIComponent(customerId)}${suffix}`,
        requestContext: { http: { method } },
        pathParameters: { id: customerId },
      } as never,
      contexts.privacy,
    ) as Promise<HttpResult>;
  // What Scheduler does at a schedule's time: invoke its target (the fire Lambda) with its input.
  scheduler.bind({
    at: (time, work, key) => clock.at(time, work, key),
    fire: (input) => invoke.fire(input, contexts.fire),
  });

  const system: LocalSystem = {
    stack,
    clock,
    workflows,
    audience,
    journeys,
    config,
    scale: {
      scheduler,
      runs,
      fire: (input) => invoke.fire(input, contexts.fire),
      reconcile: () => invoke.reconcile(undefined, contexts.reconcile),
    },
    deploy(given) {
      const next = inMode(given);
      deployed = createJourneyRegistry(next, vocabulary);
      workflows!.deploy(next);
      system.journeys = next;
    },
    ingest: (detail) =>
      invoke.ingest(
        { 'detail-type': 'Customer Event', source: 'herald.local', detail } as never,
        contexts.ingest,
      ),
    ingestHttp: (event) => invoke.ingest(event as never, contexts.ingest),
    catalog: (event) => invoke.catalog(event as never, contexts.catalog),
    feedback: (event) => invoke.feedback(event, contexts.feedback),
    unsubscribe: async (method, token) =>
      (await invoke.unsubscribe(
        {
          requestContext: { http: { method } },
          queryStringParameters: { token },
          ...(method === 'POST' ? { body: 'List-Unsubscribe=One-Click' } : {}),
        } as never,
        contexts.unsubscribe,
      )) as HttpResult,
    erase: (customerId) => customerRoute('DELETE', customerId, ''),
    exportCustomer: (customerId) => customerRoute('GET', customerId, '/export'),
    async stop() {
      clock.uninstall();
      schedulerClient.destroy();
      await Promise.allSettled([stack.stop(), scheduler.stop()]);
      if (metricsDisabledBefore === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabledBefore;
    },
  };
  return system;
}
