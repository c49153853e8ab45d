/**
 * Dependencies for the Lambda entries, built from the environment infra/ sets. Only the `handler`
 * exports call these (lazily, on the first invocation); local/ and tests call the factories.
 *
 * Environment:
 * - all: TABLE_NAME; optional POLICY_JSON (workflows/policy.json's content; defaults otherwise)
 * - ingest, step: JOURNEYS_FILE (JSON array of every journey version deployed); DICTIONARY_FILE
 *   (workflows/data.json as validated at synth; optional: the built-in vocabulary without it)
 * Both were validated in full at synth; they are read back with a structural check only
 * (adapters/deployed-config.ts), which keeps the validator out of the bundles.
 * - ingest: STATE_MACHINE_ARN_PREFIX + STATE_MACHINE_ALIAS (journey `x` runs on `<prefix>x:<alias>`),
 *   or STATE_MACHINE_ARNS (JSON: `{ "x": arn, "x@3": arn }`)
 * - step: EMAIL_FROM, SES_CONFIGURATION_SET, PINPOINT_APP_ID, SMS_ORIGINATION_IDENTITY (optional),
 *   UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO (optional)
 * The provider clients that send make one attempt each (adapters/provider-clients.ts): a send is
 * never retried by the SDK.
 * - step, unsubscribe: UNSUBSCRIBE_SECRET_ARN (Secrets Manager) or UNSUBSCRIBE_SECRET (plain, local only)
 * - ingest: SEGMENT_WRITE_KEY_SECRET_ARN (Secrets Manager; optional: without it `/v1/*` answers 401),
 *   or SEGMENT_WRITE_KEY (plain, local only)
 * - catalog: TABLE_NAME only (it writes products and reads nothing)
 * - control: TABLE_NAME, JOURNEYS_FILE (to refuse ids this deploy does not run)
 * - privacy: TABLE_NAME, STATE_MACHINE_ARN_PREFIX + STATE_MACHINE_ALIAS (to stop runs)
 * - ingest, privacy: PRIVACY_KEY_SECRET_ARN (Secrets Manager: the pseudonym key, functions/app/pseudonym.ts),
 *   or PRIVACY_KEY (plain, local only); without either ingest checks no tombstones
 * - scale mode (docs/scale-mode.md): step, ingest, fire, reconcile: SCHEDULE_GROUP, SCHEDULER_ROLE_ARN,
 *   FIRE_FUNCTION_ARN, SCHEDULER_DLQ_ARN (without SCHEDULE_GROUP, step and ingest run Standard journeys
 *   only); fire, reconcile: STATE_MACHINE_ARNS (the Express versions), JOURNEYS_FILE; reconcile:
 *   RECONCILE_LOOKBACK_MINUTES (default 120), RECONCILE_GRACE_MINUTES (default 10)
 * Ingest and step read journey controls with a 5 s cache (adapters/dynamo-controls.ts explains the staleness).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_POLICY, type PolicyConfig } from '../engine/policy/index.ts';
import { retentionDays } from '../engine/privacy/retention.ts';
import {
  deployedPolicy,
  loadJourneyRegistryFile,
  loadSegmentsFile,
  loadVocabularyFile,
} from './adapters/deployed-config.ts';
import { DynamoAudience } from './adapters/dynamo-audience.ts';
import { DynamoCatalog } from './adapters/dynamo-catalog.ts';
import { CONTROL_CACHE_MS, DynamoJourneyControls } from './adapters/dynamo-controls.ts';
import { DynamoPrivacy } from './adapters/dynamo-privacy.ts';
import { DynamoRuns } from './adapters/dynamo-runs.ts';
import { DynamoStore } from './adapters/dynamo-store.ts';
import { PinpointMessagingSender } from './adapters/pinpoint-messaging.ts';
import { providerClientConfig } from './adapters/provider-clients.ts';
import { S3ExportReader } from './adapters/s3-export.ts';
import { SchedulerTimers } from './adapters/scheduler-timers.ts';
import { SesEmailSender } from './adapters/ses-email.ts';
import { SfnExecutions, SfnSegments, stateMachineArnsFromJson } from './adapters/sfn-executions.ts';
import { createErasureGate, type PrivacyDeps } from './app/privacy.ts';
import { createPseudonymiser, type Pseudonymiser } from './app/pseudonym.ts';
import type {
  AudienceHandlerDeps,
  CatalogDeps,
  ControlDeps,
  FeedbackDeps,
  FireDeps,
  IngestDeps,
  ScaleDeps,
  StepDeps,
  UnsubscribeDeps,
} from './deps.ts';
import { systemClock } from './ports.ts';

export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
  readonly code = 'missing_configuration';
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingConfigurationError(`environment variable ${name} is not set`);
  return value;
}

/** Validated at synth (infra/herald-stack.ts); read back here without the schema checker. */
function policy(): PolicyConfig {
  return process.env.POLICY_JSON ? deployedPolicy(process.env.POLICY_JSON) : DEFAULT_POLICY;
}

