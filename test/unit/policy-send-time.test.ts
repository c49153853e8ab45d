import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { RecentEngagement } from '../../engine/data.ts';
import { DEFAULT_POLICY, type PolicyConfig, parsePolicyConfig } from '../../engine/policy/config.ts';
import { decideFlow } from '../../engine/policy/flow.ts';
import { isInWindow } from '../../engine/policy/quiet-hours.ts';
import { planWait } from '../../engine/policy/time.ts';
import type { ChannelName, WaitStep } from '../../engine/schema.ts';
import { context as baseContext, enrollment, event, journey, profile } from './policy-flow-fixtures.ts';

const NOW = new Date('2024-06-10T06:00:00.000Z');
const DAY = 86_400_000;

const best = (over: Partial<NonNullable<WaitStep['until']>> = {}, duration?: string): WaitStep => ({
  type: 'wait',
  ...(duration ? { duration } : {}),
  until: { time: 'best', channel: 'email', window: ['09:00', '21:00'], fallback: '10:00', ...over },
  next: 'n',
});

/** `n` engagements at a local time in `zone`, one a day, the newest `daysAgo` before `now`. */
function habit(
  n: number,
  local: string,
  zone: string,
  kind: RecentEngagement['kind'] = 'click',
  now = NOW,
  daysAgo = 1,
): RecentEngagement[] {
  const [h, m] = local.split(':').map(Number);
  return Array.from({ length: n }, (_, i) => {
    const day = DateTime.fromMillis(now.getTime() - (daysAgo + i) * DAY, { zone });
    return { at: day.set({ hour: h!, minute: m!, second: 0, millisecond: 0 }).toUTC().toISO()!, kind };
  });
}

function ctx(opts: {
  now?: Date;
  zone?: string;
  recent?: RecentEngagement[];
  channel?: ChannelName;
  config?: PolicyConfig;
  runId?: string;
  history?: ReturnType<typeof event>[];
  goal?: string;
}) {
  const now = opts.now ?? NOW;
  const channel = opts.channel ?? 'email';
  return baseContext({
    now,
    profile: profile({
      timeZone: opts.zone ?? 'Europe/London',
      ...(opts.recent ? { engagement: { [channel]: { opens: 0, clicks: 0, recent: opts.recent } } } : {}),
    }),
    enrollment: enrollment({ id: opts.runId ?? 'run-1', enteredAt: now.toISOString() }),
    config: opts.config ?? noExploration,
    history: opts.history ?? [],
    journey: journey(opts.goal ? { goal: { event: opts.goal, within: 'P7D' } } : {}),
  });
}

const noExploration = parsePolicyConfig({ learning: { sendTime: { explorationShare: 0 } } });

const localOf = (d: Date, zone: string) => DateTime.fromJSDate(d).setZone(zone).toFormat('HH:mm');

