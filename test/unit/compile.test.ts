import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AslDefinition, AslState } from '../../engine/compile/asl.ts';
import {
  CompileError,
  compileJourney,
  compileNaive,
  LAMBDA_SERVICE_ERRORS,
  longestPathTransitions,
  renderAsl,
  shortestPathTransitions,
  validateAsl,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from '../../engine/compile/index.ts';
import { STEP_FUNCTION_ARN_PLACEHOLDER } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import { FIXTURES, KITCHEN_SINK, loadReference, REFERENCE_IDS, WEEKLY_LOOP } from './compile.fixtures.ts';

const REFERENCES = REFERENCE_IDS.map(loadReference);
const ALL: readonly Journey[] = [...REFERENCES, ...FIXTURES];

function state<T extends AslState['Type']>(def: AslDefinition, name: string, type: T) {
  const s = def.States[name];
  expect(s, `state ${name}`).toBeDefined();
  expect(s!.Type, `type of ${name}`).toBe(type);
  return s as Extract<AslState, { Type: T }>;
}

/** The same journey with its steps (and their keys) written in reverse order. */
function reordered(journey: Journey): Journey {
  const steps = Object.fromEntries(Object.entries(journey.steps).reverse());
  const flipped = Object.fromEntries(Object.entries({ ...journey, steps }).reverse()) as Journey;
  return flipped;
}

describe.each(ALL.map((j) => [j.id, j] as const))('compiling %s', (_id, journey) => {
  const def = compileJourney(journey);

  it('is accepted by asl-validator, and so is its naive baseline', () => {
    expect(validateAsl(def)).toEqual({ valid: true, errors: [] });
    expect(validateAsl(compileNaive(journey))).toEqual({ valid: true, errors: [] });
  });

  it('renders byte-identical text every time, whatever order the journey is written in', () => {
    const text = renderAsl(def);
    expect(renderAsl(compileJourney(journey))).toBe(text);
    expect(renderAsl(compileJourney(reordered(journey)))).toBe(text);
    expect(renderAsl(compileNaive(journey))).toBe(renderAsl(compileNaive(reordered(journey))));
    expect(JSON.parse(text)).toEqual(def);
  });

  it('has one state per step named after it, and helper states only named `<step>.<role>` or Exited', () => {
    for (const id of Object.keys(journey.steps)) expect(def.States).toHaveProperty([id]);
    for (const name of Object.keys(def.States)) {
      if (Object.hasOwn(journey.steps, name)) continue;
      expect(name).toMatch(/^(Exited|[a-z][a-z0-9_-]*\.(route|deferred|schedule|date-check))$/);
      expect(name.length).toBeLessThanOrEqual(80);
    }
  });

  it('uses only JSONPath Task, Choice, Wait and Succeed states: no Pass, no JSONata', () => {
    expect(def.QueryLanguage).toBe('JSONPath');
    for (const s of Object.values(def.States))
      expect(['Task', 'Choice', 'Wait', 'Succeed']).toContain(s.Type);
    expect(renderAsl(def)).not.toMatch(/JSONata|\{%/);
  });

  it('calls the step Lambda through the placeholder with the StepRequest, retrying Lambda service errors', () => {
    for (const [name, s] of Object.entries(def.States)) {
      if (s.Type !== 'Task') continue;
      const stepId = name.split('.')[0]!;
      const request =
        s.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE
          ? (s.Parameters.Payload as Record<string, unknown>)
          : (s.Parameters as Record<string, unknown>);
      if (s.Resource === WAIT_FOR_TASK_TOKEN_RESOURCE) {
        expect(s.Parameters.FunctionName).toBe(STEP_FUNCTION_ARN_PLACEHOLDER);
      } else {
        expect(s.Resource).toBe(STEP_FUNCTION_ARN_PLACEHOLDER);
      }
      expect(request).toMatchObject({
        journeyId: journey.id,
        journeyVersion: journey.version,
        stepId,
        'executionId.$': '$$.Execution.Id',
        'enrollment.$': '$.enrollment',
      });
      expect(s.ResultPath).toBe('$.result');
      expect(s.Retry?.[0]?.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
      expect(s.Retry?.[0]?.BackoffRate).toBeGreaterThan(1);
    }
  });

  it('is cheaper than the naive baseline on its longest path', () => {
    expect(longestPathTransitions(def).transitions).toBeLessThan(
      longestPathTransitions(compileNaive(journey)).transitions,
    );
  });
});

describe('step by step', () => {
  const def = compileJourney(KITCHEN_SINK);

  it('compiles a fixed duration to a Wait with Seconds and no Lambda', () => {
    expect(state(def, 'pause', 'Wait')).toEqual({ Type: 'Wait', Seconds: 1800, Next: 'done' });
    const welcome = compileJourney(loadReference('replenishment-reminder'));
    expect(state(welcome, 'wait-three-days', 'Wait').Seconds).toBe(3 * 24 * 3600);
  });

  it('starts with a schedule Task when the first step waits for a local time', () => {
    expect(def.StartAt).toBe('at-ten.schedule');
    const schedule = state(def, 'at-ten.schedule', 'Task');
    expect(schedule.Parameters).toMatchObject({ op: 'schedule', stepId: 'at-ten' });
    expect(schedule.Next).toBe('at-ten');
    expect(state(def, 'at-ten', 'Wait')).toMatchObject({ TimestampPath: '$.result.until', Next: 'greet' });
  });

  it('lets the step Lambda before a timestamp wait supply the timestamp: no schedule Task', () => {
    expect(state(def, 'tag-replied', 'Task').Next).toBe('after-update');
    expect(state(def, 'after-update', 'Wait').TimestampPath).toBe('$.result.until');
    expect(def.States).not.toHaveProperty(['after-update.schedule']);
    expect(state(def, 'offer-a.route', 'Choice').Choices[0]).toMatchObject({ Next: 'monthly' });
    expect(state(def, 'monthly', 'Wait').TimestampPath).toBe('$.result.until');
  });

  it('schedules a timestamp wait entered from a wait-for-event timeout', () => {
    expect(state(def, 'wait-reply', 'Task').Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.result', Next: 'next-morning.schedule' },
    ]);
    expect(state(def, 'next-morning.schedule', 'Task').Next).toBe('next-morning');
  });

  it('compiles a wait for an event to a task-token Task with the timeout, event → onEvent, timeout → onTimeout', () => {
    const wait = state(def, 'wait-reply', 'Task');
    expect(wait.Resource).toBe(WAIT_FOR_TASK_TOKEN_RESOURCE);
    expect(wait.TimeoutSeconds).toBe(86_400);
    expect(wait.Parameters.Payload).toMatchObject({ op: 'waitForEvent', 'taskToken.$': '$$.Task.Token' });
    expect(wait.Next).toBe('tag-replied');
  });

  it('routes a send on its outcome: next, defer (a Wait looping back to the send), exit', () => {
    expect(state(def, 'greet', 'Task').Next).toBe('greet.route');
    expect(state(def, 'greet.route', 'Choice').Choices).toEqual([
      { Variable: '$.result.outcome', StringEquals: 'next', Next: 'wait-reply' },
      { Variable: '$.result.outcome', StringEquals: 'defer', Next: 'greet.deferred' },
      { Variable: '$.result.outcome', StringEquals: 'exit', Next: 'Exited' },
    ]);
    expect(state(def, 'greet.deferred', 'Wait')).toMatchObject({
      TimestampPath: '$.result.until',
      Next: 'greet',
    });
    state(def, 'Exited', 'Succeed');
  });

  it('routes a split on the chosen step, checking exit first', () => {
    expect(state(def, 'pick.route', 'Choice').Choices).toEqual([
      { Variable: '$.result.outcome', StringEquals: 'exit', Next: 'Exited' },
      { Variable: '$.result.next', StringEquals: 'offer-a', Next: 'offer-a' },
      { Variable: '$.result.next', StringEquals: 'offer-b', Next: 'offer-b' },
    ]);
  });

  it('leaves out the Choice where a Task can only go one way (update, a branch to a single step)', () => {
    expect(state(def, 'tag-replied', 'Task').Next).toBe('after-update');
    expect(state(def, 'same-target', 'Task').Next).toBe('pause');
    expect(def.States).not.toHaveProperty(['tag-replied.route']);
    expect(def.States).not.toHaveProperty(['same-target.route']);
  });

  it('compiles exit steps to Succeed states with their reason', () => {
    expect(state(def, 'done', 'Succeed').Comment).toBe('finished');
  });

  it('leaves out steps nothing leads to (Step Functions rejects unreachable states)', () => {
    const journey: Journey = { ...WEEKLY_LOOP, steps: { ...WEEKLY_LOOP.steps, orphan: { type: 'exit' } } };
    expect(compileJourney(journey).States).not.toHaveProperty(['orphan']);
  });

  it('throws a CompileError naming the path of a reference to a missing step', () => {
    const journey: Journey = {
      ...WEEKLY_LOOP,
      steps: { ...WEEKLY_LOOP.steps, 'a-week': { type: 'wait', duration: 'P7D', next: 'agian' } },
    };
    expect(() => compileJourney(journey)).toThrow(CompileError);
    expect(() => compileJourney(journey)).toThrow('/steps/a-week/next');
    expect(() => compileJourney({ ...WEEKLY_LOOP, start: 'constructor' })).toThrow(CompileError);
  });

  it('throws a CompileError for a duration that is not ISO 8601', () => {
    const journey: Journey = {
      ...WEEKLY_LOOP,
      steps: { ...WEEKLY_LOOP.steps, 'a-week': { type: 'wait', duration: '7 days', next: 'again' } },
    };
    expect(() => compileJourney(journey)).toThrow(/\/steps\/a-week\/duration/);
  });
});

describe('waits on a date that may be missing', () => {
  const lastOrder = { date: 'profile.attributes.lastOrderAt', offset: 'P30D', localTime: '10:00' };
  const dated: Journey = {
    ...KITCHEN_SINK,
    id: 'dated',
    start: 'first',
    steps: {
      first: { type: 'wait', until: lastOrder, next: 'greet' },
      greet: { type: 'send', message: 'hello', channels: ['sms'], next: 'after-send' },
      'after-send': { type: 'wait', until: lastOrder, next: 'tag' },
      tag: { type: 'update', attribute: 'missed', value: true, next: 'after-update' },
      'after-update': { type: 'wait', until: { ...lastOrder, ifMissing: 'skip' }, next: 'tag-again' },
      'tag-again': { type: 'update', attribute: 'missed', value: false, next: 'last' },
      last: { type: 'wait', until: { ...lastOrder, ifMissing: 'exit' }, next: 'done' },
      done: { type: 'exit' },
    },
  };
  const def = compileJourney(dated);
  const check = (id: string) => ({
    Type: 'Choice',
    Comment: `Ends the journey when the date ${id} waits for is missing`,
    Choices: [
      { Variable: '$.result.outcome', StringEquals: 'exit', Next: 'Exited' },
      { Variable: '$.result.exit', IsPresent: true, Next: 'Exited' },
      { Variable: '$.result.until', IsPresent: true, Next: id },
    ],
  });

  it('checks a scheduled date before the Wait: exit ends the journey (ifMissing defaults to exit)', () => {
    expect(state(def, 'first.schedule', 'Task').Next).toBe('first.date-check');
    expect(def.States['first.date-check']).toEqual(check('first'));
  });

  it('lets a send’s own Choice route the exit: no check state after a send', () => {
    expect(state(def, 'greet.route', 'Choice').Choices.slice(0, 2)).toEqual([
      { Variable: '$.result.exit', IsPresent: true, Next: 'Exited' },
      { Variable: '$.result.outcome', StringEquals: 'next', Next: 'after-send' },
    ]);
    expect(def.States).not.toHaveProperty(['after-send.date-check']);
  });

  it('checks after an update, which has no Choice of its own', () => {
    expect(state(def, 'tag-again', 'Task').Next).toBe('last.date-check');
    expect(def.States['last.date-check']).toEqual(check('last'));
  });

  it('has no check where the step says ifMissing: skip', () => {
    expect(state(def, 'tag', 'Task').Next).toBe('after-update');
    expect(def.States).not.toHaveProperty(['after-update.date-check']);
  });

  it('is accepted by asl-validator', () => {
    expect(validateAsl(def)).toEqual({ valid: true, errors: [] });
  });
});

describe('transition counts', () => {
  it('counts every state entered on the longest path of each reference journey', () => {
    const counts = Object.fromEntries(
      REFERENCES.map((j) => [j.id, longestPathTransitions(compileJourney(j)).transitions]),
    );
    expect(counts).toEqual({ welcome: 8, 'replenishment-reminder': 11, 'cart-abandonment': 10 });
  });

  it('matches the table in docs/transitions.md', () => {
    const doc = readFileSync(new URL('../../docs/transitions.md', import.meta.url), 'utf8');
    for (const journey of REFERENCES) {
      const row = doc.match(
        new RegExp(`^\\| \`${journey.id}\` \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|$`, 'm'),
      );
      expect(row, `a row for ${journey.id}`).not.toBeNull();
      const lean = compileJourney(journey);
      expect(row!.slice(1).map(Number), `update the ${journey.id} row of docs/transitions.md`).toEqual([
        longestPathTransitions(lean).transitions,
        longestPathTransitions(compileNaive(journey)).transitions,
        Object.keys(lean.States).length,
        shortestPathTransitions(lean).transitions,
      ]);
    }
  });

  it('names the states of the longest path, from the start to a terminal state', () => {
    const { path, transitions } = longestPathTransitions(compileJourney(loadReference('welcome')));
    expect(path.length).toBe(transitions);
    expect(path[0]).toBe('send-welcome');
    expect(path.at(-1)).toBe('done');
  });

  it('takes a loop back to an earlier step at most once', () => {
    const def = compileJourney(WEEKLY_LOOP);
    expect(longestPathTransitions(def).transitions).toBe(6);
    expect(shortestPathTransitions(def)).toEqual({
      path: ['nudge', 'nudge.route', 'Exited'],
      transitions: 3,
    });
  });
});

describe('rendering', () => {
  it('gives the same text for the same definition built in any key order', () => {
    const def = compileJourney(KITCHEN_SINK);
    const shuffle = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffle(v, seed));
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value);
      const rotated = [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)];
      return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffle(v, seed)]));
    };
    fc.assert(
      fc.property(fc.nat(50), (seed) => {
        expect(renderAsl(shuffle(def, seed) as AslDefinition)).toBe(renderAsl(def));
      }),
      { numRuns: 30 },
    );
  });

  it('lists Type first and Next last in a state, and a step’s helper states right after it', () => {
    const text = renderAsl(compileJourney(KITCHEN_SINK));
    const greet = JSON.parse(text).States.greet as Record<string, unknown>;
    expect(Object.keys(greet)[0]).toBe('Type');
    expect(Object.keys(greet).at(-1)).toBe('Next');
    const names = Object.keys(JSON.parse(text).States);
    expect(names.indexOf('greet.route')).toBe(names.indexOf('greet') + 1);
    expect(names.indexOf('greet.deferred')).toBe(names.indexOf('greet') + 2);
    expect(names.at(-1)).toBe('Exited');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
