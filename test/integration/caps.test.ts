import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/index.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const PRIORITIES = [10, 30, 50, 70, 90];
const journeys = PRIORITIES.map((priority) =>
  sendJourney(`promo-p${priority}`, { priority, channels: ['email'] }),
);
const config: PolicyConfig = {
  ...DEFAULT_POLICY,
  caps: [
    { id: 'daily-3', limit: 3, window: 'P1D', channels: ['email', 'sms', 'push'], category: 'marketing' },
  ],
  deferPriorityAtLeast: 50,
};

describe.each(DYNAMO_BACKENDS)('shared frequency caps under concurrency on $name', (backend) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys, config, startDynamo: backend.start });
  });
  afterAll(async () => rt?.stop());

  it('sends exactly 3 of 50 concurrent steps for one customer; the rest are deferred or skipped as capped', async () => {
    await rt.seedProfile(reachableProfile('c-cap'));
    const requests = journeys.flatMap((journey) =>
      Array.from({ length: 10 }, (_, i) => ({
        journey,
        request: stepRequest(journey, enrollmentFor(journey, 'c-cap', `e${i}`)),
      })),
    );

    const results = await Promise.all(
      requests.map(async ({ journey, request }) => ({ journey, result: await rt.step(request) })),
    );

    const emails = (await rt.ses.emails()).filter((e) => e.destination.to.includes('c-cap@example.com'));
    expect(emails).toHaveLength(3);
    const sent = results.filter(({ result }) => result.outcome === 'next' && result.detail?.sent === true);
    expect(sent).toHaveLength(3);
    const rest = results.filter(({ result }) => !(result.outcome === 'next' && result.detail?.sent === true));
    expect(rest).toHaveLength(47);
    for (const { journey, result } of rest) {
      if (journey.priority >= config.deferPriorityAtLeast) {
        expect(result).toMatchObject({ outcome: 'defer', reason: 'capped' });
      } else {
        expect(result).toMatchObject({
          outcome: 'next',
          next: 'done',
          detail: { sent: false, skipped: 'capped' },
        });
      }
    }
    // Deferred steps wake in priority order: the higher priority is due first.
    const wake = new Map<number, number>();
    for (const { journey, result } of rest) {
      if (result.outcome === 'defer')
        wake.set(journey.priority, Date.parse((result as Extract<StepResult, { outcome: 'defer' }>).until));
    }
    expect(wake.get(90)).toBeLessThan(wake.get(70) ?? 0);
    expect(wake.get(70)).toBeLessThan(wake.get(50) ?? 0);
    // Every one of the 50 decisions is in the ledger with its reason.
    const decisions = (await rt.store.listLedger('c-cap')).filter((r) => r.kind === 'decision');
    expect(decisions).toHaveLength(50);
    expect(decisions.filter((r) => r.outcome === 'capped')).toHaveLength(47);
    for (const r of decisions.filter((d) => d.outcome === 'capped')) {
      expect(r.reasons).toContain('email:capped:daily-3');
      expect(r.cap).toEqual({ id: 'daily-3', count: 3, limit: 3 });
    }
  });

  it('counts a send against the caps only once when its step is retried', async () => {
    await rt.seedProfile(reachableProfile('c-cap2'));
    const journey = journeys[4];
    if (!journey) throw new Error('fixture');
    const request = stepRequest(journey, enrollmentFor(journey, 'c-cap2', 'x1'));
    await rt.step(request);
    await rt.step(request);
    const entries: unknown[] = [];
    await rt.store.reserveCap('c-cap2', (current) => {
      entries.push(...current);
      return { result: undefined };
    });
    expect(entries).toHaveLength(1);
  });
});
