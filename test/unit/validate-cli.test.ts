import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function herald(...args: string[]) {
  const run = spawnSync(process.execPath, ['cli/bin.js', 'validate', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('herald validate', () => {
  it('exits 0 on the reference journeys', () => {
    const files = readdirSync(join(ROOT, 'workflows'))
      .filter((f) => f.endsWith('.journey.json'))
      .map((f) => `workflows/${f}`);
    expect(files.length).toBeGreaterThan(0);
    const run = herald(...files);
    expect(run.stdout).toContain(`0 errors`);
    expect(run.status).toBe(0);
  });

  it('exits 1 and prints file:line:column, severity, code and path for an invalid journey', () => {
    const run = herald('test/fixtures/invalid/next-dangling.journey.json');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^test\/fixtures\/invalid\/next-dangling\.journey\.json:\d+:\d+ error step\.dangling-reference \/steps\/send-welcome\/next — .*did you mean `wait-2-days`\?/m,
    );
    expect(run.stdout).toMatch(/1 error, 0 warnings in 1 file/);
  });

  it('prints machine-readable results with --json', () => {
    const run = herald(
      '--json',
      'test/fixtures/invalid/send-unknown-channel.journey.json',
      'workflows/welcome.journey.json',
    );
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.files).toHaveLength(2);
    expect(report.files[0].valid).toBe(false);
    expect(report.files[0].problems[0]).toMatchObject({
      file: 'test/fixtures/invalid/send-unknown-channel.journey.json',
      code: 'schema.unknown-value',
      path: '/steps/send-nudge/channels/0',
      severity: 'error',
      suggestion: 'use `email`',
    });
    expect(report.files[1].valid).toBe(true);
  });

  it('exits 1 when two files share a journey id, as the synth would fail, naming both files', () => {
    const run = herald(
      'test/fixtures/invalid/sets/duplicate-id/welcome.journey.json',
      'test/fixtures/invalid/sets/duplicate-id/welcome-copy.journey.json',
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^test\/fixtures\/invalid\/sets\/duplicate-id\/welcome-copy\.journey\.json:3:\d+ error journey\.duplicate-id \/id — .*welcome\.journey\.json/m,
    );
    expect(run.stdout).toMatch(/2 errors, .* in 2 files/);
  });

  it('exits 1 when two ids differ only by `-` and `_`, which CloudFormation cannot tell apart', () => {
    const run = herald(
      '--json',
      'test/fixtures/invalid/sets/id-collision/hyphen.journey.json',
      'test/fixtures/invalid/sets/id-collision/underscore.journey.json',
    );
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    for (const file of report.files) {
      expect(file.valid).toBe(false);
      expect(file.problems).toContainEqual(
        expect.objectContaining({ code: 'journey.id-collision', path: '/id', severity: 'error' }),
      );
    }
  });

  it('does not take one file given twice for two journeys with the same id', () => {
    const run = herald('workflows/welcome.journey.json', 'workflows/welcome.journey.json');
    expect(run.status).toBe(0);
  });

  it('exits 1 with a clear message when a file does not exist', () => {
    const run = herald('workflows/no-such.journey.json');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('workflows/no-such.journey.json:1:1 error file.unreadable');
    expect(run.stdout).toContain('no such file');
  });

  it('exits 0 when a journey has only warnings', () => {
    const journey = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/invalid/base.valid.json'), 'utf8'));
    journey.messages.spare = journey.messages.nudge;
    const file = join(mkdtempSync(join(tmpdir(), 'herald-validate-')), 'spare.journey.json');
    writeFileSync(file, JSON.stringify(journey, null, 2));
    const run = herald(file);
    expect(run.stdout).toContain('warning message.unused /messages/spare');
    expect(run.status).toBe(0);
  });

  it('refuses to run without files', () => {
    const run = herald();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing required argument');
  });
});