function store(): DynamoStore {
  return new DynamoStore({
    client: new DynamoDBClient({ maxAttempts: 5 }),
    tableName: required('TABLE_NAME'),
    // How long events, ledger and message items live (policy.json `retention`, validated at synth).
    retention: retentionDays(policy()),
    clock: systemClock,
  });
}

async function unsubscribeSecrets(): Promise<string[]> {
  if (process.env.UNSUBSCRIBE_SECRET) return [process.env.UNSUBSCRIBE_SECRET];
  const client = new SecretsManagerClient({ maxAttempts: 5 });
  return [await readSigningSecret(client, required('UNSUBSCRIBE_SECRET_ARN'))];
}

/** The signing key, by its full ARN (IAM authorizes GetSecretValue on the ARN; test/iam checks it). */
export async function readSigningSecret(client: SecretsManagerClient, secretArn: string): Promise<string> {
  return readSecret(client, secretArn, 'the unsubscribe signing secret');
}

export async function readSecret(
  client: SecretsManagerClient,
  secretArn: string,
  what: string,
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString) throw new MissingConfigurationError(`${what} is empty`);
  return SecretString;
}

/** Read once, on the first Segment request, so events from the bus never wait on Secrets Manager. */
function segmentWriteKey(): (() => Promise<string>) | undefined {
  const plain = process.env.SEGMENT_WRITE_KEY;
  if (plain) return async () => plain;
  const arn = process.env.SEGMENT_WRITE_KEY_SECRET_ARN;
  if (!arn) return undefined;
  let key: Promise<string> | undefined;
  return () => {
    key ??= readSecret(new SecretsManagerClient({ maxAttempts: 5 }), arn, 'the Segment write key').catch(
      (error: unknown) => {
        key = undefined;
        throw error;
      },
    );
    return key;
  };
}

function controls(cacheMs: number): DynamoJourneyControls {
  return new DynamoJourneyControls({
    client: new DynamoDBClient({ maxAttempts: 5 }),
    tableName: required('TABLE_NAME'),
    cacheMs,
  });
}

function stateMachineArn(): (journeyId: string, version: number) => string | undefined {
  if (process.env.STATE_MACHINE_ARNS) return stateMachineArnsFromJson(process.env.STATE_MACHINE_ARNS);
  const prefix = required('STATE_MACHINE_ARN_PREFIX');
  const alias = process.env.STATE_MACHINE_ALIAS;
  return (journeyId) => `${prefix}${journeyId}${alias ? `:${alias}` : ''}`;
}

/** The pseudonym key, read once on first use (an event, an erasure). */
function pseudonymiser(): (() => Promise<Pseudonymiser>) | undefined {
  const plain = process.env.PRIVACY_KEY;
  if (plain) return async () => createPseudonymiser(plain);
  const arn = process.env.PRIVACY_KEY_SECRET_ARN;
  if (!arn) return undefined;
  let made: Promise<Pseudonymiser> | undefined;
  return () => {
    made ??= readSecret(new SecretsManagerClient({ maxAttempts: 5 }), arn, 'the privacy key').then(
      createPseudonymiser,
      (error: unknown) => {
        made = undefined;
        throw error;
      },
    );
    return made;
  };
}

