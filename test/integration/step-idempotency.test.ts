import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claim, startSending } from '../../engine/send-protocol.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const journey = sendJourney('promo', { channels: ['email'] });
// A weekly digest: send, wait a week, send again — the same step runs again in one execution.
const digest = (() => {
  const base = sendJourney('digest', { channels: ['email'] });
  return {
    ...base,
    steps: {
      send: { type: 'send' as const, message: 'hello', channels: ['email' as const], next: 'pause' },
      pause: { type: 'wait' as const, duration: 'P7D', next: 'send' },
    },
  };
})();

describe.each(DYNAMO_BACKENDS)('step idempotency on $name', (backend) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [journey, digest], startDynamo: backend.start });
  });
  afterAll(async () => rt?.stop());
  beforeEach(async () => rt.ses.clear());

  it('sends once when the same execution step is invoked twice (a retry after success)', async () => {
    await rt.seedProfile(reachableProfile('c-retry'));
    const request = stepRequest(journey, enrollmentFor(journey, 'c-retry'));

    const first = await rt.step(request);
    const second = await rt.step(request);

    expect(first).toEqual({ outcome: 'next', next: 'done', detail: { channel: 'email', sent: true } });
    expect(second).toEqual(first);
    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-retry@example.com'));
    expect(emails).toHaveLength(1);
    const decisions = (await rt.store.listLedger('c-retry')).filter((r) => r.kind === 'decision');
    expect(decisions).toHaveLength(1);
    // The workflow goes on to the exit step: the enrollment is no longer active.
    expect(await rt.store.listEnrollments('c-retry')).toEqual([
      expect.objectContaining({ status: 'exited', reason: 'exit:done' }),
    ]);
    expect(decisions[0]).toMatchObject({
      outcome: 'sent',
      channel: 'email',
      attempt: 1,
      providerMessageId: emails[0]?.messageId,
    });
  });

  it('answers a retry that comes after the lease from the sent call’s ledger entry, never as in doubt', async () => {
    await rt.seedProfile(reachableProfile('c-late'));
    const request = stepRequest(journey, enrollmentFor(journey, 'c-late'));
    const start = rt.clock.now();

    const first = await rt.step(request);
    // A sent call writes no finish: the step record stays `sending`, its ledger entry is the proof.
    rt.clock.set(new Date(start.getTime() + 10 * 60_000).toISOString());
    const second = await rt.step(request);
    rt.clock.set(start.toISOString());

    expect(first).toMatchObject({ outcome: 'next', detail: { channel: 'email', sent: true } });
    expect(second).toEqual(first);
    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-late@example.com'));
    expect(emails).toHaveLength(1);
    const decisions = (await rt.store.listLedger('c-late')).filter((r) => r.kind === 'decision');
    expect(decisions.map((d) => d.outcome)).toEqual(['sent']);
  });

  it('sends again when a journey loop brings the execution back to the same step, and still once per pass', async () => {
    await rt.seedProfile(reachableProfile('c-loop'));
    const request = stepRequest(digest, enrollmentFor(digest, 'c-loop'));
    const start = Date.parse('2025-06-02T12:00:00Z');

    for (const at of [0, 5_000, 7 * 86_400_000, 7 * 86_400_000 + 5_000]) {
      rt.clock.set(new Date(start + at).toISOString());
      await rt.step(request);
    }
    rt.clock.set(new Date(start).toISOString());

    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-loop@example.com'));
    expect(emails).toHaveLength(2);
    const attempts = (await rt.store.listLedger('c-loop'))
      .filter((r) => r.kind === 'decision')
      .map((r) => r.attempt);
    expect(attempts).toEqual([1, 2]);
  });

  it('sends once when two invocations of the same step race', async () => {
    await rt.seedProfile(reachableProfile('c-race'));
    const request = stepRequest(journey, enrollmentFor(journey, 'c-race'));

    const results = await Promise.all([rt.step(request), rt.step(request), rt.step(request)]);

    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-race@example.com'));
    expect(emails).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'next')).not.toHaveLength(0);
    // The losers either saw the recorded result or were told to come back: never a second send.
    for (const r of results) expect(['next', 'defer']).toContain(r.outcome);
  });

  it('does not resend when a previous attempt started a provider call and never recorded it', async () => {
    await rt.seedProfile(reachableProfile('c-doubt'));
    const request = stepRequest(journey, enrollmentFor(journey, 'c-doubt'));
    const key = `${request.executionId}#send`;
    const now = rt.clock.now();
    // An earlier invocation claimed the step and started the provider call, then died.
    const timing = { leaseMs: 1000, reopenDoneAfterMs: 60_000 };
    await rt.store.transitionStep(
      'c-doubt',
      key,
      claim({ nowMs: now.getTime(), token: 'dead', timing }),
      now,
    );
    await rt.store.transitionStep(
      'c-doubt',
      key,
      startSending({ token: 'dead', channel: 'email', nowMs: now.getTime(), ledgerAt: now.getTime() }),
      now,
    );
    rt.clock.set(new Date(now.getTime() + 10 * 60_000).toISOString());

    const result = await rt.step(request);

    expect(result).toMatchObject({ outcome: 'next', next: 'done', detail: { skipped: 'outcome_unknown' } });
    expect(
      (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-doubt@example.com')),
    ).toHaveLength(0);
    const [record] = (await rt.store.listLedger('c-doubt')).filter((r) => r.kind === 'decision');
    expect(record).toMatchObject({ outcome: 'unknown', channel: 'email' });
    // The run goes on to its exit step: the enrollment ends, as after any send.
    expect(await rt.store.listEnrollments('c-doubt')).toEqual([
      expect.objectContaining({ status: 'exited', reason: 'exit:done' }),
    ]);
    rt.clock.set(now.toISOString());
  });
});
