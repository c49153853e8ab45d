import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileJourneyFiles, registerCompile } from '../../cli/commands/compile.ts';
import { compileJourney, renderAsl, validateAsl } from '../../engine/compile/index.ts';
import { loadReference, REFERENCE_IDS } from './compile.fixtures.ts';

const reference = (id: string) => new URL(`../../workflows/${id}.journey.json`, import.meta.url).pathname;

describe('herald compile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-compile-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('writes <out>/<id>.asl.json for each reference journey, exactly what renderAsl gives', async () => {
    const result = await compileJourneyFiles(REFERENCE_IDS.map(reference), dir);
    expect(result.ok).toBe(true);
    for (const id of REFERENCE_IDS) {
      const text = await readFile(join(dir, `${id}.asl.json`), 'utf8');
      expect(text).toBe(renderAsl(compileJourney(loadReference(id))));
      expect(validateAsl(JSON.parse(text)).valid).toBe(true);
    }
  });

  it('rejects an invalid journey with the validator’s message and writes nothing', async () => {
    const broken = loadReference('welcome') as unknown as { steps: Record<string, { next?: string }> };
    broken.steps['send-welcome']!.next = 'wait-too-days';
    const file = join(dir, 'broken.journey.json');
    await writeFile(file, JSON.stringify(broken, null, 2));
    const out = join(dir, 'out');

    const result = await compileJourneyFiles([file, reference('cart-abandonment')], out);

    expect(result.ok).toBe(false);
    expect(result.report).toContain(file);
    expect(result.report).toContain('wait-too-days');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 from the command line when a journey is invalid or missing, and prints the paths it wrote', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = (...args: string[]) => {
      const program = new Command().exitOverride();
      registerCompile(program);
      return program.parseAsync(['node', 'herald', 'compile', ...args]);
    };

    await run(reference('welcome'), '--out', dir);
    expect(process.exitCode).toBeUndefined();
    expect(stdout.mock.calls.join('')).toContain(join(dir, 'welcome.asl.json'));

    await run(join(dir, 'missing.journey.json'), '--out', dir);
    expect(process.exitCode).toBe(1);
    expect(stderr.mock.calls.join('')).toContain('missing.journey.json');
  });
});
