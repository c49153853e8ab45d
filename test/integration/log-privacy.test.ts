import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { createStepHandler } from '../../functions/handlers/step.ts';
import { createLogger } from '../../functions/observability.ts';
import {
  failingStore,
  httpEvent,
  type Runtime,
  sendJourney,
  startRuntime,
  stepDepsWith,
  stepRequest,
} from './support/harness.ts';

const EMAIL = 'zeynab.private@example.org';
const PHONE_NATIONAL = '(415) 555-0199';
const PHONE = '+14155550199';
const PUSH_TOKEN = 'f'.repeat(64);
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAA-secret-task-token-0123456789';
const journeys = [
  sendJourney('privacy-email', { channels: ['email'] }),
  sendJourney('privacy-sms', { channels: ['sms'] }),
  sendJourney('privacy-push', { channels: ['push'] }),
];

describe('personal data in logs', () => {
  let rt: Runtime;
  const captured: string[] = [];

  beforeAll(async () => {
    rt = await startRuntime({ journeys, now: '2025-06-02T12:00:00Z', logLevel: 'DEBUG' });
    const capture = (chunk: unknown) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        captured.push(args.map(String).join(' '));
      });
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rt?.stop();
  });

  it('never logs an email address, phone number or token across a full run', async () => {
    const signUp: CustomerEvent = {
      id: 'signup-p',
      type: 'signed_up',
      customerId: 'c-private',
      time: '2025-06-02T11:00:00Z',
      properties: {
        profile: {
          email: EMAIL,
          phone: PHONE_NATIONAL,
          country: 'US',
          timeZone: 'Europe/London',
          firstName: 'Zeynab',
          pushToken: { platform: 'APNS', token: PUSH_TOKEN },
          consent: { email: true, sms: true, push: true },
        },
      },
    };
    await rt.ingest(httpEvent('POST', { body: JSON.stringify(signUp) }));
    // Bad input quoting personal data back: refused, and only paths and codes are logged.
    await rt.ingest(httpEvent('POST', { body: JSON.stringify({ ...signUp, id: 'bad', type: EMAIL }) }));
    await rt.ingest(httpEvent('POST', { body: `{"email": "${EMAIL}", ` }));

    const results = [];
    for (const journey of journeys) {
      const enrollment = { ...(JSON.parse(JSON.stringify(signUp)) as CustomerEvent), id: `x-${journey.id}` };
      results.push(
        await rt.step(
          stepRequest(journey, {
            id: `enr-${journey.id}`,
            customerId: 'c-private',
            journeyId: journey.id,
            journeyVersion: 1,
            enteredAt: '2025-06-02T11:00:00Z',
            event: enrollment,
          }),
        ),
      );
    }
    expect(results.map((r) => r.outcome === 'next' && r.detail?.sent)).toEqual([true, true, true]);
    await rt.step({ op: 'send', journeyId: 'privacy-email', enrollment: { email: EMAIL } } as never);

    const [email] = await rt.ses.emails();
    const link =
      email?.headers?.find((h) => h.name === 'List-Unsubscribe')?.value.match(/<(https[^>]+)>/)?.[1] ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    expect(token).not.toBe('');
    await rt.unsubscribe(httpEvent('GET', { query: { token } }));
    await rt.unsubscribe(httpEvent('POST', { query: { token }, body: 'List-Unsubscribe=One-Click' }));
    await rt.unsubscribe(httpEvent('POST', { query: { token: `${token}x` } }));

    await rt.feedback({
      Records: [
        {
          Sns: {
            Message: JSON.stringify({
              originationNumber: PHONE,
              messageBody: 'STOP',
              inboundMessageId: 'in-9',
            }),
          },
        },
      ],
    });
    await rt.feedback({
      'detail-type': 'x',
      source: 'aws.ses',
      detail: {
        eventType: 'Bounce',
        mail: { messageId: email?.messageId, destination: [EMAIL] },
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: EMAIL }] },
      },
    });

    // A failure whose message quotes an address, and a task token passing through a wait.
    const failing = createStepHandler({
      logger: createLogger('step', { logLevel: 'DEBUG' }),
      ...stepDepsWith(rt, failingStore(`cannot reach ${EMAIL} or ${PHONE}`)),
    });
    await failing(
      stepRequest(journeys[0]!, {
        id: 'enr-f',
        customerId: 'c-private',
        journeyId: journeys[0]!.id,
        journeyVersion: 1,
        enteredAt: '2025-06-02T11:00:00Z',
        event: signUp,
      }),
    );
    await rt.step({
      ...stepRequest(
        journeys[0]!,
        {
          id: 'enr-w',
          customerId: 'c-private',
          journeyId: 'privacy-email',
          journeyVersion: 1,
          enteredAt: '2025-06-02T11:00:00Z',
          event: signUp,
        },
        'send',
        'waitForEvent',
      ),
      taskToken: TASK_TOKEN,
    });

    const logs = captured.join('\n');
    expect(logs).toContain('c-private'); // the logs were captured: customer ids are fine
    expect(logs).toContain('step failed');
    for (const secret of [
      EMAIL,
      PHONE,
      PHONE_NATIONAL,
      '4155550199',
      PUSH_TOKEN,
      TASK_TOKEN,
      token,
      'Zeynab',
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
