import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { type PriorSend, simulate, type Timeline, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));
const products = read<Product[]>('examples/products.json');

async function run(journey: Journey, scenario: { profile: string; events: string; sent: PriorSend[] }) {
  const { timeline } = await simulate({
    journey,
    profile: read<Profile>(scenario.profile),
    events: read<CustomerEvent[]>(scenario.events),
    products,
    config,
    sent: scenario.sent,
  });
  return timeline;
}
const at = (timeline: Timeline, stepId: string) => timeline.entries.filter((e) => e.stepId === stepId);

describe('herald simulate shows priority arbitration and expiry in words', () => {
  it('drops a cart reminder that a full cap would hold past its six hours, saying it expired', async () => {
    const journey = read<Journey>('workflows/cart-abandonment.journey.json');
    const step = journey.steps['send-cart-reminder'];
    if (step?.type !== 'send') throw new Error('fixture: send-cart-reminder is a send');
    step.expiresAfter = 'PT6H';
    const sent: PriorSend[] = ['2026-03-08T10:00:00Z', '2026-03-09T10:00:00Z', '2026-03-10T10:00:00Z'].map(
      (time) => ({ at: time, channel: 'email', journeyId: 'welcome', priority: 40 }),
    );
    const timeline = await run(journey, {
      profile: 'examples/cart-abandonment.profile.json',
      events: 'examples/cart-abandonment.events.json',
      sent,
    });

    const [dropped, ...later] = at(timeline, 'send-cart-reminder');
    expect(later).toHaveLength(0);
    expect(dropped?.kind).toBe('skip');
    expect(dropped?.summary).toBe(
      'nothing sent for “cart-reminder”: expired — held past the time it stays relevant, so it was dropped',
    );
    expect(dropped?.reasons).toContain('expired');
    expect(timelineText(timeline)).toContain(
      'expired — held past the time it stays relevant, so it was dropped',
    );
  });

  it('skips a priority-40 welcome as preempted when a priority-80 cart reminder waits for the last cap slot', async () => {
    const journey = read<Journey>('workflows/welcome.journey.json');
    const sent: PriorSend[] = [
      { at: '2026-02-27T10:00:00Z', channel: 'email', journeyId: 'replenishment-reminder', priority: 60 },
      { at: '2026-03-01T10:00:00Z', channel: 'email', journeyId: 'replenishment-reminder', priority: 60 },
      // Held by quiet hours or a cap since noon; it wakes after the welcome is due.
      {
        at: '2026-03-02T12:00:00Z',
        heldUntil: '2026-03-02T20:00:00Z',
        channel: 'email',
        journeyId: 'cart-abandonment',
        priority: 80,
      },
    ];
    const timeline = await run(journey, {
      profile: 'examples/welcome.profile.json',
      events: 'examples/welcome.events.json',
      sent,
    });

    const [welcome] = at(timeline, 'send-welcome');
    expect(welcome?.kind).toBe('skip');
    expect(welcome?.summary).toBe(
      'nothing sent for “welcome”: preempted — a higher-priority message took the free frequency-cap slot',
    );
    expect(welcome?.reasons).toContain('email:preempted:marketing-7d');
    expect(timelineText(timeline)).toContain(
      'email: preempted: the last free slot of frequency cap `marketing-7d` is kept for a higher-priority message waiting for it',
    );
  });
});
