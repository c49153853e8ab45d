/**
 * Journey controls: what an operator can do to a running journey, as a small state machine, and
 * what each state means for an entry (ingest) and for a step (the step Lambda). Pure: the control
 * record is read and written by functions/ (one DynamoDB item per journey, `JOURNEY#<id>`/`CONTROL`).
 *
 * States and transitions (every other pair is refused with `invalid_transition`; asking for the
 * state a journey is already in is accepted and changes nothing):
 *
 *   active   --pause-->  paused      sends are held (deferred with `journey_paused`), nobody is lost
 *   paused   --resume--> active      held sends go out at their next re-check
 *   active   --drain-->  draining    no new entrants (`journey_draining`); running customers finish
 *   paused   --drain-->  draining    draining releases the pause: running customers must be able to finish
 *   any      --stop-->   stopped     everyone exits at their next step (`journey_stopped`); no entrants
 *
 * `stopped` is final: a stopped journey is started again by releasing a new version, not by a control.
 * A journey with no control record is `active`.
 */

export const CONTROL_STATES = ['active', 'paused', 'draining', 'stopped'] as const;
export type ControlState = (typeof CONTROL_STATES)[number];

export const CONTROL_ACTIONS = ['pause', 'resume', 'drain', 'stop'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** Stable reason codes, recorded in the ledger and answered to the state machine. */
export const JOURNEY_PAUSED = 'journey_paused';
export const JOURNEY_DRAINING = 'journey_draining';
export const JOURNEY_STOPPED = 'journey_stopped';

/**
 * How long a held send waits before it looks at the control again. Each re-check costs a Wait, a
 * Task and a Choice transition, so a journey paused for a day costs 48 re-checks per waiting customer.
 */
export const PAUSE_RECHECK_MS = 30 * 60_000;

/** The stored control of one journey. `version` counts writes (optimistic concurrency). */
export interface JourneyControl {
  journeyId: string;
  state: ControlState;
  version: number;
  updatedAt: string;
  /** Why the operator changed it (free text from the operator; never personal data by contract). */
  note?: string;
}

export const TRANSITIONS: Readonly<Record<ControlState, Partial<Record<ControlAction, ControlState>>>> = {
  active: { pause: 'paused', drain: 'draining', stop: 'stopped' },
  paused: { resume: 'active', drain: 'draining', stop: 'stopped' },
  draining: { stop: 'stopped' },
  stopped: {},
};

/** The state each action leads to (for "already in that state": accepted, no change). */
const TARGET: Record<ControlAction, ControlState> = {
  pause: 'paused',
  resume: 'active',
  drain: 'draining',
  stop: 'stopped',
};

export type ControlTransition =
  | { ok: true; from: ControlState; to: ControlState; changed: boolean }
  | { ok: false; code: 'invalid_transition'; from: ControlState; message: string; suggestion: string };

export function transitionControl(from: ControlState, action: ControlAction): ControlTransition {
  const to = TRANSITIONS[from][action];
  if (to) return { ok: true, from, to, changed: true };
  if (TARGET[action] === from) return { ok: true, from, to: from, changed: false };
  const allowed = Object.keys(TRANSITIONS[from]);
  return {
    ok: false,
    code: 'invalid_transition',
    from,
    message: `cannot ${action} a journey that is ${from}`,
    suggestion:
      allowed.length > 0
        ? `a ${from} journey accepts: ${allowed.join(', ')}`
        : 'a stopped journey is final: release a new version to run it again',
  };
}

export function isControlAction(value: unknown): value is ControlAction {
  return typeof value === 'string' && (CONTROL_ACTIONS as readonly string[]).includes(value);
}

/** Whether a new customer may enter: a refusal carries its reason code. */
export function entryAllowed(
  state: ControlState,
): { ok: true } | { ok: false; reason: typeof JOURNEY_DRAINING | typeof JOURNEY_STOPPED } {
  switch (state) {
    case 'active':
    case 'paused': // entrants wait at their first send like everyone else
      return { ok: true };
    case 'draining':
      return { ok: false, reason: JOURNEY_DRAINING };
    case 'stopped':
      return { ok: false, reason: JOURNEY_STOPPED };
  }
}

/**
 * What the step Lambda does before a step, given the control: go on, hold a send until `until`
 * (only sends are held: branches, splits, updates, waits and waits-for-event run, so a paused
 * wait-for-event still resumes on its event, and the send after it is held), or exit.
 */
export type StepGate = { kind: 'proceed' } | { kind: 'hold'; until: Date } | { kind: 'exit'; reason: string };

export function gateStep(state: ControlState, op: string, now: Date): StepGate {
  // An update's workflow state routes nothing (engine/contract.ts): it runs, and the step after it exits.
  if (state === 'stopped' && op !== 'update') return { kind: 'exit', reason: JOURNEY_STOPPED };
  if (state === 'paused' && op === 'send') {
    return { kind: 'hold', until: new Date(now.getTime() + PAUSE_RECHECK_MS) };
  }
  return { kind: 'proceed' };
}
