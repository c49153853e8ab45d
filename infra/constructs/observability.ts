/**
 * Alarms (failed executions per journey, Lambda errors, refused customer events, dead-letter depth,
 * SES reputation) publishing to one encrypted SNS topic, and a CloudWatch dashboard per journey.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../config.ts';
import { type AlarmOptions, heraldAlarm } from './alarms.ts';
import type { JourneyStateMachine } from './journey-state-machine.ts';

export interface ObservabilityProps {
  config: HeraldConfig;
  journeys: JourneyStateMachine[];
  /** Every function by short name (`step`, `ingest`, …). */
  functions: Record<string, lambda.IFunction>;
  /** Dead-letter queues by short name. */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** Audience journeys' enrolment state machines (constructs/audience.ts): alarm when a tick fails. */
  enrolments?: { journeyId: string; stateMachine: sfn.IStateMachine }[];
  /** Stream-fed functions by short name: alarm when they fall behind. */
  streamConsumers?: Record<string, lambda.IFunction>;
  /** The step Lambda and its log group, charted and queried on each journey's dashboard. */
  stepFunction: lambda.IFunction;
  stepLogGroup: logs.ILogGroup;
}

const FIVE_MINUTES = Duration.minutes(5);

/** In alarm as soon as one five-minute period counts one. */
const ON_ANY = {
  threshold: 1,
  evaluationPeriods: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
} as const;

/** Executions of a state machine that failed, timed out or were aborted, per five minutes. */
function failedExecutions(stateMachine: sfn.IStateMachine, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'failed + timedOut + aborted',
    usingMetrics: {
      failed: stateMachine.metricFailed({ statistic: 'Sum', period: FIVE_MINUTES }),
      timedOut: stateMachine.metricTimedOut({ statistic: 'Sum', period: FIVE_MINUTES }),
      aborted: stateMachine.metricAborted({ statistic: 'Sum', period: FIVE_MINUTES }),
    },
    label,
    period: FIVE_MINUTES,
  });
}

