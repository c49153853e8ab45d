import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import type { Profile } from '../../engine/data.ts';
import type { ChannelName } from '../../engine/schema.ts';
import { providerClientConfig } from '../../functions/adapters/provider-clients.ts';
import { SesEmailSender } from '../../functions/adapters/ses-email.ts';
import { LOCAL_CLIENT_CONFIG, type ProviderFault } from '../../local/standins/index.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

/**
 * Real sends through the real step handler and the real SDK clients (one attempt each, as deployed)
 * while the stand-ins fail on purpose. Deliveries are counted from the stand-ins' own stores —
 * aws-ses-v2-local's stored emails and the Pinpoint sink's accepted messages — per customer and
 * channel, never from the ledger. Every customer has their own address, number and push token.
 */
const START = '2025-06-02T12:00:00Z'; // 13:00 in London: outside SMS and push quiet hours.
const ORDERS: Record<ChannelName, ChannelName[]> = {
  email: ['email', 'sms', 'push'],
  sms: ['sms', 'email', 'push'],
  push: ['push', 'email', 'sms'],
};
const journeys = Object.fromEntries(
  Object.entries(ORDERS).map(([first, channels]) => [first, sendJourney(`${first}-first`, { channels })]),
) as Record<ChannelName, ReturnType<typeof sendJourney>>;

let customers = 0;
function customer(): Profile {
  customers += 1;
  const n = String(customers).padStart(4, '0');
  return reachableProfile(`c-fault-${n}`, {
    email: `c-fault-${n}@example.com`,
    phone: `+1415555${n}`,
    pushTokens: [{ platform: 'APNS', token: `${n}`.repeat(16) }],
  });
}

function addressOf(profile: Profile, channel: ChannelName): string {
  if (channel === 'email') return profile.email ?? '';
  if (channel === 'sms') return profile.phone ?? '';
  return profile.pushTokens?.[0]?.token ?? '';
}

