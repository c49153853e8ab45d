import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const journey = sendJourney('once', { channels: ['sms', 'email'] });
const DAY = 86_400_000;

/** One invocation schedule: how far the clock moves before each call, and how many calls race. */
const schedule = fc.array(
  fc.record({
    advanceMs: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 600_000 }),
      fc.integer({ min: 1, max: DAY }),
    ),
    racing: fc.integer({ min: 1, max: 3 }),
  }),
  { minLength: 1, maxLength: 6 },
);

describe.each(DYNAMO_BACKENDS)('a send step never sends twice on $name', (backend) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey], startDynamo: backend.start });
  });
  afterAll(async () => rt?.stop());

  it('whatever the retries, races and re-runs after deferrals (Kolkata quiet hours)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: DAY - 1 }), schedule, async (startMs, calls) => {
        const customerId = `c-once-${run++}`;
        await rt.seedProfile(
          reachableProfile(customerId, { timeZone: 'Asia/Kolkata', phone: '+14155550100' }),
        );
        const request = stepRequest(journey, enrollmentFor(journey, customerId));
        let now = Date.parse('2025-06-02T00:00:00Z') + startMs;
        for (const { advanceMs, racing } of calls) {
          now += advanceMs;
          rt.clock.set(new Date(now).toISOString());
          await Promise.all(Array.from({ length: racing }, () => rt.step(request)));
        }
        const sent = (await rt.store.listLedger(customerId)).filter(
          (r) => r.kind === 'decision' && r.outcome === 'sent',
        );
        expect(sent.length).toBeLessThanOrEqual(1);
        const smsCount = rt.pinpoint.messages.filter((m) =>
          sent.some((r) => r.providerMessageId === m.messageId),
        ).length;
        const emailCount = (await rt.ses.emails()).filter((e) =>
          e.destination.to.includes(`${customerId}@example.com`),
        ).length;
        expect(smsCount + emailCount).toBe(sent.length);
      }),
      { numRuns: 25 },
    );
  });
});
