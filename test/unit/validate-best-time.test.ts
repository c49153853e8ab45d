import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Problem, validateJourneyValue } from '../../engine/validate/index.ts';

const baseText = readFileSync(new URL('../fixtures/invalid/base.valid.json', import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: tests reach into journeys freely to plant one defect each
type Loose = Record<string, any>;

/** The base journey with its two-day wait replaced by `until` (after `duration`, when given). */
function problemsFor(until: Loose, duration?: string): Problem[] {
  const journey = JSON.parse(baseText) as Loose;
  journey.steps['wait-2-days'] = {
    type: 'wait',
    ...(duration ? { duration } : {}),
    until,
    next: 'has-ordered',
  };
  return validateJourneyValue(journey, 'welcome.journey.json').problems.filter((p) => p.severity === 'error');
}

const best = { time: 'best', channel: 'email', window: ['09:00', '21:00'], fallback: '10:00' };

describe('best-time waits in the validator', () => {
  it('accepts the best email time between 09:00 and 21:00, alone or after a duration', () => {
    expect(problemsFor(best)).toEqual([]);
    expect(problemsFor(best, 'P2D')).toEqual([]);
    expect(problemsFor({ ...best, window: ['20:00', '02:00'], fallback: '23:00' })).toEqual([]);
  });

  it('names what is missing', () => {
    const problems = problemsFor({ time: 'best', channel: 'sms' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'wait.best-time-incomplete',
      path: '/steps/wait-2-days/until',
    });
    expect(problems[0]?.message).toContain('`window`, `fallback`');
    expect(problems[0]?.suggestion).toContain('"time": "best"');
  });

  it.each([
    [
      { ...best, fallback: '08:00' },
      'wait.best-time-fallback-outside-window',
      '/steps/wait-2-days/until/fallback',
    ],
    [
      { ...best, window: ['09:00', '09:00'] },
      'wait.best-time-empty-window',
      '/steps/wait-2-days/until/window',
    ],
    [{ ...best, localTime: '10:00' }, 'wait.best-time-and-local-time', '/steps/wait-2-days/until/localTime'],
    [{ ...best, date: 'event.time' }, 'wait.best-time-with-date', '/steps/wait-2-days/until/time'],
    [
      { localTime: '10:00', window: ['09:00', '21:00'] },
      'wait.best-time-settings-without-best',
      '/steps/wait-2-days/until/window',
    ],
  ])('refuses %j (%s)', (until, code, path) => {
    const problems = problemsFor(until);
    expect(problems.map((p) => [p.code, p.path])).toContainEqual([code, path]);
    expect(problems.every((p) => p.suggestion)).toBe(true);
  });

  it('refuses a window time that is not HH:MM, and an unknown channel, by path', () => {
    const problems = problemsFor({ ...best, channel: 'fax', window: ['9am', '21:00'] });
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['/steps/wait-2-days/until/channel', '/steps/wait-2-days/until/window/0']),
    );
  });
});
