/**
 * The runtime wired as in production, with real AWS SDK v3 clients pointed at loopback stand-ins:
 * dynalite (DynamoDB), aws-ses-v2-local (SES v2), the Pinpoint sink and the Step Functions sink.
 */

import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Enrollment, StepOp, StepRequest } from '../../../engine/contract.ts';
import type { CustomerEvent, Profile } from '../../../engine/data.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../../engine/policy/index.ts';
import type { ChannelChoice, Journey } from '../../../engine/schema.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../../engine/vocabulary.ts';
import { DynamoJourneyControls } from '../../../functions/adapters/dynamo-controls.ts';
import { DynamoStore } from '../../../functions/adapters/dynamo-store.ts';
import { createJourneyRegistry } from '../../../functions/adapters/journey-registry.ts';
import { PinpointMessagingSender } from '../../../functions/adapters/pinpoint-messaging.ts';
import { providerClientConfig } from '../../../functions/adapters/provider-clients.ts';
import { SesEmailSender } from '../../../functions/adapters/ses-email.ts';
import { SfnExecutions } from '../../../functions/adapters/sfn-executions.ts';
import { createFeedbackHandler } from '../../../functions/handlers/feedback.ts';
import { createIngestHandler } from '../../../functions/handlers/ingest.ts';
import { createStepHandler } from '../../../functions/handlers/step.ts';
import { createUnsubscribeHandler } from '../../../functions/handlers/unsubscribe.ts';
import { createLogger, createMetrics, type LogLevel } from '../../../functions/observability.ts';
import type { Store } from '../../../functions/ports.ts';
import { AwsCallRecorder } from '../../../local/aws-calls.ts';
import {
  type DynaliteStandIn,
  startDynalite,
  startPinpointSink,
  startSesLocal,
  startSfnSink,
} from '../../../local/standins/index.ts';
import { assertAllowed, DEPLOYED_STATE_MACHINE_PREFIX } from '../../iam/support/deployed.ts';

export const SECRET = 'integration-test-secret';
export const UNSUBSCRIBE_URL = 'https://herald.test/unsubscribe';
/** What the deployed ingest derives from its environment (test/iam resolves the template to it). */
export const STATE_MACHINE_PREFIX = DEPLOYED_STATE_MACHINE_PREFIX;

export class TestClock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export interface RuntimeOptions {
  journeys: Journey[];
  config?: PolicyConfig;
  now?: string;
  leaseMs?: number;
  /** The provider clients' request timeout (default 5 s); the hang faults wait this long. */
  providerTimeoutMs?: number;
  /** Default SILENT: tests assert on behaviour; the log-privacy test turns logging on. */
  logLevel?: LogLevel;
  /** The DynamoDB to run on (default: dynalite on loopback; see test/helpers/dynamo-backends.ts). */
  startDynamo?: () => Promise<DynaliteStandIn>;
  /** The data dictionary's vocabulary (default: the built-in one), as the Lambdas get it from DICTIONARY_FILE. */
  vocabulary?: Vocabulary;
  /** The Segment write key ingest's `/v1/*` routes accept (deployed: the SegmentWriteKey secret). */
  segmentWriteKey?: string;
}

/**
 * Every AWS call the functions make is recorded (local/aws-calls.ts) and, when the runtime stops,
 * evaluated against each function's role in the synthesized template (test/iam, docs/iam.md): a
 * call IAM would deny fails the suite that made it.
 */
