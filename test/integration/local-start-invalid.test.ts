/**
 * `npm start` with a broken journey in its folder: the validator's problem list for every invalid
 * file (as `herald validate` prints it) and exit code 1, before any stand-in starts; no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, 'workflows');

function workflowsWith(broken: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-start-'));
  for (const name of readdirSync(WORKFLOWS).filter((n) => n.endsWith('.json'))) {
    copyFileSync(join(WORKFLOWS, name), join(dir, name));
  }
  for (const [name, text] of Object.entries(broken)) writeFileSync(join(dir, name), text);
  return dir;
}

function npmStart(dir: string) {
  const run = spawnSync(
    'npm',
    ['start', '--', '--workflows', dir, '--customers', '2', '--days', '1', '--no-progress'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm start with an invalid journey', () => {
  it('prints the problems of every invalid journey and exits 1, with no stack trace', () => {
    const welcome = JSON.parse(readFileSync(join(WORKFLOWS, 'welcome.journey.json'), 'utf8'));
    welcome.steps['send-welcome'].next = 'wait-too-days';
    const dir = workflowsWith({
      'welcome.journey.json': JSON.stringify(welcome, null, 2),
      'typo.journey.json': '{\n  "id": "typo",\n  "version": 1\n  "steps": {}\n}\n',
    });

    const run = npmStart(dir);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the demo did not start');
    expect(run.stderr).toMatch(
      new RegExp(
        `^${join(dir, 'welcome.journey.json')}:\\d+:\\d+ error step\\.dangling-reference /steps/send-welcome/next — .*wait-too-days`,
        'm',
      ),
    );
    expect(run.stderr).toContain(`${join(dir, 'typo.journey.json')}:4:3 error json.syntax`);
    expect(run.stderr).toMatch(/^ {2}> 4 \| {3}"steps": \{\}$/m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain('JourneyValidationError');
    expect(run.stdout).not.toContain('Report:');
  });
});
