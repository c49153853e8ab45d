/** Runs one benchmark section in a child process (bench/lib/child.ts) and returns its JSON result. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export function runChild<T>(section: string, options: Record<string, unknown>, timeoutMs = 15 * 60_000): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  const out = path.join(dir, 'result.json');
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', CHILD, section, out, JSON.stringify(options)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
      },
    );
    if (child.status !== 0) {
      const tail = (child.stderr ?? '').trim().split('\n').slice(-12).join('\n');
      throw new Error(`${section} failed (exit ${child.status ?? child.signal}):\n${tail}`);
    }
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
