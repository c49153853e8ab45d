import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../engine/schema.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const journeys = {
  sms: sendJourney('quiet-sms', { channels: ['sms'] }),
  push: sendJourney('quiet-push', { channels: ['push'] }),
  email: sendJourney('quiet-email', { channels: ['email'] }),
};

// Default quiet hours: no SMS or push from 21:00 to 08:00 in the customer's own zone.
const cases: { name: string; zone: string; now: string; channel: ChannelName; until?: string }[] = [
  {
    name: 'New York, the night DST starts (01:30 EST)',
    zone: 'America/New_York',
    now: '2025-03-09T06:30:00Z',
    channel: 'sms',
    until: '2025-03-09T12:00:00.000Z',
  },
  {
    name: 'New York, the night DST ends (01:30 EDT, first pass)',
    zone: 'America/New_York',
    now: '2025-11-02T05:30:00Z',
    channel: 'sms',
    until: '2025-11-02T13:00:00.000Z',
  },
  {
    name: 'New York, 08:00 EST after DST ends',
    zone: 'America/New_York',
    now: '2025-11-02T13:00:00Z',
    channel: 'sms',
  },
  {
    name: 'London, evening before BST starts',
    zone: 'Europe/London',
    now: '2025-03-29T21:30:00Z',
    channel: 'push',
    until: '2025-03-30T07:00:00.000Z',
  },
  { name: 'Tehran (UTC+03:30), 20:59', zone: 'Asia/Tehran', now: '2025-06-01T17:29:00Z', channel: 'sms' },
  {
    name: 'Tehran (UTC+03:30), 21:00',
    zone: 'Asia/Tehran',
    now: '2025-06-01T17:30:00Z',
    channel: 'sms',
    until: '2025-06-02T04:30:00.000Z',
  },
  {
    name: 'Tehran, push at 02:00',
    zone: 'Asia/Tehran',
    now: '2025-06-01T22:30:00Z',
    channel: 'push',
    until: '2025-06-02T04:30:00.000Z',
  },
  {
    name: 'Kolkata (UTC+05:30), 07:59',
    zone: 'Asia/Kolkata',
    now: '2025-06-01T02:29:00Z',
    channel: 'sms',
    until: '2025-06-01T02:30:00.000Z',
  },
  { name: 'Kolkata (UTC+05:30), 08:00', zone: 'Asia/Kolkata', now: '2025-06-01T02:30:00Z', channel: 'push' },
  {
    name: 'Kolkata, email at 03:00 (email has no quiet hours)',
    zone: 'Asia/Kolkata',
    now: '2025-05-31T21:30:00Z',
    channel: 'email',
  },
];

describe('quiet hours in the customer’s own time zone', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: Object.values(journeys) });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => {
    rt.pinpoint.reset();
    await rt.ses.clear();
  });

  it.each(cases.map((c, i) => ({ ...c, i })))(
    '$name → $channel $until',
    async ({ zone, now, channel, until, i }) => {
      const customerId = `c-quiet-${i}`;
      await rt.seedProfile(reachableProfile(customerId, { timeZone: zone }));
      rt.clock.set(now);
      const journey = journeys[channel];

      const result = await rt.step(stepRequest(journey, enrollmentFor(journey, customerId)));

      const delivered = rt.pinpoint.messages.length + (await rt.ses.emails()).length;
      if (until) {
        expect(result).toEqual({ outcome: 'defer', until, reason: 'quiet_hours', detail: { channel } });
        expect(delivered).toBe(0);
        const [record] = (await rt.store.listLedger(customerId)).filter((r) => r.kind === 'decision');
        expect(record).toMatchObject({
          outcome: 'deferred',
          until,
          zone,
          reasons: [`${channel}:quiet_hours`],
        });
      } else {
        expect(result).toMatchObject({ outcome: 'next', detail: { channel, sent: true } });
        expect(delivered).toBe(1);
      }
    },
  );

  it('sends the deferred step when it runs again at the end of quiet hours, exactly once', async () => {
    await rt.seedProfile(reachableProfile('c-quiet-again', { timeZone: 'Asia/Kolkata' }));
    const request = stepRequest(journeys.sms, enrollmentFor(journeys.sms, 'c-quiet-again'));
    rt.clock.set('2025-06-01T20:00:00Z');
    const deferred = await rt.step(request);
    expect(deferred).toMatchObject({ outcome: 'defer', until: '2025-06-02T02:30:00.000Z' });

    rt.clock.set('2025-06-01T20:00:05Z'); // a Lambda retry of the deferral: same answer, nothing sent
    expect(await rt.step(request)).toEqual(deferred);
    rt.clock.set('2025-06-02T02:30:00Z'); // the workflow's Wait is over: the step runs again
    const sent = await rt.step(request);
    expect(sent).toMatchObject({ outcome: 'next', detail: { channel: 'sms', sent: true } });
    expect(await rt.step(request)).toEqual(sent);

    expect(rt.pinpoint.messages).toHaveLength(1);
    const attempts = (await rt.store.listLedger('c-quiet-again'))
      .filter((r) => r.kind === 'decision')
      .map((r) => [r.attempt, r.outcome]);
    expect(attempts).toEqual([
      [1, 'deferred'],
      [2, 'sent'],
    ]);
  });
});
