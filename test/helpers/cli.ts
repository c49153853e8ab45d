/**
 * Running `herald` commands from tests: in-process (a scratch folder per test, the command, its
 * output), or as the shipped command in its own process (`heraldBin`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, type MockInstance, vi } from 'vitest';

/**
 * A fresh folder for each test of the enclosing `describe` (`sandbox.dir`), removed after it; the
 * exit code a command set and any spies are reset too.
 */
export function cliSandbox(prefix: string): { readonly dir: string } {
  const sandbox = { dir: '' };
  beforeEach(async () => {
    sandbox.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(sandbox.dir, { recursive: true, force: true });
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });
  return sandbox;
}

/** `herald <args…>` with only the command `register` adds; commander's own exits throw instead. */
export async function runCommand(register: (program: Command) => void, ...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'herald', ...args]);
}

/** Everything written so far to a mocked `process.stdout.write` or `process.stderr.write`. */
export function written(spy: MockInstance): string {
  return spy.mock.calls.map((call) => String(call[0])).join('');
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `herald <args…>` as a user runs it: a fresh `node cli/bin.js` process in the repository root,
 * which runs the built CLI in dist/cli/ (rebuilt first when a source file is newer than it).
 */
export function heraldBin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['cli/bin.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
