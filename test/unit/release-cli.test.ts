import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerRelease, releaseJourneyFile } from '../../cli/commands/release.ts';
import { registerValidate } from '../../cli/commands/validate.ts';
import type { Journey } from '../../engine/schema.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

// As version 1, whatever version workflows/ is at: the sandbox has no released copies yet.
const welcome = {
  ...(JSON.parse(
    readFileSync(new URL('../../workflows/welcome.journey.json', import.meta.url), 'utf8'),
  ) as Journey & {
    $schema: string;
  }),
  version: 1,
};

describe('herald release', () => {
  const sandbox = cliSandbox('herald-release-');
  const journeyFile = (journey: Journey) => {
    const file = join(sandbox.dir, 'welcome.journey.json');
    writeFileSync(file, JSON.stringify(journey, null, 2));
    return file;
  };

  it('freezes the version in versions/<id>/<version>.journey.json, its $schema pointing at the same schema', async () => {
    const file = journeyFile(welcome);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCommand(registerRelease, 'release', file);
    const copy = JSON.parse(readFileSync(join(sandbox.dir, 'versions/welcome/1.journey.json'), 'utf8'));
    expect(copy).toEqual({ ...welcome, $schema: '../../journey.schema.json' });
    expect(written(out)).toContain('released welcome v1');
    expect(process.exitCode).toBeUndefined();
  });

  it('says so when the version is already released unchanged', async () => {
    const file = journeyFile(welcome);
    await releaseJourneyFile(file);
    expect((await releaseJourneyFile(file)).status).toBe('already_released');
  });

  it('refuses to release an edited journey under a version already released, and asks for a new version', async () => {
    const file = journeyFile(welcome);
    await releaseJourneyFile(file);
    journeyFile({ ...welcome, name: 'Welcome, edited' });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await runCommand(registerRelease, 'release', file);
    expect(process.exitCode).toBe(1);
    expect(written(err)).toContain('release.changed-without-new-version /version');
    expect(written(err)).toContain('set /version to 2');
    const kept = JSON.parse(readFileSync(join(sandbox.dir, 'versions/welcome/1.journey.json'), 'utf8'));
    expect(kept.name).toBe(welcome.name);
  });

  it('releases the next version next to the previous one, which stays', async () => {
    const file = journeyFile(welcome);
    await releaseJourneyFile(file);
    journeyFile({ ...welcome, version: 2, name: 'Welcome, second edition' });
    expect((await releaseJourneyFile(file)).status).toBe('released');
    const v1 = JSON.parse(readFileSync(join(sandbox.dir, 'versions/welcome/1.journey.json'), 'utf8'));
    const v2 = JSON.parse(readFileSync(join(sandbox.dir, 'versions/welcome/2.journey.json'), 'utf8'));
    expect([v1.name, v2.name]).toEqual([welcome.name, 'Welcome, second edition']);
  });

  it('refuses a journey file older than its newest released version', async () => {
    const file = journeyFile({ ...welcome, version: 3 });
    await releaseJourneyFile(file);
    journeyFile(welcome);
    await expect(releaseJourneyFile(file)).rejects.toThrow(/older than released version 3/);
  });

  it('makes `herald validate` report an edit without a new version at /version, as the synth would', async () => {
    const file = journeyFile(welcome);
    await releaseJourneyFile(file);
    journeyFile({ ...welcome, name: 'Welcome, edited' });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCommand(registerValidate, 'validate', file);
    expect(process.exitCode).toBe(1);
    expect(written(out)).toContain(`${file}:4:14 error release.changed-without-new-version /version`);
  });
});
