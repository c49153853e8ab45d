/**
 * Scale mode's compiled definition (engine/compile/scale.ts): one Express state machine per
 * journey, entered at a segment, with no state Express cannot run and no state that waits.
 */
import { describe, expect, it } from 'vitest';
import type { AslTaskState } from '../../engine/compile/asl.ts';
import {
  compileJourney,
  segmentEntries,
  validateAsl,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from '../../engine/compile/index.ts';
import { loadJourneys } from '../../local/journeys.ts';

const journeys = loadJourneys();

describe.each(journeys.map((j) => [j.id, j] as const))('the scale-mode definition of %s', (_id, journey) => {
  const def = compileJourney(journey, { execution: 'scale' });
  const states = Object.entries(def.States);

  it('is valid ASL and starts at the Segment Choice on $.run.entry', () => {
    expect(validateAsl(def)).toEqual({ valid: true, errors: [] });
    expect(def.StartAt).toBe('Segment');
    const segment = def.States.Segment;
    expect(segment?.Type).toBe('Choice');
    const entries = segment?.Type === 'Choice' ? segment.Choices.map((c) => [c.Variable, c.Next]) : [];
    expect(entries).toEqual(segmentEntries(journey).map((id) => ['$.run.entry', id]));
  });

  it('has no Wait state and no .waitForTaskToken Task (Express supports neither long waits nor callbacks)', () => {
    expect(states.filter(([, s]) => s.Type === 'Wait')).toEqual([]);
    expect(
      states.filter(([, s]) => s.Type === 'Task' && s.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE),
    ).toEqual([]);
  });

  it('turns every wait into an arm Task named after the step, and passes the run to every Task', () => {
    for (const [id, step] of Object.entries(journey.steps)) {
      if (step.type !== 'wait' && step.type !== 'waitForEvent') continue;
      const task = def.States[id] as AslTaskState;
      expect(task.Type).toBe('Task');
      expect(task.Parameters).toMatchObject({
        op: 'arm',
        stepId: id,
        'run.$': '$.run',
        'executionId.$': '$.run.id',
      });
    }
    for (const [, s] of states) {
      if (s.Type === 'Task')
        expect(s.Parameters).toMatchObject({ 'run.$': '$.run', journeyVersion: journey.version });
    }
  });

  it('lets every send, and each branch or split into a wait, arm in its own invocation (armNext, routed armed → Waiting)', () => {
    for (const [id, step] of Object.entries(journey.steps)) {
      const targets =
        step.type === 'send'
          ? [step.next]
          : step.type === 'branch'
            ? [...step.branches.map((b) => b.next), step.otherwise]
            : step.type === 'split'
              ? step.arms.map((a) => a.next)
              : [];
      const intoWait = targets.some((t) => ['wait', 'waitForEvent'].includes(journey.steps[t]?.type ?? ''));
      const route = def.States[`${id}.route`];
      if (step.type !== 'send' && !(intoWait && route)) continue;
      expect((def.States[id] as AslTaskState).Parameters).toMatchObject({ armNext: true });
      expect(route?.Type === 'Choice' ? route.Choices[0] : undefined).toEqual({
        Variable: '$.result.outcome',
        StringEquals: 'armed',
        Next: 'Waiting',
      });
    }
  });
});

describe('Standard mode is unchanged by the option', () => {
  it('compiles the same definition with and without execution: standard', () => {
    for (const journey of journeys) {
      expect(compileJourney(journey, { execution: 'standard' })).toEqual(compileJourney(journey));
    }
  });
});
