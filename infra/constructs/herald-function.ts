/**
 * The one place Lambda defaults live: newest Node.js runtime in aws-cdk-lib, arm64, X-Ray, esbuild
 * bundling on this machine (no Docker), source maps, a log group with retention, Powertools settings,
 * and — for functions invoked asynchronously — an encrypted on-failure queue.
 *
 * Each function gets its own role with no managed policy: log-writing is granted on its own log group,
 * everything else is granted next to the resource it touches (herald-stack.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../config.ts';
import { acknowledge } from '../nag.ts';

/** The SDK's default credential chain, which every client's runtime config imports. */
export const CREDENTIAL_CHAIN = '@aws-sdk/credential-provider-node';
/** What the bundles get in its place: the environment and container providers alone. */
export const LAMBDA_CREDENTIALS = 'functions/adapters/lambda-credentials.ts';
/** luxon's ES build, the one copy every import and require of luxon resolves to. */
export const LUXON_ES_BUILD = 'node_modules/luxon/build/es6/luxon.mjs';

/** The newest Node.js runtime aws-cdk-lib 2.276 knows (cdk-nag's L1 rule checks the same list). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface HeraldFunctionProps {
  /** Handler source, relative to the repository root, e.g. `functions/handlers/step.ts` (exports `handler`). */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logLevel: string;
  /**
   * Invoked asynchronously (EventBridge): failed events go to an encrypted SQS queue after Lambda's
   * own retries, instead of being dropped.
   */
  asyncInvocation?: boolean;
  /** Files copied next to the bundle (`/var/task/<name>`), e.g. the validated journeys. */
  extraFiles?: { source: string; name: string }[];
  retention?: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  /** A fixed name, for a function whose ARN must be known before it exists (scale mode's fire). */
  functionName?: string;
}

export class HeraldFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Only when `asyncInvocation`: where events land after the last failed attempt. */
  readonly failureQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: HeraldFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.retention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Herald)`,
    });
    this.logGroup.grantWrite(this.role);

    if (props.asyncInvocation) {
      this.failureQueue = new sqs.Queue(this, 'Failures', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(
        this.failureQueue,
        'SQS3',
        'This queue IS the dead-letter destination (Lambda on-failure destination and EventBridge target DLQ); a DLQ of a DLQ adds nothing.',
      );
    }

    const copies = (props.extraFiles ?? []).map(
      ({ source, name }) => `cp ${JSON.stringify(source)} ${JSON.stringify(`__OUT__/${name}`)}`,
    );

    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${REPO_ROOT}/${props.entry}`,
      handler: 'handler',
      ...(props.functionName ? { functionName: props.functionName } : {}),
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      // Published versions outlive later deploys: state machine versions started earlier still call them.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // The same service name the handler gives its logger and metrics (dashboards filter on it).
        POWERTOOLS_SERVICE_NAME: id.toLowerCase(),
        POWERTOOLS_METRICS_NAMESPACE: 'Herald',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
      ...(this.failureQueue
        ? {
            onFailure: new SqsDestination(this.failureQueue),
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }
        : {}),
      bundling: {
        // esbuild from node_modules, on this machine: no Docker anywhere in the build.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS and `require` Node built-ins; ESM output needs a `require`.
        banner:
          "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the pinned SDK versions the tests ran against rather than the runtime's copy.
        bundleAwsSDK: true,
        externalModules: [],
        esbuildArgs: {
          '--alias': [
            // Lambda hands the role's keys over in environment variables (or, under SnapStart, a
            // container endpoint); the rest of the default chain (SSO, ini, IMDS, the STS clients)
            // is 120 KB of every bundle that never runs there. lambda-credentials.ts cites it.
            `${CREDENTIAL_CHAIN}=${REPO_ROOT}/${LAMBDA_CREDENTIALS}`,
            // One luxon, as cli/build.mjs does: cron-parser (CommonJS) would otherwise bring luxon's
            // require() build (71 KB) beside the ES build engine/ imports, with Settings of its own.
            `luxon=${REPO_ROOT}/${LUXON_ES_BUILD}`,
          ],
        },
        tsconfig: `${REPO_ROOT}/tsconfig.json`,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            copies.map((command) => command.replace('__OUT__', outputDir)),
        },
      },
    });

    acknowledge(
      this.role,
      'IAM5[Resource::*]',
      'Only actions without resource-level permissions use "*": X-Ray (PutTraceSegments, PutTelemetryRecords) and, for ingest and step, states:SendTaskSuccess (no resource type in the Service Authorization Reference; the task token names the task). test/infra checks no other action gets "*".',
    );
  }
}