export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboards: cloudwatch.Dashboard[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    // CloudWatch can only publish to a topic whose key policy lets it: the AWS-managed SNS key does not.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Herald alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    if (props.config.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.config.alarmEmail));
    }
    const alarmAction = new actions.SnsAction(this.topic);

    const alarm = (id: string, name: string, description: string, options: AlarmOptions) => {
      const created = heraldAlarm(this, id, name, description, options);
      created.addAlarmAction(alarmAction);
      this.alarms.push(created);
      return created;
    };
    /** Any count at all of one of a handler's own metrics (Powertools: namespace Herald, dimension `service`). */
    const countAlarm = (
      id: string,
      name: string,
      description: string,
      { service, metricName }: { service: string; metricName: string },
    ) =>
      alarm(id, name, description, {
        metric: new cloudwatch.Metric({
          namespace: 'Herald',
          metricName,
          dimensionsMap: { service },
          statistic: 'Sum',
          period: FIVE_MINUTES,
        }),
        ...ON_ANY,
      });

    // ── Journeys: any failed execution means a customer fell out of a journey unexpectedly ──
    for (const journey of props.journeys) {
      const journeyId = journey.journey.id;
      alarm(
        `FailedExecutions-${journeyId}`,
        `${journeyId}-failed-executions`,
        `Journey ${journeyId}: executions failed, timed out or were aborted`,
        {
          metric: failedExecutions(journey.stateMachine, 'failed executions'),
          ...ON_ANY,
        },
      );
    }

    // ── Audience journeys: a failed tick enrolled nobody, or only some ─────────────────────
    for (const { journeyId, stateMachine } of props.enrolments ?? []) {
      alarm(
        `FailedEnrolments-${journeyId}`,
        `${journeyId}-failed-enrolments`,
        `Audience journey ${journeyId}: an enrolment tick failed, timed out or was aborted; its entrants may be missing`,
        {
          metric: failedExecutions(stateMachine, 'failed enrolment ticks'),
          ...ON_ANY,
        },
      );
    }

    // ── Functions ─────────────────────────────────────────────────────────────────────────────
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`Errors-${name}`, `${name}-errors`, `Lambda ${name}: invocations ended in an error`, {
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        ...ON_ANY,
      });
    }
    // ── Ingest: customer events it refused ─────────────────────────────────────────────────
    // An HTTP producer gets the 400 and its problems back; a producer putting events on the bus
    // gets nothing back, so this is how its operator learns that Herald refuses what it sends.
    // The metric is the one the handler emits (functions/handlers/ingest.ts, Powertools' `service`
    // dimension); the log line `event rejected` names each problem's path and code, no values.
    countAlarm(
      'EventsRejected-ingest',
      'ingest-events-rejected',
      'Ingest refused customer events (malformed, unknown type, future time): see its "event rejected" log lines',
      { service: 'ingest', metricName: 'EventsRejected' },
    );
    // ── Step: decisions that failed ─────────────────────────────────────────────────────────
    // The step Lambda counts every decision that failed for a fault (functions/app/step.ts). A send
    // answers "try again later" and its execution goes on, so neither the Lambda's errors nor the
    // journey's failed-executions alarm sees it; a flow decision throws for its Task's retrier,
    // which usually succeeds before either alarm could.
    countAlarm(
      'StepErrors-step',
      'step-decisions-failed',
      'The step Lambda failed on a decision: a send tries again later, a branch, split, update or wait is decided again by its Task retrier; see its "step failed" log lines',
      { service: 'step', metricName: 'StepErrors' },
    );
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `DeadLetters-${name}`,
        `${name}-dead-letters`,
        `${name}: events that failed every retry are waiting in the dead-letter queue`,
        {
          metric: queue.metricApproximateNumberOfMessagesVisible({
            statistic: 'Maximum',
            period: FIVE_MINUTES,
          }),
          ...ON_ANY,
        },
      );
    }

    for (const [name, fn] of Object.entries(props.streamConsumers ?? {})) {
      alarm(
        `IteratorAge-${name}`,
        `${name}-stream-behind`,
        `${name}: stream records wait more than 15 minutes`,
        {
          metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
          threshold: 15 * 60 * 1000,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        },
      );
    }

    // ── SES reputation (account-wide, what SES and mailbox providers judge the sender by) ────
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: 'Maximum',
        period: Duration.minutes(15),
      });
    alarm(
      'SesComplaintRate',
      'ses-complaint-rate',
      `SES complaint rate reached ${props.config.complaintRateThreshold * 100} % (Gmail and Yahoo require < 0.3 %)`,
      {
        metric: reputation('Reputation.ComplaintRate'),
        threshold: props.config.complaintRateThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    );
    alarm(
      'SesBounceRate',
      'ses-bounce-rate',
      `SES bounce rate reached ${props.config.bounceRateThreshold * 100} % (SES reviews accounts at 5 %)`,
      {
        metric: reputation('Reputation.BounceRate'),
        threshold: props.config.bounceRateThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    );

    // ── A dashboard per journey ─────────────────────────────────────────────────────────────
    for (const journey of props.journeys) {
      this.dashboards.push(this.journeyDashboard(journey, props, stackName));
    }
  }

  private journeyDashboard(
    journey: JourneyStateMachine,
    props: ObservabilityProps,
    stackName: string,
  ): cloudwatch.Dashboard {
    const step = props.stepFunction;
    const sm = journey.stateMachine;
    const { id, name, version } = journey.journey;
    const sum = { statistic: 'Sum', period: FIVE_MINUTES };
    const dashboard = new cloudwatch.Dashboard(this, `Dashboard-${id}`, {
      dashboardName: `${stackName}-${id}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${name}\nJourney \`${id}\` v${version} · state machine \`${journey.name}\` · new entrants run the \`live\` alias`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Customers entering and leaving',
        left: [sm.metricStarted(sum), sm.metricSucceeded(sum)],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Executions that went wrong',
        left: [sm.metricFailed(sum), sm.metricTimedOut(sum), sm.metricAborted(sum)],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Step Lambda (all journeys)',
        left: [step.metricInvocations(sum), step.metricErrors(sum), step.metricThrottles(sum)],
        right: [step.metricDuration({ statistic: 'p95', period: FIVE_MINUTES })],
        width: 12,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Customers who entered (24 h)',
        metrics: [
          new cloudwatch.Metric({
            namespace: 'AWS/States',
            metricName: 'ExecutionsStarted',
            dimensionsMap: { StateMachineArn: sm.stateMachineArn },
            statistic: 'Sum',
            period: Duration.days(1),
            label: 'entered',
          }),
        ],
        width: 12,
      }),
    );
    // The step handler's EMF metrics (namespace Herald, dimension service=step) and its
    // `send decided` log lines, which carry journeyId/stepId/outcome/channel and no personal data.
    const sendOutcome = (outcome: string) =>
      new cloudwatch.Metric({
        namespace: 'Herald',
        metricName: `Send_${outcome}`,
        dimensionsMap: { service: 'step' },
        ...sum,
        label: outcome,
      });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Send decisions (all journeys)',
        left: ['sent', 'deferred', 'capped', 'skipped', 'suppressed', 'failed', 'exited'].map(sendOutcome),
        stacked: true,
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: `Send decisions of ${id}, by step, outcome and channel`,
        logGroupNames: [props.stepLogGroup.logGroupName],
        queryLines: [
          'fields stepId, outcome, channel',
          `filter message = "send decided" and journeyId = "${id}"`,
          'stats count(*) as decisions by stepId, outcome, channel',
          'sort stepId',
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(...this.conversionWidgets(id));
    return dashboard;
  }

  /**
   * Ingest's conversion metrics (functions/app/conversions.ts, EMF in namespace Herald): entrants
   * per group and conversions and revenue of this journey, then conversions per step, channel and
   * variant through a SEARCH over that dimension set ("CloudWatch search expression syntax",
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html).
   * A SEARCH graphs whatever combinations exist without the dashboard naming them; it cannot feed
   * an alarm, and none does. Uplift with its interval is `herald report`'s (docs/analytics.md).
   */
  private conversionWidgets(journeyId: string): cloudwatch.IWidget[] {
    const sum = { statistic: 'Sum', period: Duration.hours(1) };
    const ingest = (metricName: string, dims: Record<string, string>, label: string) =>
      new cloudwatch.Metric({
        namespace: 'Herald',
        metricName,
        dimensionsMap: { service: 'ingest', journey: journeyId, ...dims },
        ...sum,
        label,
      });
    const bySet = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{Herald,service,journey,step,channel,variant} service="ingest" journey="${journeyId}" MetricName="${metricName}"', 'Sum', 3600)`,
        label,
        period: Duration.hours(1),
      });
    return [
      new cloudwatch.GraphWidget({
        title: `Entrants and conversions of ${journeyId} (per hour)`,
        left: [
          ingest('Entrants', { group: 'treated' }, 'entered'),
          ingest('Entrants', { group: 'holdout' }, 'held out'),
          ingest('Conversions', {}, 'conversions'),
        ],
        right: [ingest('Revenue', {}, 'revenue')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `Conversions of ${journeyId} by credited step, channel and variant (held out: variant holdout)`,
        left: [bySet('Conversions', '')],
        right: [bySet('Revenue', 'revenue ')],
        width: 12,
      }),
    ];
  }
}
