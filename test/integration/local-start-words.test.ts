/**
 * `npm start --no-progress` as a log reader sees it: one progress line per simulated day on
 * stderr, and a summary in words on stdout: the decisions-vs-messages note, an "attempted" column
 * for channels, and no compiled state names or raw reason codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANNEL_HEADERS, DECISIONS_NOTE } from '../../local/summary-rows.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm start --no-progress', () => {
  it('prints one line per simulated day and a summary in words', () => {
    const out = mkdtempSync(join(tmpdir(), 'herald-start-words-'));
    const run = spawnSync(
      'npm',
      ['start', '--', '--customers', '8', '--days', '3', '--shards', '1', '--no-progress', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
    );
    expect(run.status, run.stderr).toBe(0);

    const days = run.stderr.split('\n').filter((line) => line.startsWith('day '));
    expect(days.map((line) => line.replace(/:.*/, ''))).toEqual(['day 1/3', 'day 2/3', 'day 3/3']);
    expect(days[0]).toMatch(/^day 1\/3: \d+ events, \d+ messages, \d+ waiting$/);

    expect(run.stdout).toContain(DECISIONS_NOTE);
    expect(run.stdout).toMatch(new RegExp(`^${CHANNEL_HEADERS.join(' +')}$`, 'm'));
    expect(CHANNEL_HEADERS).toContain('attempted');
    expect(run.stdout).toContain('order placed within 7 days');
    // Compiled state names and reason codes stay in the ledger and the JSON.
    expect(run.stdout).not.toMatch(/\.(deferred|schedule|route|date-check)\b/);
    expect(run.stdout).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  });
});
