import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  audienceEnrollmentId,
  customerEntryInstant,
  isMember,
  planAudienceEntry,
  schedulerExpression,
  ticksBetween,
} from '../../engine/audience/index.ts';
import { validateSegmentText } from '../../engine/audience/validate.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { validateJourneyValue } from '../../engine/validate/index.ts';

const winBack = JSON.parse(readFileSync('workflows/win-back.journey.json', 'utf8')) as Journey;
const lapsed = {
  id: 'lapsed-60d',
  condition: JSON.parse(readFileSync('workflows/segments/lapsed-60d.segment.json', 'utf8')).condition,
};
const order = (id: string, time: string): CustomerEvent => ({
  id,
  type: 'order_placed',
  customerId: 'c1',
  time,
  properties: {},
});
const profile = (extra: Partial<Profile> = {}): Profile => ({
  id: 'c1',
  timeZone: 'Asia/Dubai',
  attributes: { ordersCount: 2 },
  consent: { email: { status: 'opted_in', at: '2026-01-01T00:00:00Z', source: 'signup_form' } },
  ...extra,
});

describe('segment files', () => {
  it('accepts the shipped segments', () => {
    for (const id of ['lapsed-60d', 'recent-buyers', 'vip-uae']) {
      const file = `workflows/segments/${id}.segment.json`;
      const result = validateSegmentText(readFileSync(file, 'utf8'), file);
      expect(result.problems, id).toEqual([]);
      expect(result.segment?.id).toBe(id);
    }
  });

  it('names the file, the JSON path and the fix for a misspelt field, an event field and since-entry', () => {
    const text = JSON.stringify({
      id: 'vip-uae',
      name: 'VIPs',
      condition: {
        all: [
          { field: 'profile.atributes.lifetimeValue', op: 'gte', value: 500 },
          { field: 'event.properties.total', op: 'gt', value: 1 },
          { did: 'order_placed', since: 'entry' },
        ],
      },
    });
    const { problems, segment } = validateSegmentText(text, 'workflows/segments/vip-uae.segment.json');
    expect(segment).toBeUndefined();
    expect(problems.map((p) => [p.file, p.code, p.path])).toEqual([
      ['workflows/segments/vip-uae.segment.json', 'field.unknown', '/condition/all/0/field'],
      ['workflows/segments/vip-uae.segment.json', 'segment.not-a-customer-field', '/condition/all/1/field'],
      ['workflows/segments/vip-uae.segment.json', 'segment.since-entry', '/condition/all/2/since'],
    ]);
    expect(problems[0]?.suggestion).toContain('profile.attributes.lifetimeValue');
  });

  it('refuses an id that is not the file name, and an unknown operator through the schema', () => {
    const text = JSON.stringify({
      id: 'vips',
      name: 'x',
      condition: { field: 'profile.country', op: 'is', value: 'AE' },
    });
    const codes = validateSegmentText(text, 'segments/vip-uae.segment.json').problems.map((p) => p.code);
    expect(codes).toContain('segment.id-mismatch');
    expect(codes.some((c) => c.startsWith('schema.'))).toBe(true);
  });
});

describe('segment membership', () => {
  const now = new Date('2026-03-09T06:00:00Z');
  const input = (history: CustomerEvent[], p = profile()) => ({
    profile: p,
    history,
    now,
    config: DEFAULT_POLICY,
  });

  it('holds for a buyer whose last order is more than 60 days old, not for a recent one', () => {
    expect(isMember(lapsed, input([order('o1', '2025-12-01T10:00:00Z')]))).toBe(true);
    expect(isMember(lapsed, input([order('o2', '2026-02-20T10:00:00Z')]))).toBe(false);
  });

  it('does not hold without email consent', () => {
    expect(isMember(lapsed, input([], profile({ consent: {} })))).toBe(false);
  });
});

