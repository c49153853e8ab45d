/**
 * `herald validate` says the same as before its start-up was made faster (issue 17): for each
 * folder of test/fixtures/validate-golden/, the problems (file, line, column, code, JSON path,
 * message, fix), the summary and the exit code the earlier build printed. Both ways the validator
 * runs: the built CLI (schema checks compiled ahead of time) and the sources (compiled at run time).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../cli/commands/validate.ts';
import { written } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/fixtures/validate-golden');
const FOLDERS = readdirSync(GOLDEN).filter((f) => statSync(join(GOLDEN, f)).isDirectory());
const BIN = join(ROOT, 'cli/bin.js');
/** What each folder's run failed with: 1 when any error. */
const EXIT: Record<string, number> = {
  'bad-dictionary': 1,
  'bad-release': 1,
  mixed: 1,
  'partials-changed': 1,
  'reordered-release': 0,
};

const journeysOf = (folder: string) =>
  readdirSync(join(GOLDEN, folder))
    .filter((f) => f.endsWith('.journey.json'))
    .sort();
const expected = (folder: string, ext: 'txt' | 'json') =>
  readFileSync(join(GOLDEN, `${folder}.expected.${ext}`), 'utf8');

describe('herald validate prints what it printed before', () => {
  const cwd = process.cwd();
  afterEach(() => {
    process.chdir(cwd);
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('covers every folder', () => {
    expect(FOLDERS.sort()).toEqual(Object.keys(EXIT).sort());
  });

  for (const folder of FOLDERS) {
    it(`${folder}: the built command, as text and as JSON`, () => {
      for (const [args, ext] of [
        [[], 'txt'],
        [['--json'], 'json'],
      ] as const) {
        const run = spawnSync(process.execPath, [BIN, 'validate', ...args, ...journeysOf(folder)], {
          cwd: join(GOLDEN, folder),
          encoding: 'utf8',
        });
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe(expected(folder, ext));
        expect(run.status).toBe(EXIT[folder]);
      }
    });

    it(`${folder}: the sources, as text and as JSON`, async () => {
      process.chdir(join(GOLDEN, folder));
      for (const [json, ext] of [
        [false, 'txt'],
        [true, 'json'],
      ] as const) {
        const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
        process.exitCode = undefined;
        await validateCommand(journeysOf(folder), { json });
        expect(written(out)).toBe(expected(folder, ext));
        expect(process.exitCode ?? 0).toBe(EXIT[folder]);
        out.mockRestore();
      }
    });
  }
});
