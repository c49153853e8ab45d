import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapCheckInput, type CapEntry, capCheck } from '../../engine/policy/caps.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/config.ts';

const NOW = new Date('2026-05-10T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const daysAgo = (d: number) => hoursAgo(d * 24);

let n = 0;
function sent(at: string, over: Partial<CapEntry> = {}): CapEntry {
  n += 1;
  return {
    key: `exec-${n}#send`,
    at,
    channel: 'email',
    category: 'marketing',
    priority: 50,
    journeyId: 'j',
    ...over,
  };
}

function check(over: Partial<CapCheckInput>) {
  return capCheck({
    recent: [],
    channel: 'email',
    category: 'marketing',
    priority: 50,
    now: NOW,
    config: DEFAULT_POLICY,
    ...over,
  });
}

// DEFAULT_POLICY: marketing-7d (3 per P7D, every channel, marketing only) and sms-1d (1 per P1D, any category).
describe('frequency caps over rolling windows', () => {
  const rows: {
    name: string;
    recent: CapEntry[];
    channel?: CapEntry['channel'];
    category?: CapEntry['category'];
    priority?: number;
    config?: PolicyConfig;
    expected: { ok: true } | { capId: string; until: string; action: 'defer' | 'skip' };
  }[] = [
    { name: 'no recent sends: ok', recent: [], expected: { ok: true } },
    {
      name: 'two marketing sends in 7 days leave room for a third',
      recent: [sent(daysAgo(1)), sent(daysAgo(2), { channel: 'push' })],
      expected: { ok: true },
    },
    {
      name: 'three marketing sends in 7 days fill the cap until the oldest leaves (+50 s for priority 50)',
      recent: [sent(daysAgo(1)), sent(daysAgo(6)), sent(daysAgo(3), { channel: 'sms' })],
      expected: { capId: 'marketing-7d', until: '2026-05-11T12:00:50.000Z', action: 'defer' },
    },
    {
      name: 'a send older than the window does not count',
      recent: [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(7))],
      expected: { ok: true },
    },
    {
      name: 'a send just inside the window still counts',
      recent: [
        sent(daysAgo(1)),
        sent(daysAgo(2)),
        sent(new Date(NOW.getTime() - 7 * 86_400_000 + 1000).toISOString()),
      ],
      expected: { capId: 'marketing-7d', until: '2026-05-10T12:00:51.000Z', action: 'defer' },
    },
    {
      name: 'transactional sends do not count against the marketing cap',
      recent: [sent(daysAgo(1), { category: 'transactional' }), sent(daysAgo(2)), sent(daysAgo(3))],
      expected: { ok: true },
    },
    {
      name: 'a transactional message ignores a full marketing cap',
      recent: [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(3))],
      category: 'transactional',
      expected: { ok: true },
    },
    {
      name: 'the SMS cap counts only SMS',
      recent: [sent(hoursAgo(2), { channel: 'email' })],
      channel: 'sms',
      expected: { ok: true },
    },
    {
      name: 'one SMS today fills the daily SMS cap for transactional SMS too, when the policy does not exempt them',
      recent: [sent(hoursAgo(2), { channel: 'sms', category: 'transactional' })],
      channel: 'sms',
      category: 'transactional',
      priority: 90,
      config: { ...DEFAULT_POLICY, transactionalExempt: { quietHours: false, caps: false } },
      expected: { capId: 'sms-1d', until: '2026-05-11T10:00:10.000Z', action: 'defer' },
    },
    {
      name: 'below deferPriorityAtLeast the capped send is skipped',
      recent: [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(3))],
      priority: 49,
      expected: { capId: 'marketing-7d', until: '2026-05-14T12:00:51.000Z', action: 'skip' },
    },
    {
      name: 'at exactly deferPriorityAtLeast the capped send is deferred',
      recent: [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(3))],
      priority: 50,
      expected: { capId: 'marketing-7d', until: '2026-05-14T12:00:50.000Z', action: 'defer' },
    },
    {
      name: 'with both caps full, the one that frees up last decides',
      recent: [sent(hoursAgo(1), { channel: 'sms' }), sent(daysAgo(5)), sent(hoursAgo(167))],
      channel: 'sms',
      priority: 100,
      expected: { capId: 'sms-1d', until: '2026-05-11T11:00:00.000Z', action: 'defer' },
    },
    {
      name: 'an overfull window waits until enough sends have left to make room for one',
      recent: [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(3)), sent(daysAgo(4)), sent(daysAgo(5))],
      priority: 100,
      expected: { capId: 'marketing-7d', until: '2026-05-14T12:00:00.000Z', action: 'defer' },
    },
  ];

  it.each(rows)('$name', ({ recent, channel, category, priority, config, expected }) => {
    const result = check({
      recent,
      ...(config ? { config } : {}),
      ...(channel ? { channel } : {}),
      ...(category ? { category } : {}),
      ...(priority !== undefined ? { priority } : {}),
    });
    if ('ok' in expected) {
      expect(result).toEqual({ ok: true });
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect({ capId: result.capId, until: result.until.toISOString(), action: result.action }).toEqual(
        expected,
      );
    }
  });
});

