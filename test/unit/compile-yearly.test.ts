/**
 * A yearly wait compiled and run: the birthday journey under aws-local-stepfunctions, with the
 * step Lambda replaced by the real engine's answers for a given world (flow decisions and the
 * contract's `next`), so the timestamps the Wait sleeps to are the ones a customer would get.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AslChoiceState, AslWaitState } from '../../engine/compile/asl.ts';
import { compileJourney } from '../../engine/compile/index.ts';
import type { StepResult } from '../../engine/contract.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import { decideFlow } from '../../engine/policy/flow.ts';
import type { Journey, WaitStep } from '../../engine/schema.ts';
import { routableFlowResult } from '../../engine/step-results.ts';
import { runAsl, type TaskStub } from '../helpers/asl-runner.ts';
import { executionInput } from './compile.fixtures.ts';

const birthday = JSON.parse(
  readFileSync(new URL('../../workflows/birthday.journey.json', import.meta.url), 'utf8'),
) as Journey;

/** Past, so the runner's Wait ends at once (it sleeps real time until `$.result.until`). */
const PAST = '2020-03-05T10:00:00.000Z';

/**
 * The step Lambda, for one customer: real schedule decisions (their `until` kept in `planned`, the
 * runner given a past one); the send answers `next`.
 */
function stepLambda(
  journey: Journey,
  profile: DecisionContext['profile'],
  now: Date,
  planned: string[] = [],
): TaskStub {
  const input = executionInput(journey);
  return (request) => {
    const step = journey.steps[request.stepId]!;
    if (request.op === 'send') return { outcome: 'next', next: 'done' } satisfies StepResult;
    const ctx: DecisionContext = {
      journey,
      enrollment: { ...input.enrollment, enteredAt: now.toISOString() },
      profile,
      history: [],
      now,
      config: DEFAULT_POLICY,
    };
    const result = routableFlowResult(
      'schedule',
      step,
      decideFlow('schedule', step, ctx, request.stepId).result,
      now,
    );
    if (result.outcome !== 'wait') return result;
    planned.push(result.until);
    return { ...result, until: PAST };
  };
}

describe('a yearly wait compiled to Step Functions', () => {
  it('computes its timestamp in a schedule Task, and checks for an exit before the Wait', () => {
    const def = compileJourney(birthday);
    expect(def.StartAt).toBe('wait-for-birthday.schedule');
    const check = def.States['wait-for-birthday.date-check'] as AslChoiceState;
    expect(check.Type).toBe('Choice');
    expect(check.Choices.map((c) => c.Next)).toEqual(['Exited', 'Exited', 'wait-for-birthday']);
    expect(def.States['wait-for-birthday']).toMatchObject({
      Type: 'Wait',
      TimestampPath: '$.result.until',
      Next: 'send-birthday-gift',
    } satisfies Partial<AslWaitState>);
  });

  it('keeps the check with ifMissing: skip, since the anniversary may still come after the run deadline', () => {
    const step = birthday.steps['wait-for-birthday'] as WaitStep;
    const skipping: Journey = {
      ...birthday,
      steps: {
        ...birthday.steps,
        'wait-for-birthday': { ...step, until: { ...step.until, ifMissing: 'skip' } },
      },
    };
    expect(compileJourney(skipping).States['wait-for-birthday.date-check']?.Type).toBe('Choice');
  });

  it('runs to the gift, sleeping until 09:00 Tehran time the day before a 29 February birthday', async () => {
    const now = new Date('2027-01-20T15:10:00Z');
    const profile = { id: 'cust-1', timeZone: 'Asia/Tehran', attributes: { birthday: '1992-02-29' } };
    const planned: string[] = [];
    const run = await runAsl(
      compileJourney(birthday),
      executionInput(birthday),
      stepLambda(birthday, profile, now, planned),
    );
    expect(run.states).toEqual([
      'wait-for-birthday.schedule',
      'wait-for-birthday.date-check',
      'wait-for-birthday',
      'send-birthday-gift',
      'send-birthday-gift.route',
      'done',
    ]);
    expect(run.requests.map((r) => r.op)).toEqual(['schedule', 'send']);
    expect(planned).toEqual(['2027-02-27T05:30:00.000Z']);
  });

  it.each([
    ['whose birthday is no date', { birthday: '1990-02-29' }, new Date('2027-01-20T15:10:00Z')],
    [
      'whose next anniversary is past the run deadline',
      { birthday: '1992-02-29' },
      new Date('2027-02-27T06:00:00Z'),
    ],
  ])('ends a customer %s at the check, sending nothing', async (_name, attributes, now) => {
    const profile = { id: 'cust-1', timeZone: 'Asia/Tehran', attributes };
    const run = await runAsl(
      compileJourney(birthday),
      executionInput(birthday),
      stepLambda(birthday, profile, now),
    );
    expect(run.states).toEqual(['wait-for-birthday.schedule', 'wait-for-birthday.date-check', 'Exited']);
    expect(run.requests.map((r) => r.op)).toEqual(['schedule']);
  });
});
