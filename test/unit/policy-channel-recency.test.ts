import { describe, expect, it } from 'vitest';
import type { Engagement, Profile } from '../../engine/data.ts';
import { applyFeedback } from '../../engine/feedback.ts';
import { choosePreferred } from '../../engine/policy/channels.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import { preferredFacts } from '../../engine/policy/send.ts';
import type { ChannelName } from '../../engine/schema.ts';
import { machineOpen, parseFeedback } from '../../functions/app/feedback-parse.ts';
import { journey, NOW, profile } from './policy-flow-fixtures.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
/** `opens` opens and `clicks` clicks, all `days` ago. */
const engaged = (opens: number, clicks: number, days: number, replies = 0): Engagement => ({
  opens,
  clicks,
  lastAt: ago(days),
  recent: [
    ...Array.from({ length: opens }, (_, i) => ({ at: ago(days + i / 1000), kind: 'open' as const })),
    ...Array.from({ length: clicks }, (_, i) => ({ at: ago(days + i / 1000), kind: 'click' as const })),
    ...Array.from({ length: replies }, (_, i) => ({ at: ago(days + i / 1000), kind: 'reply' as const })),
  ],
});

const choose = (p: Profile, rule: 'lifetime' | 'recency' = 'recency') =>
  choosePreferred({
    profile: p,
    journey: journey({ channelChoice: rule }),
    now: NOW,
    config: DEFAULT_POLICY,
  });

describe('preferred channel choice', () => {
  const table: Array<
    [string, Partial<Record<ChannelName, Engagement>>, ChannelName | undefined, ChannelName | undefined]
  > = [
    // name, engagement, lifetime's pick, recency's pick
    [
      'last year’s email habit against this week’s SMS replies',
      { email: engaged(20, 5, 300), sms: engaged(0, 0, 3, 2) },
      'email',
      'sms',
    ],
    ['one channel only', { push: engaged(2, 0, 10) }, 'push', 'push'],
    [
      'equal and equally recent: the documented order, email first',
      { sms: engaged(1, 0, 5), email: engaged(1, 0, 5) },
      undefined,
      'email',
    ],
    ['no engagement at all (a cold start): no preference, the step’s list goes on', {}, undefined, undefined],
    [
      'a click outweighs two opens of the same age',
      { email: engaged(2, 0, 1), push: engaged(0, 1, 1) },
      'push',
      'push',
    ],
  ];
  it.each(table)('%s', (_name, engagement, lifetime, recency) => {
    const p = profile({ engagement });
    expect(choose(p, 'lifetime').channel).toBe(lifetime);
    expect(choose(p, 'recency').channel).toBe(recency);
  });

  it('breaks an exact tie by the latest engagement, then by the order', () => {
    // One open each, at the same moment: equal scores and equally recent, so the order decides.
    const p = profile({
      engagement: {
        email: { opens: 1, clicks: 0, recent: [{ at: ago(2), kind: 'open' }] },
        sms: { opens: 1, clicks: 0, recent: [{ at: ago(2), kind: 'open' }] },
      },
    });
    expect(choose(p)).toMatchObject({ channel: 'email', tie: 'order' });
  });

  it('gives an exact tie to the channel engaged with last', () => {
    // Two opens a half-life ago (2 × ½) weigh exactly one open today (1).
    const p = profile({
      engagement: {
        email: {
          opens: 2,
          clicks: 0,
          recent: [
            { at: ago(30), kind: 'open' },
            { at: ago(30), kind: 'open' },
          ],
        },
        sms: { opens: 1, clicks: 0, recent: [{ at: ago(0), kind: 'open' }] },
      },
    });
    expect(choose(p)).toMatchObject({ channel: 'sms', tie: 'latest' });
  });

  it('a stated preference wins over any engagement', () => {
    const p = profile({ preferredChannel: 'push', engagement: { email: engaged(9, 9, 1) } });
    expect(choose(p)).toMatchObject({ channel: 'push', by: 'stated' });
  });

  it('reads counters alone (a profile from before `recent`) once, at lastAt', () => {
    const p = profile({ engagement: { email: { opens: 4, clicks: 0, lastAt: ago(30) } } });
    const choice = choose(p);
    expect(choice.channel).toBe('email');
    expect(choice.scores.email?.score).toBeCloseTo(2, 5); // 4 opens, one half-life old
  });

  it('names its evidence for the ledger', () => {
    const p = profile({ engagement: { email: engaged(2, 0, 300), sms: engaged(0, 0, 1, 2) } });
    expect(preferredFacts(choose(p))).toEqual({
      preferred: 'sms',
      preferredBy: 'recency',
      // 2 replies a day old: 2 × 3 × 0.5^(1/30); 2 opens 300 days old: 2 × 0.5^10, 0.00 to two decimals.
      preferredEvidence: 'sms 5.86 (2 replies); email 0 (2 opens)',
    });
  });
});