describe('cap priority tie-break', () => {
  it('wakes a higher-priority journey before a lower one blocked by the same sends', () => {
    const recent = [sent(daysAgo(1)), sent(daysAgo(2)), sent(daysAgo(3))];
    const high = check({ recent, priority: 90 });
    const low = check({ recent, priority: 60 });
    expect(high.ok || low.ok).toBe(false);
    if (high.ok || low.ok) return;
    expect(high.until.getTime()).toBeLessThan(low.until.getTime());
  });
});

describe('cap bookkeeping', () => {
  it('does not count the send being decided when it is retried', () => {
    const own = sent(hoursAgo(0), { key: 'exec-own#send' });
    const recent = [sent(daysAgo(1)), sent(daysAgo(2)), own];
    expect(check({ recent, key: 'exec-own#send' })).toEqual({ ok: true });
    expect(check({ recent }).ok).toBe(false);
  });

  it('blocks a channel entirely when a cap limit is 0', () => {
    const config: PolicyConfig = {
      ...DEFAULT_POLICY,
      caps: [{ id: 'no-push', limit: 0, window: 'P1D', channels: ['push'] }],
    };
    const result = check({ channel: 'push', config, priority: 10 });
    expect(result).toMatchObject({ ok: false, capId: 'no-push', action: 'skip' });
  });

  it('ignores entries with an unreadable timestamp', () => {
    const recent = [sent('not a date'), sent(daysAgo(1)), sent(daysAgo(2))];
    expect(check({ recent })).toEqual({ ok: true });
  });
});

describe('caps (property)', () => {
  const entryArb = fc.record({
    key: fc.uuid(),
    at: fc
      .integer({ min: -10 * 86_400, max: 0 })
      .map((s) => new Date(NOW.getTime() + s * 1000).toISOString()),
    channel: fc.constantFrom<CapEntry['channel']>('email', 'sms', 'push'),
    category: fc.constantFrom<CapEntry['category']>('marketing', 'transactional'),
    priority: fc.integer({ min: 1, max: 100 }),
    journeyId: fc.constant('j'),
  });

  it('a capped send fits at `until`, and not a moment before the window frees up', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 8 }),
        fc.constantFrom<CapEntry['channel']>('email', 'sms', 'push'),
        fc.constantFrom<CapEntry['category']>('marketing', 'transactional'),
        fc.integer({ min: 1, max: 100 }),
        (recent, channel, category, priority) => {
          const result = check({ recent, channel, category, priority });
          if (result.ok) return true;
          const later = check({ recent, channel, category, priority, now: result.until });
          const freesAt = result.until.getTime() - (100 - priority) * 1000;
          const justBefore = check({ recent, channel, category, priority, now: new Date(freesAt - 1) });
          return later.ok && !justBefore.ok && result.action === (priority >= 50 ? 'defer' : 'skip');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
