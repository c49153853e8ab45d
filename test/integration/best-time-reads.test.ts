/**
 * A best-time wait reads what any wait's schedule reads, through the real step handler on the
 * real DynamoDB store: the same DynamoDB operations, in the same number, as a `localTime` wait —
 * its evidence comes from the profile and history the step loads anyway (engine/policy/send-time.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { enrollmentFor, reachableProfile, startRuntime, stepRequest } from './support/harness.ts';

function waitJourney(id: string, until: Record<string, unknown>): Journey {
  return {
    id,
    version: 1,
    name: id,
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'cart_updated', reentry: { mode: 'always' } },
    start: 'wait',
    steps: { wait: { type: 'wait', until, next: 'done' }, done: { type: 'exit' } },
    messages: {},
  };
}

const fixed = waitJourney('tw-fixed', { localTime: '10:00' });
const best = waitJourney('tw-best', {
  time: 'best',
  channel: 'email',
  window: ['09:00', '21:00'],
  fallback: '10:00',
});

describe('a best-time wait', () => {
  let rt: Awaited<ReturnType<typeof startRuntime>>;
  beforeAll(async () => {
    // Exploration off, so the answer is the learned time whatever the run's draw.
    const config = parsePolicyConfig({ learning: { sendTime: { explorationShare: 0 } } });
    rt = await startRuntime({ journeys: [fixed, best], config });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('makes the same DynamoDB calls as a fixed-time wait, and answers with the learned time', async () => {
    const clicks = ['2025-05-30T19:05:00.000Z', '2025-05-28T19:10:00.000Z', '2025-05-25T19:02:00.000Z'];
    await rt.seedProfile(
      reachableProfile('c-tw', {
        timeZone: 'Europe/London',
        engagement: {
          email: { opens: 0, clicks: 3, recent: clicks.map((at) => ({ at, kind: 'click' as const })) },
        },
      }),
    );
    const calls = async (journey: Journey) => {
      const before = rt.awsCalls.calls.length;
      const result = await rt.step(stepRequest(journey, enrollmentFor(journey, 'c-tw'), 'wait', 'schedule'));
      const made = rt.awsCalls.calls.slice(before).filter((c) => c.fn === 'step');
      return { result, operations: made.map((c) => c.operation).sort() };
    };
    const a = await calls(fixed);
    const b = await calls(best);
    expect(b.operations).toEqual(a.operations);
    // 19:0x UTC in late May is 20:0x in London (BST): the learned time is 20:00 local.
    expect(b.result).toMatchObject({ outcome: 'wait', sendTime: { rule: 'learned', localTime: '20:00' } });
    expect(a.result).toMatchObject({ outcome: 'wait' });
    const ledger = await rt.store.listLedger('c-tw');
    expect(ledger.find((r) => r.journeyId === 'tw-best')?.reasons).toContain('best_time:learned');
  });
});