function privacy(): DynamoPrivacy {
  return new DynamoPrivacy({
    client: new DynamoDBClient({ maxAttempts: 5 }),
    tableName: required('TABLE_NAME'),
  });
}

export async function ingestDepsFromEnv(): Promise<IngestDeps> {
  const writeKey = segmentWriteKey();
  const keys = pseudonymiser();
  return {
    ...(keys
      ? { erasures: createErasureGate({ privacy: privacy(), pseudonymiser: keys, clock: systemClock }) }
      : {}),
    store: store(),
    journeys: loadJourneyRegistryFile(required('JOURNEYS_FILE')),
    vocabulary: loadVocabularyFile(process.env.DICTIONARY_FILE),
    executions: new SfnExecutions({
      client: new SFNClient({ maxAttempts: 5 }),
      stateMachineArn: stateMachineArn(),
    }),
    config: policy(),
    controls: controls(CONTROL_CACHE_MS),
    segments: loadSegmentsFile(process.env.SEGMENTS_FILE),
    ...(writeKey ? { segmentWriteKey: writeKey } : {}),
    ...scaleOption(),
  };
}

function scaleOption(): { scale?: ScaleDeps } {
  const scale = scaleDepsFromEnv();
  return scale ? { scale } : {};
}

/** The audience Lambda: TABLE_NAME, JOURNEYS_FILE, SEGMENTS_FILE, STATE_MACHINE_ARN_PREFIX/ALIAS, POLICY_JSON. */
export async function audienceDepsFromEnv(): Promise<AudienceHandlerDeps> {
  return {
    store: store(),
    journeys: loadJourneyRegistryFile(required('JOURNEYS_FILE')),
    vocabulary: loadVocabularyFile(process.env.DICTIONARY_FILE),
    segments: loadSegmentsFile(required('SEGMENTS_FILE')),
    reader: new DynamoAudience(new DynamoDBClient({ maxAttempts: 5 }), required('TABLE_NAME')),
    ...(process.env.AUDIENCE_EXPORT_BUCKET
      ? { exports: new S3ExportReader(new S3Client({ maxAttempts: 5 }), process.env.AUDIENCE_EXPORT_BUCKET) }
      : {}),
    executions: new SfnExecutions({
      // Throttled starts back off and retry inside the SDK (the adaptive mode paces a hot client).
      client: new SFNClient({ maxAttempts: 8, retryMode: 'adaptive' }),
      stateMachineArn: stateMachineArn(),
    }),
    config: policy(),
    controls: controls(CONTROL_CACHE_MS),
    ...scaleOption(),
  };
}

export async function stepDepsFromEnv(): Promise<StepDeps> {
  const mailto = process.env.UNSUBSCRIBE_MAILTO;
  const origination = process.env.SMS_ORIGINATION_IDENTITY;
  const configurationSetName = process.env.SES_CONFIGURATION_SET;
  return {
    store: store(),
    journeys: loadJourneyRegistryFile(required('JOURNEYS_FILE')),
    vocabulary: loadVocabularyFile(process.env.DICTIONARY_FILE),
    config: policy(),
    controls: controls(CONTROL_CACHE_MS),
    email: new SesEmailSender({
      client: new SESv2Client(providerClientConfig({})),
      from: required('EMAIL_FROM'),
      ...(configurationSetName ? { configurationSetName } : {}),
    }),
    messaging: new PinpointMessagingSender({
      client: new PinpointClient(providerClientConfig({})),
      applicationId: required('PINPOINT_APP_ID'),
      ...(origination ? { originationNumber: origination } : {}),
    }),
    // Resumes a wait whose event beat its token (needs states:SendTaskSuccess; harmless without).
    executions: new SfnExecutions({
      client: new SFNClient({ maxAttempts: 5 }),
      stateMachineArn: () => undefined,
    }),
    unsubscribe: {
      baseUrl: required('UNSUBSCRIBE_URL'),
      secrets: await unsubscribeSecrets(),
      ...(mailto ? { mailto } : {}),
    },
    ...scaleOption(),
  };
}