describe('schedule ticks', () => {
  it('a weekly cron in Asia/Dubai fires Mondays at 09:00 local (05:00 UTC)', () => {
    const ticks = ticksBetween(
      { cron: '0 9 * * MON', zone: 'Asia/Dubai' },
      new Date('2026-05-01T00:00:00Z'),
      new Date('2026-05-15T00:00:00Z'),
    );
    expect(ticks.map((t) => [t.label, t.runAt.toISOString()])).toEqual([
      ['2026-05-04T09:00', '2026-05-04T05:00:00.000Z'],
      ['2026-05-11T09:00', '2026-05-11T05:00:00.000Z'],
    ]);
  });

  it('zone customer: the run starts where 09:00 comes first (UTC+14), each customer enters at 09:00 in their own zone, DST included', () => {
    const schedule = { at: '2026-03-08T09:00', zone: 'customer' };
    const [tick] = ticksBetween(schedule, new Date('2026-03-01T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(tick?.runAt.toISOString()).toBe('2026-03-07T19:00:00.000Z');
    // New York springs forward at 02:00 on 8 March 2026: 09:00 is EDT (UTC-4), a week earlier EST (UTC-5).
    expect(customerEntryInstant(schedule, tick!, 'America/New_York').toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    const before = ticksBetween(
      { at: '2026-03-01T09:00', zone: 'customer' },
      new Date('2026-02-20T00:00:00Z'),
      new Date('2026-03-10T00:00:00Z'),
    )[0]!;
    expect(customerEntryInstant(schedule, before, 'America/New_York').toISOString()).toBe(
      '2026-03-01T14:00:00.000Z',
    );
    expect(customerEntryInstant(schedule, tick!, 'Asia/Tehran').toISOString()).toBe(
      '2026-03-08T05:30:00.000Z',
    );
    expect(customerEntryInstant(schedule, tick!, 'Not/AZone', 'UTC').toISOString()).toBe(
      '2026-03-08T09:00:00.000Z',
    );
  });

  it('translates to EventBridge Scheduler expressions (six fields, ? in one day field, Sunday = 1)', () => {
    expect(schedulerExpression({ cron: '0 9 * * MON', zone: 'Asia/Dubai' })).toEqual({
      expression: 'cron(0 9 ? * MON *)',
      timezone: 'Asia/Dubai',
    });
    expect(schedulerExpression({ cron: '*/15 8 * * 0,6', zone: 'UTC' }).expression).toBe(
      'cron(0/15 8 ? * 1,7 *)',
    );
    expect(schedulerExpression({ cron: '30 8 1 * *', zone: 'UTC' }).expression).toBe('cron(30 8 1 * ? *)');
    expect(schedulerExpression({ at: '2026-05-01T09:00', zone: 'customer' })).toEqual({
      expression: 'at(2026-05-01T09:00:00)',
      timezone: 'Etc/GMT-14',
    });
  });
});

describe('audience enrolment planning', () => {
  const tick = { label: '2026-03-09T10:00', runAt: new Date('2026-03-08T20:00:00Z') };
  const ctx = { journey: winBack, segment: lapsed, tick, now: tick.runAt, config: DEFAULT_POLICY };
  const candidate = {
    profile: profile(),
    history: [order('o1', '2025-12-01T10:00:00Z')],
    priorEnrollments: [],
    position: 0,
  };

  it('keys the enrolment by journey, tick and customer only', () => {
    expect(audienceEnrollmentId('win-back', tick.label, 'c1')).toBe(
      audienceEnrollmentId('win-back', tick.label, 'c1'),
    );
    expect(audienceEnrollmentId('win-back', tick.label, 'c1')).not.toBe(
      audienceEnrollmentId('win-back', '2026-03-16T10:00', 'c1'),
    );
    expect(audienceEnrollmentId('win-back', tick.label, 'c1')).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('enters a member at their local time, and a re-run of the tick finds the enrolment', () => {
    const first = planAudienceEntry(ctx, candidate);
    const enrollment = first.kind === 'start' || first.kind === 'heldOut' ? first.enrollment : undefined;
    expect(enrollment?.notBefore).toBe('2026-03-09T06:00:00.000Z');
    const again = planAudienceEntry(ctx, {
      ...candidate,
      priorEnrollments: [{ id: enrollment!.id, journeyId: 'win-back', enteredAt: enrollment!.enteredAt }],
    });
    expect(again).toMatchObject({ kind: 'skip', reason: 'already_enrolled' });
  });

  it('keeps the re-entry cool-down across ticks', () => {
    const prior = [{ id: 'older', journeyId: 'win-back', enteredAt: '2026-02-23T06:00:00.000Z' }];
    expect(planAudienceEntry(ctx, { ...candidate, priorEnrollments: prior })).toMatchObject({
      reason: 'reentry_cooldown',
    });
  });

  it('paces entrants per minute and drops those past endBy', () => {
    const paced = {
      ...winBack,
      entry: { ...winBack.entry, pacing: { perMinute: 10, endBy: 'PT1H' } },
    } as Journey;
    const at = (position: number) =>
      planAudienceEntry({ ...ctx, journey: paced }, { ...candidate, position });
    const start = (d: ReturnType<typeof at>) => ('enrollment' in d ? d.enrollment.notBefore : d.reason);
    expect(start(at(9))).toBe('2026-03-09T06:00:00.000Z');
    expect(start(at(10))).toBe('2026-03-09T06:01:00.000Z');
    expect(start(at(599))).toBe('2026-03-09T06:59:00.000Z');
    expect(start(at(600))).toBe('pacing_end_by');
  });
});

describe('audience entry in the journey validator', () => {
  const segments = new Set(['lapsed-60d', 'recent-buyers']);
  const codes = (entry: unknown) =>
    validateJourneyValue({ ...winBack, entry }, 'workflows/win-back.journey.json', { segments }).problems.map(
      (p) => [p.code, p.path],
    );

  it('accepts the win-back journey', () => {
    expect(codes(winBack.entry)).toEqual([]);
  });

  it('names an unknown segment, a bad cron and a misspelt zone', () => {
    const problems = validateJourneyValue(
      {
        ...winBack,
        entry: {
          ...winBack.entry,
          segment: 'lapsed-60',
          schedule: { cron: '0 10 * MON', zone: 'Asia/Dubay' },
        },
      },
      'workflows/win-back.journey.json',
      { segments },
    ).problems;
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['entry.unknown-segment', '/entry/segment'],
      ['schedule.bad-cron', '/entry/schedule/cron'],
      ['schedule.unknown-zone', '/entry/schedule/zone'],
    ]);
    expect(problems[0]?.suggestion).toBe('use `lapsed-60d`');
    expect(problems[2]?.suggestion).toBe('use `Asia/Dubai`');
  });

  it('refuses a segment without a schedule, an entry with neither event nor segment, and both day fields in cron', () => {
    expect(codes({ segment: 'lapsed-60d', reentry: { mode: 'never' } })).toContainEqual([
      'entry.segment-without-schedule',
      '/entry/segment',
    ]);
    expect(codes({ reentry: { mode: 'never' } })).toContainEqual(['entry.no-trigger', '/entry']);
    expect(codes({ ...winBack.entry, schedule: { cron: '0 9 1 * MON', zone: 'UTC' } })).toContainEqual([
      'schedule.bad-cron',
      '/entry/schedule/cron',
    ]);
  });

  it('checks inSegment on an event journey', () => {
    expect(codes({ event: 'signed_up', inSegment: 'vip', reentry: { mode: 'never' } })).toContainEqual([
      'entry.unknown-segment',
      '/entry/inSegment',
    ]);
  });
});
