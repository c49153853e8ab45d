import { describe, expect, it } from 'vitest';
import {
  CONTROL_ACTIONS,
  CONTROL_STATES,
  type ControlAction,
  type ControlState,
  entryAllowed,
  gateStep,
  PAUSE_RECHECK_MS,
  transitionControl,
} from '../../engine/journey-control.ts';

const NOW = new Date('2026-03-02T10:00:00.000Z');

describe('journey control transitions', () => {
  // Every (state, action) pair: the listed transitions, "already there" accepted unchanged, the rest refused.
  const table: [ControlState, ControlAction, ControlState | 'refused', boolean][] = [
    ['active', 'pause', 'paused', true],
    ['active', 'resume', 'active', false],
    ['active', 'drain', 'draining', true],
    ['active', 'stop', 'stopped', true],
    ['paused', 'pause', 'paused', false],
    ['paused', 'resume', 'active', true],
    ['paused', 'drain', 'draining', true],
    ['paused', 'stop', 'stopped', true],
    ['draining', 'pause', 'refused', false],
    ['draining', 'resume', 'refused', false],
    ['draining', 'drain', 'draining', false],
    ['draining', 'stop', 'stopped', true],
    ['stopped', 'pause', 'refused', false],
    ['stopped', 'resume', 'refused', false],
    ['stopped', 'drain', 'refused', false],
    ['stopped', 'stop', 'stopped', false],
  ];

  it('covers every state and action', () => {
    expect(table).toHaveLength(CONTROL_STATES.length * CONTROL_ACTIONS.length);
  });

  it.each(table)('%s --%s--> %s (changed: %s)', (from, action, to, changed) => {
    const transition = transitionControl(from, action);
    if (to === 'refused') {
      expect(transition).toMatchObject({ ok: false, code: 'invalid_transition', from });
    } else {
      expect(transition).toEqual({ ok: true, from, to, changed });
    }
  });

  it('tells the operator which actions a state accepts, and that stopped is final', () => {
    expect(transitionControl('draining', 'resume')).toMatchObject({
      message: 'cannot resume a journey that is draining',
      suggestion: 'a draining journey accepts: stop',
    });
    expect(transitionControl('stopped', 'resume')).toMatchObject({
      suggestion: 'a stopped journey is final: release a new version to run it again',
    });
  });
});

describe('what a control means for entries and steps', () => {
  it.each([
    ['active', { ok: true }],
    ['paused', { ok: true }],
    ['draining', { ok: false, reason: 'journey_draining' }],
    ['stopped', { ok: false, reason: 'journey_stopped' }],
  ] as const)('a %s journey: entry %j', (state, expected) => {
    expect(entryAllowed(state)).toEqual(expected);
  });

  const ops = ['send', 'branch', 'split', 'update', 'schedule', 'waitForEvent'] as const;
  it.each(ops)('a paused journey holds only sends (op %s)', (op) => {
    const gate = gateStep('paused', op, NOW);
    if (op === 'send') {
      expect(gate).toEqual({ kind: 'hold', until: new Date(NOW.getTime() + PAUSE_RECHECK_MS) });
    } else {
      expect(gate).toEqual({ kind: 'proceed' });
    }
  });

  it.each(ops)('a stopped journey exits at op %s, except an update, whose state routes nothing', (op) => {
    expect(gateStep('stopped', op, NOW)).toEqual(
      op === 'update' ? { kind: 'proceed' } : { kind: 'exit', reason: 'journey_stopped' },
    );
  });

  it.each(['active', 'draining'] as const)('a %s journey runs every step', (state) => {
    for (const op of ops) expect(gateStep(state, op, NOW)).toEqual({ kind: 'proceed' });
  });
});
