/**
 * Erasure keeps the analytics: customers enter a journey with a holdout and an A/B split, are sent a
 * message by the step handler, a third of them order (conversions, attributed by ingest); then half
 * of all customers — converted or not, held out or not — are erased through the privacy
 * handler. The report built from the table (the same Scan `herald report` makes) has the same
 * aggregates before and after, and a scan of the table finds no id, address or name of an erased
 * customer. Every call is evaluated against the deployed roles when the runtime stops.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyticsReport, buildAnalytics } from '../../engine/analytics/report-model.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { isHeldOut } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { readAnalyticsRecords } from '../../functions/adapters/dynamo-analytics.ts';
import { DynamoPrivacy } from '../../functions/adapters/dynamo-privacy.ts';
import { SfnExecutions } from '../../functions/adapters/sfn-executions.ts';
import { createPseudonymiser } from '../../functions/app/pseudonym.ts';
import { createPrivacyHandler } from '../../functions/handlers/privacy.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import { DEPLOYED_STATE_MACHINE_PREFIX } from '../iam/support/deployed.ts';
import {
  cartEvent,
  httpEvent,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const base = sendJourney('promo');
const promo: Journey = {
  ...base,
  goal: { event: 'order_placed', within: 'P7D', currency: 'EUR' },
  holdout: { percent: 20 },
  start: 'offer-test',
  steps: {
    'offer-test': {
      type: 'split',
      arms: [
        { name: 'plain', weight: 50, next: 'send' },
        { name: 'bold', weight: 50, next: 'send-bold' },
      ],
    },
    send: { type: 'send', message: 'hello', channels: ['email'], next: 'done' },
    'send-bold': { type: 'send', message: 'hello', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
};

const CUSTOMERS = 24;
const id = (i: number) => `zq-conv-${i}`;
/** Erased: every second customer, so converted (i % 3 === 0) and unconverted ones are both among them. */
const erasedIds = Array.from({ length: CUSTOMERS }, (_, i) => i)
  .filter((i) => i % 2 === 0)
  .map(id);
const post = (event: CustomerEvent) => httpEvent('POST', { body: JSON.stringify(event) });
const KEY = 'privacy-conversions-test-key';

/** What must survive an erasure: every count and sum of the report, per journey. */
function aggregates(report: AnalyticsReport) {
  return report.journeys.map((j) => ({
    id: j.id,
    entered: j.entered,
    heldOut: j.heldOut,
    funnel: j.funnel,
    revenueByCurrency: j.revenueByCurrency,
    treated: j.treated,
    holdout: j.holdout,
    uplift: j.uplift,
    tests: j.tests,
    days: j.days,
    breakdown: j.breakdown,
  }));
}

