import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { simulate, type Timeline, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));
const products = read<Product[]>('examples/products.json');
const birthdayJourney = read<Journey>('workflows/birthday.journey.json');
const maryam = read<Profile>('examples/birthday.profile.json');
const order = read<CustomerEvent[]>('examples/birthday.events.json');

/** Maryam (Tehran, born 29 February 1992) with `birthday`, ordering at `orderAt`. */
async function run(birthday: string | undefined, orderAt = order[0]!.time): Promise<Timeline> {
  const { birthday: _, ...attributes } = maryam.attributes ?? {};
  const { timeline } = await simulate({
    journey: birthdayJourney,
    profile: { ...maryam, attributes: { ...attributes, ...(birthday ? { birthday } : {}) } },
    events: order.map((e) => ({ ...e, time: orderAt })),
    products,
    config,
  });
  return timeline;
}

const sends = (t: Timeline) => t.entries.filter((e) => e.kind === 'send').map((e) => [e.at, e.summary]);
const exits = (t: Timeline) => t.entries.filter((e) => e.kind === 'exit').map((e) => e.summary);

describe('herald simulate on the birthday journey', () => {
  it('sends at 09:00 Tehran time on 27 February, the day before a 29 February birthday in 2027', async () => {
    const timeline = await run('1992-02-29');
    expect(sends(timeline)).toEqual([['2027-02-27T05:30:00.000Z', 'sent “birthday-gift” by email']]);
    expect(timelineText(timeline)).toContain(
      'until the next anniversary of birthday − 1 day, at 09:00 local time',
    );
  });

  it('says in words that a customer whose birthday is no date (1990 had no 29 February) leaves at the wait', async () => {
    const timeline = await run('1990-02-29');
    expect(sends(timeline)).toEqual([]);
    expect(exits(timeline)).toEqual([
      'leaves the journey: the customer has no date for a wait to count from (ifMissing: exit)',
    ]);
  });

  it('says in words that an order placed just after this year’s moment leaves: next year’s is past the run deadline', async () => {
    // 27 Feb 2027 09:30 Tehran: the next "day before, at 09:00" is 28 Feb 2028, 366 days on.
    const timeline = await run('1992-02-29', '2027-02-27T06:00:00Z');
    expect(sends(timeline)).toEqual([]);
    expect(exits(timeline)).toEqual([
      'leaves the journey: the date’s next anniversary comes after the run’s deadline (a Step Functions run lasts at most a year); the customer can enter again later',
    ]);
  });
});
