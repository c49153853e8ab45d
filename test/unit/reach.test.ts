import { describe, expect, it } from 'vitest';
import { reaches, stepIsInLoop, successors } from '../../engine/reach.ts';
import { journey } from './policy-flow-fixtures.ts';

// send → wait → branch: back to send (a weekly loop) or on to the exit.
const weekly = journey({
  start: 'send',
  steps: {
    send: { type: 'send', message: 'm', channels: ['email'], next: 'week' },
    week: { type: 'wait', duration: 'P7D', next: 'again' },
    again: {
      type: 'branch',
      branches: [{ when: { field: 'profile.attributes.vip', op: 'eq', value: true }, next: 'send' }],
      otherwise: 'done',
    },
    done: { type: 'exit' },
  },
});

describe('the step graph', () => {
  it('lists a branch’s targets in the order they are written, the otherwise last', () => {
    expect(successors(weekly, 'again')).toEqual(['send', 'done']);
  });

  it('gives no successors for a step the journey does not have, even one named like an object member', () => {
    expect(successors(weekly, 'nope')).toEqual([]);
    expect(successors(weekly, 'constructor')).toEqual([]);
    expect(stepIsInLoop(weekly, 'toString')).toBe(false);
  });

  it('finds what a step reaches, and only that', () => {
    expect(reaches(weekly, 'week', 'done')).toBe(true);
    expect(reaches(weekly, 'done', 'send')).toBe(false);
  });

  it('knows which steps lie on a loop: they may run again in one execution', () => {
    expect(stepIsInLoop(weekly, 'send')).toBe(true);
    expect(stepIsInLoop(weekly, 'done')).toBe(false);
  });
});
