/**
 * Herald on AWS, top to bottom: data → secrets → messaging → functions (and the catalog writer) →
 * journeys → API → event buses → observability. Grants sit next to the resources they grant; every
 * function gets only the actions it calls, on the resources it touches.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Journey } from '../engine/schema.ts';
import { type HeraldConfig, readConfig } from './config.ts';
import { HeraldApi } from './constructs/api.ts';
import { AudienceJourneys } from './constructs/audience.ts';
import { ProductCatalog } from './constructs/catalog.ts';
import { CustomerPrivacy } from './constructs/customer-privacy.ts';
import { HeraldFunction } from './constructs/herald-function.ts';
import { JourneyControls } from './constructs/journey-controls.ts';
import { JourneyStateMachine, LIVE_ALIAS } from './constructs/journey-state-machine.ts';
import { Messaging } from './constructs/messaging.ts';
import { Observability } from './constructs/observability.ts';
import { ScaleMode } from './constructs/scale-mode.ts';
import { grantItems, PK } from './constructs/table-access.ts';
import { compileJourney, executionMode, parsePolicyConfig, renderAsl, retentionProblems } from './engine.ts';
import { compileDeployedJourneys } from './journeys.ts';
import { acknowledge, wildcardResource } from './nag.ts';
import { loadSegments } from './segments.ts';

/** Where the Lambda entry points live, relative to the repository root. */
export const HANDLERS_DIR = 'functions/handlers';

/** The validated journeys (current and every kept older version), bundled next to the ingest and step handlers. */
export const JOURNEYS_BUNDLE_NAME = 'journeys.json';
/** The validated data dictionary, bundled next to the journeys when workflows/data.json exists. */
export const DICTIONARY_BUNDLE_NAME = 'dictionary.json';
/** The validated segments (workflows/segments/), bundled for ingest (`inSegment`) and the audience Lambda. */
export const SEGMENTS_BUNDLE_NAME = 'segments.json';

export interface HeraldStackProps extends StackProps {
  /** Overrides context (`journeysDir` etc.); tests point `journeysDir` at a temporary folder. */
  config?: Partial<HeraldConfig>;
}

export class HeraldStack extends Stack {
  readonly config: HeraldConfig;
  readonly table: dynamodb.Table;
  readonly journeys: JourneyStateMachine[];
  /** The JSON file bundled as `journeys.json`: the current journeys and every kept older version. */
  readonly journeysBundleFile: string;
  readonly functions: {
    ingest: HeraldFunction;
    step: HeraldFunction;
    feedback: HeraldFunction;
    unsubscribe: HeraldFunction;
    catalog: HeraldFunction;
    control: HeraldFunction;
    privacy: HeraldFunction;
  };
  readonly messaging: Messaging;
  readonly api: HeraldApi;
  readonly customerEventBus: events.EventBus;
  readonly observability: Observability;
  /** Scale-mode journeys (Express segments, Scheduler timers); undefined when every journey is Standard. */
  readonly scale?: ScaleMode;
  /** Present when a journey has audience entry (`entry.segment`). */
  audience?: AudienceJourneys;

