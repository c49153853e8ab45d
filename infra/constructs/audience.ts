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
 *   every function has (table-access.ts), and StartExecution of its journey's runs through `live`.
 * - Standard execution mode only for now: the scale mode (issue 14) hooks in when it lands.
 */
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
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
      const stateMachine = new sfn.StateMachine(this, `Enrolment-${journey.id}`, {
        stateMachineName: name,
        stateMachineType: sfn.StateMachineType.STANDARD,
        comment: `Audience enrolment of journey ${journey.id}`,
        definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition, null, 2)),
        definitionSubstitutions: { AudienceFunctionArn: fn.functionArn },
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
