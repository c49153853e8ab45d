/**
 * The export of a fixture customer who has every kind of item CUSTOMER_DATA lists (profile, events,
 * enrolments, a wait token, send claims, caps, a message as sent, its open, the message and phone
 * indexes, the ledger), made by the running system; and `herald customer export|erase` against it.
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerCustomer } from '../../cli/commands/customer.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { liveKinds } from '../../engine/privacy/customer-data.ts';
import { CustomerExport } from '../../engine/privacy/export.ts';
import type { StoredEmail } from '../../local/standins/index.ts';
import { LOCAL_PRIVACY_KEY, type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { runCommand, written } from '../helpers/cli.ts';
import { scanTable } from './support/local-system.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const at = (ms: number) => new Date(START.getTime() + ms);
const ID = 'fixture-1';
const EMAIL = 'fixture-1@example.com';
const PHONE = '+447700900777';
const TOKEN = 'push-token-fixture-1-abcdef0123456789';

const events: CustomerEvent[] = [
  {
    id: 'signup-fixture',
    type: 'signed_up',
    customerId: ID,
    time: at(MINUTE).toISOString(),
    properties: {
      profile: {
        email: EMAIL,
        phone: PHONE,
        firstName: 'Farida',
        locale: 'en',
        timeZone: 'Europe/London',
        pushToken: { platform: 'GCM', token: TOKEN },
        consent: { email: true, sms: true, push: true },
      },
    },
  },
  {
    id: 'cart-fixture',
    type: 'cart_updated',
    customerId: ID,
    time: at(2 * MINUTE).toISOString(),
    properties: {
      cartId: 'cart-1',
      items: [{ productId: 'sku-1', quantity: 1, price: 10 }],
      total: 10,
      currency: 'EUR',
      cartUrl: 'https://shop.example/cart',
    },
  },
  {
    id: 'unsub-fixture',
    type: 'unsubscribed',
    customerId: ID,
    time: at(15 * MINUTE).toISOString(),
    properties: { channel: 'sms' },
  },
];

function sesOpen(messageId: string, time: Date) {
  return {
    version: '0',
    'detail-type': 'Email Open',
    source: 'aws.ses',
    detail: {
      eventType: 'Open',
      mail: { messageId, timestamp: at(MINUTE).toISOString(), tags: {} },
      open: { timestamp: time.toISOString() },
    },
  };
}

describe('exporting a customer who has every kind of item', () => {
  let system: LocalSystem;
  let document: CustomerExport;
  let items: Record<string, unknown>[];
  let welcome: StoredEmail | undefined;

  beforeAll(async () => {
    system = await startLocalSystem({ start: START, validateDefinitions: false, dynamo: 'loopback' });
    const sys = system;
    for (const event of events) sys.clock.at(new Date(event.time), () => sys.ingest(event), ID);
    sys.clock.at(at(10 * MINUTE), async () => {
      welcome = (await sys.stack.ses!.emails()).find((e) =>
        e.destination.to.some((to) => to.includes(EMAIL)),
      );
      await sys.feedback(sesOpen(welcome!.messageId, at(10 * MINUTE)));
    });
    // Inside the cart journey's one-hour wait for an order: its task token is stored.
    await sys.clock.run({ until: at(30 * MINUTE) });
    const response = await sys.clock.track(() => sys.exportCustomer(ID));
    expect(response.statusCode).toBe(200);
    document = JSON.parse(response.body!);
    items = await scanTable(sys);
  }, 120_000);
  afterAll(async () => system?.stop());

  it('starts from a fixture that holds an item of every live kind of customer data', () => {
    const prefixes: Record<string, (i: { pk: string; sk: string }) => boolean> = {
      enrolments: (i) => i.pk === `C#${ID}` && i.sk.startsWith('ENROLL#'),
      waitTokens: (i) => i.pk === `C#${ID}` && i.sk.startsWith('WAIT#'),
      sendClaims: (i) => i.pk === `SEND#${ID}` && i.sk.startsWith('STEP#'),
      caps: (i) => i.pk === `SEND#${ID}` && i.sk === 'CAPS',
      events: (i) => i.pk === `C#${ID}` && i.sk.startsWith('EVENT#'),
      engagement: (i) => i.pk === `C#${ID}` && i.sk.startsWith('ENGAGED#'),
      messages: (i) => i.pk === `C#${ID}` && i.sk.startsWith('MESSAGE#'),
      messageIndex: (i) => i.pk === `MSG#${welcome?.messageId}`,
      phoneIndex: (i) => i.pk === `PHONE#${PHONE}`,
      ledger: (i) => i.pk === `C#${ID}` && i.sk.startsWith('LEDGER#'),
      profile: (i) => i.pk === `C#${ID}` && i.sk === 'PROFILE',
    };
    // Not in this Standard-mode fixture, and not yet in the export document (known gap): scale-mode
    // runs and conversions. Their erasure is proven in privacy-erase-scale.test.ts and
    // privacy-conversions.test.ts.
    const notInFixture = new Set(['runs', 'conversions']);
    for (const { kind } of liveKinds().filter((k) => !notInFixture.has(k.kind))) {
      expect(prefixes[kind], kind).toBeDefined();
      expect(
        items.some((i) => prefixes[kind]!(i as { pk: string; sk: string })),
        kind,
      ).toBe(true);
    }
  });

  it('keeps no address and no content in the ledger: channel, step, variant, reasons and the provider id only', () => {
    const ledger = items.filter((i) => i.pk === `C#${ID}` && String(i.sk).startsWith('LEDGER#'));
    const sent = ledger.map((i) => i.record as Record<string, unknown>).find((r) => r.outcome === 'sent');
    expect(sent).toMatchObject({
      channel: 'email',
      stepId: 'send-welcome',
      providerMessageId: welcome!.messageId,
    });
    expect((sent!.reasons as string[]).length).toBeGreaterThan(0);
    for (const item of ledger) {
      const text = JSON.stringify(item);
      for (const personal of [EMAIL, PHONE, TOKEN, 'Farida', welcome!.subject])
        expect(text).not.toContain(personal);
    }
  });

  it('is one document of the documented shape', () => {
    expect(Value.Check(CustomerExport, document)).toBe(true);
    expect(document.format).toBe('herald.customer-export/1');
  });

  it('holds the profile, every event and every journey they entered', () => {
    expect(document.profile).toMatchObject({ id: ID, email: EMAIL, phone: PHONE, firstName: 'Farida' });
    expect(document.events.map((e) => (e as CustomerEvent).id)).toEqual(events.map((e) => e.id));
    expect(document.journeys.map((j) => j.journeyId).sort()).toEqual(['cart-abandonment', 'welcome']);
  });

  it('holds the message as the customer received it, with when they opened it', () => {
    const message = document.messages.find((m) => m.stepId === 'send-welcome');
    expect(message).toMatchObject({
      channel: 'email',
      journeyId: 'welcome',
      providerMessageId: welcome!.messageId,
    });
    // As sent: the SES stand-in's own copy of the email has the same subject and text.
    expect(message!.subject).toBe(welcome!.subject);
    expect(welcome!.body.text?.trim()).toBe(message!.body.trim());
    expect(message!.openedAt).toBe(at(10 * MINUTE).toISOString());
  });

  it('holds every decision with its reasons, and the consent history', () => {
    const sent = document.decisions.find((d) => d.kind === 'decision' && d.outcome === 'sent');
    expect(sent).toMatchObject({ journeyId: 'welcome', stepId: 'send-welcome', channel: 'email' });
    expect(sent!.reasons.length).toBeGreaterThan(0);
    expect(document.decisions.some((d) => d.kind === 'feedback' && d.outcome === 'opened')).toBe(true);
    expect(document.consentHistory).toEqual(
      expect.arrayContaining([
        { at: at(MINUTE).toISOString(), channel: 'email', status: 'opted_in', source: 'signed_up' },
        {
          at: at(15 * MINUTE).toISOString(),
          channel: 'sms',
          status: 'opted_out',
          source: 'unsubscribed_event',
        },
      ]),
    );
  });

  it('names the kinds it keeps but does not export (task tokens, send claims, indexes)', () => {
    expect(document.notHeld.map((n) => n.split(':')[0])).toEqual(
      expect.arrayContaining(['waitTokens', 'sendClaims', 'caps', 'messageIndex', 'phoneIndex']),
    );
    // A task token is a credential for the waiting execution, not a fact about the customer.
    const wait = items.find((i) => String(i.sk).startsWith('WAIT#')) as { taskToken: string } | undefined;
    expect(wait?.taskToken).toEqual(expect.any(String));
    expect(JSON.stringify(document)).not.toContain(wait!.taskToken);
  });

  describe('herald customer', () => {
    // The files of one worker share its process (vitest.config.ts): the stubs end with each test.
    afterEach(() => vi.unstubAllEnvs());
    beforeEach(() => {
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
      vi.stubEnv('AWS_SESSION_TOKEN', '');
      vi.stubEnv('AWS_PROFILE', '');
      vi.stubEnv('AWS_REGION', 'eu-west-1');
      vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    });
    const local = () => [
      '--table',
      system.stack.dynamo.tableName,
      '--endpoint',
      system.stack.dynamo.endpoint,
      '--privacy-key',
      LOCAL_PRIVACY_KEY,
    ];

    it('exports the same document as GET /customers/{id}/export', async () => {
      const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
      await runCommand(registerCustomer, 'customer', 'export', ID, ...local());
      expect(process.exitCode ?? 0).toBe(0);
      const printed = JSON.parse(written(stdout)) as CustomerExport;
      expect({ ...printed, exportedAt: '' }).toEqual({ ...document, exportedAt: '' });
    });

    it('refuses to erase without knowing where the runs to stop are, and names the option', async () => {
      const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
      await runCommand(registerCustomer, 'customer', 'erase', ID, ...local());
      expect(process.exitCode).toBe(1);
      expect(written(stderr)).toContain('--state-machine-prefix');
      process.exitCode = 0;
    });
  });
});
