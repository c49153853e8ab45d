/**
 * Scale mode on AWS (issue 14; /work/wt/SCALE-CONTRACT.md, docs/scale-mode.md): a journey runs as
 * short Express executions between its waits, and each wait is an EventBridge Scheduler one-time
 * schedule that invokes the fire Lambda, which claims the run and starts the next segment on the
 * Express state machine version the customer entered. While a customer waits nothing is open.
 *
 * What this construct owns:
 * - one Express state machine per kept journey version (`<prefix><journey>-v<version>`), each with a
 *   published version (retained, as in Standard): the version ARNs are what ingest, the fire and the
 *   reconciler start (`STATE_MACHINE_ARNS`);
 * - the schedule group all timers live in, the role Scheduler assumes to invoke the fire Lambda
 *   (trust scoped to this account and this group), and the encrypted dead-letter queue of
 *   invocations that failed every retry;
 * - the fire Lambda (the schedules' target) and the reconciler (every 5 minutes);
 * - alarms: dead letters, throttled and dropped invocations, CreateSchedule calls near the quota,
 *   failed segments, and the lateness of fires (`RunLateness`); a dashboard.
 *
 * Grants next to the resources: `grantArmTimers` (CreateSchedule in this group, PassRole of the
 * scheduler role to Scheduler only), `grantDisarmTimers`, `grantStartSegments` (StartExecution on
 * these machines' current versions only: not the unqualified ARN, no other version).
 *
 * Why the schedules invoke a Lambda and not the state machine: the claim must come before a
 * segment starts, so a duplicate or stale fire costs one short Lambda call and starts nothing
 * (contract §4). The "scheduler role may start only these versions" of the issue is therefore split
 * in two: Scheduler may invoke only the fire function; the fire (and ingest, the reconciler) may
 * start only these versions.
 */
import { Arn, ArnFormat, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, wildcardResource } from '../nag.ts';
import { type AlarmOptions, heraldAlarm } from './alarms.ts';
import { HeraldFunction } from './herald-function.ts';
import { SCHEDULER_PRINCIPAL, scheduleGroupWithDeadLetters } from './schedules.ts';
import { grantItems, PK } from './table-access.ts';

/** Scheduler's service principal (setting-up.html, "Set up the execution role"). */

/** One kept version of a scale-mode journey, compiled for Express (engine/compile, `execution: 'scale'`). */
export interface ScaleJourneyVersion {
  journeyId: string;
  version: number;
  name: string;
  /** The ASL text, `${StepFunctionArn}` placeholder intact. */
  definition: string;
}

export interface ScaleModeProps {
  versions: ScaleJourneyVersion[];
  table: dynamodb.ITable;
  stepFunction: lambda.IFunction;
  stepFunctionAlias: lambda.IAlias;
  /** State machine names are `${namePrefix}${journey}-v${version}`. */
  namePrefix: string;
  handlersDir: string;
  /** Bundled next to the fire and reconciler handlers, with their env (JOURNEYS_FILE, …). */
  journeysFiles: { source: string; name: string }[];
  journeysEnv: Record<string, string>;
  tableEnv: Record<string, string>;
  logLevel: string;
  removalPolicy: RemovalPolicy;
  /** Express execution logging; ERROR by default (see the SF1 acknowledgement for why). */
  expressLogLevel?: sfn.LogLevel;
  /** Alarm when a fire is claimed later than this after its due time (default 15 minutes). */
  latenessAlarm?: Duration;
  /** CreateSchedule quota the usage alarm compares with (requests per second; default 5,000). */
  createScheduleQuotaPerSecond?: number;
}