describe('feedback keeps recent engagement', () => {
  it('adds opens, clicks and replies newest first, once each, bounded', () => {
    let p: Profile = profile();
    for (let i = 0; i < 60; i++)
      p = applyFeedback(p, { kind: 'opened', channel: 'email' }, ago(60 - i)).profile!;
    p = applyFeedback(p, { kind: 'clicked', channel: 'email' }, ago(0)).profile!;
    const again = applyFeedback(p, { kind: 'clicked', channel: 'email' }, ago(0)).profile!;
    const recent = again.engagement?.email?.recent ?? [];
    expect(recent).toHaveLength(48);
    expect(recent[0]).toEqual({ at: ago(0), kind: 'click' });
    expect(recent.filter((e) => e.kind === 'click')).toHaveLength(1);
    expect(again.engagement?.email).toMatchObject({ opens: 60, clicks: 2 });
    const replied = applyFeedback(profile(), { kind: 'replied', channel: 'sms' }, ago(1));
    expect(replied.outcome).toBe('replied');
    expect(replied.profile?.engagement?.sms).toMatchObject({ replies: 1, recent: [{ kind: 'reply' }] });
  });

  it('does not count a machine open (Apple Mail Privacy Protection) as engagement', () => {
    const effect = applyFeedback(
      profile(),
      { kind: 'opened', channel: 'email', machine: 'apple_mpp' },
      ago(0),
    );
    expect(effect).toEqual({ profile: undefined, outcome: 'opened' });
  });

  it.each([
    [{ userAgent: 'Mozilla/5.0', ipAddress: '17.58.1.2' }, 'apple_mpp'],
    [{ userAgent: 'Mozilla/5.0', ipAddress: '203.0.113.9' }, 'apple_mpp'],
    [{ ipAddress: '17.58.1.2' }, 'apple_mpp'],
    [
      {
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15',
        ipAddress: '17.58.1.2',
      },
      undefined,
    ],
    [{ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', ipAddress: '198.51.100.7' }, undefined],
  ])('reads SES open %j as machine: %s', (open, expected) => {
    expect(machineOpen(open)).toBe(expected);
    const parsed = parseFeedback(
      { eventType: 'Open', mail: { messageId: 'm-1' }, open: { ...open, timestamp: ago(0) } },
      NOW,
    );
    expect(parsed).toMatchObject({
      via: 'message',
      feedback: { kind: 'opened', ...(expected ? { machine: expected } : {}) },
    });
  });

  it('reads an SMS reply other than STOP as a reply, without its words', () => {
    const parsed = parseFeedback({ originationNumber: '+447700900123', messageBody: 'yes please' }, NOW);
    expect(parsed).toMatchObject({ via: 'phone', feedback: { kind: 'replied', channel: 'sms' } });
    expect(JSON.stringify(parsed)).not.toContain('please');
  });
});
