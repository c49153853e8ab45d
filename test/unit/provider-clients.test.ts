import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDER_TIMEOUTS } from '../../functions/adapters/provider-clients.ts';
import { classifyProviderError } from '../../functions/adapters/provider-errors.ts';
import { stepDepsFromEnv } from '../../functions/env.ts';

/** What the deployed step Lambda builds: its SES and Pinpoint clients, read back from their config. */
async function deployedProviderClients() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-env-'));
  writeFileSync(join(dir, 'journeys.json'), '[]');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'herald',
    JOURNEYS_FILE: join(dir, 'journeys.json'),
    EMAIL_FROM: 'Herald <news@example.com>',
    PINPOINT_APP_ID: 'app',
    UNSUBSCRIBE_URL: 'https://herald.example/u',
    UNSUBSCRIBE_SECRET: 'secret',
  });
  const deps = await stepDepsFromEnv();
  const clientOf = (sender: unknown) =>
    (sender as { options: { client: SESv2Client | PinpointClient } }).options.client;
  return { ses: clientOf(deps.email), pinpoint: clientOf(deps.messaging) };
}

describe('provider clients for sends', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('make exactly one attempt per SendEmail and SendMessages: the SDK never retries a send', async () => {
    const { ses, pinpoint } = await deployedProviderClients();
    expect(ses).toBeInstanceOf(SESv2Client);
    expect(pinpoint).toBeInstanceOf(PinpointClient);
    for (const client of [ses, pinpoint]) expect(await client.config.maxAttempts()).toBe(1);
  });

  it('end a hung call with an error, well inside the step claim lease (5 minutes)', async () => {
    const { ses, pinpoint } = await deployedProviderClients();
    for (const client of [ses, pinpoint]) {
      const handler = client.config.requestHandler as unknown as {
        configProvider: Promise<Record<string, unknown>>;
      };
      expect(await handler.configProvider).toMatchObject({
        connectionTimeout: PROVIDER_TIMEOUTS.connectionTimeoutMs,
        requestTimeout: PROVIDER_TIMEOUTS.requestTimeoutMs,
        throwOnRequestTimeout: true,
      });
    }
    expect(PROVIDER_TIMEOUTS.connectionTimeoutMs + PROVIDER_TIMEOUTS.requestTimeoutMs).toBeLessThan(
      5 * 60_000,
    );
  });
});

describe('what a failed provider call proves', () => {
  const sdkError = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(name), {
      name,
      ...(status ? { $metadata: { httpStatusCode: status } } : {}),
      ...extra,
    });

  it.each([
    [
      'SES throttling (TooManyRequestsException, 429)',
      sdkError('TooManyRequestsException', 429),
      'retry_later',
    ],
    [
      'SES sending quota (LimitExceededException, 400)',
      sdkError('LimitExceededException', 400),
      'retry_later',
    ],
    ['a Throttling error code', sdkError('ThrottlingException', 400), 'retry_later'],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'retry_later'],
    [
      'the connect timeout (nothing written)',
      Object.assign(
        new Error(
          'the request socket did not establish a connection with the server within the configured timeout of 3000 ms.',
        ),
        { name: 'TimeoutError' },
      ),
      'retry_later',
    ],
    ['SES MessageRejected (400)', sdkError('MessageRejected', 400), 'rejected'],
    ['Pinpoint BadRequestException (400)', sdkError('BadRequestException', 400), 'rejected'],
    ['SES AccountSuspendedException (400)', sdkError('AccountSuspendedException', 400), 'rejected'],
    [
      'a 500 after the request was written',
      sdkError('InternalFailure', 500, { $fault: 'server' }),
      'in_doubt',
    ],
    ['a 503', sdkError('ServiceUnavailable', 503, { $fault: 'server' }), 'in_doubt'],
    [
      'a reset connection',
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }),
      'in_doubt',
    ],
    [
      'the request timeout (request written, no answer)',
      Object.assign(new Error('a request has exceeded the configured 10000 ms requestTimeout.'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
      'in_doubt',
    ],
    ['an error nobody recognises', new Error('boom'), 'in_doubt'],
    ['a thrown string', 'boom', 'in_doubt'],
  ])('%s → %s', (_name, error, verdict) => {
    expect(classifyProviderError(error).verdict).toBe(verdict);
  });
});
