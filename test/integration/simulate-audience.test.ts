/**
 * `herald simulate` of an audience journey for one customer (issue 15: "would they enter, when,
 * and what would they get"): the win-back journey's weekly ticks judge the customer with the same
 * enrolment code the audience Lambda runs (local/audience.ts → functions/app/audience.ts), and the
 * timeline says at each tick whether they entered, and why not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { loadVocabulary } from '../../infra/dictionary.ts';
import { loadSegments } from '../../infra/segments.ts';
import { simulate, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const workflows = join(root, 'workflows');
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(workflows, 'policy.json'), 'utf8'));
const vocabulary = loadVocabulary(workflows);
const segments = loadSegments(workflows, vocabulary);
const winBack = read<Journey>('workflows/win-back.journey.json');
const layla = read<Profile>('examples/replenishment-reminder.profile.json');

async function run(profile: Profile) {
  const { timeline } = await simulate({
    journey: winBack,
    profile,
    events: [],
    products: read<Product[]>('examples/products.json'),
    config,
    vocabulary,
    segments,
  });
  return timeline;
}

describe('herald simulate of an audience journey (win-back: lapsed-60d, Mondays 10:00 customer time)', () => {
  it('enters a lapsed customer at the first tick, sends at 10:00 her time, then explains each later tick', async () => {
    const timeline = await run(layla);
    const ticks = timeline.entries.filter((e) => e.summary.startsWith('audience tick'));
    expect(ticks[0]).toMatchObject({
      summary: 'audience tick 2026-03-09T10:00: judged against segment lapsed-60d',
      details: ['enters the journey: run 1'],
    });
    const sends = timeline.entries.filter((e) => e.stepId === 'send-comeback-offer');
    // 10:00 in Asia/Riyadh (UTC+3) on Monday 9 March.
    expect(sends[0]?.at).toBe('2026-03-09T07:00:00.000Z');
    expect(sends[0]?.summary).toContain('sent');
    // The next Monday she entered too recently (re-entry after P30D); 5 weeks on she enters again.
    expect(ticks[1]?.details[0]).toBe('does not enter: entered too recently (re-entry cooldown)');
    expect(ticks[1]?.details[1]).toMatch(/^the same at the next \d+ ticks?$/);
    expect(ticks[2]).toMatchObject({
      summary: 'audience tick 2026-04-13T10:00: judged against segment lapsed-60d',
      details: ['enters the journey: run 2'],
    });
    expect(timeline.sent).toBe(timeline.runs.length);
  });

  it('says why a customer who never ordered is never entered, once for the run of identical ticks', async () => {
    const timeline = await run({ ...layla, attributes: { ...layla.attributes, ordersCount: 0 } });
    const ticks = timeline.entries.filter((e) => e.summary.startsWith('audience tick'));
    expect(ticks).toHaveLength(1);
    expect(ticks[0]?.details[0]).toBe(
      'does not enter: the customer was not in the segment the journey asks for',
    );
    expect(ticks[0]?.details[1]).toMatch(/^the same at the next \d+ ticks$/);
    expect(timeline.sent).toBe(0);
    expect(timelineText(timeline)).toContain('not in the segment the journey asks for');
  });
});
