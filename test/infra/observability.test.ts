import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { journeyRegistryOf } from '../../functions/adapters/journey-registry.ts';
import { createIngestHandler } from '../../functions/handlers/ingest.ts';
import { createStepHandler } from '../../functions/handlers/step.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import type { Store } from '../../functions/ports.ts';
import { REPO_ROOT } from '../../infra/config.ts';
import { enrollmentFor, stepRequest } from '../integration/support/harness.ts';
import { synthHerald } from './synth.ts';

type EmfDocument = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};

const { template, stack } = synthHerald();
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
const alarmNamed = (name: string) => alarms.find((a) => a.Properties.AlarmName === `Herald-${name}`);

describe('alarms', () => {
  it('alarms on failed, timed-out or aborted executions of every journey', () => {
    for (const journey of stack.journeys) {
      const alarm = alarmNamed(`${journey.journey.id}-failed-executions`);
      expect(alarm, journey.journey.id).toBeDefined();
      const metrics = JSON.stringify(alarm?.Properties.Metrics);
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        expect(metrics).toContain(metric);
      }
      expect(metrics).toContain(stack.getLogicalId(journey.stateMachine.node.defaultChild as never));
      expect(alarm?.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on errors of every Lambda function', () => {
    for (const name of Object.keys(stack.functions)) {
      expect(alarmNamed(`${name}-errors`)?.Properties).toMatchObject({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
      });
    }
  });

  /** The EMF document carrying `metric` that a handler call prints on stdout. */
  async function emittedWith(metric: string, call: () => Promise<unknown>) {
    const emitted: string[] = [];
    const spy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: unknown) => emitted.push(String(chunk)) > 0);
    try {
      await call();
    } finally {
      spy.mockRestore();
    }
    const emf = emitted
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfDocument)
      .find((doc) => doc._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === metric)));
    expect(emf, `no EMF document with ${metric}`).toBeDefined();
    return emf!;
  }

  /** The alarm watches `metric` in the namespace, with exactly the dimensions (and values) the handler publishes. */
  function expectAlarmOn(alarmName: string, metric: string, emf: EmfDocument) {
    const [directive] = emf._aws.CloudWatchMetrics;
    const alarm = alarmNamed(alarmName)?.Properties;
    expect(alarm).toMatchObject({
      MetricName: metric,
      Namespace: directive?.Namespace,
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm?.Dimensions).toEqual(
      directive?.Dimensions[0]?.map((name) => ({ Name: name, Value: emf[name] })),
    );
  }

  const failingStore = new Proxy({} as Store, {
    get: () => () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
  });
  const clock = { now: () => new Date('2026-03-02T12:00:00Z') };
  const executions = {
    start: async () => ({ status: 'started' as const, executionArn: '' }),
    stop: async () => {},
    sendTaskSuccess: async () => true,
  };

  it('alarms on customer events ingest refuses, on the metric the handler emits for them', async () => {
    // The real handler, refusing an event put on the bus.
    const ingest = createIngestHandler({
      logger: createLogger('ingest', { logLevel: 'SILENT' }),
      metrics: createMetrics('ingest'),
      store: failingStore,
      clock,
      journeys: journeyRegistryOf([]),
      executions,
      config: DEFAULT_POLICY,
    });
    const emf = await emittedWith('EventsRejected', async () => {
      await expect(
        ingest({ 'detail-type': 'customer event', source: 'shop', detail: { type: 'signed_up' } }),
      ).resolves.toMatchObject({ accepted: false });
    });
    expectAlarmOn('ingest-events-rejected', 'EventsRejected', emf);
  });

  it('alarms on step decisions that failed, on the metric the handler emits for them', async () => {
    // The real handler, deciding a branch while DynamoDB refuses it.
    const journey = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'workflows/welcome.journey.json'), 'utf8'),
    ) as Journey;
    const branch = Object.entries(journey.steps).find(([, step]) => step.type === 'branch')?.[0] ?? '';
    const step = createStepHandler({
      logger: createLogger('step', { logLevel: 'SILENT' }),
      metrics: createMetrics('step'),
      store: failingStore,
      clock,
      journeys: journeyRegistryOf([journey]),
      config: DEFAULT_POLICY,
      email: { send: async () => ({ status: 'retry_later', reason: 'unused' }) },
      messaging: { send: async () => ({ status: 'retry_later', reason: 'unused' }) },
      unsubscribe: { baseUrl: 'https://example.com/unsubscribe', secrets: ['s'.repeat(32)] },
    } as unknown as Parameters<typeof createStepHandler>[0]);
    const emf = await emittedWith('StepErrors', async () => {
      // Thrown for the Task's retrier (engine/compile/states.ts STEP_RETRY_ERROR), counted first.
      await expect(
        step(stepRequest(journey, enrollmentFor(journey, 'c-1'), branch, 'branch')),
      ).rejects.toMatchObject({ name: 'Herald.StepRetry' });
    });
    expectAlarmOn('step-decisions-failed', 'StepErrors', emf);
  });

  it('alarms on failed enrolment ticks of every audience journey, the audience Lambda’s errors and its failed schedules', () => {
    const enrolments = stack.audience?.enrolments ?? [];
    expect(enrolments.map((e) => e.journeyId).sort()).toEqual(['spring-sale', 'win-back']);
    for (const { journeyId, stateMachine } of enrolments) {
      const metrics = JSON.stringify(alarmNamed(`${journeyId}-failed-enrolments`)?.Properties.Metrics);
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
        expect(metrics, journeyId).toContain(metric);
      expect(metrics).toContain(stack.getLogicalId(stateMachine.node.defaultChild as never));
    }
    expect(alarmNamed('audience-errors')?.Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
    expect(JSON.stringify(alarmNamed('audience-errors')?.Properties.Dimensions)).toContain(
      stack.getLogicalId(stack.audience!.fn.fn.node.defaultChild as never),
    );
    expect(JSON.stringify(alarmNamed('audience-ticks-dead-letters')?.Properties.Dimensions)).toContain(
      stack.getLogicalId(stack.audience!.deadLetterQueue.node.defaultChild as never),
    );
  });

  it('alarms as soon as a dead-letter queue holds a message', () => {
    for (const name of ['ingest', 'feedback']) {
      expect(alarmNamed(`${name}-dead-letters`)?.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
    }
  });

  it('alarms when feedback falls behind on the SMS/push event stream', () => {
    expect(alarmNamed('feedback-stream-behind')?.Properties).toMatchObject({
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
    });
  });

  it('alarms on the SES complaint rate at 0.3 % and the bounce rate at 5 %', () => {
    expect(alarmNamed('ses-complaint-rate')?.Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.003,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarmNamed('ses-bounce-rate')?.Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.05,
    });
  });

  it('takes reputation thresholds from context', () => {
    const stricter = synthHerald({ context: { complaintRateThreshold: '0.001' } }).template;
    stricter.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
    });
  });

  it('names every alarm differently', () => {
    // PutMetricAlarm "creates or updates an alarm" by its name (CloudWatch API Reference,
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html):
    // a second alarm of the same name would take the first one's place, or fail the deploy.
    const names = alarms.map((a) => a.Properties.AlarmName as string);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('sends every alarm to one encrypted topic', () => {
    const topic = stack.getLogicalId(stack.observability.topic.node.defaultChild as never);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('subscribes the alarm e-mail given in context', () => {
    const withEmail = synthHerald({ context: { alarmEmail: 'ops@example.com' } }).template;
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('dashboards', () => {
  it('gives every journey its own dashboard charting its state machine', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(stack.journeys.length);
    for (const journey of stack.journeys) {
      const dashboard = dashboards.find((d) => d.Properties.DashboardName === `Herald-${journey.journey.id}`);
      expect(dashboard, journey.journey.id).toBeDefined();
      expect(JSON.stringify(dashboard?.Properties.DashboardBody)).toContain(
        stack.getLogicalId(journey.stateMachine.node.defaultChild as never),
      );
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      // The per-journey send decisions come from the step Lambda's own log group.
      expect(body).toMatch(new RegExp(`journeyId = \\\\+"${journey.journey.id}\\\\+"`));
      expect(body).toContain(stack.getLogicalId(stack.functions.step.logGroup.node.defaultChild as never));
    }
  });

  it('charts each journey’s entrants, conversions and revenue, and conversions by step, channel and variant', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const journey of stack.journeys) {
      const id = journey.journey.id;
      const dashboard = dashboards.find((d) => d.Properties.DashboardName === `Herald-${id}`);
      // The body is an Fn::Join of text and tokens; the widgets are in the text.
      const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
      const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
        widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
      };
      const graphs = body.widgets.map((w) => w.properties);
      const metrics = graphs.flatMap((g) => g.metrics ?? []);
      // The dimension sets ingest publishes (functions/app/conversions.ts).
      expect(metrics).toContainEqual(
        expect.arrayContaining([
          'Herald',
          'Entrants',
          'service',
          'ingest',
          'journey',
          id,
          'group',
          'holdout',
        ]),
      );
      expect(metrics).toContainEqual(
        expect.arrayContaining(['Herald', 'Conversions', 'service', 'ingest', 'journey', id]),
      );
      expect(metrics).toContainEqual(
        expect.arrayContaining(['Herald', 'Revenue', 'service', 'ingest', 'journey', id]),
      );
      const searches = metrics.flatMap((m) =>
        m.map((x) => (x as { expression?: string }).expression).filter(Boolean),
      );
      expect(searches).toContain(
        `SEARCH('{Herald,service,journey,step,channel,variant} service="ingest" journey="${id}" MetricName="Conversions"', 'Sum', 3600)`,
      );
    }
  });
});