describe('sends under provider faults', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: Object.values(journeys), now: START, providerTimeoutMs: 1_500 });
  });
  afterAll(async () => rt?.stop());
  beforeEach(() => rt.clock.set(START));

  /** What each channel delivered to this customer, counted in the stand-ins' own stores. */
  async function deliveries(profile: Profile): Promise<Record<ChannelName, number>> {
    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes(profile.email ?? ''));
    const accepted = (address: string) =>
      rt.pinpoint.messages.filter((m) => m.address === address && m.deliveryStatus === 'SUCCESSFUL').length;
    return {
      email: emails.length,
      sms: accepted(addressOf(profile, 'sms')),
      push: accepted(addressOf(profile, 'push')),
    };
  }

  /**
   * Runs the step as Step Functions would, and worse: each invocation is repeated blindly (a Task
   * retry), a deferral is waited out and the step run again, and a day later a stray duplicate
   * invocation arrives after every lease has expired.
   */
  async function drive(journey: ReturnType<typeof sendJourney>, profile: Profile): Promise<StepResult[]> {
    const request = stepRequest(journey, enrollmentFor(journey, profile.id));
    const results: StepResult[] = [];
    for (let pass = 0; pass < 6; pass++) {
      const result = await rt.step(request);
      results.push(result, await rt.step(request));
      if (result.outcome !== 'defer') break;
      rt.clock.set(result.until);
    }
    rt.clock.set(new Date(rt.clock.now().getTime() + 86_400_000).toISOString());
    results.push(await rt.step(request));
    return results;
  }

  function inject(fault: ProviderFault, channel: ChannelName, recipient: string) {
    if (channel === 'email') rt.ses.fault({ fault, recipient });
    else rt.pinpoint.fault({ fault, recipient });
  }

  const decisions = async (profile: Profile) =>
    (await rt.store.listLedger(profile.id)).filter((r) => r.kind === 'decision');

  const IN_DOUBT: ProviderFault[] = ['error_after_accept', 'reset_after_accept', 'hang_after_accept'];
  const CHANNELS: ChannelName[] = ['email', 'sms', 'push'];

  describe.each(CHANNELS)('when %s is the first channel', (channel) => {
    const others = CHANNELS.filter((c) => c !== channel);

    it.each(IN_DOUBT)(
      'delivers exactly once and records the send as unknown when the provider accepts, then fails (%s)',
      async (fault) => {
        const profile = customer();
        await rt.seedProfile(profile);
        inject(fault, channel, addressOf(profile, channel));

        const results = await drive(journeys[channel], profile);

        expect(await deliveries(profile)).toEqual({ ...{ email: 0, sms: 0, push: 0 }, [channel]: 1 });
        expect(results[0]).toMatchObject({ outcome: 'next', detail: { skipped: 'outcome_unknown' } });
        for (const later of results.slice(1)) expect(later).toEqual(results[0]);
        const [decision, ...more] = await decisions(profile);
        expect(more).toEqual([]);
        expect(decision).toMatchObject({ outcome: 'unknown', channel, attempt: 1 });
        expect(decision?.reasons.some((r) => r.startsWith(`${channel}:in_doubt:`))).toBe(true);
        expect(decision?.attempts).toEqual([expect.objectContaining({ channel, result: 'in_doubt' })]);
      },
    );

    it('retries a throttled send later on the same channel and delivers it once', async () => {
      const profile = customer();
      await rt.seedProfile(profile);
      inject('throttle', channel, addressOf(profile, channel));

      const results = await drive(journeys[channel], profile);

      expect(await deliveries(profile)).toEqual({ ...{ email: 0, sms: 0, push: 0 }, [channel]: 1 });
      expect(results[0]).toMatchObject({ outcome: 'defer', reason: 'retry', detail: { channel } });
      expect(results.at(-1)).toMatchObject({ outcome: 'next', detail: { channel, sent: true } });
      const recorded = await decisions(profile);
      expect(recorded.map((d) => [d.outcome, d.channel, d.attempt])).toEqual([
        ['deferred', channel, 1],
        ['sent', channel, 2],
      ]);
      expect(recorded[0]?.reasons).toContain(`${channel}:retry_later:TooManyRequestsException`);
    });

    it(`falls through to ${others[0]} only when ${channel} proves it refused the message (HTTP 400)`, async () => {
      const profile = customer();
      await rt.seedProfile(profile);
      inject('reject', channel, addressOf(profile, channel));

      const results = await drive(journeys[channel], profile);

      expect(await deliveries(profile)).toEqual({
        ...{ email: 0, sms: 0, push: 0 },
        [others[0] as ChannelName]: 1,
      });
      expect(results[0]).toMatchObject({ outcome: 'next', detail: { channel: others[0], sent: true } });
      const [decision] = await decisions(profile);
      expect(decision?.attempts?.map((a) => [a.channel, a.result])).toEqual([
        [channel, 'permanent_failure'],
        [others[0], 'sent'],
      ]);
    });
  });

  describe('per-address results of Pinpoint SendMessages', () => {
    it.each([
      ['TEMPORARY_FAILURE', 'temporary_failure'],
      ['UNKNOWN_FAILURE', 'unknown_failure'],
    ] as const)('treats %s as in doubt: never resent, never another channel', async (status, reason) => {
      const profile = customer();
      await rt.seedProfile(profile);
      rt.pinpoint.failAddress(addressOf(profile, 'sms'), status, status, 1);

      const results = await drive(journeys.sms, profile);

      expect(results[0]).toMatchObject({ detail: { skipped: 'outcome_unknown' } });
      expect(await deliveries(profile)).toEqual({ email: 0, sms: 0, push: 0 });
      expect(
        rt.pinpoint.requests.filter((r) => JSON.stringify(r.body).includes(profile.phone ?? '')),
      ).toHaveLength(1);
      const [decision] = await decisions(profile);
      expect(decision).toMatchObject({ outcome: 'unknown', channel: 'sms' });
      expect(decision?.reasons).toContain(`sms:in_doubt:${reason}`);
    });

    it('retries a THROTTLED address later on the same channel', async () => {
      const profile = customer();
      await rt.seedProfile(profile);
      rt.pinpoint.failAddress(addressOf(profile, 'push'), 'THROTTLED', 'slow down', 1);

      const results = await drive(journeys.push, profile);

      expect(results[0]).toMatchObject({ outcome: 'defer', reason: 'retry', detail: { channel: 'push' } });
      expect(await deliveries(profile)).toEqual({ email: 0, sms: 0, push: 1 });
    });
  });

  it('delivers each of many customers at most once across all channels while every fault hits at once', async () => {
    const faults: (ProviderFault | 'none')[] = [
      'none',
      'throttle',
      'error_after_accept',
      'reset_after_accept',
    ];
    const cases = CHANNELS.flatMap((channel) =>
      faults.map((fault) => ({ channel, fault, profile: customer() })),
    );
    for (const c of cases) {
      await rt.seedProfile(c.profile);
      if (c.fault !== 'none') inject(c.fault, c.channel, addressOf(c.profile, c.channel));
    }
    const request = (c: (typeof cases)[number]) =>
      stepRequest(journeys[c.channel], enrollmentFor(journeys[c.channel], c.profile.id));

    // Every customer's step invoked three times at once, twice over, with the deferrals waited out.
    for (const at of [START, '2025-06-02T12:30:00Z', '2025-06-03T12:00:00Z']) {
      rt.clock.set(at);
      await Promise.all(
        cases.flatMap((c) => [rt.step(request(c)), rt.step(request(c)), rt.step(request(c))]),
      );
    }

    for (const c of cases) {
      const delivered = await deliveries(c.profile);
      expect({ ...c, delivered }).toEqual({ ...c, delivered: { email: 0, sms: 0, push: 0, [c.channel]: 1 } });
      const outcomes = (await decisions(c.profile)).map((d) => d.outcome);
      if (c.fault === 'none') expect(outcomes).toEqual(['sent']);
      if (c.fault === 'throttle') expect(outcomes).toEqual(['deferred', 'sent']);
      if (c.fault === 'error_after_accept' || c.fault === 'reset_after_accept')
        expect(outcomes).toEqual(['unknown']);
    }
  });

  it('reads a refused connection as "retry later": nothing can have been sent', async () => {
    // A port nothing listens on: the stand-in was stopped, so connecting is refused.
    const ses = await import('../../local/standins/ses-local.ts').then((m) => m.startSesLocal());
    const endpoint = ses.endpoint;
    await ses.stop();
    const client = new SESv2Client(
      providerClientConfig({
        ...LOCAL_CLIENT_CONFIG,
        credentials: { ...LOCAL_CLIENT_CONFIG.credentials },
        endpoint,
      }),
    );
    const sender = new SesEmailSender({ client, from: 'Herald <news@herald.test>' });

    const outcome = await sender.sendEmail({
      to: 'refused@example.com',
      subject: 's',
      html: '<p>h</p>',
      text: 't',
      unsubscribeUrl: 'https://herald.test/u',
      tags: {},
    });

    client.destroy();
    expect(outcome).toEqual({ status: 'retry_later', reason: expect.stringContaining('ECONNREFUSED') });
  });
});
