/**
 * `herald serve` as a user runs it: its own process, the real handlers behind POST /events and
 * /products, the simulated clock stepped by hand or sped up, Segment's own Node client pointed at
 * it, and SIGTERM stopping it cleanly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, type ServeProcess, startServeProcess } from '../helpers/serve.ts';

const START = '2026-03-02T09:00:00.000Z';

const signedUp = (id: string, customerId: string) => ({
  id,
  type: 'signed_up',
  customerId,
  time: START,
  properties: {
    profile: {
      email: `${customerId}@example.com`,
      locale: 'en',
      timeZone: 'Europe/London',
      consent: { email: true },
    },
  },
});

async function getJson(url: string) {
  const response = await fetch(url);
  return (await response.json()) as Record<string, unknown>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('herald serve, stepped by hand', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServeProcess(['--manual', '--start', START, '--write-key', 'test-write-key']);
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('binds to loopback unless told otherwise', () => {
    expect(new URL(serve.url).hostname).toBe('127.0.0.1');
  });

  it('exports and erases a customer as the deployed privacy routes do, and then refuses their events with 409', async () => {
    expect((await postJson(`${serve.url}/events`, signedUp('ev-priv', 'cust-priv'))).status).toBe(202);
    const exported = await getJson(`${serve.url}/customers/cust-priv/export`);
    expect(exported).toMatchObject({ format: 'herald.customer-export/1', customerId: 'cust-priv' });
    expect((exported.profile as { email: string }).email).toBe('cust-priv@example.com');
    const erased = await fetch(`${serve.url}/customers/cust-priv`, { method: 'DELETE' });
    expect(erased.status).toBe(200);
    expect(await erased.json()).toMatchObject({ status: 'erased', counts: { profile: 1, events: 1 } });
    const after = await getJson(`${serve.url}/customers/cust-priv/export`);
    expect(after).toMatchObject({ profile: null, events: [], messages: [] });
    const refused = await postJson(`${serve.url}/events`, { ...signedUp('ev-priv-2', 'cust-priv') });
    expect(refused.status).toBe(409);
    expect((refused.body.problems as { code: string }[])[0]?.code).toBe('customer_erased');
  });

  it('answers POST /events as the deployed ingest does: 400 with every problem, 202 with what it started', async () => {
    const bad = await postJson(`${serve.url}/events`, {
      id: 'x',
      type: 'signed_upp',
      customerId: 'c',
      time: START,
      properties: {},
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/type', code: 'unknown_type', suggestion: 'signed_up' }),
      ]),
    );
    const notJson = await postJson(`${serve.url}/events`, '{"id":');
    expect(notJson.status).toBe(400);

    const good = await postJson(`${serve.url}/events`, signedUp('ev-1', 'cust-ana'));
    expect(good.status).toBe(202);
    expect(good.body).toMatchObject({ accepted: true, eventId: 'ev-1', duplicate: false, started: 1 });
    const again = await postJson(`${serve.url}/events`, signedUp('ev-1', 'cust-ana'));
    expect(again.body).toMatchObject({ accepted: true, duplicate: true, started: 0 });
  });

  it('moves the clock only when told, and runs every journey step that falls due on the way', async () => {
    expect((await getJson(`${serve.url}/clock`)).now).toBe(START);
    const before = (await getJson(`${serve.url}/api/customers/cust-ana`)) as {
      ledger: { stepId?: string }[];
    };
    const steps = before.ledger.map((r) => r.stepId);
    const advanced = await postJson(`${serve.url}/clock/advance`, { by: 'P3D' });
    expect(advanced).toEqual({ status: 200, body: { now: '2026-03-05T09:00:00.000Z', mode: 'manual' } });
    const after = (await getJson(`${serve.url}/api/customers/cust-ana`)) as {
      ledger: { stepId?: string; at: string; outcome: string }[];
    };
    // The welcome journey waits two days after its first email, then decides again.
    const later = after.ledger.filter((r) => r.at > START);
    expect(later.length).toBeGreaterThan(0);
    expect(after.ledger.length).toBeGreaterThan(steps.length);
  });

  it('refuses a clock step that is not a forward ISO 8601 duration', async () => {
    for (const by of ['1 hour', '-PT1H', 'PT0S', 42]) {
      const answer = await postJson(`${serve.url}/clock/advance`, { by });
      expect(answer.status).toBe(400);
      expect(String(answer.body.message)).toContain('ISO 8601');
    }
  });

  it('loads products through the catalog handler, with its validation', async () => {
    const bad = await postJson(`${serve.url}/products`, { products: [{ id: 'p' }] });
    expect(bad.status).toBe(400);
    const good = await postJson(`${serve.url}/products`, {
      products: [
        {
          id: 'coffee-1kg',
          name: 'Coffee 1 kg',
          price: 20,
          currency: 'EUR',
          imageUrl: 'https://shop.example/c.jpg',
          url: 'https://shop.example/c',
          replenishmentDays: 30,
        },
      ],
    });
    expect(good).toMatchObject({ status: 200, body: { received: 1, replenishable: 1 } });
  });

  it('takes events from the real @segment/analytics-node client and acts on them', async () => {
    const analytics = new Analytics({
      writeKey: 'test-write-key',
      host: serve.url,
      flushAt: 3,
      maxRetries: 0,
    });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.identify({
      userId: 'seg-omar',
      traits: { email: 'omar@example.com', first_name: 'Omar', consent: { email: true } },
      context: { locale: 'en-GB', timezone: 'Europe/London' },
    });
    analytics.track({ userId: 'seg-omar', event: 'Signed Up', properties: { method: 'newsletter' } });
    analytics.track({
      userId: 'seg-omar',
      event: 'Order Completed',
      properties: {
        order_id: 'o-77',
        total: 40,
        currency: 'eur',
        products: [{ product_id: 'coffee-1kg', quantity: 2, price: 20 }],
      },
    });
    analytics.track({ userId: 'seg-omar', event: 'Newsletter Opened' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(failures).toEqual([]);

    const view = (await getJson(`${serve.url}/api/customers/seg-omar`)) as {
      profile: Record<string, unknown>;
      events: { type: string; properties: Record<string, unknown> }[];
      executions: { journeyId: string }[];
    };
    expect(view.profile).toMatchObject({ email: 'omar@example.com', firstName: 'Omar', locale: 'en-GB' });
    expect(view.events.map((e) => e.type).sort()).toEqual(['order_placed', 'profile_updated', 'signed_up']);
    expect(view.events.find((e) => e.type === 'order_placed')?.properties).toEqual({
      orderId: 'o-77',
      items: [{ productId: 'coffee-1kg', quantity: 2, price: 20 }],
      total: 40,
      currency: 'EUR',
    });
    // The sign-up entered the welcome journey; the order the replenishment reminder for its
    // product and the review request.
    expect(view.executions.map((e) => e.journeyId).sort()).toEqual([
      'replenishment-reminder',
      'review-request',
      'welcome',
    ]);
  });

  it('refuses Segment calls without the configured write key', async () => {
    const message = { userId: 'u', event: 'Signed Up', messageId: 'm-1' };
    const none = await postJson(`${serve.url}/v1/track`, message);
    expect(none.status).toBe(401);
    const wrong = await postJson(`${serve.url}/v1/track`, message, {
      authorization: `Basic ${Buffer.from('other-key:').toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
  });

  it('answers a Segment batch with what became of each message, and 400 when Herald refused one', async () => {
    const auth = { authorization: `Basic ${Buffer.from('test-write-key:').toString('base64')}` };
    const answer = await postJson(
      `${serve.url}/v1/batch`,
      {
        batch: [
          {
            type: 'track',
            event: 'Product Viewed',
            userId: 'seg-lea',
            messageId: 'b-1',
            properties: { product_id: 'coffee-1kg' },
          },
          { type: 'page', userId: 'seg-lea', messageId: 'b-2', name: 'Home' },
          { type: 'track', event: 'Signed Up', anonymousId: 'anon-1', messageId: 'b-3' },
          {
            type: 'track',
            event: 'Order Completed',
            userId: 'seg-lea',
            messageId: 'b-4',
            properties: { order_id: 'o' },
          },
        ],
      },
      auth,
    );
    expect(answer.status).toBe(400);
    const results = answer.body.results as { messageId: string; outcome: string }[];
    expect(results.map((r) => [r.messageId, r.outcome])).toEqual([
      ['b-1', 'accepted'],
      ['b-2', 'ignored'],
      ['b-3', 'refused'],
      ['b-4', 'refused'],
    ]);
  });

  it('stops on SIGTERM: exit code 0, and the port is free again', async () => {
    const port = Number(new URL(serve.url).port);
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('herald serve, sped up', () => {
  it('runs the simulated clock faster than real time (--speed 3600: an hour per second)', async () => {
    const serve = await startServeProcess(['--speed', '3600', '--start', START]);
    try {
      let now = START;
      for (let i = 0; i < 300 && Date.parse(now) < Date.parse(START) + 3_600_000; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        now = String((await getJson(`${serve.url}/clock`)).now);
      }
      expect(Date.parse(now)).toBeGreaterThanOrEqual(Date.parse(START) + 3_600_000);
      expect(await getJson(`${serve.url}/clock`)).toMatchObject({ mode: 'speed', speed: 3600 });
    } finally {
      expect(await serve.stop('SIGINT')).toBe(0);
    }
  });
});

describe('herald serve that cannot start', () => {
  it('says the port is taken in one line and exits 1, having stopped its stand-ins', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
      const run = spawnSync(process.execPath, [bin, 'serve', '--port', String(port)], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        `✗ herald serve did not start: cannot listen on 127.0.0.1:${port}: port ${port} is already in use (choose another with --port, or --port 0 for any free one)`,
      );
    } finally {
      taken.close();
    }
  });

  it('prints the validator’s problems and exits 1 before serving, with no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-serve-'));
    writeFileSync(join(dir, 'typo.journey.json'), '{\n  "id": "typo",\n  "version": 1\n  "steps": {}\n}\n');
    const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
    const run = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--workflows', dir], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('herald serve did not start');
    expect(run.stderr).toContain(`${join(dir, 'typo.journey.json')}:4:3 error json.syntax`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).not.toContain('serving on');
  });
});
