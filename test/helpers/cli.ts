/** Running `herald` commands in-process from tests: a scratch folder per test, the command, its output. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