  constructor(scope: Construct, id: string, props: HeraldStackProps = {}) {
    super(scope, id, props);
    const config: HeraldConfig = { ...readConfig(this), ...props.config };
    this.config = config;
    const removalPolicy = config.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Journeys are validated and compiled first: an invalid journey, or a version edited after its
    // release, stops the synth before anything else. The current version of each journey and every
    // older released one (workflows/versions/) are written to one JSON file that bundling copies
    // next to the handlers, so customers part-way through an older version finish on it.
    // The data dictionary (workflows/data.json) travels with them: the Lambdas read custom event
    // types, attribute updates and `pii` flags from it, never from code.
    const { current: compiled, bundle, dictionary } = compileDeployedJourneys(config.journeysDir);
    const bundleDir = mkdtempSync(path.join(tmpdir(), 'herald-journeys-'));
    const journeysBundle = path.join(bundleDir, JOURNEYS_BUNDLE_NAME);
    writeFileSync(journeysBundle, JSON.stringify(bundle));
    const dictionaryBundle = dictionary ? path.join(bundleDir, DICTIONARY_BUNDLE_NAME) : undefined;
    if (dictionaryBundle) writeFileSync(dictionaryBundle, JSON.stringify(dictionary));
    this.journeysBundleFile = journeysBundle;
    const segmentsBundle = path.join(bundleDir, SEGMENTS_BUNDLE_NAME);
    writeFileSync(segmentsBundle, JSON.stringify([...loadSegments(config.journeysDir).values()]));
    const stateMachinePrefix = `${this.stackName}-`;
    // Each journey runs in its own `execution` mode, else the policy's, else Standard
    // (engine/run-protocol.ts). Standard journeys are deployed exactly as before; every kept version
    // of a scale-mode journey gets an Express state machine of its own (constructs/scale-mode.ts).
    const policy = readPolicy(config.journeysDir);
    const standardJourneys = compiled.filter((c) => executionMode(c.journey, policy) === 'standard');
    const scaleVersions = bundle
      .filter((journey) => executionMode(journey, policy) === 'scale')
      .map((journey) => ({
        journeyId: journey.id,
        version: journey.version,
        name: journey.name,
        definition: renderAsl(compileJourney(journey, { execution: 'scale' })),
      }));

    // ── Data ────────────────────────────────────────────────────────────────────────────────
    // One table (functions/adapters/dynamo-table.ts): pk/sk, no indexes, TTL on `expiresAt`.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: config.production,
      removalPolicy,
    });

    // ── Secrets ─────────────────────────────────────────────────────────────────────────────
    const unsubscribeKey = new secretsmanager.Secret(this, 'UnsubscribeSigningKey', {
      description: 'HMAC key that signs one-click unsubscribe links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      unsubscribeKey,
      'SMG4',
      'Rotating the unsubscribe signing key would invalidate the links in every message already delivered; unsubscribe links must keep working (RFC 8058; CAN-SPAM: at least 30 days).',
    );

    // Segment sources authenticate with their write key (basic auth); generated here, copied into
    // the Segment source's settings by the operator, and read by ingest only.
    const segmentWriteKey = new secretsmanager.Secret(this, 'SegmentWriteKey', {
      description: 'Write key Segment sends to POST /v1/track|identify|batch (HTTP basic auth user)',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      segmentWriteKey,
      'SMG4',
      'The Segment write key is configured by hand in each Segment source; an automatic rotation would lock every source out until an operator copies the new key into Segment.',
    );

    // ── Messaging ───────────────────────────────────────────────────────────────────────────
    this.messaging = new Messaging(this, 'Messaging', config);

    // ── Functions ───────────────────────────────────────────────────────────────────────────
    const common = { logLevel: config.logLevel, removalPolicy };
    const journeysFiles = [
      { source: journeysBundle, name: JOURNEYS_BUNDLE_NAME },
      ...(dictionaryBundle ? [{ source: dictionaryBundle, name: DICTIONARY_BUNDLE_NAME }] : []),
      { source: segmentsBundle, name: SEGMENTS_BUNDLE_NAME },
    ];
    const tableEnv = { TABLE_NAME: this.table.tableName, ...policyEnv(config.journeysDir) };
    // A retention shorter than a journey's look-back or attribution window stops the synth.
    checkRetention(
      config.journeysDir,
      tableEnv.POLICY_JSON,
      compiled.map((c) => c.journey),
    );
    const journeysEnv = {
      JOURNEYS_FILE: `/var/task/${JOURNEYS_BUNDLE_NAME}`,
      SEGMENTS_FILE: `/var/task/${SEGMENTS_BUNDLE_NAME}`,
      ...(dictionaryBundle ? { DICTIONARY_FILE: `/var/task/${DICTIONARY_BUNDLE_NAME}` } : {}),
    };

    const step = new HeraldFunction(this, 'Step', {
      ...common,
      entry: `${HANDLERS_DIR}/step.ts`,
      description: 'Journey step: decide, render and send for one customer',
      memorySize: 1024,
      extraFiles: journeysFiles,
      environment: {
        ...tableEnv,
        ...journeysEnv,
        SES_CONFIGURATION_SET: this.messaging.configurationSet.configurationSetName,
        EMAIL_FROM: this.messaging.fromAddress,
        PINPOINT_APP_ID: this.messaging.pinpointAppId,
        SMS_ORIGINATION_IDENTITY: this.messaging.smsOriginationIdentity,
        UNSUBSCRIBE_SECRET_ARN: unsubscribeKey.secretArn,
      },
    });
    const stateMachineArnPrefix = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachinePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const ingest = new HeraldFunction(this, 'Ingest', {
      ...common,
      entry: `${HANDLERS_DIR}/ingest.ts`,
      description: 'Customer events: store, start, stop and resume journeys',
      // Below the HTTP API's 30 s integration limit, so a slow call ends as a Lambda error, not a 503.
      timeout: Duration.seconds(25),
      asyncInvocation: true,
      extraFiles: journeysFiles,
      environment: {
        ...tableEnv,
        ...journeysEnv,
        // Journey `x` runs on state machine `<prefix>x`, started through its `live` alias.
        STATE_MACHINE_ARN_PREFIX: stateMachineArnPrefix,
        STATE_MACHINE_ALIAS: LIVE_ALIAS,
        SEGMENT_WRITE_KEY_SECRET_ARN: segmentWriteKey.secretArn,
      },
    });
    const feedback = new HeraldFunction(this, 'Feedback', {
      ...common,
      entry: `${HANDLERS_DIR}/feedback.ts`,
      description: 'SES delivery feedback: suppression, engagement',
      asyncInvocation: true,
      environment: tableEnv,
    });
    const unsubscribe = new HeraldFunction(this, 'Unsubscribe', {
      ...common,
      entry: `${HANDLERS_DIR}/unsubscribe.ts`,
      description: 'One-click unsubscribe (signed link)',
      timeout: Duration.seconds(10),
      environment: { ...tableEnv, UNSUBSCRIBE_SECRET_ARN: unsubscribeKey.secretArn },
    });

    // ── Catalog: PUT /products (infra/constructs/catalog.ts: the writer and its one grant) ──
    const catalog = new ProductCatalog(this, 'ProductCatalog', {
      ...common,
      table: this.table,
      handlersDir: HANDLERS_DIR,
    }).writer;

    // ── Journey controls: PUT /journeys/{id}/control (constructs/journey-controls.ts) ──────────
    const control = new JourneyControls(this, 'JourneyControls', {
      ...common,
      table: this.table,
      handlersDir: HANDLERS_DIR,
      journeysFile: { source: journeysBundle, name: JOURNEYS_BUNDLE_NAME },
    }).fn;

    // ── Customer privacy: DELETE /customers/{id}, GET /customers/{id}/export (constructs/customer-privacy.ts) ──
    const customerPrivacy = new CustomerPrivacy(this, 'CustomerPrivacy', {
      ...common,
      table: this.table,
      handlersDir: HANDLERS_DIR,
      stateMachineArnPrefix,
      stateMachineAlias: LIVE_ALIAS,
      environment: policyEnv(config.journeysDir),
    });
    customerPrivacy.grantTombstoneCheck(ingest);
    const privacy = customerPrivacy.fn;

    this.functions = { ingest, step, feedback, unsubscribe, catalog, control, privacy };

    // Every function reaches the table only through functions/adapters/dynamo-store.ts: single-item
    // conditional writes and key queries, no deletes (items expire by TTL), no scans but the
    // audience Lambda's parallel scan (constructs/audience.ts); the step function's two batches
    // (a decision's reads, a sent message's unconditional writes) are granted below. Each
    // gets the item types it uses, by partition key (constructs/table-access.ts).
    const customerItems = ['GetItem', 'PutItem', 'UpdateItem', 'Query'] as const;
    grantItems(this.table, ingest.fn, [
      { actions: [...customerItems], prefixes: [PK.customer] },
      { actions: ['PutItem'], prefixes: [PK.phone] },
      // The product, and the journey's control (drained or stopped journeys take no entrants).
      { actions: ['GetItem'], prefixes: [PK.product, PK.journey] },
      // Before it plans, ingest reads the profile, the event's products, the controls of the
      // journeys it may start and the erasure gate's tombstones in one BatchGetItem
      // (functions/adapters/dynamo-store.ts `readEntryItems`): one statement for every partition
      // that request touches (constructs/table-access.ts).
      { actions: ['BatchGetItem'], prefixes: [PK.customer, PK.product, PK.journey, PK.erased] },
      // The enrollments one event starts, stored in one BatchWriteItem (`putEnrollments`).
      { actions: ['BatchWriteItem'], prefixes: [PK.customer] },
    ]);
    grantItems(this.table, step.fn, [
      // GetItem on `C#` also reads a `sending` step's ledger entry by key (functions/app/send.ts
      // `sentProof`): the proof that the call was accepted, as the consent re-read reads the profile.
      { actions: [...customerItems], prefixes: [PK.customer] },
      // Step claims (UpdateItem, and a read when refused) and the cap window (read, versioned put):
      // the send protocol's state, which no other function may write.
      { actions: ['GetItem', 'PutItem', 'UpdateItem'], prefixes: [PK.send] },
      { actions: ['PutItem'], prefixes: [PK.message] },
      // The product, and the journey's control (paused: hold sends; stopped: exit).
      { actions: ['GetItem'], prefixes: [PK.product, PK.journey] },
      // A decision reads the profile, the product and the cap window (a send) or the journey's
      // control (a flow op) in one BatchGetItem; a sent message's ledger entry, content and
      // provider-message index are one BatchWriteItem, with the enrollment's final record when the
      // step ends the journey (`C#`, as its UpdateItem was).
      { actions: ['BatchGetItem'], prefixes: [PK.customer, PK.send, PK.product, PK.journey] },
      { actions: ['BatchWriteItem'], prefixes: [PK.customer, PK.message] },
    ]);
    // Feedback and unsubscribe read a profile and write it back whole (a versioned put) and append
    // to the ledger: no UpdateItem, no Query, nothing of the catalog, no step claim or cap window.
    grantItems(this.table, feedback.fn, [
      { actions: ['GetItem', 'PutItem'], prefixes: [PK.customer] },
      { actions: ['GetItem'], prefixes: [PK.message, PK.phone] },
    ]);
    grantItems(this.table, unsubscribe.fn, [{ actions: ['GetItem', 'PutItem'], prefixes: [PK.customer] }]);
    // Both read the signing key once per cold start (functions/env.ts); nothing else touches it.
    for (const fn of [step, unsubscribe]) {
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [unsubscribeKey.secretArn],
        }),
      );
    }
    // Ingest reads the Segment write key, and only that secret. GetSecretValue takes the Secret
    // resource type (Service Authorization Reference, Secrets Manager:
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
    ingest.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [segmentWriteKey.secretArn],
      }),
    );
    this.messaging.grantSendEmail(step.fn);
    this.messaging.grantSendMessages(step.fn);

    // ── Journeys: one state machine per workflows/*.journey.json ────────────────────────────
    // Task states call the step Lambda through its `live` alias, moved to each deploy's version: a
    // state machine version is published only when its journey changes (1,000 per state machine),
    // and executions of older versions run today's step code, which bundles the version they pinned.
    const stepLive = step.fn.addAlias(LIVE_ALIAS, { description: 'What every journey version calls' });
    this.journeys = standardJourneys.map(
      (journey) =>
        new JourneyStateMachine(this, `Journey-${journey.journey.id}`, {
          compiled: journey,
          stepFunction: step.fn,
          stepFunctionAlias: stepLive,
          namePrefix: stateMachinePrefix,
          removalPolicy,
        }),
    );
    if (this.journeys.length > 0) {
      // Ingest starts executions through the `live` aliases (so entrants pin a version). Step
      // Functions authorizes a start on an alias or version against the *unqualified* state machine
      // ARN, the alias name going to `states:StateMachineQualifier` ("Authorization for versions and
      // aliases in Step Functions workflows",
      // https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html; aws-cdk PR
      // 26546). The key is multivalued (ArrayOfString in the Service Authorization Reference), hence
      // ForAnyValue: it also refuses an unqualified start, which would run the latest revision
      // outside any version.
      ingest.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: this.journeys.map((j) => j.stateMachine.stateMachineArn),
          conditions: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': [LIVE_ALIAS] } },
        }),
      );
      // Erasure stops the customer's open runs (constructs/customer-privacy.ts).
      customerPrivacy.grantStopRuns(this.journeys);
      // Ingest stops executions on exit events.
      ingest.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StopExecution'],
          resources: this.journeys.map((j) => j.executionArns),
        }),
      );
      // Ingest resumes waits-for-event with the stored task token, and the step resumes its own wait
      // when the awaited event arrived just before it stored the token (functions/README.md, "Known
      // limits"). The task-token actions have no resource type in the Service Authorization Reference
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html):
      // IAM authorizes them on "*" only, and the token itself names the task.
      for (const fn of [ingest, step]) {
        fn.fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: ['*'] }),
        );
      }
      for (const journey of this.journeys) {
        acknowledge(
          ingest.role,
          wildcardResource(this, journey.executionArns),
          `Execution names are only known at run time: StopExecution is limited to executions of journey ${journey.journey.id}'s own state machine.`,
        );
      }
    }

    // ── Scale mode: Express segments between waits, waits as Scheduler timers ───────────────
    // Who calls what is the contract's §5 (docs/scale-mode.md): ingest enters runs, claims waits
    // for events and exits runs; the step Lambda arms timers (op `arm`) and finishes runs; the fire
    // Lambda (each timer's target) and the reconciler claim runs and start their next segment.
    if (scaleVersions.length > 0) {
      const scale = new ScaleMode(this, 'ScaleMode', {
        versions: scaleVersions,
        table: this.table,
        stepFunction: step.fn,
        stepFunctionAlias: stepLive,
        namePrefix: stateMachinePrefix,
        handlersDir: HANDLERS_DIR,
        journeysFiles,
        journeysEnv,
        tableEnv,
        logLevel: config.logLevel,
        removalPolicy,
      });
      this.scale = scale;
      for (const [name, value] of Object.entries(scale.timerEnvironment)) step.fn.addEnvironment(name, value);
      grantItems(this.table, step.fn, [
        { actions: ['UpdateItem'], prefixes: [PK.run] },
        { actions: ['PutItem'], prefixes: [PK.due] },
      ]);
      scale.grantArmTimers(step.fn);

      // Ingest reads STATE_MACHINE_ARNS instead of the prefix and alias once it is set
      // (functions/env.ts), so it carries the Standard journeys' `live` aliases too: `x` → alias for
      // Standard, `x@version` → Express version for scale mode (map[`x@v`] ?? map[`x`]).
      ingest.fn.addEnvironment(
        'STATE_MACHINE_ARNS',
        this.toJsonString({
          ...Object.fromEntries(this.journeys.map((j) => [j.journey.id, j.aliasArn])),
          ...scale.versionArns,
        }),
      );
      // With SCHEDULE_GROUP set, functions/env.ts builds the scale ports and needs all four.
      for (const [name, value] of Object.entries(scale.timerEnvironment))
        ingest.fn.addEnvironment(name, value);
      grantItems(this.table, ingest.fn, [
        { actions: ['PutItem', 'UpdateItem', 'Query'], prefixes: [PK.run] },
        { actions: ['PutItem'], prefixes: [PK.due] },
      ]);
      scale.grantStartSegments(ingest.fn);
      scale.grantDisarmTimers(ingest.fn);
      // Erasure deletes an erased customer's pending timers (constructs/customer-privacy.ts).
      customerPrivacy.grantDisarmTimers(scale);
    }

    // ── Audience journeys: a schedule → a Distributed Map enrolment per journey (constructs/audience.ts)
    // In either execution mode: a Standard journey's entrants start executions on its `live` alias,
    // a scale-mode journey's enter runs (their first Express segment), as ingest's do.
    const audienceJourneys = compiled.filter((c) => c.journey.entry.segment !== undefined);
    if (audienceJourneys.length > 0) {
      const standardMachine = (id: string) =>
        this.journeys.find((j) => j.journey.id === id)?.stateMachine.stateMachineArn;
      this.audience = new AudienceJourneys(this, 'AudienceJourneys', {
        journeys: audienceJourneys.map(({ journey }) => {
          const stateMachineArn = standardMachine(journey.id);
          return { journey, ...(stateMachineArn ? { stateMachineArn } : {}) };
        }),
        table: this.table,
        handlersDir: HANDLERS_DIR,
        namePrefix: stateMachinePrefix,
        stateMachineAlias: LIVE_ALIAS,
        logLevel: config.logLevel,
        removalPolicy,
        extraFiles: journeysFiles,
        environment: {
          ...tableEnv,
          ...journeysEnv,
          STATE_MACHINE_ARN_PREFIX: this.formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: stateMachinePrefix,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
          STATE_MACHINE_ALIAS: LIVE_ALIAS,
        },
      });
      const scaleAudience = audienceJourneys.some((c) => executionMode(c.journey, policy) === 'scale');
      if (this.scale && scaleAudience) {
        const audienceFn = this.audience.fn.fn;
        // As for ingest above: the scale ports (SCHEDULE_GROUP …) and every journey's ARN.
        audienceFn.addEnvironment(
          'STATE_MACHINE_ARNS',
          this.toJsonString({
            ...Object.fromEntries(this.journeys.map((j) => [j.journey.id, j.aliasArn])),
            ...this.scale.versionArns,
          }),
        );
        for (const [name, value] of Object.entries(this.scale.timerEnvironment))
          audienceFn.addEnvironment(name, value);
        // enterRun (functions/app/runs.ts): the due entry (PutItem DUE#), the run's conditional
        // first write (PutItem RUN#), then its first segment (StartExecution on its version), or,
        // for an entrant whose local time is still to come, its first timer (UpdateItem RUN# to
        // arm it, CreateSchedule).
        grantItems(this.table, audienceFn, [
          { actions: ['PutItem', 'UpdateItem'], prefixes: [PK.run] },
          { actions: ['PutItem'], prefixes: [PK.due] },
        ]);
        this.scale.grantStartSegments(audienceFn);
        this.scale.grantArmTimers(audienceFn);
      }
    }

    // ── API ─────────────────────────────────────────────────────────────────────────────────
    this.api = new HeraldApi(this, 'Api', {
      ingest: ingest.fn,
      unsubscribe: unsubscribe.fn,
      catalog: catalog.fn,
      control: control.fn,
      privacy: privacy.fn,
      removalPolicy,
    });
    step.fn.addEnvironment('UNSUBSCRIBE_URL', this.api.unsubscribeUrl);

    // ── Event buses ─────────────────────────────────────────────────────────────────────────
    // Producers put customer events (detail = the CustomerEvent envelope) on a bus of their own.
    this.customerEventBus = new events.EventBus(this, 'CustomerEventBus', {
      eventBusName: `${this.stackName}-customer-events`,
      description: 'Herald customer events: detail is a CustomerEvent (engine/data.ts)',
    });
    new events.Rule(this, 'CustomerEventsToIngest', {
      eventBus: this.customerEventBus,
      description: 'Every customer event on the Herald bus goes to ingest',
      eventPattern: { account: [Aws.ACCOUNT_ID] },
      targets: [
        new targets.LambdaFunction(ingest.fn, {
          deadLetterQueue: ingest.failureQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    // SES can only publish to the default bus; pick out this configuration set's events.
    new events.Rule(this, 'SesFeedbackToFeedback', {
      description: 'SES events of the Herald configuration set go to the feedback Lambda',
      eventPattern: {
        source: ['aws.ses'],
        detail: {
          mail: { tags: { 'ses:configuration-set': [this.messaging.configurationSet.configurationSetName] } },
        },
      },
      targets: [
        new targets.LambdaFunction(feedback.fn, {
          deadLetterQueue: feedback.failureQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // SMS/push delivery events and inbound SMS replies: the same feedback Lambda.
    if (this.messaging.eventStream) {
      feedback.fn.addEventSource(
        new KinesisEventSource(this.messaging.eventStream, {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(5),
          bisectBatchOnError: true,
          retryAttempts: 5,
          onFailure: new SqsDlq(feedback.failureQueue!),
        }),
      );
    }
    this.messaging.inboundSmsTopic.addSubscription(new subscriptions.LambdaSubscription(feedback.fn));

    // ── Observability ───────────────────────────────────────────────────────────────────────
    const allFunctions: Record<string, HeraldFunction> = {
      ...this.functions,
      ...(this.scale ? { fire: this.scale.fire, reconcile: this.scale.reconciler } : {}),
      ...(this.audience ? { audience: this.audience.fn } : {}),
    };
    const deadLetterQueues: Record<string, sqs.IQueue> = {
      ...Object.fromEntries(
        Object.entries(allFunctions).flatMap(([name, f]) => (f.failureQueue ? [[name, f.failureQueue]] : [])),
      ),
      // The audience schedules' ticks that failed every retry (constructs/audience.ts).
      ...(this.audience ? { 'audience-ticks': this.audience.deadLetterQueue } : {}),
    };
    this.observability = new Observability(this, 'Observability', {
      config,
      journeys: this.journeys,
      functions: Object.fromEntries(Object.entries(allFunctions).map(([name, f]) => [name, f.fn])),
      deadLetterQueues,
      stepFunction: step.fn,
      stepLogGroup: step.logGroup,
      ...(this.messaging.eventStream ? { streamConsumers: { feedback: feedback.fn } } : {}),
      ...(this.audience ? { enrolments: this.audience.enrolments } : {}),
    });
    if (this.scale) {
      const toTopic = new cwActions.SnsAction(this.observability.topic);
      for (const alarm of this.scale.alarms) alarm.addAlarmAction(toTopic);
    }

    // ── Outputs ─────────────────────────────────────────────────────────────────────────────
    new CfnOutput(this, 'ApiEndpoint', { value: this.api.endpoint });
    new CfnOutput(this, 'EventsUrl', {
      value: `${this.api.endpoint}/events`,
      description: 'POST, SigV4 (execute-api)',
    });
    new CfnOutput(this, 'ProductsUrl', {
      value: `${this.api.endpoint}/products`,
      description:
        'PUT { "products": [...] }, SigV4 (execute-api); or `herald catalog import --table <TableName>`',
    });
    new CfnOutput(this, 'JourneyControlUrl', {
      value: `${this.api.endpoint}/journeys/{id}/control`,
      description:
        'PUT { "action": "pause|resume|drain|stop" }, SigV4 (execute-api); or `herald journey <action> <id> --table <TableName>`',
    });
    new CfnOutput(this, 'CustomerUrl', {
      value: `${this.api.endpoint}/customers/{id}`,
      description:
        'DELETE erases the customer, GET …/export exports them; SigV4 (execute-api); or `herald customer erase|export <id> --table <TableName>`',
    });
    new CfnOutput(this, 'PrivacyKeySecretArn', {
      description:
        'The pseudonym key of erasures (its ARN, not the key): herald customer --privacy-key-secret',
      value: customerPrivacy.key.secretArn,
    });
    new CfnOutput(this, 'SegmentWriteKeySecretArn', {
      description: 'The secret holding the write key Segment sources use for /v1/* (its ARN, not the key)',
      value: segmentWriteKey.secretArn,
    });
    new CfnOutput(this, 'CustomerEventBusName', { value: this.customerEventBus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    if (this.scale) {
      new CfnOutput(this, 'TimerScheduleGroup', {
        value: this.scale.group.scheduleGroupName,
        description: 'Scale mode: the EventBridge Scheduler group every timer lives in',
      });
      new CfnOutput(this, 'TimerDeadLetterQueueUrl', {
        value: this.scale.deadLetterQueue.queueUrl,
        description: 'Scale mode: timer invocations that failed every retry',
      });
    }
    new CfnOutput(this, 'ConfigurationSetName', {
      value: this.messaging.configurationSet.configurationSetName,
    });
    new CfnOutput(this, 'PinpointAppId', { value: this.messaging.pinpointAppId });
    new CfnOutput(this, 'InboundSmsTopicArn', {
      value: this.messaging.inboundSmsTopic.topicArn,
      description: 'Two-way SMS channel for the origination number (STOP replies reach feedback)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'StepLogGroupName', {
      value: step.logGroup.logGroupName,
      description: 'The step Lambda logs: one "send decided" line per decision (no personal data)',
    });
    for (const journey of this.journeys) {
      new CfnOutput(this, `JourneyAlias-${journey.journey.id}`, {
        value: journey.aliasArn,
        description: `Executions of journey ${journey.journey.id} start here`,
      });
    }
  }
}

/** engine/privacy/retention.ts, as `herald validate` reports it, as one synth error. */
function checkRetention(journeysDir: string, policyJson: string | undefined, journeys: Journey[]): void {
  if (!policyJson) return;
  const problems = retentionProblems(parsePolicyConfig(policyJson), journeys);
  if (problems.length === 0) return;
  const file = path.join(journeysDir, 'policy.json');
  throw new Error(
    `${file}: ${problems.map((p) => `/${p.path.join('/')}: ${p.message}; fix: ${p.suggestion}`).join('\n')}`,
  );
}

/** workflows/policy.json as parsed (for each journey's execution mode); none ⇒ the defaults. */
function readPolicy(journeysDir: string): { execution?: 'standard' | 'scale' } {
  const file = path.join(journeysDir, 'policy.json');
  if (!existsSync(file)) return {};
  try {
    return parsePolicyConfig(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * `POLICY_JSON`: quiet hours, caps and time-zone fallback shared by all journeys, from `policy.json`
 * next to the journeys (the handlers fall back to engine defaults without it). Validated here so a
 * broken policy fails the synth, not the first send.
 */
function policyEnv(journeysDir: string): { POLICY_JSON?: string } {
  const file = path.join(journeysDir, 'policy.json');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  try {
    parsePolicyConfig(text);
  } catch (cause) {
    throw new Error(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return { POLICY_JSON: JSON.stringify(JSON.parse(text)) };
}
