/**
 * A customer finishes on the version they entered, across every function. The real handlers and
 * the compiled ASL run on the local system; "deploying" is what infra does: the workflows folder is
 * read by `compileDeployedJourneys` (current version + released older versions) and the result is
 * what every handler resolves, while executions already running keep the definition they started on.
 * What customers received is read from the SES stand-in's own store, not from the ledger.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseJourneyFile } from '../../cli/commands/release.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { compileDeployedJourneys } from '../../infra/journeys.ts';
import type { ExecutionRecord } from '../../local/runner.ts';
import type { StoredEmail } from '../../local/standins/index.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function email(subject: string, body: string) {
  return {
    locales: {
      en: {
        email: {
          subject,
          html: `<p>${body}</p><p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>`,
          text: `${body} Unsubscribe: {{ links.unsubscribe }}`,
        },
      },
    },
  };
}

function onboarding(version: number, steps: Record<string, Step>, messages: Journey['messages']): Journey {
  return {
    id: 'onboarding',
    version,
    name: 'Onboarding',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    exit: [{ event: 'order_placed' }],
    start: 'hello',
    steps,
    messages,
  };
}

/** v1: hello, then wait a day for a product view: thank the viewer, nudge the others. */
const V1 = onboarding(
  1,
  {
    hello: { type: 'send', message: 'hello', channels: ['email'], next: 'wait-for-view' },
    'wait-for-view': {
      type: 'waitForEvent',
      event: 'product_viewed',
      timeout: 'P1D',
      onEvent: 'thanks',
      onTimeout: 'nudge',
    },
    thanks: { type: 'send', message: 'thanks', channels: ['email'], next: 'done' },
    nudge: { type: 'send', message: 'nudge', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
  {
    hello: email('Hello (v1)', 'Version one says hello.'),
    thanks: email('Thanks for looking (v1)', 'Version one thanks you.'),
    nudge: email('Still there? (v1)', 'Version one nudges you.'),
  },
);

/** v2: other steps (no wait for an event, a fixed two-hour pause) and other content. */
const V2 = onboarding(
  2,
  {
    hello: { type: 'send', message: 'welcome', channels: ['email'], next: 'pause' },
    pause: { type: 'wait', duration: 'PT2H', next: 'tip' },
    tip: { type: 'send', message: 'tip', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
  {
    welcome: email('Welcome (v2)', 'Version two welcomes you.'),
    tip: email('A tip (v2)', 'Version two has a tip.'),
  },
);

const signedUp = signedUpEvent;
const viewed = (customerId: string, time: Date): CustomerEvent => ({
  id: `view-${customerId}`,
  type: 'product_viewed',
  customerId,
  time: time.toISOString(),
  properties: { productId: 'p1' },
});
const ordered = (customerId: string, time: Date): CustomerEvent => ({
  id: `order-${customerId}`,
  type: 'order_placed',
  customerId,
  time: time.toISOString(),
  properties: {
    orderId: `o-${customerId}`,
    items: [{ productId: 'p1', quantity: 1 }],
    total: 20,
    currency: 'EUR',
  },
});

/** `herald release`, then what `cdk synth` bundles for the Lambdas. */
async function releaseAndBundle(file: string, journey: Journey): Promise<Journey[]> {
  writeFileSync(file, `${JSON.stringify(journey, null, 2)}\n`);
  await releaseJourneyFile(file);
  return compileDeployedJourneys(path.dirname(file)).bundle;
}

describe('a new journey version deployed while customers are part-way through the old one', () => {
  let system: LocalSystem;
  let emails: StoredEmail[];
  let executions: ExecutionRecord[];
  let ledger: Map<string, LedgerRecord[]>;
  let v2Bundle: Journey[];
  const v1Customers = ['viewer', 'buyer', 'idle'];
  const customers = [...v1Customers, 'newcomer'];

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-versions-'));
    const file = path.join(dir, 'onboarding.journey.json');

    // Deploy v1 and enrol three customers; by the end of the first hour each waits for a view.
    system = await startLocalSystem({ start: START, journeys: await releaseAndBundle(file, V1) });
    const sys = system;
    await sys.stack.ses?.clear();
    for (const [i, id] of v1Customers.entries())
      sys.clock.at(at((i + 1) * MINUTE), () => sys.ingest(signedUp(id, at((i + 1) * MINUTE))), id);
    await sys.clock.run({ until: at(HOUR) });

    // Deploy v2 (the v1 copy stays released), then the world goes on.
    v2Bundle = await releaseAndBundle(file, V2);
    sys.deploy(v2Bundle);
    sys.clock.at(at(2 * HOUR), () => sys.ingest(viewed('viewer', at(2 * HOUR))), 'viewer');
    sys.clock.at(at(2 * HOUR), () => sys.ingest(ordered('buyer', at(2 * HOUR))), 'buyer');
    sys.clock.at(at(3 * HOUR), () => sys.ingest(signedUp('newcomer', at(3 * HOUR))), 'newcomer');
    await sys.clock.run({ until: at(3 * DAY) });

    emails = await sys.stack.ses!.emails();
    // A provider event for the email v1 sent after v2 shipped (the idle customer's nudge).
    const nudge = emails.find(
      (e) => e.destination.to.includes('idle@example.com') && e.subject.includes('Still'),
    );
    if (nudge) {
      const when = at(3 * DAY).toISOString();
      await sys.clock.track(() =>
        sys.feedback({
          'detail-type': 'Email Opened',
          source: 'aws.ses',
          detail: {
            eventType: 'Open',
            mail: { messageId: nudge.messageId, timestamp: when },
            open: { timestamp: when },
          },
        }),
      );
    }
    executions = sys.workflows.executions();
    ledger = new Map();
    for (const id of customers) ledger.set(id, await sys.clock.track(() => sys.stack.store.listLedger(id)));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  const subjectsTo = (customerId: string) =>
    emails.filter((e) => e.destination.to.includes(`${customerId}@example.com`)).map((e) => e.subject);
  const executionOf = (customerId: string) => {
    const mine = executions.filter((e) => e.customerId === customerId);
    expect(mine).toHaveLength(1);
    return mine[0]!;
  };

  it('deploys the current version and keeps the released older one for the Lambdas', () => {
    expect(v2Bundle.map((j) => `${j.id}@${j.version}`)).toEqual(['onboarding@2', 'onboarding@1']);
  });

  it('resumes a v1 wait-for-event after v2 is live, and the customer finishes on v1 steps and content', () => {
    expect(subjectsTo('viewer')).toEqual(['Hello (v1)', 'Thanks for looking (v1)']);
    const thanks = emails.find((e) => e.subject === 'Thanks for looking (v1)');
    expect(thanks?.body.html).toContain('Version one thanks you.');
    const run = executionOf('viewer');
    expect(run).toMatchObject({ journeyVersion: 1, status: 'SUCCEEDED' });
    expect(run.states.map((s) => s.name)).toEqual(expect.arrayContaining(['wait-for-view', 'thanks']));
  });

  it('lets a v1 wait time out onto the v1 branch after v2 is live', () => {
    expect(subjectsTo('idle')).toEqual(['Hello (v1)', 'Still there? (v1)']);
    expect(executionOf('idle')).toMatchObject({ journeyVersion: 1, status: 'SUCCEEDED' });
  });

  it('still stops a v1 execution when its exit event arrives after v2 is live', () => {
    expect(subjectsTo('buyer')).toEqual(['Hello (v1)']);
    expect(executionOf('buyer')).toMatchObject({ journeyVersion: 1, status: 'ABORTED' });
  });

  it('runs new entrants on the v2 definition and content', () => {
    expect(subjectsTo('newcomer')).toEqual(['Welcome (v2)', 'A tip (v2)']);
    const run = executionOf('newcomer');
    expect(run).toMatchObject({ journeyVersion: 2, status: 'SUCCEEDED' });
    expect(run.states.map((s) => s.name)).toContain('pause');
    expect(run.states.map((s) => s.name)).not.toContain('wait-for-view');
  });

  it('records every v1 send as v1 and attributes provider feedback to the v1 message', () => {
    for (const id of v1Customers) {
      const sends = ledger.get(id)!.filter((r) => r.kind === 'decision' && r.outcome === 'sent');
      expect(sends.length).toBeGreaterThan(0);
      expect(sends.every((r) => r.journeyVersion === 1)).toBe(true);
    }
    const feedback = ledger.get('idle')!.filter((r) => r.kind === 'feedback');
    expect(feedback).toEqual([
      expect.objectContaining({ journeyId: 'onboarding', journeyVersion: 1, stepId: 'nudge' }),
    ]);
  });
});
