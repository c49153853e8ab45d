import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileJourneyFiles, registerCompile } from '../../cli/commands/compile.ts';
import { compileJourney, renderAsl, validateAsl } from '../../engine/compile/index.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';
import { loadReference, REFERENCE_IDS } from './compile.fixtures.ts';

const reference = (id: string) => new URL(`../../workflows/${id}.journey.json`, import.meta.url).pathname;

describe('herald compile', () => {
  const sandbox = cliSandbox('herald-compile-');

  it('writes <out>/<id>.asl.json for each reference journey, exactly what renderAsl gives', async () => {
    const result = await compileJourneyFiles(REFERENCE_IDS.map(reference), sandbox.dir);
    expect(result.ok).toBe(true);
    for (const id of REFERENCE_IDS) {
      const text = await readFile(join(sandbox.dir, `${id}.asl.json`), 'utf8');
      expect(text).toBe(renderAsl(compileJourney(loadReference(id))));
      expect(validateAsl(JSON.parse(text)).valid).toBe(true);
    }
  });

  it('rejects an invalid journey with the validator’s message and writes nothing', async () => {
    const broken = loadReference('welcome') as unknown as { steps: Record<string, { next?: string }> };
    broken.steps['send-welcome']!.next = 'wait-too-days';
    const file = join(sandbox.dir, 'broken.journey.json');
    await writeFile(file, JSON.stringify(broken, null, 2));
    const out = join(sandbox.dir, 'out');

    const result = await compileJourneyFiles([file, reference('cart-abandonment')], out);

    expect(result.ok).toBe(false);
    expect(result.report).toContain(file);
    expect(result.report).toContain('wait-too-days');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 from the command line when a journey is invalid or missing, and prints the paths it wrote', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = (...args: string[]) => runCommand(registerCompile, 'compile', ...args);

    await run(reference('welcome'), '--out', sandbox.dir);
    expect(process.exitCode).toBeUndefined();
    expect(written(stdout)).toContain(join(sandbox.dir, 'welcome.asl.json'));

    await run(join(sandbox.dir, 'missing.journey.json'), '--out', sandbox.dir);
    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain('missing.journey.json');
  });
});