describe('best send time', () => {
  it('sends at the customer’s learned time: a dozen clicks at 19:10 make it 19:00, and the evidence says so', () => {
    const plan = planWait(best(), ctx({ recent: habit(12, '19:10', 'Europe/London') }), 'wait-best');
    expect(localOf(plan.until, 'Europe/London')).toBe('19:00');
    expect(plan.sendTime).toMatchObject({
      rule: 'learned',
      channel: 'email',
      localTime: '19:00',
      peakHour: '19:00',
      evidence: { clicks: 12, opens: 0 },
    });
  });

  it('uses the fallback while the evidence is below minEvidence (one open is 1 of 2)', () => {
    const plan = planWait(best(), ctx({ recent: habit(1, '19:10', 'Europe/London', 'open') }), 'wait-best');
    expect(localOf(plan.until, 'Europe/London')).toBe('10:00');
    expect(plan.sendTime).toMatchObject({ rule: 'fallback', localTime: '10:00', evidence: { opens: 1 } });
  });

  it('weighs recent engagement over old: ten opens at 08:30 two years ago lose to three clicks at 18:00 last week', () => {
    const old = habit(10, '12:30', 'Europe/London', 'open', NOW, 700);
    const recent = habit(3, '18:00', 'Europe/London', 'click');
    const plan = planWait(best(), ctx({ recent: [...recent, ...old] }), 'wait-best');
    expect(plan.sendTime?.localTime).toBe('18:00');
  });

  it('stays inside the window: a habit at 06:00 gives the allowed quarter nearest to it, 09:00', () => {
    const plan = planWait(best(), ctx({ recent: habit(10, '06:00', 'Europe/London') }), 'wait-best');
    expect(plan.sendTime?.rule).toBe('learned');
    expect(localOf(plan.until, 'Europe/London')).toBe('09:00');
  });

  it('stays outside the channel’s quiet hours: an SMS habit at 22:30 with a window to 23:00 sends by 21:00', () => {
    const plan = planWait(
      best({ channel: 'sms', window: ['09:00', '23:00'] }),
      ctx({ channel: 'sms', recent: habit(10, '22:30', 'Europe/London', 'reply') }),
      'wait-best',
    );
    expect(localOf(plan.until, 'Europe/London')).toBe('20:45');
  });

  it('counts the journey’s goal events as evidence (conversions), whatever the channel', () => {
    const history = habit(4, '13:05', 'Europe/London').map((e) => event('order_placed', e.at));
    const plan = planWait(best(), ctx({ history, goal: 'order_placed' }), 'wait-best');
    expect(plan.sendTime).toMatchObject({
      rule: 'learned',
      localTime: '13:00',
      evidence: { conversions: 4 },
    });
  });

  it('follows a duration: two days, then the best time from then on', () => {
    const plan = planWait(best({}, 'P2D'), ctx({ recent: habit(6, '19:00', 'Europe/London') }), 'wait-best');
    expect(plan.until.getTime()).toBeGreaterThanOrEqual(NOW.getTime() + 2 * DAY);
    expect(plan.until.getTime()).toBeLessThan(NOW.getTime() + 3 * DAY);
    expect(localOf(plan.until, 'Europe/London')).toBe('19:00');
  });

  it('records its rule with the flow decision and carries the choice in the result', () => {
    const decision = decideFlow(
      'schedule',
      best(),
      ctx({ recent: habit(12, '19:10', 'Europe/London') }),
      'w',
    );
    expect(decision.notes).toContain('best_time:learned');
    expect(decision.result).toMatchObject({ outcome: 'wait', sendTime: { localTime: '19:00' } });
  });

  it('is DST-correct: a 19:00 habit learned in winter is 19:00 local after the spring change, not 20:00', () => {
    // Clicks at 19:00 London in March before the change (UTC+0); decided after it (UTC+1).
    const now = new Date('2024-04-02T06:00:00Z');
    const recent = habit(10, '19:00', 'Europe/London', 'click', new Date('2024-03-30T06:00:00Z'), 1);
    const plan = planWait(best(), ctx({ now, recent }), 'wait-best');
    expect(plan.until.toISOString()).toBe('2024-04-02T18:00:00.000Z');
  });

  it('moves a time that falls in the spring-forward gap to the next day, inside its window', () => {
    // New York skips 02:00–03:00 on 10 March 2024; a night-shift customer's window is 02:00–02:45.
    const zone = 'America/New_York';
    const now = new Date('2024-03-10T05:00:00Z'); // 00:00 local
    const recent = habit(8, '02:15', zone, 'click', now);
    const plan = planWait(
      best({ window: ['02:00', '02:45'], fallback: '02:00' }),
      ctx({ now, zone, recent }),
      'w',
    );
    const local = DateTime.fromJSDate(plan.until).setZone(zone);
    expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe('2024-03-11 02:15');
  });

  it('explores at most its share: with share 0.1 about one wait in ten tries another hour, the rest learned', () => {
    const config = DEFAULT_POLICY;
    const recent = habit(12, '19:10', 'Europe/London');
    const rules = Array.from({ length: 2_000 }, (_, i) =>
      planWait(best(), ctx({ recent, config, runId: `run-${i}` }), 'w'),
    ).map((p) => p.sendTime?.rule);
    const explored = rules.filter((r) => r === 'explore').length / rules.length;
    expect(explored).toBeGreaterThan(0.07);
    expect(explored).toBeLessThan(0.13);
    expect(rules.filter((r) => r === 'learned').length).toBe(
      rules.length - rules.filter((r) => r === 'explore').length,
    );
  });
});

