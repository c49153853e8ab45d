import type { SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { httpEvent, type Runtime, startRuntime, stepRequest } from './support/harness.ts';
import { referenceJourneys } from './support/journeys.ts';

const journeys = referenceJourneys();
const welcome = journeys.find((j) => j.id === 'welcome');
if (!welcome) throw new Error('welcome journey missing');

describe('the step Lambda on the reference welcome journey', () => {
  let rt: Runtime;
  const sent: SendEmailCommandInput[] = [];

  beforeAll(async () => {
    rt = await startRuntime({ journeys, now: '2025-06-02T12:00:00Z' });
    rt.sesClient.middlewareStack.add(
      (next) => async (args) => {
        sent.push(args.input as SendEmailCommandInput);
        return next(args);
      },
      { step: 'initialize', name: 'captureSendEmail' },
    );
  });
  afterAll(async () => rt?.stop());

  async function enrol(customerId: string, locale: string, timeZone: string) {
    const event: CustomerEvent = {
      id: `signup-${customerId}`,
      type: 'signed_up',
      customerId,
      time: '2025-06-02T11:59:00Z',
      properties: {
        profile: {
          email: `${customerId}@example.com`,
          firstName: 'Dara',
          locale,
          timeZone,
          consent: { email: true },
        },
      },
    };
    await rt.ingest(httpEvent('POST', { body: JSON.stringify(event) }));
    const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
    return JSON.parse(execution?.input ?? '{}').enrollment;
  }

  it('answers a send into a local-time wait with that wait’s timestamp (the next 10:00 local after two days)', async () => {
    const enrollment = await enrol('c-tehran', 'fa', 'Asia/Tehran');
    const result = await rt.step(stepRequest(welcome, enrollment, 'send-welcome'));
    // Now is 15:30 in Tehran (UTC+03:30); two days later is 15:30 on the 4th, so the next 10:00 is on the 5th.
    expect(result).toEqual({
      outcome: 'next',
      next: 'wait-two-days',
      until: '2025-06-05T06:30:00.000Z',
      detail: { channel: 'email', sent: true },
    });
  });

  it('sends Persian email right-to-left with lang, through the configuration set, tagged for attribution', async () => {
    const email = (await rt.ses.emails()).find((e) => e.destination.to.includes('c-tehran@example.com'));
    expect(email?.body.html).toMatch(/<html lang="fa" dir="rtl">/);
    const input = sent.find((i) => i.Destination?.ToAddresses?.includes('c-tehran@example.com'));
    expect(input?.ConfigurationSetName).toBe('herald');
    expect(input?.EmailTags).toEqual([
      { Name: 'journey', Value: 'welcome' },
      { Name: 'version', Value: String(welcome.version) },
      { Name: 'step', Value: 'send-welcome' },
      { Name: 'variant', Value: 'none' },
      // The run (the execution's name): what tells two runs of a re-entering journey apart at the recipient.
      { Name: 'run', Value: expect.stringMatching(/^welcome-v\d+-[0-9a-f]{32}$/) },
    ]);
  });

  it('branches on behaviour since entry, reading fresh history', async () => {
    const enrollment = await enrol('c-buyer', 'en', 'Europe/London');
    rt.clock.set('2025-06-04T09:00:00Z');
    expect(await rt.step(stepRequest(welcome, enrollment, 'check-first-order', 'branch'))).toMatchObject({
      outcome: 'next',
      next: 'send-first-order-offer',
    });
    await rt.ingest(
      httpEvent('POST', {
        body: JSON.stringify({
          id: 'o-1',
          type: 'order_placed',
          customerId: 'c-buyer',
          time: '2025-06-03T10:00:00Z',
          properties: {
            orderId: 'o-1',
            items: [{ productId: 'p', quantity: 1 }],
            total: 20,
            currency: 'EUR',
          },
        }),
      }),
    );
    expect(await rt.step(stepRequest(welcome, enrollment, 'check-first-order', 'branch'))).toMatchObject({
      outcome: 'next',
      next: 'send-thank-you',
      detail: { branch: 'ordered' },
    });
  });

  it('computes a wait’s timestamp for the schedule op', async () => {
    // The sign-up must arrive when it happens: one two days old is a backfill and starts nothing.
    rt.clock.set('2025-06-02T12:00:00Z');
    const enrollment = await enrol('c-kolkata', 'en', 'Asia/Kolkata');
    expect(await rt.step(stepRequest(welcome, enrollment, 'wait-two-days', 'schedule'))).toEqual({
      outcome: 'wait',
      until: '2025-06-05T04:30:00.000Z',
    });
  });
});