describe('erasing customers keeps the report’s aggregates', () => {
  let rt: Runtime;
  let before: AnalyticsReport;
  let after: AnalyticsReport;
  const counts: { ledger: number; enrollments: number; conversions: number }[] = [];
  const answers: { statusCode: number; body: string }[] = [];
  let items: Record<string, unknown>[] = [];
  let converted = 0;

  beforeAll(async () => {
    rt = await startRuntime({ journeys: [promo], now: '2025-06-02T11:59:00Z' });
    for (let i = 0; i < CUSTOMERS; i++) {
      const customerId = id(i);
      await rt.seedProfile(reachableProfile(customerId, { firstName: `Zqname${i}` }));
      rt.clock.set('2025-06-02T11:59:00Z');
      await rt.ingest(post(cartEvent(customerId, `cart-${customerId}`)));
      if (!isHeldOut(promo, customerId)) {
        const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
        const enrollment = (JSON.parse(execution?.input ?? '{}') as { enrollment: Enrollment }).enrollment;
        rt.clock.set('2025-06-02T12:00:00Z');
        const split = await rt.step(stepRequest(promo, enrollment, 'offer-test', 'split'));
        await rt.step(stepRequest(promo, enrollment, (split as { next?: string }).next ?? 'send'));
      }
      if (i % 3 === 0) {
        converted++;
        rt.clock.set('2025-06-03T09:00:00Z');
        await rt.ingest(
          post({
            id: `order-${customerId}`,
            type: 'order_placed',
            customerId,
            time: '2025-06-03T09:00:00Z',
            properties: {
              orderId: `o-${customerId}`,
              items: [{ productId: 'p1', quantity: 1 }],
              total: 20,
              currency: 'EUR',
            },
          }),
        );
      }
    }
    const read = async () => {
      const records = await readAnalyticsRecords({
        client: rt.dynamo.client,
        tableName: rt.dynamo.tableName,
      });
      counts.push({
        ledger: records.ledger.length,
        enrollments: records.enrollments.length,
        conversions: records.conversions.length,
      });
      return buildAnalytics({ journeys: [promo], ...records });
    };
    before = await read();

    // The privacy Lambda, as deployed: its calls are attributed to `privacy` and checked at stop.
    const sfnClient = new SFNClient({ ...rt.sfn.clientConfig, maxAttempts: 2 });
    rt.awsCalls.attach(sfnClient);
    const privacy = rt.awsCalls.as(
      'privacy',
      createPrivacyHandler({
        store: rt.store,
        clock: rt.clock,
        privacy: new DynamoPrivacy({ client: rt.dynamo.client, tableName: rt.dynamo.tableName }),
        executions: new SfnExecutions({
          client: sfnClient,
          stateMachineArn: (journeyId) => `${DEPLOYED_STATE_MACHINE_PREFIX}${journeyId}:live`,
        }),
        pseudonymiser: async () => createPseudonymiser(KEY),
        logger: createLogger('privacy', { logLevel: 'SILENT' }),
        metrics: createMetrics('privacy', { silent: true }),
      }),
    );
    rt.clock.set('2025-06-04T09:00:00Z');
    for (const customerId of erasedIds) {
      answers.push(
        (await privacy({
          rawPath: `/customers/${customerId}`,
          requestContext: { http: { method: 'DELETE' } },
          pathParameters: { id: customerId },
        })) as never,
      );
    }
    sfnClient.destroy();
    after = await read();
    const { Items } = await rt.dynamo.client.send(new ScanCommand({ TableName: rt.dynamo.tableName }));
    items = (Items ?? []).map((item) => unmarshall(item));
  }, 180_000);
  afterAll(async () => rt?.stop());

  it('erases converted and unconverted, treated and held-out customers alike', () => {
    expect(answers.map((a) => a.statusCode)).toEqual(erasedIds.map(() => 200));
    const summaries = answers.map((a) => JSON.parse(a.body) as { counts: Record<string, number> });
    expect(summaries.filter((s) => (s.counts.conversions ?? 0) > 0).length).toBeGreaterThan(0);
    expect(summaries.filter((s) => (s.counts.conversions ?? 0) === 0).length).toBeGreaterThan(0);
    expect(erasedIds.some((c) => isHeldOut(promo, c))).toBe(true);
  });

  it('reads as many ledger records, enrolments and conversions after the erasure as before', () => {
    expect(counts[0]!.conversions).toBe(converted);
    expect(counts[1]).toEqual(counts[0]);
  });

  it('reports the same entrants, holdout, conversions, revenue, arms and breakdown after the erasure', () => {
    expect(before.journeys[0]!.revenueByCurrency).toEqual({ EUR: 20 * converted });
    expect(aggregates(after)).toEqual(aggregates(before));
  });

  it('leaves no id, address or name of an erased customer anywhere in the table', () => {
    for (const customerId of erasedIds) {
      const i = Number(customerId.split('-').pop());
      // The id followed by anything but a digit (zq-conv-1 is not zq-conv-10), inside any key or value.
      const mention = new RegExp(`${customerId}(?!\\d)|Zqname${i}(?!\\d)`);
      const found = items.filter((item) => mention.test(JSON.stringify(item)));
      expect(
        found.map((f) => `${f.pk} ${f.sk}`),
        customerId,
      ).toEqual([]);
    }
    // The control: a customer not erased is still there, by id.
    expect(items.some((item) => item.pk === `C#${id(1)}`)).toBe(true);
  });
});