export async function startRuntime(options: RuntimeOptions) {
  const [dynamo, ses, pinpoint, sfn] = await Promise.all([
    (options.startDynamo ?? startDynalite)(),
    startSesLocal(),
    startPinpointSink(),
    startSfnSink(),
  ]);
  await ses.clear();
  const clock = new TestClock(new Date(options.now ?? '2025-06-02T12:00:00Z'));
  const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
  const vocabulary = options.vocabulary ?? BUILT_IN_VOCABULARY;
  const journeys = createJourneyRegistry(options.journeys, vocabulary);
  const config = options.config ?? DEFAULT_POLICY;
  // The production provider settings (one attempt per send), with a test-sized request timeout.
  const providerTimeouts = {
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: options.providerTimeoutMs ?? 5_000,
  };
  const sesClient = new SESv2Client(providerClientConfig(ses.clientConfig, providerTimeouts));
  const pinpointClient = new PinpointClient(providerClientConfig(pinpoint.clientConfig, providerTimeouts));
  const sfnClient = new SFNClient({ ...sfn.clientConfig, maxAttempts: 2 });
  const awsCalls = new AwsCallRecorder();
  for (const client of [dynamo.client, sesClient, pinpointClient, sfnClient]) awsCalls.attach(client);
  const executions = new SfnExecutions({
    client: sfnClient,
    stateMachineArn: (journeyId) => `${STATE_MACHINE_PREFIX}${journeyId}:live`,
  });
  const logLevel = options.logLevel ?? 'SILENT';
  const observe = (service: string) => ({
    logger: createLogger(service, { logLevel, sensitiveKeys: vocabulary.piiAttributes }),
    metrics: createMetrics(service, { silent: logLevel === 'SILENT' }),
    vocabulary,
  });
  const controls = new DynamoJourneyControls({ client: dynamo.client, tableName: dynamo.tableName });
  const ingest = createIngestHandler({
    store,
    clock,
    journeys,
    executions,
    config,
    controls,
    ...(options.segmentWriteKey !== undefined
      ? { segmentWriteKey: async () => options.segmentWriteKey as string }
      : {}),
    ...observe('ingest'),
  });
  const step = createStepHandler({
    ...observe('step'),
    controls,
    store,
    clock,
    journeys,
    config,
    email: new SesEmailSender({
      client: sesClient,
      from: 'Herald <news@herald.test>',
      configurationSetName: 'herald',
    }),
    messaging: new PinpointMessagingSender({ client: pinpointClient, applicationId: 'herald-app' }),
    unsubscribe: { baseUrl: UNSUBSCRIBE_URL, mailto: 'unsubscribe@herald.test', secrets: [SECRET] },
    executions,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
  const feedback = createFeedbackHandler({ store, clock, ...observe('feedback') });
  const unsubscribe = createUnsubscribeHandler({
    store,
    clock,
    secrets: [SECRET],
    ...observe('unsubscribe'),
  });

  return {
    dynamo,
    ses,
    sesClient,
    pinpoint,
    sfn,
    clock,
    store,
    journeys,
    controls,
    ingest: awsCalls.as('ingest', ingest),
    step: awsCalls.as('step', step),
    feedback: awsCalls.as('feedback', feedback),
    unsubscribe: awsCalls.as('unsubscribe', unsubscribe),
    awsCalls,
    /** Every item in the table (for "nothing was written" checks). */
    async itemCount(): Promise<number> {
      const { Count } = await dynamo.client.send(
        new ScanCommand({ TableName: dynamo.tableName, Select: 'COUNT' }),
      );
      return Count ?? 0;
    },
    async seedProfile(profile: Profile): Promise<void> {
      await store.updateProfile(profile.id, () => profile);
    },
    async stop() {
      sesClient.destroy();
      pinpointClient.destroy();
      sfnClient.destroy();
      await Promise.all([dynamo.stop(), ses.stop(), pinpoint.stop(), sfn.stop()]);
      // The names the template is resolved to are the ones this runtime uses (test/iam/support/deployed.ts).
      await assertAllowed(awsCalls.calls, {
        journeys: options.journeys,
        ...(Object.keys(vocabulary.dictionary).length > 0 ? { dictionary: vocabulary.dictionary } : {}),
        fromAddress: 'Herald <news@herald.test>',
        tableName: dynamo.tableName,
        configurationSetName: 'herald',
        pinpointAppId: 'herald-app',
      });
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

/** A store whose every call fails with `message`, as during a DynamoDB outage. */
export function failingStore(message: string): Store {
  return new Proxy({} as Store, {
    get: () => async () => {
      throw new Error(message);
    },
  });
}

/** Step handler dependencies around another store; the providers, if ever reached, ask to retry later. */
export function stepDepsWith(rt: Runtime, store: Store) {
  const unreachable = async () => ({ status: 'retry_later' as const, reason: 'unused' });
  return {
    store,
    clock: rt.clock,
    journeys: rt.journeys,
    config: DEFAULT_POLICY,
    email: { sendEmail: unreachable },
    messaging: { sendSms: unreachable, sendPush: unreachable },
    unsubscribe: { baseUrl: 'https://herald.test/u', secrets: ['s'] },
  };
}

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

/** A one-send journey entered on `cart_updated`, with content on every channel. */
export function sendJourney(
  id: string,
  options: { priority?: number; channels?: ChannelChoice[]; category?: 'marketing' | 'transactional' } = {},
): Journey {
  return {
    id,
    version: 1,
    name: `Test ${id}`,
    priority: options.priority ?? 50,
    defaultLocale: 'en',
    entry: { event: 'cart_updated', reentry: { mode: 'always' } },
    start: 'send',
    steps: {
      send: { type: 'send', message: 'hello', channels: options.channels ?? ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: {
      hello: {
        ...(options.category ? { category: options.category } : {}),
        locales: {
          en: {
            email: {
              subject: 'Hello {{ profile.firstName | default: "there" }}',
              html: '<p>Hello {{ profile.firstName | default: "there" }}.</p><p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>',
              text: 'Hello {{ profile.firstName | default: "there" }}. Unsubscribe: {{ links.unsubscribe }}',
            },
            sms: { body: 'Hello {{ profile.firstName | default: "there" }}! Reply STOP to opt out.' },
            push: { title: 'Hello', body: 'Something new for you', deepLink: 'herald://home' },
          },
          fa: {
            email: { subject: 'سلام', html: '<p>سلام {{ profile.firstName }}</p>', text: 'سلام' },
            sms: { body: 'سلام {{ profile.firstName }}' },
          },
        },
      },
    },
  };
}

export function cartEvent(customerId: string, id: string, time = '2025-06-02T11:59:00Z'): CustomerEvent {
  return {
    id,
    type: 'cart_updated',
    customerId,
    time,
    properties: {
      cartId: `cart-${id}`,
      items: [{ productId: 'p1', quantity: 1 }],
      total: 10,
      currency: 'EUR',
      cartUrl: 'https://shop.test/cart',
    },
  };
}

export function enrollmentFor(journey: Journey, customerId: string, eventId = 'e1'): Enrollment {
  return {
    id: `${journey.id}-v${journey.version}-${customerId}-${eventId}`,
    customerId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    enteredAt: '2025-06-02T11:59:00Z',
    event: cartEvent(customerId, eventId),
  };
}

export function stepRequest(
  journey: Journey,
  enrollment: Enrollment,
  stepId = 'send',
  op: StepOp = 'send',
): StepRequest {
  return {
    op,
    journeyId: journey.id,
    journeyVersion: journey.version,
    stepId,
    executionId: `arn:aws:states:us-east-1:000000000000:execution:herald-${journey.id}:${enrollment.id}`,
    enrollment,
  };
}

/** A customer reachable on every channel, opted in. */
export function reachableProfile(id: string, overrides: Partial<Profile> = {}): Profile {
  const at = '2025-01-01T00:00:00Z';
  return {
    id,
    email: `${id}@example.com`,
    phone: '+14155550123',
    pushTokens: [{ platform: 'APNS', token: 'a'.repeat(64) }],
    firstName: 'Ada',
    locale: 'en',
    timeZone: 'Europe/London',
    consent: {
      email: { status: 'opted_in', at, source: 'signup_form' },
      sms: { status: 'opted_in', at, source: 'signup_form' },
      push: { status: 'opted_in', at, source: 'signup_form' },
    },
    ...overrides,
  };
}

export function httpEvent(
  method: 'GET' | 'POST',
  options: {
    body?: string;
    query?: Record<string, string>;
    path?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const path = options.path ?? '/';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      'content-type': method === 'POST' ? 'application/x-www-form-urlencoded' : 'text/plain',
      ...options.headers,
    },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  };
}
