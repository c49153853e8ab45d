import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerSimulate } from '../../cli/commands/simulate.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('herald simulate --engaged on the command line', () => {
  cliSandbox('herald-simulate-engaged-');
  const run = (...engaged: string[]) =>
    runCommand(
      registerSimulate,
      'simulate',
      join(root, 'workflows/review-request.journey.json'),
      '--profile',
      join(root, 'examples/review-request.profile.json'),
      ...engaged.flatMap((e) => ['--engaged', e]),
    );

  it.each([
    ['wait-two-days:open', '`wait-two-days` is not a send step of journey `review-request`'],
    ['send-review-email:read', 'is not <step>:<open|click>[@duration]'],
    ['send-review-email:open@PT0S', '`PT0S` is not a positive ISO 8601 duration'],
  ])('refuses %s before simulating anything, and exits 1', async (value, message) => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await run(value);
    expect(written(stderr)).toContain(message);
    expect(written(stdout)).toBe('');
    expect(process.exitCode).toBe(1);
  });
});
