/**
 * The deployed Segment-compatible route: `POST /v1/batch` through the ingest Lambda, as API Gateway
 * hands it over (payload 2.0, lowercased headers), with Segment's basic-auth write key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, type Runtime, startRuntime } from './support/harness.ts';
import { referenceJourneys } from './support/journeys.ts';

const NOW = '2025-06-02T12:00:00Z';
const WRITE_KEY = 'segment-write-key';
const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
const batch = {
  batch: [
    {
      type: 'identify',
      userId: 'seg-ana',
      messageId: 'm-1',
      timestamp: '2025-06-02T11:58:00Z',
      traits: { email: 'ana@example.com', first_name: 'Ana', consent: { email: true } },
    },
    {
      type: 'track',
      event: 'Signed Up',
      userId: 'seg-ana',
      messageId: 'm-2',
      timestamp: '2025-06-02T11:59:00Z',
    },
    { type: 'page', userId: 'seg-ana', messageId: 'm-3', name: 'Home' },
  ],
};
const post = (path: string, body: unknown, authorization?: string) =>
  httpEvent('POST', {
    path,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  });
const reply = (r: unknown) => {
  const { statusCode, body } = r as { statusCode: number; body: string };
  return { status: statusCode, body: JSON.parse(body) as Record<string, unknown> };
};

describe('the deployed Segment route (ingest Lambda, POST /v1/*)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: referenceJourneys(), now: NOW, segmentWriteKey: WRITE_KEY });
  });
  afterAll(async () => rt?.stop());

  it('answers 401 to a batch with the wrong write key, or none, and writes nothing', async () => {
    const before = await rt.itemCount();
    for (const authorization of [basic('not-the-key'), basic(`${WRITE_KEY}x`), undefined]) {
      const answer = reply(await rt.ingest(post('/v1/batch', batch, authorization)));
      expect(answer.status).toBe(401);
      expect(answer.body.success).toBe(false);
    }
    expect(await rt.itemCount()).toBe(before);
  });

  it('ingests a batch with the right write key and answers each message’s outcome', async () => {
    const answer = reply(await rt.ingest(post('/v1/batch', batch, basic(WRITE_KEY))));
    expect(answer.status).toBe(200);
    const results = answer.body.results as { messageId: string; outcome: string; eventType?: string }[];
    expect(results.map((r) => [r.messageId, r.outcome, r.eventType])).toEqual([
      ['m-1', 'accepted', 'profile_updated'],
      ['m-2', 'accepted', 'signed_up'],
      ['m-3', 'ignored', undefined],
    ]);
    const events = await rt.store.listEvents('seg-ana');
    expect(events.map((e) => e.type).sort()).toEqual(['profile_updated', 'signed_up']);
  });

  it('answers a retried batch as duplicates (the messageId is the event id)', async () => {
    const answer = reply(await rt.ingest(post('/v1/batch', batch, basic(WRITE_KEY))));
    const results = answer.body.results as { outcome: string }[];
    expect(results.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'ignored']);
  });

  it('answers 400 naming the problem when a message cannot be mapped', async () => {
    const anonymous = { type: 'track', event: 'Signed Up', anonymousId: 'a-1', messageId: 'm-9' };
    const answer = reply(await rt.ingest(post('/v1/track', anonymous, basic(WRITE_KEY))));
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.results)).toContain('segment.anonymous');
  });
});

describe('the deployed Segment route without a write key configured', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: referenceJourneys(), now: NOW });
  });
  afterAll(async () => rt?.stop());

  it('refuses every Segment request with 401', async () => {
    const answer = reply(await rt.ingest(post('/v1/batch', batch, basic(''))));
    expect(answer.status).toBe(401);
  });
});
