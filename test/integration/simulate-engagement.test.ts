/**
 * `herald simulate --engaged`: the shipped review-request journey, with and without the customer
 * opening or clicking the review email, on the real runtime (feedback handler included).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { type SimulatedEngagement, simulate, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));

async function reviewRequest(engagement?: SimulatedEngagement[], profile?: Partial<Profile>) {
  const { timeline } = await simulate({
    journey: read<Journey>('workflows/review-request.journey.json'),
    profile: { ...read<Profile>('examples/review-request.profile.json'), ...profile },
    events: read<CustomerEvent[]>('examples/review-request.events.json'),
    products: [],
    config,
    ...(engagement ? { engagement } : {}),
  });
  const step = (id: string) => timeline.entries.filter((e) => e.stepId === id);
  return { timeline, step };
}

describe('herald simulate --engaged, on the review-request journey', () => {
  it('nudges by push when nobody opens the review email, and says the branch found nothing', async () => {
    const { timeline, step } = await reviewRequest();
    expect(step('send-review-email')[0]).toMatchObject({ kind: 'send', channel: 'email' });
    const branch = step('check-email-read')[0];
    expect(branch?.summary).toContain('“otherwise” → send-review-nudge');
    expect(branch?.details.join('\n')).toContain('nothing reported in the window');
    expect(step('send-review-nudge')[0]).toMatchObject({ kind: 'send', channel: 'push' });
    expect(timeline.sent).toBe(2);
  });

  it('sends no nudge when the customer opens the email three hours after it went out', async () => {
    const { timeline, step } = await reviewRequest([
      { step: 'send-review-email', with: 'open', after: 'PT3H' },
    ]);
    const opened = timeline.entries.find((e) => e.summary.startsWith('opens the email'));
    const sentAt = step('send-review-email')[0]?.at;
    expect(opened?.at).toBe(new Date(Date.parse(sentAt!) + 3 * 3_600_000).toISOString());
    expect(step('check-email-read')[0]?.summary).toContain('branch “opened” → read');
    expect(step('send-review-nudge')).toEqual([]);
    expect(timeline.sent).toBe(1);
    expect(timelineText(timeline)).toContain(
      'opened the message of send-review-email within 2 days of it — yes',
    );
  });

  it('takes “clicked” on a click, and ignores an open that comes after the two-day window', async () => {
    const clicked = await reviewRequest([{ step: 'send-review-email', with: 'click', after: 'PT1H' }]);
    expect(clicked.step('check-email-read')[0]?.summary).toContain('branch “clicked” → clicked');

    const late = await reviewRequest([{ step: 'send-review-email', with: 'open', after: 'P3D' }]);
    expect(late.step('check-email-read')[0]?.summary).toContain('“otherwise”');
    expect(late.step('send-review-nudge')).toHaveLength(1);
  });

  it('nudges a customer the email could not reach: no email was sent, so none was opened', async () => {
    const { step } = await reviewRequest([{ step: 'send-review-email', with: 'open' }], {
      consent: {
        email: { status: 'opted_out', at: '2026-02-01T00:00:00Z', source: 'preference_center' },
        push: { status: 'opted_in', at: '2026-01-20T08:02:00Z', source: 'app_prompt' },
      },
    });
    expect(step('send-review-email')[0]?.kind).toBe('skip');
    expect(step('check-email-read')[0]?.details.join('\n')).toContain('that step sent nothing in this run');
    expect(step('send-review-nudge')[0]).toMatchObject({ kind: 'send', channel: 'push' });
  });
});
