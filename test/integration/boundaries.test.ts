import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StepRequest } from '../../engine/contract.ts';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import { createStepHandler } from '../../functions/handlers/step.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import {
  enrollmentFor,
  failingStore,
  httpEvent,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepDepsWith,
  stepRequest,
} from './support/harness.ts';

const journey = sendJourney('edge', { channels: ['email'] });
const quiet = (service: string) => ({
  logger: createLogger(service, { logLevel: 'SILENT' }),
  metrics: createMetrics(service, { silent: true }),
});

/** A store whose every call fails, as during a DynamoDB outage (the message quotes an address). */
const brokenStore = failingStore('connection reset while writing ann@example.com');

const productView = {
  id: 'e1',
  type: 'product_viewed',
  customerId: 'c1',
  time: '2025-06-02T11:00:00Z',
  properties: { productId: 'p' },
};

/** The real ingest handler over a store that always fails. */
async function brokenIngest(rt: Runtime, logLevel: 'SILENT' | 'ERROR' = 'SILENT') {
  const { createIngestHandler } = await import('../../functions/handlers/ingest.ts');
  return createIngestHandler({
    logger: createLogger('ingest', { logLevel }),
    metrics: createMetrics('ingest', { silent: true }),
    store: brokenStore,
    clock: rt.clock,
    journeys: rt.journeys,
    executions: {
      start: async () => ({ status: 'started', executionArn: '' }),
      stop: async () => {},
      sendTaskSuccess: async () => true,
    },
    config: DEFAULT_POLICY,
  });
}

describe('handler boundaries', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey] });
  });
  afterAll(async () => rt?.stop());

  it('answers garbage step requests with an exit instead of throwing', async () => {
    await expect(rt.step({} as StepRequest)).resolves.toEqual({ outcome: 'exit', reason: 'invalid_request' });
    const unknown = { ...stepRequest(journey, enrollmentFor(journey, 'c1')), journeyId: 'no-such-journey' };
    await expect(rt.step(unknown)).resolves.toEqual({ outcome: 'exit', reason: 'unknown_step' });
    const wrongOp = { ...stepRequest(journey, enrollmentFor(journey, 'c1')), op: 'branch' as const };
    await expect(rt.step(wrongOp)).resolves.toMatchObject({ outcome: 'exit' });
  });

  it('defers a send when storage fails, so the workflow retries later rather than failing', async () => {
    const step = createStepHandler({
      ...quiet('step'),
      ...stepDepsWith(rt, brokenStore),
    });
    const result = await step(stepRequest(journey, enrollmentFor(journey, 'c1')));
    expect(result).toMatchObject({ outcome: 'defer', reason: 'retry' });
  });

  it('answers HTTP requests it cannot serve with 4xx, and unexpected failures with a generic 500', async () => {
    await expect(rt.ingest(httpEvent('POST', {}))).resolves.toMatchObject({ statusCode: 400 });
    await expect(rt.unsubscribe(httpEvent('POST', {}))).resolves.toMatchObject({ statusCode: 400 });
    await expect(rt.unsubscribe({ not: 'http' })).resolves.toMatchObject({ statusCode: 400 });

    const broken = await brokenIngest(rt);
    const response = (await broken(httpEvent('POST', { body: JSON.stringify(productView) }))) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('ann@example.com');
    expect(JSON.parse(response.body)).toEqual({ message: 'Internal Server Error' });
  });

  it('lets an unexpected failure of an EventBridge event escape, so Lambda retries it, and logs what failed', async () => {
    const logged: string[] = [];
    const broken = await brokenIngest(rt, 'ERROR');
    const capture = (...chunks: unknown[]) => {
      logged.push(chunks.map(String).join(' '));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
      vi.spyOn(console, 'error').mockImplementation(capture),
    ];
    try {
      // An error returned as a 500 object would be a successful asynchronous invocation: no retry,
      // no on-failure destination, the event gone.
      await expect(
        broken({ 'detail-type': 'customer event', source: 'shop', detail: productView }),
      ).rejects.toThrow('connection reset');
      await expect(broken(httpEvent('POST', { body: JSON.stringify(productView) }))).resolves.toMatchObject({
        statusCode: 500,
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const errors = logged
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('unhandled error'));
    expect(errors).toHaveLength(2);
    for (const line of errors) {
      expect(JSON.parse(line)).toMatchObject({
        errorName: 'Error',
        errorMessage: expect.stringContaining('connection reset'),
      });
      expect(line).not.toContain('ann@example.com');
    }
  });

  it('keeps a customer with no profile at all out of every channel, with reasons', async () => {
    const result = await rt.step(stepRequest(journey, enrollmentFor(journey, 'c-nobody')));
    expect(result).toMatchObject({ outcome: 'next', detail: { sent: false, skipped: 'no_channel' } });
    const [record] = (await rt.store.listLedger('c-nobody')).filter((r) => r.kind === 'decision');
    expect(record?.reasons).toEqual(['email:invalid_email']);
  });

  it('still sends to a reachable customer after all of the above', async () => {
    await rt.seedProfile(reachableProfile('c-fine'));
    await expect(rt.step(stepRequest(journey, enrollmentFor(journey, 'c-fine')))).resolves.toMatchObject({
      detail: { sent: true },
    });
  });
});
