/**
 * Audience journeys on AWS (engine/audience/): per audience journey, an EventBridge Scheduler
 * schedule that starts an enrolment state machine — a Distributed Map over parallel-scan segments
 * of the table (engine/audience/map-definition.ts) whose EXPRESS children call the audience Lambda
 * with ItemBatcher batches; the Lambda judges each profile with the journey's segment and starts
 * the journey's runs through its `live` alias, like ingest does.
 *
 * - Schedule: `at(...)` or `cron(...)` in `ScheduleExpressionTimezone` (engine/audience/schedule.ts
 *   `schedulerExpression`; `zone: "customer"` fires in Etc/GMT-14 and each run waits for its
 *   customer's local time), flexible window OFF, target input `{ "scheduledTime":
 *   "<aws.scheduler.scheduled-time>" }` (the tick's name), retries and a dead-letter queue.
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
 * - The schedules live in a group of their own; the role Scheduler assumes trusts Scheduler for that
 *   group and this account only (aws:SourceArn is the group's ARN, never a schedule's) and may start
 *   the enrolment state machines only (states:StartExecution on their ARNs) and dead-letter.
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 * - A Distributed Map's own role starts its child executions (states:StartExecution on the state
 *   machine itself) and describes and stops them (on its executions), as "IAM policies for using
 *   Distributed Map states" lists.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
 * - The audience Lambda: a parallel Scan of the table (read-only), item access by partition key as
 *   every function has (table-access.ts), and StartExecution of its journey's runs through `live`;
 *   for the export branch, s3:GetObject on the export prefix of the export bucket only.
 * - A table of at least the export threshold (engine/audience/map-definition.ts) is exported to S3
 *   instead of scanned. The export bucket: private (block public access, ACLs disabled), SSE-S3,
 *   TLS only, exports expiring after three days; the enrolment role sizes the table
 *   (DescribeTable), exports it (ExportTableToPointInTime on the table, with the S3 writes an export
 *   needs under the journey's own prefix), polls it (DescribeExport on `table/<name>/export/*`) and
 *   lists its data files for the ItemReader (s3:ListBucket, limited by s3:prefix to that prefix).
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport_Requesting.html
 *   https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * - Standard execution mode only for now: the scale mode (issue 14) hooks in when it lands.
 */
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  AUDIENCE_EXPORT_ROOT,
  AUDIENCE_MAP_DEFAULTS,
  audienceMapDefinition,
  schedulerExpression,
} from '../../engine/audience/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { acknowledge, wildcardResource } from '../nag.ts';
import { HeraldFunction } from './herald-function.ts';
import { scheduleGroupWithDeadLetters } from './schedules.ts';
import { grantItems, PK } from './table-access.ts';

export interface AudienceJourneysProps {
  /**
   * The audience journeys (`entry.segment`), each with the (unqualified) Standard state machine its
   * runs start on; none for a scale-mode journey, whose runs start Express segments (the stack
   * grants those with constructs/scale-mode.ts).
   */
  journeys: { journey: Journey; stateMachineArn?: string }[];
  table: dynamodb.ITable;
  handlersDir: string;
  /** `<stack>-`: journey `x` runs on `<prefix>x`, its enrolment on `<prefix>audience-x`. */
  namePrefix: string;
  /** The alias the journeys' runs are started through (`live`). */
  stateMachineAlias: string;
  logLevel: string;
  removalPolicy: RemovalPolicy;
  environment: Record<string, string>;
  extraFiles: { source: string; name: string }[];
}

