/**
 * `herald report` against a table the real handlers wrote (dynalite): customers enter a journey with
 * a holdout and an A/B split, are sent a message by the step handler, some order; the report reads
 * the table back through the SDK (Scan) and writes the HTML and JSON. Its one AWS call is evaluated
 * against the read-only policy docs/iam.md gives the operator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerReport, reportPolicy } from '../../cli/commands/report.ts';
import type { AnalyticsReport } from '../../engine/analytics/report-model.ts';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { isHeldOut } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { readAnalyticsRecords } from '../../functions/adapters/dynamo-analytics.ts';
import { AwsCallRecorder } from '../../local/aws-calls.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';
import { evaluateCalls } from '../iam/support/evaluate.ts';
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
const plain: Journey = { ...sendJourney('plain'), entry: { event: 'signed_up', reentry: { mode: 'never' } } };

const CUSTOMERS = 30;
const post = (event: CustomerEvent) => httpEvent('POST', { body: JSON.stringify(event) });

describe('herald report', () => {
  const sandbox = cliSandbox('herald-report-');
  let rt: Runtime;
  const expected = { treated: 0, treatedConverted: 0, heldOut: 0, heldOutConverted: 0 };

  beforeAll(async () => {
    rt = await startRuntime({ journeys: [promo, plain], now: '2025-06-02T11:59:00Z' });
    for (let i = 0; i < CUSTOMERS; i++) {
      const customerId = `c-r${i}`;
      const held = isHeldOut(promo, customerId);
      await rt.seedProfile(reachableProfile(customerId, { timeZone: 'Europe/London' }));
      rt.clock.set('2025-06-02T11:59:00Z');
      await rt.ingest(post(cartEvent(customerId, `cart-r${i}`)));
      if (held) expected.heldOut++;
      else {
        expected.treated++;
        const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
        const enrollment = (JSON.parse(execution?.input ?? '{}') as { enrollment: Enrollment }).enrollment;
        rt.clock.set('2025-06-02T12:00:00Z');
        const split = await rt.step(stepRequest(promo, enrollment, 'offer-test', 'split'));
        const next = (split as { next?: string }).next ?? 'send';
        await rt.step(stepRequest(promo, enrollment, next));
      }
      // Every third customer orders the next day, held out or not.
      if (i % 3 === 0) {
        rt.clock.set('2025-06-03T09:00:00Z');
        await rt.ingest(
          post({
            id: `order-r${i}`,
            type: 'order_placed',
            customerId,
            time: '2025-06-03T09:00:00Z',
            properties: {
              orderId: `o${i}`,
              items: [{ productId: 'p1', quantity: 1 }],
              total: 20,
              currency: 'EUR',
            },
          }),
        );
        if (held) expected.heldOutConverted++;
        else expected.treatedConverted++;
      }
    }
  }, 120_000);
  afterAll(async () => rt?.stop());

  async function report(): Promise<{ json: AnalyticsReport; html: string; stdout: string }> {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const out = path.join(sandbox.dir, 'report');
    await runCommand(
      registerReport,
      'report',
      '--table',
      rt.dynamo.tableName,
      '--endpoint',
      rt.dynamo.endpoint,
      '--out',
      out,
      '--workflows',
      writeWorkflows(sandbox.dir, [promo, plain]),
    );
    vi.unstubAllEnvs();
    return {
      json: JSON.parse(readFileSync(path.join(out, 'analytics.json'), 'utf8')) as AnalyticsReport,
      html: readFileSync(path.join(out, 'analytics.html'), 'utf8'),
      stdout: written(stdout),
    };
  }

  it('counts entrants, the holdout and conversions as the table holds them', async () => {
    const { json } = await report();
    const j = json.journeys.find((x) => x.id === 'promo');
    expect(j).toMatchObject({
      entered: expected.treated,
      heldOut: expected.heldOut,
      treated: { customers: expected.treated, converted: expected.treatedConverted },
      holdout: { customers: expected.heldOut, converted: expected.heldOutConverted },
      revenueByCurrency: { EUR: 20 * (expected.treatedConverted + expected.heldOutConverted) },
    });
    const arms = j?.tests[0]?.arms ?? [];
    expect(arms.map((a) => a.name)).toEqual(['plain', 'bold']);
    expect(arms.reduce((n, a) => n + a.customers, 0)).toBe(expected.treated);
    expect(arms.reduce((n, a) => n + a.converted, 0)).toBe(expected.treatedConverted);
  });

  it('refuses to name a winner or an uplift on a few dozen customers, and says how many it needs', async () => {
    const { json, stdout } = await report();
    const j = json.journeys.find((x) => x.id === 'promo');
    expect(j?.uplift?.outcome).toBe('not_enough_data');
    expect(j?.uplift?.verdict).toMatch(
      /^not enough data yet: 0 messaged and 0 held out, at least \d+ needed in each group to detect a 5-point change \(counting runs whose P7D attribution window has closed\)$/,
    );
    expect(j?.tests[0]?.verdict).toMatch(/^not enough data yet/);
    expect(stdout).toContain('promo: not enough data yet');
  });

  it('shows no conversion rate for a journey without a goal', async () => {
    const { json, html } = await report();
    const j = json.journeys.find((x) => x.id === 'plain');
    expect(j?.noGoal).toMatch(/no goal/);
    expect(j?.treated).toBeUndefined();
    const from = html.indexOf('data-journey="plain"');
    const section = html.slice(from, html.indexOf('</section>', from));
    expect(section).toContain('data-verdict="no-goal"');
    expect(section).not.toContain('data-table="groups"');
  });

  it('needs only dynamodb:Scan on the table: the documented policy allows every call it makes', async () => {
    // A client of its own: the runtime's records its calls for the Lambdas' roles.
    const client = new DynamoDBClient({
      endpoint: rt.dynamo.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const recorder = new AwsCallRecorder();
    recorder.attach(client);
    const read = recorder.as('report', () =>
      readAnalyticsRecords({ client, tableName: rt.dynamo.tableName }),
    );
    const records = await read();
    client.destroy();
    expect(records.conversions.length).toBe(expected.treatedConverted + expected.heldOutConverted);
    const world = {
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
      partitionKey: 'pk',
      sesIdentities: [],
    };
    const tableArn = `arn:aws:dynamodb:eu-west-1:123456789012:table/${rt.dynamo.tableName}`;
    const role = (statements: unknown[]) => ({
      fn: 'report',
      roleArn: 'arn:aws:iam::123456789012:role/analyst',
      statements: statements as never,
      environment: {},
    });
    const calls = recorder.calls.filter((c) => c.fn === 'report');
    expect(calls.map((c) => c.operation)).toEqual(calls.map(() => 'Scan'));
    const allowed = await evaluateCalls(calls, [role(reportPolicy(tableArn).Statement)], world);
    expect(allowed.denials).toEqual([]);
    // A grant scoped by partition key (as the Lambdas' are) cannot allow a Scan.
    const scoped = await evaluateCalls(
      calls,
      [
        role([
          {
            Effect: 'Allow',
            Action: 'dynamodb:Scan',
            Resource: tableArn,
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['C#*'] },
              Null: { 'dynamodb:LeadingKeys': 'false' },
            },
          },
        ]),
      ],
      world,
    );
    expect(scoped.denials.length).toBeGreaterThan(0);
  });
});

/** A workflows folder holding these journeys, for `--workflows`. */
function writeWorkflows(dir: string, journeys: readonly Journey[]): string {
  const workflows = path.join(dir, 'workflows');
  mkdirSync(workflows, { recursive: true });
  for (const j of journeys) writeFileSync(path.join(workflows, `${j.id}.journey.json`), JSON.stringify(j));
  return workflows;
}
