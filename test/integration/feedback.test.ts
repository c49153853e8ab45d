import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const emailJourney = sendJourney('fb-email', { channels: ['email'] });
const smsJourney = sendJourney('fb-sms', { channels: ['sms', 'email'] });
const pushJourney = sendJourney('fb-push', { channels: ['push'] });

function sesEvent(eventType: string, messageId: string, extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    'detail-type': `Email ${eventType}`,
    source: 'aws.ses',
    detail: { eventType, mail: { messageId, timestamp: '2025-06-02T12:00:00.000Z', tags: {} }, ...extra },
  };
}

describe('delivery feedback', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [emailJourney, smsJourney, pushJourney] });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => {
    rt.pinpoint.reset();
    await rt.ses.clear();
  });

  async function sentEmailId(customerId: string, eventId = 'e1'): Promise<string> {
    await rt.step(stepRequest(emailJourney, enrollmentFor(emailJourney, customerId, eventId)));
    const [record] = (await rt.store.listLedger(customerId)).filter(
      (r) => r.kind === 'decision' && r.outcome === 'sent',
    );
    if (!record?.providerMessageId) throw new Error('no email was sent');
    return record.providerMessageId;
  }

  it('suppresses email after a permanent bounce; the next send skips email with the reason', async () => {
    await rt.seedProfile(reachableProfile('c-bounce'));
    const messageId = await sentEmailId('c-bounce');

    const summary = await rt.feedback(
      sesEvent('Bounce', messageId, {
        bounce: { bounceType: 'Permanent', timestamp: '2025-06-02T12:01:00.000Z' },
      }),
    );

    expect(summary).toEqual({ applied: 1, ignored: 0, unattributed: 0 });
    expect((await rt.store.getProfile('c-bounce'))?.suppressed?.email).toEqual({
      reason: 'hard_bounce',
      at: '2025-06-02T12:01:00.000Z',
    });
    await rt.ses.clear();
    const next = await rt.step(stepRequest(emailJourney, enrollmentFor(emailJourney, 'c-bounce', 'e2')));
    expect(next).toMatchObject({ detail: { sent: false, skipped: 'no_channel' } });
    expect(await rt.ses.emails()).toHaveLength(0);
    const ledger = await rt.store.listLedger('c-bounce');
    expect(ledger.find((r) => r.kind === 'feedback')).toMatchObject({
      outcome: 'bounced',
      journeyId: 'fb-email',
      stepId: 'send',
      providerMessageId: messageId,
    });
    expect(ledger.filter((r) => r.kind === 'decision').at(-1)?.reasons).toEqual([
      'email:suppressed:hard_bounce',
    ]);
  });

  it('records a delivery or a soft bounce without reading the profile; an open reads it and counts', async () => {
    await rt.seedProfile(reachableProfile('c-delivered'));
    const messageId = await sentEmailId('c-delivered');
    const profileBefore = await rt.store.getProfile('c-delivered');
    const profileReads = async (event: unknown) => {
      const before = rt.awsCalls.calls.length;
      expect(await rt.feedback(event)).toEqual({ applied: 1, ignored: 0, unattributed: 0 });
      return rt.awsCalls.calls
        .slice(before)
        .filter((c) => c.fn === 'feedback' && /Get|Query/.test(c.operation))
        .filter((c) => JSON.stringify(c.input).includes('PROFILE')).length;
    };
    expect(await profileReads(sesEvent('Delivery', messageId))).toBe(0);
    expect(await profileReads(sesEvent('Bounce', messageId, { bounce: { bounceType: 'Transient' } }))).toBe(
      0,
    );
    expect(await rt.store.getProfile('c-delivered')).toEqual(profileBefore);
    const outcomes = (await rt.store.listLedger('c-delivered')).filter((r) => r.kind === 'feedback');
    expect(outcomes.map((r) => r.outcome).sort()).toEqual(['bounced', 'delivered']);

    expect(
      await profileReads(sesEvent('Open', messageId, { open: { timestamp: '2025-06-02T12:05:00.000Z' } })),
    ).toBe(1);
    expect((await rt.store.getProfile('c-delivered'))?.engagement?.email?.opens).toBe(1);
  });

  it('keeps email on a transient bounce and suppresses it on a complaint', async () => {
    await rt.seedProfile(reachableProfile('c-complain'));
    const messageId = await sentEmailId('c-complain');
    await rt.feedback(sesEvent('Bounce', messageId, { bounce: { bounceType: 'Transient' } }));
    expect((await rt.store.getProfile('c-complain'))?.suppressed).toBeUndefined();
    await rt.feedback(
      sesEvent('Complaint', messageId, { complaint: { timestamp: '2025-06-02T13:00:00.000Z' } }),
    );
    expect((await rt.store.getProfile('c-complain'))?.suppressed?.email?.reason).toBe('complaint');
  });

  it('counts opens and clicks as engagement (SES events through SNS as well as EventBridge)', async () => {
    await rt.seedProfile(reachableProfile('c-engage'));
    const messageId = await sentEmailId('c-engage');
    await rt.feedback(sesEvent('Open', messageId, { open: { timestamp: '2025-06-02T12:05:00.000Z' } }));
    await rt.feedback({
      Records: [
        {
          Sns: {
            Message: JSON.stringify(
              sesEvent('Click', messageId, { click: { timestamp: '2025-06-02T12:06:00.000Z' } }).detail,
            ),
          },
        },
      ],
    });
    expect((await rt.store.getProfile('c-engage'))?.engagement?.email).toEqual({
      opens: 1,
      clicks: 1,
      lastAt: '2025-06-02T12:06:00.000Z',
      // Newest first, for best send times and recency-weighted channel choice.
      recent: [
        { at: '2025-06-02T12:06:00.000Z', kind: 'click' },
        { at: '2025-06-02T12:05:00.000Z', kind: 'open' },
      ],
    });
  });

  it('counts a redelivered open once, and keeps its ledger outcome (Lambda retries, a Kinesis batch read again)', async () => {
    await rt.seedProfile(reachableProfile('c-redelivered'));
    const messageId = await sentEmailId('c-redelivered');
    const open = sesEvent('Open', messageId, { open: { timestamp: '2025-06-02T12:05:00.000Z' } });
    for (let attempt = 0; attempt < 3; attempt++) await rt.feedback(open);
    expect((await rt.store.getProfile('c-redelivered'))?.engagement?.email).toMatchObject({
      opens: 1,
      clicks: 0,
    });
    const feedback = (await rt.store.listLedger('c-redelivered')).filter((r) => r.kind === 'feedback');
    expect(feedback.map((r) => [r.outcome, r.reasons])).toEqual([['opened', ['email:opened']]]);
  });

  it('records an Apple Mail Privacy Protection prefetch in the ledger but not as engagement', async () => {
    await rt.seedProfile(reachableProfile('c-mpp'));
    const messageId = await sentEmailId('c-mpp');
    const prefetch = {
      timestamp: '2025-06-02T12:01:00.000Z',
      userAgent: 'Mozilla/5.0',
      ipAddress: '17.58.63.1',
    };
    await rt.feedback(sesEvent('Open', messageId, { open: prefetch }));
    expect((await rt.store.getProfile('c-mpp'))?.engagement).toBeUndefined();
    const record = (await rt.store.listLedger('c-mpp')).find((r) => r.kind === 'feedback');
    expect(record).toMatchObject({ outcome: 'opened', facts: { machine: 'apple_mpp' } });
  });

  it('opts the number out of SMS on a STOP reply; SMS is never used afterwards', async () => {
    await rt.seedProfile(reachableProfile('c-stop', { phone: '+14155550188' }));
    await rt.step(stepRequest(smsJourney, enrollmentFor(smsJourney, 'c-stop', 'e1')));
    expect(rt.pinpoint.messages).toHaveLength(1);

    await rt.feedback({
      Records: [
        {
          Sns: {
            Message: JSON.stringify({
              originationNumber: '+14155550188',
              destinationNumber: '+18005550100',
              messageKeyword: 'KEYWORD',
              messageBody: ' stop ',
              inboundMessageId: 'in-1',
            }),
          },
        },
      ],
    });

    expect((await rt.store.getProfile('c-stop'))?.consent?.sms).toMatchObject({
      status: 'opted_out',
      source: 'sms_stop',
    });
    rt.pinpoint.reset();
    const next = await rt.step(stepRequest(smsJourney, enrollmentFor(smsJourney, 'c-stop', 'e2')));
    expect(next).toMatchObject({ detail: { channel: 'email', sent: true } });
    expect(rt.pinpoint.messages).toHaveLength(0);
  });

  /** An SMS sent to a customer who opted in; its provider message id. */
  async function smsSentTo(customerId: string, phone: string) {
    await rt.seedProfile(
      reachableProfile(customerId, {
        phone,
        consent: { sms: { status: 'opted_in', at: '2025-01-01T00:00:00Z', source: 'x' } },
      }),
    );
    await rt.step(stepRequest(smsJourney, enrollmentFor(smsJourney, customerId, 'e1')));
    const [record] = (await rt.store.listLedger(customerId)).filter((r) => r.kind === 'decision');
    return record?.providerMessageId;
  }

  /** The carrier's opt-out for that message, as one Kinesis record of the Pinpoint event stream. */
  const carrierOptOut = (messageId: string | undefined, eventTimestamp: number) => ({
    Records: [
      {
        kinesis: {
          data: Buffer.from(
            JSON.stringify({
              event_type: '_SMS.OPTOUT',
              event_timestamp: eventTimestamp,
              attributes: { message_id: messageId, record_status: 'OPTED_OUT' },
            }),
          ).toString('base64'),
        },
      },
    ],
  });

  it('opts the number out when the carrier reports an opt-out (Pinpoint stream over Kinesis, or SMS v2 events)', async () => {
    const messageId = await smsSentTo('c-carrier', '+14155550177');

    expect(await rt.feedback(carrierOptOut(messageId, 1748865600000))).toMatchObject({ applied: 1 });
    expect((await rt.store.getProfile('c-carrier'))?.consent?.sms).toMatchObject({
      status: 'opted_out',
      source: 'carrier_opt_out',
    });
    expect(await rt.feedback({ eventType: 'TEXT_DELIVERED', messageId })).toMatchObject({ applied: 1 });
  });

  it('takes the time it was read for a stream record whose timestamp is out of range, and still applies it', async () => {
    const messageId = await smsSentTo('c-far-future', '+14155550178');
    // 1e20 ms is past the last time a Date can hold: new Date(1e20).toISOString() throws.
    expect(await rt.feedback(carrierOptOut(messageId, 1e20))).toMatchObject({ applied: 1 });
    const consent = (await rt.store.getProfile('c-far-future'))?.consent?.sms;
    expect(consent).toMatchObject({ status: 'opted_out', source: 'carrier_opt_out' });
    expect(consent?.at).toBe(rt.clock.now().toISOString());
  });

  it('removes a push token reported invalid by the push event stream', async () => {
    const token = 'c'.repeat(64);
    await rt.seedProfile(
      reachableProfile('c-token', {
        pushTokens: [
          { platform: 'APNS', token },
          { platform: 'GCM', token: 'fcm-keep' },
        ],
      }),
    );
    await rt.step(stepRequest(pushJourney, enrollmentFor(pushJourney, 'c-token')));
    const [record] = (await rt.store.listLedger('c-token')).filter((r) => r.kind === 'decision');

    await rt.feedback({
      'detail-type': 'push',
      source: 'herald.pinpoint',
      detail: {
        event_type: '_push.failure',
        event_timestamp: 1748865600000,
        attributes: { message_id: record?.providerMessageId, record_status: 'INVALID_TOKEN' },
      },
    });

    expect((await rt.store.getProfile('c-token'))?.pushTokens).toEqual([
      { platform: 'GCM', token: 'fcm-keep' },
    ]);
  });

  it('ignores unknown and unattributable feedback without throwing', async () => {
    expect(await rt.feedback({ hello: 'world' })).toEqual({ applied: 0, ignored: 1, unattributed: 0 });
    expect(await rt.feedback(sesEvent('Open', 'no-such-message'))).toEqual({
      applied: 0,
      ignored: 0,
      unattributed: 1,
    });
    expect(await rt.feedback(null)).toEqual({ applied: 0, ignored: 1, unattributed: 0 });
  });
});
