import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Problem, validateJourneyValue } from '../../engine/validate/index.ts';

const baseText = readFileSync(new URL('../fixtures/invalid/base.valid.json', import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: tests reach into journeys freely to plant one defect each
type Loose = Record<string, any>;

/** The base journey with its two-day wait replaced by `until`. */
function problemsFor(until: Loose): Problem[] {
  const journey = JSON.parse(baseText) as Loose;
  journey.steps['wait-2-days'] = { type: 'wait', until, next: 'has-ordered' };
  return validateJourneyValue(journey, 'birthday.journey.json').problems.filter(
    (p) => p.severity === 'error',
  );
}

const birthday = { date: 'profile.attributes.birthday', every: 'year', offset: '-P1D', localTime: '09:00' };

describe('yearly waits in the validator', () => {
  it('accepts a wait for the day before the birthday, at 09:00 local', () => {
    expect(problemsFor(birthday)).toEqual([]);
  });

  it('accepts the anniversary of a timestamp (the entry event’s time)', () => {
    expect(problemsFor({ ...birthday, date: 'event.time' })).toEqual([]);
  });

  it('refuses a yearly wait on a text field that is not a declared date', () => {
    const problems = problemsFor({ ...birthday, date: 'profile.firstName' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'wait.yearly-not-a-date',
      path: '/steps/wait-2-days/until/date',
      file: 'birthday.journey.json',
    });
    expect(problems[0]?.message).toContain('`profile.firstName`');
    expect(problems[0]?.suggestion).toContain('profile.attributes.birthday');
  });

  it('refuses a yearly wait on a number', () => {
    const problems = problemsFor({ ...birthday, date: 'profile.attributes.lifetimeValue' });
    expect(problems.map((p) => p.code)).toEqual(['wait.not-a-date']);
  });

  it('names an undeclared field once, with the closest declared one', () => {
    const problems = problemsFor({ ...birthday, date: 'profile.attributes.birthdate' });
    expect(problems.map((p) => p.code)).toEqual(['field.unknown']);
    expect(problems[0]?.suggestion).toBe('use `profile.attributes.birthday`');
  });

  it('refuses a time of day that is not HH:MM', () => {
    const problems = problemsFor({ ...birthday, localTime: '9am' });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('/steps/wait-2-days/until/localTime');
  });

  it('refuses an hour past 23', () => {
    const problems = problemsFor({ ...birthday, localTime: '24:00' });
    expect(problems.map((p) => p.path)).toEqual(['/steps/wait-2-days/until/localTime']);
  });

  it('refuses `time: "09:00"`, suggesting `localTime`', () => {
    const { localTime: _, ...rest } = birthday;
    const problems = problemsFor({ ...rest, time: '09:00' });
    const problem = problems.find((p) => p.path === '/steps/wait-2-days/until/time');
    expect(problem).toMatchObject({ code: 'schema.unknown-value' });
    expect(problem?.message).toContain('`best`');
    expect(problem?.suggestion).toContain('"localTime": "09:00"');
  });

  it.each(['month', 'week', 'years', 'yearly'])('refuses every: %s, naming `year`', (every) => {
    const problems = problemsFor({ ...birthday, every });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('/steps/wait-2-days/until/every');
    expect(problems[0]?.message).toContain('`year`');
  });

  it('refuses every without a date', () => {
    const problems = problemsFor({ every: 'year', localTime: '09:00' });
    expect(problems.map((p) => p.code)).toEqual(['wait.every-without-date']);
  });

  it('refuses addDaysFrom on a yearly wait', () => {
    const problems = problemsFor({ ...birthday, addDaysFrom: 'profile.attributes.ordersCount' });
    expect(problems.map((p) => p.code)).toEqual(['wait.every-with-add-days']);
  });

  it('refuses an offset of a year or more, which would skip the anniversary', () => {
    const problems = problemsFor({ ...birthday, offset: '-P1Y' });
    expect(problems.map((p) => p.code)).toEqual(['wait.yearly-offset-too-long']);
  });
});