export class AudienceJourneys extends Construct {
  readonly fn: HeraldFunction;
  readonly enrolments: {
    journeyId: string;
    stateMachine: sfn.StateMachine;
    schedule: scheduler.CfnSchedule;
  }[] = [];
  readonly group: scheduler.ScheduleGroup;
  readonly schedulerRole: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  /** Where a large table is exported to on a tick (the enrolment's export branch). */
  readonly exportBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AudienceJourneysProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // ── The audience Lambda: one child execution's batch of scan segments ───────────────────
    this.fn = new HeraldFunction(this, 'Audience', {
      entry: `${props.handlersDir}/audience.ts`,
      description: 'Audience enrolment: scan segments of the table, judge the segment, start journey runs',
      // Inside the five minutes an EXPRESS child execution may run.
      timeout: Duration.minutes(4),
      memorySize: 1024,
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      environment: props.environment,
      extraFiles: props.extraFiles,
    });
    const fn = this.fn.fn;
    // The profiles, by a parallel Scan: Scan names no partition key, so dynamodb:LeadingKeys cannot
    // scope it (a grant with that condition never allows a Scan); the function reads every item and
    // keeps the profiles (the filter applies after the read). Read-only: no write action on "*" keys.
    // Scan: resource type table*, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.table.tableArn] }),
    );
    grantItems(props.table, fn, [
      // A member's events and enrolments (Query), the enrolment and a holdout's ledger item (PutItem).
      { actions: ['Query', 'PutItem'], prefixes: [PK.customer] },
      // The journey's control: drained or stopped journeys take no entrants.
      { actions: ['GetItem'], prefixes: [PK.journey] },
    ]);
    // Starts the journey's runs through the `live` alias, as ingest does: IAM authorizes a start on
    // an alias against the unqualified ARN, the alias in states:StateMachineQualifier.
    // https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html
    const standardArns = props.journeys.flatMap((j) => (j.stateMachineArn ? [j.stateMachineArn] : []));
    if (standardArns.length > 0)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: standardArns,
          conditions: {
            'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': [props.stateMachineAlias] },
          },
        }),
      );

    // ── The export bucket: a tick's export of a large table, read by the audience Lambda ──────
    this.exportBucket = new s3.Bucket(this, 'Exports', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // An export is read once, within the tick's execution: three days leaves room for a re-run.
      lifecycleRules: [
        { expiration: Duration.days(3), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.exportBucket,
      'S1',
      'The bucket holds only transient DynamoDB exports of the table (expired after three days), written by DynamoDB for the enrolment state machine and read by the audience Lambda alone; both are recorded by CloudTrail, and a second bucket of access logs would outlive the data it describes.',
    );
    const exportObjects = this.exportBucket.arnForObjects(`${AUDIENCE_EXPORT_ROOT}/*`);
    // The export's data files, by key (the Map hands the Lambda their keys); nothing else of the bucket.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [exportObjects] }));
    acknowledge(
      this.fn.role,
      wildcardResource(this, exportObjects),
      'Export keys are made by DynamoDB at run time (<prefix>/AWSDynamoDB/<ExportId>/data/<file>): GetObject is limited to the export prefix of the export bucket.',
    );
    fn.addEnvironment('AUDIENCE_EXPORT_BUCKET', this.exportBucket.bucketName);

    // ── Schedules: their group, dead-letter queue and the role Scheduler assumes ────────────
    ({
      group: this.group,
      deadLetterQueue: this.deadLetterQueue,
      schedulerRole: this.schedulerRole,
    } = scheduleGroupWithDeadLetters(this, {
      ids: { group: 'Schedules', queue: 'ScheduleFailures' },
      groupName: `${stack.stackName}-audience`,
      queueNote:
        'This queue IS the dead-letter destination of the audience schedules; a DLQ of a DLQ adds nothing.',
      roleDescription:
        'Assumed by EventBridge Scheduler: starts the audience enrolment state machines (Herald)',
      removalPolicy: props.removalPolicy,
    }));

    // ── Per audience journey: the enrolment state machine and its schedule ──────────────────
    for (const { journey } of props.journeys) {
      const schedule = journey.entry.schedule;
      if (!schedule) continue;
      const name = `${props.namePrefix}audience-${journey.id}`;
      const logGroup = new logs.LogGroup(this, `Logs-${journey.id}`, {
        logGroupName: `/aws/vendedlogs/states/${name}`,
        retention: logs.RetentionDays.THREE_MONTHS,
        removalPolicy: props.removalPolicy,
      });
      const definition = audienceMapDefinition({ journeyId: journey.id, ...AUDIENCE_MAP_DEFAULTS });
      const journeyExports = `${AUDIENCE_EXPORT_ROOT}/${journey.id}/*`;
      const stateMachine = new sfn.StateMachine(this, `Enrolment-${journey.id}`, {
        stateMachineName: name,
        stateMachineType: sfn.StateMachineType.STANDARD,
        comment: `Audience enrolment of journey ${journey.id}`,
        definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition, null, 2)),
        definitionSubstitutions: {
          AudienceFunctionArn: fn.functionArn,
          AudienceTableName: props.table.tableName,
          AudienceTableArn: props.table.tableArn,
          AudienceExportBucket: this.exportBucket.bucketName,
        },
        tracingEnabled: true,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        removalPolicy: props.removalPolicy,
      });
      // The Task names the unqualified function ARN, so that ARN alone (no `:*` versions).
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
      );
      // The Distributed Map's children, by names (not references to the machine itself, which would
      // be a circular dependency): StartExecution on the state machine; DescribeExecution and
      // StopExecution on its executions, `<name>:*` as the docs' policy writes them and
      // `<name>/<map run label>:*`, the child executions' own form (as aws-cdk-lib grants redrives).
      const named = (resource: string, resourceName: string) =>
        stack.formatArn({
          service: 'states',
          resource,
          resourceName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
      const executions = [named('execution', `${name}:*`), named('execution', `${name}/*`)];
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [named('stateMachine', name)],
        }),
      );
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: executions,
        }),
      );
      for (const arn of executions) {
        acknowledge(
          stateMachine,
          wildcardResource(this, arn),
          `The Distributed Map's child execution names are made by Step Functions at run time: DescribeExecution and StopExecution are limited to executions of ${name}.`,
        );
      }
      // Scan or export: the table's size, its export (DynamoDB writes the files with the caller's S3
      // permissions: s3:AbortMultipartUpload, s3:PutObject, s3:PutObjectAcl, under this journey's
      // prefix), the export's status, and the listing of its data files for the ItemReader.
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:DescribeTable', 'dynamodb:ExportTableToPointInTime'],
          resources: [props.table.tableArn],
        }),
      );
      const tableExports = `${props.table.tableArn}/export/*`;
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:DescribeExport'], resources: [tableExports] }),
      );
      const exportWrites = this.exportBucket.arnForObjects(journeyExports);
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'],
          resources: [exportWrites],
        }),
      );
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.exportBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [journeyExports] } },
        }),
      );
      acknowledge(
        stateMachine,
        wildcardResource(this, tableExports),
        'Export ARNs are made by DynamoDB at run time: DescribeExport is limited to exports of the table.',
      );
      acknowledge(
        stateMachine,
        wildcardResource(this, exportWrites),
        `Export object keys are made by DynamoDB at run time: the writes are limited to ${journeyExports} of the export bucket.`,
      );
      acknowledge(
        stateMachine,
        'IAM5[Resource::*]',
        'Only CloudWatch Logs vended-delivery actions and X-Ray write actions use "*": neither service supports resource-level permissions for them.',
      );
      stateMachine.grantStartExecution(this.schedulerRole);

      const { expression, timezone } = schedulerExpression(schedule);
      const cfnSchedule = new scheduler.CfnSchedule(this, `Schedule-${journey.id}`, {
        // Schedule names: 1–64 characters, unique within the group (one per journey).
        name: journey.id.slice(0, 64),
        groupName: this.group.scheduleGroupName,
        description: `Enters segment ${journey.entry.segment} into journey ${journey.id}`,
        scheduleExpression: expression,
        scheduleExpressionTimezone: timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: stateMachine.stateMachineArn,
          roleArn: this.schedulerRole.roleArn,
          // The tick's name: the time the schedule was due, the same on every retry.
          input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
          retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      });
      this.enrolments.push({ journeyId: journey.id, stateMachine, schedule: cfnSchedule });
    }
  }
}
