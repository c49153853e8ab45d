import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import { SesEmailSender } from '../../functions/adapters/ses-email.ts';
import { createStepHandler } from '../../functions/handlers/step.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import type { Store } from '../../functions/ports.ts';
import { signUnsubscribeToken } from '../../functions/unsubscribe-token.ts';
import {
  enrollmentFor,
  httpEvent,
  type Runtime,
  reachableProfile,
  SECRET,
  sendJourney,
  startRuntime,
  stepRequest,
  UNSUBSCRIBE_URL,
} from './support/harness.ts';

const journey = sendJourney('newsletter', { channels: ['email'] });

async function sendTo(rt: Runtime, customerId: string, eventId = 'e1') {
  return rt.step(stepRequest(journey, enrollmentFor(journey, customerId, eventId)));
}

describe('one-click unsubscribe', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey] });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => rt.ses.clear());

  it('sends emails with RFC 8058 headers whose link unsubscribes exactly that customer', async () => {
    await rt.seedProfile(reachableProfile('c-ann', { email: 'ann@example.com' }));
    await rt.seedProfile(reachableProfile('c-bob', { email: 'bob@example.com' }));
    await sendTo(rt, 'c-ann');
    await sendTo(rt, 'c-bob');

    const emails = await rt.ses.emails();
    const ann = emails.find((e) => e.destination.to.includes('ann@example.com'));
    const header = (name: string) =>
      ann?.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = header('List-Unsubscribe') ?? '';
    const [https, mailto] = [...listUnsubscribe.matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? '');
    expect(https?.startsWith(`${UNSUBSCRIBE_URL}?token=`)).toBe(true);
    expect(mailto?.startsWith('mailto:unsubscribe@herald.test?subject=')).toBe(true);
    expect(ann?.body.html).toContain(https?.replaceAll('&', '&amp;'));

    const url = new URL(https ?? '');
    const response = await rt.unsubscribe(
      httpEvent('POST', {
        query: { token: url.searchParams.get('token') ?? '' },
        body: 'List-Unsubscribe=One-Click',
      }),
    );

    expect(response.statusCode).toBe(200);
    expect((await rt.store.getProfile('c-ann'))?.consent?.email).toMatchObject({
      status: 'opted_out',
      source: 'unsubscribe_link',
    });
    expect((await rt.store.getProfile('c-bob'))?.consent?.email?.status).toBe('opted_in');
  });

  it('never emails an unsubscribed customer afterwards, and says why in the ledger', async () => {
    await rt.seedProfile(reachableProfile('c-gone'));
    const token = signUnsubscribeToken(
      { customerId: 'c-gone', channel: 'email', scope: 'all', exp: 4_000_000_000 },
      SECRET,
    );
    await rt.unsubscribe(httpEvent('POST', { query: { token }, body: 'List-Unsubscribe=One-Click' }));

    const result = await sendTo(rt, 'c-gone', 'later');

    expect(result).toEqual({ outcome: 'next', next: 'done', detail: { sent: false, skipped: 'no_channel' } });
    expect(await rt.ses.emails()).toHaveLength(0);
    const [record] = (await rt.store.listLedger('c-gone')).filter((r) => r.kind === 'decision');
    expect(record?.reasons).toEqual(['email:opted_out']);
  });

  it('does not send when the unsubscribe lands while the step is deciding', async () => {
    await rt.seedProfile(reachableProfile('c-late'));
    const token = signUnsubscribeToken(
      { customerId: 'c-late', channel: 'email', scope: 'all', exp: 4_000_000_000 },
      SECRET,
    );
    let reads = 0;
    // The decision's read (profile, product and cap window in one request) returns the opted-in
    // profile; the customer unsubscribes right after it.
    const racingStore = new Proxy(rt.store, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop !== 'readDecisionItems') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<Store['readDecisionItems']>) => {
          const items = await target.readDecisionItems(...args);
          if (++reads === 1)
            await rt.unsubscribe(httpEvent('POST', { query: { token }, body: 'List-Unsubscribe=One-Click' }));
          return items;
        };
      },
    }) as Store;
    const sesClient = new SESv2Client(rt.ses.clientConfig);
    const step = createStepHandler({
      store: racingStore,
      clock: rt.clock,
      journeys: rt.journeys,
      config: DEFAULT_POLICY,
      email: new SesEmailSender({ client: sesClient, from: 'news@herald.test' }),
      messaging: {
        sendSms: async () => ({ status: 'permanent_failure', reason: 'unused' }),
        sendPush: async () => ({ status: 'permanent_failure', reason: 'unused' }),
      },
      unsubscribe: { baseUrl: UNSUBSCRIBE_URL, secrets: [SECRET] },
      logger: createLogger('step', { logLevel: 'SILENT' }),
      metrics: createMetrics('step', { silent: true }),
    });

    const result = await step(stepRequest(journey, enrollmentFor(journey, 'c-late')));
    sesClient.destroy();

    expect(result).toMatchObject({ outcome: 'next', detail: { sent: false, skipped: 'no_channel' } });
    expect(await rt.ses.emails()).toHaveLength(0);
    const [record] = (await rt.store.listLedger('c-late')).filter((r) => r.kind === 'decision');
    expect(record?.outcome).toBe('skipped');
    expect(record?.attempts).toEqual([{ channel: 'email', result: 'not_allowed', reason: 'opted_out' }]);
  });

  it('shows a confirmation page on GET and changes nothing', async () => {
    await rt.seedProfile(reachableProfile('c-look'));
    const token = signUnsubscribeToken(
      { customerId: 'c-look', channel: 'email', scope: 'all', exp: 4_000_000_000 },
      SECRET,
    );
    const response = await rt.unsubscribe(httpEvent('GET', { query: { token } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post"');
    expect((await rt.store.getProfile('c-look'))?.consent?.email?.status).toBe('opted_in');
  });

  it.each([
    [
      'forged with another key',
      () =>
        signUnsubscribeToken(
          { customerId: 'c-target', channel: 'email', scope: 'all', exp: 4_000_000_000 },
          'wrong',
        ),
      403,
    ],
    [
      'altered to name another customer',
      () => {
        const [v, , sig] = signUnsubscribeToken(
          { customerId: 'c-other', channel: 'email', scope: 'all', exp: 4_000_000_000 },
          SECRET,
        ).split('.');
        const payload = Buffer.from(JSON.stringify(['c-target', 'email', 'all', 4_000_000_000])).toString(
          'base64url',
        );
        return `${v}.${payload}.${sig}`;
      },
      403,
    ],
    [
      'expired',
      () =>
        signUnsubscribeToken({ customerId: 'c-target', channel: 'email', scope: 'all', exp: 1_000 }, SECRET),
      410,
    ],
    ['garbage', () => 'not-a-token', 400],
  ])('rejects a token %s with 4xx and changes nothing', async (_name, make, status) => {
    await rt.seedProfile(reachableProfile('c-target'));
    const before = await rt.itemCount();
    const response = await rt.unsubscribe(
      httpEvent('POST', { query: { token: make() }, body: 'List-Unsubscribe=One-Click' }),
    );
    expect(response.statusCode).toBe(status);
    expect((await rt.store.getProfile('c-target'))?.consent?.email?.status).toBe('opted_in');
    expect(await rt.itemCount()).toBe(before);
  });
});