/** Scale mode's ports, when this deploy runs scale-mode journeys (SCHEDULE_GROUP is set). */
export function scaleDepsFromEnv(): ScaleDeps | undefined {
  const groupName = process.env.SCHEDULE_GROUP;
  if (!groupName) return undefined;
  return {
    runs: new DynamoRuns({
      client: new DynamoDBClient({ maxAttempts: 5 }),
      tableName: required('TABLE_NAME'),
    }),
    timers: new SchedulerTimers({
      client: new SchedulerClient({ maxAttempts: 5 }),
      groupName,
      fireFunctionArn: required('FIRE_FUNCTION_ARN'),
      roleArn: required('SCHEDULER_ROLE_ARN'),
      deadLetterArn: required('SCHEDULER_DLQ_ARN'),
    }),
    segments: new SfnSegments({
      client: new SFNClient({ maxAttempts: 5 }),
      stateMachineArn: stateMachineArnsFromJson(process.env.STATE_MACHINE_ARNS),
    }),
  };
}

export async function fireDepsFromEnv(): Promise<FireDeps> {
  const scale = scaleDepsFromEnv();
  if (!scale) throw new MissingConfigurationError('environment variable SCHEDULE_GROUP is not set');
  const minutes = (name: string) => (process.env[name] ? Number(process.env[name]) * 60_000 : undefined);
  const lookbackMs = minutes('RECONCILE_LOOKBACK_MINUTES');
  const graceMs = minutes('RECONCILE_GRACE_MINUTES');
  return {
    store: store(),
    journeys: loadJourneyRegistryFile(required('JOURNEYS_FILE')),
    scale,
    reconcile: { ...(lookbackMs ? { lookbackMs } : {}), ...(graceMs ? { graceMs } : {}) },
  };
}

export async function feedbackDepsFromEnv(): Promise<FeedbackDeps> {
  return { store: store() };
}

export async function unsubscribeDepsFromEnv(): Promise<UnsubscribeDeps> {
  return { store: store(), secrets: await unsubscribeSecrets() };
}

export async function catalogDepsFromEnv(): Promise<CatalogDeps> {
  return {
    catalog: new DynamoCatalog({
      client: new DynamoDBClient({ maxAttempts: 5 }),
      tableName: required('TABLE_NAME'),
    }),
  };
}

export async function privacyDepsFromEnv(): Promise<PrivacyDeps> {
  const keys = pseudonymiser();
  if (!keys) throw new MissingConfigurationError('environment variable PRIVACY_KEY_SECRET_ARN is not set');
  return {
    store: store(),
    privacy: privacy(),
    executions: new SfnExecutions({
      client: new SFNClient({ maxAttempts: 5 }),
      stateMachineArn: stateMachineArn(),
    }),
    pseudonymiser: keys,
    ...privacyTimers(),
  };
}

/**
 * Erasure deletes a scale-mode run's pending schedule: DeleteSchedule names only the schedule and its
 * group (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html), so the
 * privacy Lambda needs SCHEDULE_GROUP alone; the target fields are never sent by `disarm`.
 */
function privacyTimers(): { timers?: SchedulerTimers } {
  const groupName = process.env.SCHEDULE_GROUP;
  if (!groupName) return {};
  return {
    timers: new SchedulerTimers({
      client: new SchedulerClient({ maxAttempts: 5 }),
      groupName,
      fireFunctionArn: '',
      roleArn: '',
      deadLetterArn: '',
    }),
  };
}

export async function controlDepsFromEnv(): Promise<ControlDeps> {
  return { journeys: loadJourneyRegistryFile(required('JOURNEYS_FILE')), controls: controls(0) };
}
