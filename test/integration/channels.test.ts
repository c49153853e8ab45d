import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const pushFirst = sendJourney('push-first', { channels: ['push', 'email'] });
const smsFirst = sendJourney('sms-first', { channels: ['sms', 'email'] });
const preferred = sendJourney('preferred', { channels: ['preferred', 'email'] });
const receipt = sendJourney('receipt', { channels: ['sms'], category: 'transactional' });
const APNS_TOKEN = 'b'.repeat(64);

describe('channels: providers, fallback and invalid contact data', () => {
  let rt: Runtime;
  beforeAll(async () => {
    // 13:00 in London: outside SMS/push quiet hours.
    rt = await startRuntime({
      journeys: [pushFirst, smsFirst, preferred, receipt],
      now: '2025-06-02T12:00:00Z',
    });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => {
    rt.pinpoint.reset();
    await rt.ses.clear();
  });

  it('sends push through Pinpoint with title, body and deep link', async () => {
    await rt.seedProfile(
      reachableProfile('c-push', { pushTokens: [{ platform: 'GCM', token: 'fcm-token-1' }] }),
    );
    const result = await rt.step(stepRequest(pushFirst, enrollmentFor(pushFirst, 'c-push')));
    expect(result).toMatchObject({ outcome: 'next', detail: { channel: 'push', sent: true } });
    expect(rt.pinpoint.messages).toEqual([
      expect.objectContaining({
        address: 'fcm-token-1',
        channelType: 'GCM',
        title: 'Hello',
        deepLink: 'herald://home',
        deliveryStatus: 'SUCCESSFUL',
      }),
    ]);
  });

  it('moves on to email when push fails permanently, records why, and forgets the dead token', async () => {
    await rt.seedProfile(
      reachableProfile('c-deadtoken', { pushTokens: [{ platform: 'APNS', token: APNS_TOKEN }] }),
    );
    rt.pinpoint.failAddress(APNS_TOKEN, 'PERMANENT_FAILURE', 'Invalid device token');

    const result = await rt.step(stepRequest(pushFirst, enrollmentFor(pushFirst, 'c-deadtoken')));

    expect(result).toMatchObject({ outcome: 'next', detail: { channel: 'email', sent: true } });
    const [record] = (await rt.store.listLedger('c-deadtoken')).filter((r) => r.kind === 'decision');
    expect(record?.attempts).toEqual([
      { channel: 'push', result: 'permanent_failure', reason: 'invalid_push_tokens' },
      expect.objectContaining({ channel: 'email', result: 'sent' }),
    ]);
    expect(record?.reasons).toContain('push:invalid_push_tokens');
    expect((await rt.store.getProfile('c-deadtoken'))?.pushTokens).toEqual([]);
    const caps: unknown[] = [];
    await rt.store.reserveCap('c-deadtoken', (entries) => {
      caps.push(...entries);
      return { result: undefined };
    });
    expect(caps).toEqual([expect.objectContaining({ channel: 'email' })]);
  });

  it('sends SMS as promotional to the E.164 number and records encoding and segments', async () => {
    await rt.seedProfile(reachableProfile('c-sms', { locale: 'fa', firstName: 'Dara' }));
    const result = await rt.step(stepRequest(smsFirst, enrollmentFor(smsFirst, 'c-sms')));
    expect(result).toMatchObject({ outcome: 'next', detail: { channel: 'sms', sent: true } });
    expect(rt.pinpoint.messages).toEqual([
      expect.objectContaining({
        address: '+14155550123',
        channelType: 'SMS',
        smsMessageType: 'PROMOTIONAL',
        body: 'سلام Dara',
      }),
    ]);
    const [record] = (await rt.store.listLedger('c-sms')).filter((r) => r.kind === 'decision');
    expect(record).toMatchObject({ channel: 'sms', locale: 'fa', sms: { encoding: 'UCS-2', segments: 1 } });
  });

  it('sends transactional SMS as TRANSACTIONAL, without marketing consent', async () => {
    await rt.seedProfile(reachableProfile('c-receipt', { consent: {} }));
    const result = await rt.step(stepRequest(receipt, enrollmentFor(receipt, 'c-receipt')));
    expect(result).toMatchObject({ detail: { channel: 'sms', sent: true } });
    expect(rt.pinpoint.messages).toEqual([expect.objectContaining({ smsMessageType: 'TRANSACTIONAL' })]);
  });

  it('defers a throttled send on the same channel, never falls through, and sends it once when retried', async () => {
    await rt.seedProfile(reachableProfile('c-throttle'));
    rt.pinpoint.throttleNext(1);
    const request = stepRequest(smsFirst, enrollmentFor(smsFirst, 'c-throttle'));

    const first = await rt.step(request);
    expect(first).toMatchObject({ outcome: 'defer', reason: 'retry', detail: { channel: 'sms' } });
    // One HTTP attempt (no SDK retry), and no email instead.
    expect(rt.pinpoint.requests.map((r) => r.httpStatus)).toEqual([429]);
    expect(await rt.ses.emails()).toHaveLength(0);

    if (first.outcome !== 'defer') throw new Error('unreachable');
    const now = rt.clock.now().toISOString();
    rt.clock.set(first.until);
    const second = await rt.step(request);
    rt.clock.set(now);
    expect(second).toMatchObject({ outcome: 'next', detail: { channel: 'sms', sent: true } });
    expect(rt.pinpoint.messages.filter((m) => m.deliveryStatus === 'SUCCESSFUL')).toHaveLength(1);
    expect(await rt.ses.emails()).toHaveLength(0);
  });

  it('records a 5xx from the provider as unknown, without resending or falling through to email', async () => {
    await rt.seedProfile(reachableProfile('c-outage'));
    rt.pinpoint.failNext(10);
    const result = await rt.step(stepRequest(smsFirst, enrollmentFor(smsFirst, 'c-outage')));
    expect(result).toMatchObject({ outcome: 'next', detail: { skipped: 'outcome_unknown' } });
    expect(rt.pinpoint.requests).toHaveLength(1);
    expect(await rt.ses.emails()).toHaveLength(0);
    const [record] = (await rt.store.listLedger('c-outage')).filter((r) => r.kind === 'decision');
    expect(record).toMatchObject({ outcome: 'unknown', channel: 'sms' });
    expect(record?.attempts).toEqual([
      { channel: 'sms', result: 'in_doubt', reason: 'InternalServerErrorException' },
    ]);
  });

  it('skips an invalid email and an invalid phone with recorded reasons', async () => {
    await rt.seedProfile(reachableProfile('c-invalid', { email: 'not-an-email', phone: '12' }));
    const result = await rt.step(stepRequest(smsFirst, enrollmentFor(smsFirst, 'c-invalid')));
    expect(result).toEqual({ outcome: 'next', next: 'done', detail: { sent: false, skipped: 'no_channel' } });
    const [record] = (await rt.store.listLedger('c-invalid')).filter((r) => r.kind === 'decision');
    expect(record?.reasons).toEqual(['sms:invalid_phone', 'email:invalid_email']);
    expect(rt.pinpoint.messages).toHaveLength(0);
    expect(await rt.ses.emails()).toHaveLength(0);
  });

  it('falls back to UTC for an invalid time zone and records the fallback', async () => {
    await rt.seedProfile(reachableProfile('c-zone', { timeZone: 'Mars/Olympus_Mons' }));
    await rt.step(stepRequest(smsFirst, enrollmentFor(smsFirst, 'c-zone')));
    const [record] = (await rt.store.listLedger('c-zone')).filter((r) => r.kind === 'decision');
    expect(record).toMatchObject({ zone: 'UTC', outcome: 'sent' });
    expect(record?.reasons).toContain('zone:invalid_time_zone');
  });

  it('uses the channel the customer engages with most when no preference is stated', async () => {
    await rt.seedProfile(
      reachableProfile('c-engaged', {
        engagement: { push: { opens: 5, clicks: 2 }, email: { opens: 1, clicks: 0 } },
      }),
    );
    const result = await rt.step(stepRequest(preferred, enrollmentFor(preferred, 'c-engaged')));
    expect(result).toMatchObject({ detail: { channel: 'push', sent: true } });
  });
});
