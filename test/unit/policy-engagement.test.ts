import { describe, expect, it } from 'vitest';
import { evaluateCondition, explainCondition } from '../../engine/policy/conditions.ts';
import { engagedSteps, type MessageEngagement } from '../../engine/policy/engagement.ts';
import type { Condition } from '../../engine/schema.ts';
import { context, daysBefore, enrollment, event, hoursBefore, journey, NOW } from './policy-flow-fixtures.ts';

const SENT = daysBefore(2); // the reminder went out two days before NOW
const at = (hoursAfterSend: number) => new Date(Date.parse(SENT) + hoursAfterSend * 3_600_000).toISOString();

function withMessage(message: MessageEngagement | undefined, extra: Parameters<typeof context>[0] = {}) {
  return context({
    journey: journey({ goal: { event: 'order_placed', within: 'P7D' } }),
    enrollment: enrollment({
      enteredAt: daysBefore(3),
      event: event('signed_up', daysBefore(3), {}, { id: 'trigger' }),
    }),
    ...(message ? { engagement: { 'send-reminder': message } } : {}),
    ...extra,
  });
}

const opened = (within = 'P1D'): Condition => ({ engaged: 'send-reminder', with: 'open', within });
const clicked = (within = 'P1D'): Condition => ({ engaged: 'send-reminder', with: 'click', within });
const converted = (within = 'P1D'): Condition => ({ engaged: 'send-reminder', with: 'convert', within });

describe('engagement conditions', () => {
  it('hold when the step’s message was opened inside the window after it went out', () => {
    const ctx = withMessage({ sentAt: SENT, channel: 'email', openedAt: at(3) });
    expect(evaluateCondition(opened('PT4H'), ctx)).toBe(true);
  });

  it('do not hold when the open came after the window, even though it happened before now', () => {
    const ctx = withMessage({ sentAt: SENT, channel: 'email', openedAt: at(30) });
    expect(evaluateCondition(opened('P1D'), ctx)).toBe(false);
    expect(evaluateCondition(opened('P2D'), ctx)).toBe(true);
  });

  it('count a click as an open (a mail client that blocks the open pixel still clicks)', () => {
    const ctx = withMessage({ sentAt: SENT, channel: 'email', clickedAt: at(2) });
    expect(evaluateCondition(opened(), ctx)).toBe(true);
    expect(evaluateCondition(clicked(), ctx)).toBe(true);
  });

  it('do not count an open as a click', () => {
    const ctx = withMessage({ sentAt: SENT, channel: 'email', openedAt: at(2) });
    expect(evaluateCondition(clicked(), ctx)).toBe(false);
  });

  it('are false when the step sent nothing, and `not` of them is then true', () => {
    for (const ctx of [withMessage({}), withMessage(undefined)]) {
      expect(evaluateCondition(opened(), ctx)).toBe(false);
      expect(evaluateCondition(converted(), ctx)).toBe(false);
      expect(evaluateCondition({ not: opened() }, ctx)).toBe(true);
    }
  });

  it('hold on convert for a goal event after the message, inside both windows', () => {
    const order = event('order_placed', at(5));
    const ctx = withMessage({ sentAt: SENT, channel: 'sms' }, { history: [order] });
    expect(evaluateCondition(converted('PT6H'), ctx)).toBe(true);
    expect(evaluateCondition(converted('PT4H'), ctx)).toBe(false);
  });

  it('do not count a conversion before the message went out, nor one outside the goal’s window', () => {
    const before = event('order_placed', hoursBefore(50));
    expect(evaluateCondition(converted(), withMessage({ sentAt: SENT }, { history: [before] }))).toBe(false);
    const late = context({
      journey: journey({ goal: { event: 'order_placed', within: 'P1D' } }),
      enrollment: enrollment({ enteredAt: daysBefore(3) }),
      engagement: { 'send-reminder': { sentAt: SENT } },
      history: [event('order_placed', at(5))],
    });
    expect(evaluateCondition(converted(), late)).toBe(false);
  });

  it('are false on convert in a journey without a goal', () => {
    const ctx = context({
      engagement: { 'send-reminder': { sentAt: SENT } },
      history: [event('order_placed', at(1))],
    });
    expect(evaluateCondition(converted(), ctx)).toBe(false);
  });

  it('never count an engagement that has not happened yet at the decision', () => {
    const ctx = withMessage({ sentAt: SENT, openedAt: new Date(NOW.getTime() + 60_000).toISOString() });
    expect(evaluateCondition(opened('P5D'), ctx)).toBe(false);
  });

  it.each([
    ['an unknown kind', { engaged: 'send-reminder', with: 'read', within: 'P1D' }],
    ['a zero window', { engaged: 'send-reminder', with: 'open', within: 'PT0S' }],
    ['no window', { engaged: 'send-reminder', with: 'open' }],
    ['a window luxon reads but journeys do not', { engaged: 'send-reminder', with: 'open', within: 'PT-5M' }],
  ])('are false, and so is `not` of them, with %s', (_, cond) => {
    const ctx = withMessage({ sentAt: SENT, openedAt: at(1), clickedAt: at(1) });
    expect(evaluateCondition(cond as Condition, ctx)).toBe(false);
    expect(evaluateCondition({ not: cond } as Condition, ctx)).toBe(false);
  });

  it('explain what they saw: when the message went out, on which channel, and the engagement', () => {
    const ctx = withMessage({ sentAt: SENT, channel: 'push', openedAt: at(1) });
    expect(explainCondition(opened(), ctx)).toEqual({
      result: true,
      test: 'engaged send-reminder with open within P1D',
      engagement: { sentAt: SENT, channel: 'push', at: at(1) },
    });
  });

  it('name the send steps they ask about, wherever all/any/not put them', () => {
    const cond: Condition = {
      any: [opened(), { not: { all: [{ engaged: 'send-other', with: 'click', within: 'P1D' }, opened()] } }],
    };
    expect(engagedSteps(cond).sort()).toEqual(['send-other', 'send-reminder']);
  });
});