export interface ScaleJourneyMachine {
  journeyId: string;
  version: number;
  name: string;
  stateMachine: sfn.StateMachine;
  publishedVersion: sfn.CfnStateMachineVersion;
  /** `…:stateMachine:<name>:<n>`, what every segment of this journey version is started on. */
  versionArn: string;
  /** `<n>` of the version ARN (a CloudFormation token), for `states:StateMachineQualifier`. */
  qualifier: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class ScaleMode extends Construct {
  readonly machines: ScaleJourneyMachine[];
  readonly group: scheduler.ScheduleGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedulerRole: iam.Role;
  readonly fire: HeraldFunction;
  readonly reconciler: HeraldFunction;
  /** `journey@version` → version ARN (tokens resolved at deploy). */
  readonly versionArns: Record<string, string>;
  /** `versionArns` as one JSON string: the fire's and the reconciler's `STATE_MACHINE_ARNS`. */
  readonly stateMachineArnsJson: string;
  /** The four variables every function that arms a timer reads (contract §5). */
  readonly timerEnvironment: Record<string, string>;
  readonly alarms: cloudwatch.Alarm[] = [];
  dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScaleModeProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // ── Express state machines, one per kept journey version ───────────────────────────────
    this.machines = props.versions.map((v) => this.expressMachine(v, props));
    this.versionArns = Object.fromEntries(
      this.machines.map((m) => [`${m.journeyId}@${m.version}`, m.versionArn]),
    );
    this.stateMachineArnsJson = stack.toJsonString(this.versionArns);

    // ── Timers: the group, the dead-letter queue, the role Scheduler assumes ───────────────
    ({
      group: this.group,
      deadLetterQueue: this.deadLetterQueue,
      schedulerRole: this.schedulerRole,
    } = scheduleGroupWithDeadLetters(this, {
      ids: { group: 'Timers', queue: 'TimerDeadLetters' },
      groupName: `${stack.stackName}-timers`,
      queueNote:
        'This queue IS the dead-letter queue of the timers (Target.DeadLetterConfig); a DLQ of a DLQ adds nothing.',
      roleDescription:
        'Assumed by EventBridge Scheduler: invokes the fire Lambda, dead-letters to the timer DLQ (Herald)',
      removalPolicy: props.removalPolicy,
    }));

    // The fire function's ARN is built from its name, not read from the function: the fire's own
    // environment carries it (it re-arms timers), and a Fn::GetAtt on itself would be a cycle.
    const fireName = `${stack.stackName}-fire`;
    const fireArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: fireName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fireArn] }),
    );

    this.timerEnvironment = {
      SCHEDULE_GROUP: this.group.scheduleGroupName,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      FIRE_FUNCTION_ARN: fireArn,
      SCHEDULER_DLQ_ARN: this.deadLetterQueue.queueArn,
    };

    // ── The fire Lambda: Scheduler's target ────────────────────────────────────────────────
    const runEnv = {
      ...props.tableEnv,
      ...props.journeysEnv,
      STATE_MACHINE_ARNS: this.stateMachineArnsJson,
      ...this.timerEnvironment,
    };
    this.fire = new HeraldFunction(this, 'Fire', {
      entry: `${props.handlersDir}/fire.ts`,
      functionName: fireName,
      description: 'Scale mode: a timer fired; claim the run, start its next segment',
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      extraFiles: props.journeysFiles,
      // Scheduler may deliver twice and Lambda may retry: both fall on the run claim.
      asyncInvocation: true,
      environment: runEnv,
    });
    grantItems(props.table, this.fire.fn, [
      { actions: ['UpdateItem'], prefixes: [PK.run] },
      { actions: ['PutItem'], prefixes: [PK.due] },
    ]);
    this.grantStartSegments(this.fire.fn);
    this.grantArmTimers(this.fire.fn);

    // ── The reconciler: runs whose timer was lost ──────────────────────────────────────────
    this.reconciler = new HeraldFunction(this, 'Reconcile', {
      entry: `${props.handlersDir}/reconcile.ts`,
      description: 'Scale mode: start runs whose timer is overdue (a crash between arm and CreateSchedule)',
      logLevel: props.logLevel,
      removalPolicy: props.removalPolicy,
      extraFiles: props.journeysFiles,
      timeout: Duration.minutes(4),
      environment: { ...runEnv, RECONCILE_LOOKBACK_MINUTES: '120', RECONCILE_GRACE_MINUTES: '10' },
    });
    grantItems(props.table, this.reconciler.fn, [
      { actions: ['Query'], prefixes: [PK.due] },
      { actions: ['GetItem', 'UpdateItem'], prefixes: [PK.run] },
    ]);
    this.grantStartSegments(this.reconciler.fn);
    this.grantArmTimers(this.reconciler.fn);
    new events.Rule(this, 'ReconcileEveryFiveMinutes', {
      description: 'Herald scale mode: the reconciler looks for overdue runs',
      schedule: events.Schedule.rate(FIVE_MINUTES),
      targets: [new targets.LambdaFunction(this.reconciler.fn, { retryAttempts: 0 })],
    });

    this.observe(props);
  }

  private expressMachine(v: ScaleJourneyVersion, props: ScaleModeProps): ScaleJourneyMachine {
    const name = `${props.namePrefix}${v.journeyId}-v${v.version}`;
    if (name.length > 80) {
      throw new Error(
        `state machine name "${name}" is longer than Step Functions allows (80): shorten the stack name or journey id of ${v.journeyId}`,
      );
    }
    const scope = new Construct(this, `Journey-${v.journeyId}-v${v.version}`);
    const logGroup = new logs.LogGroup(scope, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });
    const level = props.expressLogLevel ?? sfn.LogLevel.ERROR;
    const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: `${v.name} (journey ${v.journeyId} v${v.version}, scale mode: segments between waits)`,
      definitionBody: sfn.DefinitionBody.fromString(v.definition),
      definitionSubstitutions: { StepFunctionArn: props.stepFunctionAlias.functionArn },
      tracingEnabled: true,
      logs: { destination: logGroup, level, includeExecutionData: false },
      removalPolicy: props.removalPolicy,
    });
    const stepVersions = `${props.stepFunction.functionArn}:*`;
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [stepVersions] }),
    );
    acknowledge(
      stateMachine,
      wildcardResource(this, stepVersions),
      'Task states call the step Lambda through its `live` alias (a qualified ARN); the wildcard spans the aliases and versions of that one function only.',
    );
    acknowledge(
      stateMachine,
      'IAM5[Resource::*]',
      'Only CloudWatch Logs vended-delivery actions (logs:CreateLogDelivery, …) and X-Ray write actions use "*": neither service supports resource-level permissions for them.',
    );
    if (level !== sfn.LogLevel.ALL) {
      acknowledge(
        stateMachine,
        'SF1',
        'Express executions log errors only: at ALL, every state of every segment is a log event (about 3 KB per segment, $0.50 per GB ingested ≈ $1.50 per 1M segments), more than the rest of a run costs. Set context expressLogLevel=ALL to trace executions in the console while debugging.',
      );
    }
    const publishedVersion = new sfn.CfnStateMachineVersion(scope, 'Version', {
      stateMachineArn: stateMachine.stateMachineArn,
      stateMachineRevisionId: stateMachine.stateMachineRevisionId,
      description: `journey ${v.journeyId} v${v.version}`,
    });
    // Timers armed before a later deploy still name this journey version; keep every published one.
    publishedVersion.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const versionArn = publishedVersion.attrArn;
    return {
      journeyId: v.journeyId,
      version: v.version,
      name,
      stateMachine,
      publishedVersion,
      versionArn,
      qualifier: Fn.select(7, Fn.split(':', versionArn)),
    };
  }

  /**
   * StartExecution on the version ARNs in STATE_MACHINE_ARNS. Step Functions authorizes a start on
   * a version against the unqualified state machine ARN, the version number going to
   * `states:StateMachineQualifier` ("Authorization for versions and aliases",
   * https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html); ForAnyValue
   * (the key is multivalued) also refuses an unqualified start, which would run outside any version.
   */
  grantStartSegments(fn: lambda.IFunction): void {
    for (const machine of this.machines) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [machine.stateMachine.stateMachineArn],
          conditions: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': [machine.qualifier] } },
        }),
      );
    }
  }

  /** The schedules of this group: `schedule/<group>/<name>` (Service Authorization Reference, list_amazoneventbridgescheduler.html). */
  get scheduleArns(): string {
    return Arn.format(
      {
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${this.group.scheduleGroupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      Stack.of(this),
    );
  }

  /**
   * CreateSchedule in the timer group, and passing the scheduler role to Scheduler only
   * (CreateSchedule requires iam:PassRole with iam:PassedToService = scheduler.amazonaws.com,
   * Service Authorization Reference, list_amazoneventbridgescheduler.html, "API operations").
   */
  grantArmTimers(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [this.scheduleArns] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_PRINCIPAL } },
      }),
    );
    this.acknowledgeSchedules(fn);
  }

  /** DeleteSchedule in the timer group (an exit removes the pending timer, best effort). */
  grantDisarmTimers(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: [this.scheduleArns] }),
    );
    this.acknowledgeSchedules(fn);
  }

  private readonly acknowledged = new Set<lambda.IFunction>();
  private acknowledgeSchedules(fn: lambda.IFunction): void {
    if (this.acknowledged.has(fn) || !fn.role) return;
    this.acknowledged.add(fn);
    acknowledge(
      fn.role,
      wildcardResource(this, this.scheduleArns),
      'Schedule names are derived from (run, sequence) at run time: the wildcard is limited to the timer group of this stack.',
    );
  }

  // ── Alarms and the dashboard ─────────────────────────────────────────────────────────────
  private observe(props: ScaleModeProps): void {
    const stackName = Stack.of(this).stackName;
    const group = this.group;
    const alarm = (id: string, name: string, description: string, options: AlarmOptions) => {
      const created = heraldAlarm(this, id, name, description, options);
      this.alarms.push(created);
      return created;
    };
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    };
    const sum = { statistic: 'Sum', period: FIVE_MINUTES };

    alarm(
      'TimerDeadLettersAlarm',
      'timer-dead-letters',
      'Scale mode: timers that failed every retry wait in the timer dead-letter queue (a run may be stuck; the reconciler retries it)',
      {
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        ...atLeastOne,
      },
    );
    // Quotas (https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html):
    // invocations beyond the throttle limit (1,000/s by default) are delayed, and dropped once the
    // retry policy's maximum event age (1 h) passes.
    alarm(
      'TimerInvocationsThrottled',
      'timer-invocations-throttled',
      'Scale mode: Scheduler throttled timer invocations (invocation quota reached; fires run late)',
      {
        metric: group.metricThrottled(sum),
        ...atLeastOne,
      },
    );
    alarm(
      'TimerInvocationsDropped',
      'timer-invocations-dropped',
      'Scale mode: Scheduler dropped timer invocations after every retry (the reconciler is now the only way those runs go on)',
      {
        metric: group.metricDropped(sum),
        ...atLeastOne,
      },
    );
    alarm(
      'TimerTargetErrors',
      'timer-target-errors',
      'Scale mode: the fire Lambda refused or failed timer invocations',
      {
        metric: group.metricTargetErrors(sum),
        ...atLeastOne,
      },
    );
    // CreateSchedule calls per second against the quota, from the account's usage metrics
    // (AWS/Usage CallCount, Resource=CreateSchedule, per minute:
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch-usage-metrics.html).
    const quota = props.createScheduleQuotaPerSecond ?? 5000;
    alarm(
      'CreateScheduleNearQuota',
      'create-schedule-near-quota',
      `Scale mode: CreateSchedule calls passed 80 % of the ${quota.toLocaleString('en-US')}/s quota (timers are being refused; request an increase or pace enrolments)`,
      {
        metric: new cloudwatch.MathExpression({
          expression: 'calls / 60',
          usingMetrics: {
            calls: new cloudwatch.Metric({
              namespace: 'AWS/Usage',
              metricName: 'CallCount',
              dimensionsMap: { Service: 'Scheduler', Type: 'API', Resource: 'CreateSchedule', Class: 'None' },
              statistic: 'Sum',
              period: Duration.minutes(1),
            }),
          },
          label: 'CreateSchedule per second',
          period: Duration.minutes(1),
        }),
        threshold: quota * 0.8,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    // Lateness: now − due when the fire claims the run (RunLateness, EMF from the fire handler).
    const lateness = new cloudwatch.Metric({
      namespace: 'Herald',
      metricName: 'RunLateness',
      dimensionsMap: { service: 'fire' },
      statistic: 'Maximum',
      period: FIVE_MINUTES,
      unit: cloudwatch.Unit.MILLISECONDS,
    });
    const late = props.latenessAlarm ?? Duration.minutes(15);
    alarm(
      'RunLateness',
      'run-lateness',
      `Scale mode: a timer fired more than ${late.toMinutes()} minutes after its due time (Scheduler throttling, or the reconciler catching a lost timer)`,
      {
        metric: lateness,
        threshold: late.toMilliseconds(),
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    for (const machine of this.machines) {
      const sm = machine.stateMachine;
      alarm(
        `FailedSegments-${machine.journeyId}-v${machine.version}`,
        `${machine.journeyId}-v${machine.version}-failed-segments`,
        `Journey ${machine.journeyId} v${machine.version} (scale mode): segments failed or timed out`,
        {
          metric: new cloudwatch.MathExpression({
            expression: 'failed + timedOut',
            usingMetrics: { failed: sm.metricFailed(sum), timedOut: sm.metricTimedOut(sum) },
            label: 'failed segments',
            period: FIVE_MINUTES,
          }),
          ...atLeastOne,
        },
      );
    }

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-scale-mode`.replace(/[^A-Za-z0-9_-]/g, '-'),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Scale mode\nTimers in schedule group \`${group.scheduleGroupName}\`; segments on ${this.machines.length} Express state machine version(s). Quotas: docs/performance.md, "Scale mode".`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Segments started / failed (all scale journeys)',
        left: this.machines.flatMap((m) => [
          m.stateMachine.metricStarted({ ...sum, label: `${m.journeyId} v${m.version} started` }),
          m.stateMachine.metricFailed({ ...sum, label: `${m.journeyId} v${m.version} failed` }),
        ]),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Timers: invocations, throttled, dropped, dead-lettered',
        left: [
          group.metricAttempts({ ...sum, label: 'invocation attempts' }),
          group.metricThrottled({ ...sum, label: 'throttled' }),
          group.metricDropped({ ...sum, label: 'dropped' }),
          group.metricSentToDLQ({ ...sum, label: 'to DLQ' }),
        ],
        width: 12,
      }),
    );
    const herald = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'Herald',
        metricName,
        dimensionsMap: { service: 'fire' },
        ...sum,
        label,
      });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lateness of fires (now − due), ms',
        left: [lateness.with({ label: 'max' }), lateness.with({ statistic: 'p99', label: 'p99' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Fires: stale claims, reconciled, late skipped / re-armed',
        left: [
          herald('RunFiresStale', 'stale fires (duplicate, exited, done)'),
          new cloudwatch.Metric({
            namespace: 'Herald',
            metricName: 'RunsReconciled',
            dimensionsMap: { service: 'reconcile' },
            ...sum,
            label: 'reconciled',
          }),
          herald('RunsLateSkipped', 'late: skipped'),
          herald('RunsLateRearmed', 'late: next window'),
        ],
        width: 12,
      }),
    );
    this.dashboard = dashboard;
  }
}