// ── Properties ────────────────────────────────────────────────────────────────────────────────

const ZONES = [
  'UTC',
  'Europe/London',
  'America/New_York',
  'Asia/Tehran',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
];
const hhmm = fc
  .record({ h: fc.integer({ min: 0, max: 23 }), q: fc.integer({ min: 0, max: 3 }) })
  .map(({ h, q }) => `${String(h).padStart(2, '0')}:${String(q * 15).padStart(2, '0')}`);
const arbitraryNow = fc
  .integer({ min: Date.UTC(2022, 0, 1), max: Date.UTC(2027, 0, 1) })
  .map((ms) => new Date(Math.floor(ms / 60_000) * 60_000));
const arbitraryRecent = fc.array(
  fc.record({
    ago: fc.integer({ min: 0, max: 200 * DAY }),
    kind: fc.constantFrom<RecentEngagement['kind']>('open', 'click', 'reply'),
  }),
  { maxLength: 40 },
);
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

describe('best send time (properties)', () => {
  it('is always inside the window and outside quiet hours, never before now, and the same for the same history and seed', () => {
    fc.assert(
      fc.property(
        arbitraryNow,
        fc.constantFrom(...ZONES),
        fc.constantFrom<ChannelName>('email', 'sms', 'push'),
        hhmm,
        hhmm,
        arbitraryRecent,
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.string({ maxLength: 8 }),
        (now, zone, channel, start, end, raw, share, seed) => {
          fc.pre(start !== end);
          const window = { start, end };
          const quiet = DEFAULT_POLICY.quietHours[channel];
          // Some allowed minute must exist (else the fallback is used as written, noted).
          const anyAllowed = Array.from({ length: 1440 }, (_, m) => m).some(
            (m) => isInWindow(m, window) && !(quiet && isInWindow(m, quiet)),
          );
          const config = parsePolicyConfig({ learning: { sendTime: { explorationShare: share } } });
          const recent = raw.map((r) => ({
            at: new Date(now.getTime() - r.ago).toISOString(),
            kind: r.kind,
          }));
          const step = best({ channel, window: [start, end], fallback: start });
          const make = () => ctx({ now, zone, recent, channel, config, runId: seed });
          const plan = planWait(step, make(), 'w');
          expect(plan.until.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(planWait(step, make(), 'w')).toEqual(plan);
          if (!anyAllowed) {
            expect(plan.sendTime?.noAllowedTime).toBe(true);
            return;
          }
          const local = DateTime.fromJSDate(plan.until).setZone(zone);
          const minute = local.hour * 60 + local.minute;
          expect(isInWindow(minute, window)).toBe(true);
          if (quiet) expect(isInWindow(minute, quiet)).toBe(false);
          // To the quarter hour (or the fallback, a quarter here too).
          expect(minute % 15).toBe(0);
          expect(minutes(plan.sendTime!.localTime) % 15).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('explores no more than its share (a binomial bound over 400 runs)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.string({ maxLength: 6 }),
        (share, prefix) => {
          const config = parsePolicyConfig({ learning: { sendTime: { explorationShare: share } } });
          const n = 400;
          let explored = 0;
          for (let i = 0; i < n; i++) {
            const plan = planWait(best(), ctx({ config, runId: `${prefix}-${i}` }), 'w');
            if (plan.sendTime?.rule === 'explore') explored++;
          }
          // Mean n·share; four standard deviations above it (and never any at share 0).
          const bound = n * share + 4 * Math.sqrt(n * share * (1 - share)) + (share > 0 ? 1 : 0);
          expect(explored).toBeLessThanOrEqual(bound);
          if (share === 0) expect(explored).toBe(0);
        },
      ),
      { numRuns: 15 },
    );
  });
});
