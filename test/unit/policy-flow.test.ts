import { describe, expect, it } from 'vitest';
import { decideFlow } from '../../engine/policy/flow.ts';
import { assignArm } from '../../engine/policy/split.ts';
import type { BranchStep, Journey, SplitStep, Step, UpdateStep, WaitStep } from '../../engine/schema.ts';
import {
  context,
  daysBefore,
  enrollment,
  event,
  hoursBefore,
  journey,
  profile,
} from './policy-flow-fixtures.ts';

const vipBranch: BranchStep = {
  type: 'branch',
  branches: [
    {
      name: 'big-spender',
      when: { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 },
      next: 'send-vip',
    },
    { when: { did: 'order_placed', within: 'P30D' }, next: 'send-recent' },
  ],
  otherwise: 'send-default',
};
const abSplit: SplitStep = {
  type: 'split',
  arms: [
    { name: 'short', weight: 50, next: 'send-short' },
    { name: 'long', weight: 50, next: 'send-long' },
  ],
};
const markVip: UpdateStep = { type: 'update', attribute: 'vip', value: true, next: 'done' };
const waitTen: WaitStep = { type: 'wait', until: { localTime: '10:00' }, next: 'done' };

const flowJourney: Journey = journey({
  exit: [{ event: 'unsubscribed' }],
  steps: {
    'vip-branch': vipBranch,
    'ab-split': abSplit,
    'mark-vip': markVip,
    'wait-ten': waitTen,
    done: { type: 'exit' },
  },
});

describe('branch', () => {
  const cases: Array<[string, Parameters<typeof context>[0], string, string]> = [
    [
      'the first holding branch wins',
      { profile: profile({ attributes: { lifetimeValue: 900 } }) },
      'send-vip',
      'big-spender',
    ],
    [
      'an unnamed branch is reported by position',
      { history: [event('order_placed', daysBefore(3), { items: [] })] },
      'send-recent',
      '#1',
    ],
    ['otherwise when nothing holds', {}, 'send-default', 'otherwise'],
  ];
  it.each(cases)('%s', (_name, overrides, next, branch) => {
    const decision = decideFlow('branch', vipBranch, context({ journey: flowJourney, ...overrides }));
    expect(decision.result).toEqual({ outcome: 'next', next, detail: { branch } });
    expect(decision.change).toBeUndefined();
  });
});

describe('split', () => {
  it('routes to the stable arm for the customer, keyed by the step id', () => {
    for (const customerId of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const ctx = context({ journey: flowJourney, enrollment: enrollment({ customerId }) });
      const arm = assignArm(customerId, flowJourney.id, 'ab-split', abSplit.arms)!;
      expect(decideFlow('split', abSplit, ctx).result).toEqual({
        outcome: 'next',
        next: arm.next,
        detail: { arm: arm.name },
      });
      // A structurally equal copy of the step, or an explicit id, decides the same.
      expect(decideFlow('split', structuredClone(abSplit), ctx).result).toEqual(
        decideFlow('split', abSplit, ctx).result,
      );
      expect(decideFlow('split', abSplit, ctx, 'ab-split').result).toEqual(
        decideFlow('split', abSplit, ctx).result,
      );
    }
  });
});

describe('update', () => {
  it('returns the attribute change and continues', () => {
    expect(decideFlow('update', markVip, context({ journey: flowJourney }))).toEqual({
      result: { outcome: 'next', next: 'done' },
      change: { attribute: 'vip', value: true },
    });
  });
});

describe('schedule', () => {
  it('answers a wait with the time it ends', () => {
    const ctx = context({ journey: flowJourney, profile: profile({ timeZone: 'Asia/Tehran' }) });
    // NOW is 15:30 in Tehran: the next 10:00 is tomorrow, 06:30 UTC.
    expect(decideFlow('schedule', waitTen, ctx)).toEqual({
      result: { outcome: 'wait', until: '2024-06-11T06:30:00.000Z' },
    });
  });

  it('carries the zone fallback as a note', () => {
    const ctx = context({ journey: flowJourney, profile: profile({ timeZone: 'Bad/Zone' }) });
    expect(decideFlow('schedule', waitTen, ctx)).toEqual({
      result: { outcome: 'wait', until: '2024-06-11T10:00:00.000Z' },
      notes: ['invalid_time_zone'],
    });
  });
});

describe('exit comes first', () => {
  const unsubscribed = context({
    journey: flowJourney,
    profile: profile({ attributes: { lifetimeValue: 900 } }),
    history: [event('unsubscribed', hoursBefore(1), {})],
  });
  const cases: Array<[Parameters<typeof decideFlow>[0], Step]> = [
    ['branch', vipBranch],
    ['split', abSplit],
    ['update', markVip],
    ['schedule', waitTen],
  ];
  it.each(cases)('%s exits when an exit event happened since entry, and changes nothing', (op, step) => {
    expect(decideFlow(op, step, unsubscribed)).toEqual({
      result: { outcome: 'exit', reason: 'exit_event:unsubscribed' },
    });
  });
});

describe('mismatched requests', () => {
  it('exits with a reason when the step is not the kind the op expects', () => {
    const ctx = context({ journey: flowJourney });
    expect(decideFlow('branch', markVip, ctx).result).toEqual({
      outcome: 'exit',
      reason: 'invalid_step:branch',
    });
    expect(decideFlow('schedule', vipBranch, ctx).result).toEqual({
      outcome: 'exit',
      reason: 'invalid_step:schedule',
    });
    expect(decideFlow('split', undefined as unknown as Step, ctx).result).toEqual({
      outcome: 'exit',
      reason: 'invalid_step:split',
    });
  });
});
