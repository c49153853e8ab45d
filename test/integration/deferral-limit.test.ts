/**
 * A send's deferral loop is bounded (engine/limits.ts MAX_SEND_ATTEMPTS), so a run's history stays
 * under Step Functions' 25,000 events: a customer who is in quiet hours every time the step runs
 * again (here: their time zone keeps moving) is deferred until the bound, then skipped with the
 * reason recorded, and nothing is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRAL_LIMIT_REASON, MAX_SEND_ATTEMPTS } from '../../engine/limits.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

/** A fixed-offset zone where `at` is 23:00 local: inside the default SMS quiet hours (21:00–08:00). */
function zoneAtElevenPm(at: Date): string {
  const offset = ((23 - at.getUTCHours() + 36) % 24) - 12;
  if (offset === 0) return 'Etc/GMT';
  // IANA's Etc zones have inverted signs: Etc/GMT-3 is UTC+03:00.
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

describe('the bound on a send’s deferral loop', () => {
  const journey = sendJourney('deferral-limit', { channels: ['sms'] });
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey] });
  });
  afterAll(async () => rt?.stop());

  it('defers until MAX_SEND_ATTEMPTS, then skips the send with the reason deferral_limit', async () => {
    const customerId = 'c-always-night';
    const request = stepRequest(journey, enrollmentFor(journey, customerId));
    let now = new Date('2025-06-01T12:00:00Z');
    const answers = [];
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
      await rt.seedProfile(reachableProfile(customerId, { timeZone: zoneAtElevenPm(now) }));
      rt.clock.set(now.toISOString());
      const answer = await rt.step(request);
      answers.push(answer);
      if (answer.outcome !== 'defer') break;
      now = new Date(answer.until);
    }

    expect(answers.slice(0, -1).map((a) => a.outcome)).toEqual(Array(MAX_SEND_ATTEMPTS - 1).fill('defer'));
    expect(answers.at(-1)).toMatchObject({
      outcome: 'next',
      detail: { sent: false, skipped: DEFERRAL_LIMIT_REASON },
    });
    expect(rt.pinpoint.messages).toHaveLength(0);
    const decisions = (await rt.store.listLedger(customerId)).filter((r) => r.kind === 'decision');
    expect(decisions).toHaveLength(MAX_SEND_ATTEMPTS);
    expect(decisions.at(-1)).toMatchObject({
      outcome: 'skipped',
      attempt: MAX_SEND_ATTEMPTS,
      reasons: expect.arrayContaining(['sms:quiet_hours', DEFERRAL_LIMIT_REASON]),
    });
    expect(decisions.at(-1)).not.toHaveProperty('until');
  });
});
