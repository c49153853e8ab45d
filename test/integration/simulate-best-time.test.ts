/**
 * `herald simulate` on the shipped review-request journey (v2: its review email waits for the
 * customer's best email time): the wait's timestamp, the time the email goes out, and the evidence
 * in words, for a customer who reads in the evening and for one Herald knows nothing about.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { simulate } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));

async function reviewRequest(profileFile: string) {
  const { timeline } = await simulate({
    journey: read<Journey>('workflows/review-request.journey.json'),
    profile: read<Profile>(profileFile),
    events: read<CustomerEvent[]>('examples/review-request.events.json'),
    products: [],
    config,
  });
  const step = (id: string) => timeline.entries.filter((e) => e.stepId === id);
  return { step };
}

const tehran = (iso: string | undefined) => DateTime.fromISO(iso ?? '').setZone('Asia/Tehran');

describe('herald simulate, a best-time wait (review-request v2)', () => {
  it('sends the review email at the evening reader’s learned time, and says why', async () => {
    const { step } = await reviewRequest('examples/review-request.evening-reader.profile.json');
    const wait = step('wait-for-delivery')[0];
    const email = step('send-review-email')[0];
    expect(email).toMatchObject({ kind: 'send', channel: 'email' });
    // Ordered Monday 17:40 Tehran; three days later, at 20:00 local, not the old 10:00.
    expect(tehran(email?.at).toFormat('ccc HH:mm')).toBe('Thu 20:00');
    expect(wait?.details).toContain(
      'best email time 20:00 local, learned from 4 clicks and 3 opens (weight 11.2, 2 needed), most between 20:00 and 21:00 local',
    );
  });

  it('falls back to 10:00 for a customer with no engagement, saying there is too little evidence', async () => {
    const { step } = await reviewRequest('examples/review-request.profile.json');
    const wait = step('wait-for-delivery')[0];
    const email = step('send-review-email')[0];
    const local = tehran(email?.at);
    // Nine waits in ten take the fallback; this customer's run draws no exploration.
    // Thursday 17:40 is past 10:00: the next 10:00 is Friday's, as with `localTime: "10:00"`.
    expect(local.toFormat('ccc HH:mm')).toBe('Fri 10:00');
    expect(wait?.details.join('\n')).toContain(
      'fallback 10:00 local for email: too little evidence yet (no engagement, 2 needed)',
    );
  });
});
