/**
 * `herald release <files…>`: freeze the version a journey file holds, so it can still be deployed
 * for the customers part-way through it once the next version ships. Writes
 * `<workflows>/versions/<id>/<version>.journey.json` next to the journey file; `cdk synth` refuses a
 * journey whose version was never released or was edited after release (engine/validate/releases.ts).
 * Next to the copy, `<version>.data.json` keeps the part of workflows/data.json the version uses:
 * the synth then refuses a dictionary change that would remove or retype one of those fields under
 * customers still on the version (engine/validate/dictionary-uses.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { DICTIONARY_FILE } from '../../engine/dictionary.ts';
import {
  checkReleases,
  dictionarySlice,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  releasedPath,
  type ValidationResult,
} from '../../engine/validate/index.ts';
import { loadVocabulary, SLICE_SUFFIX } from '../../infra/dictionary.ts';
import { loadReleasedJourneys } from '../../infra/journeys.ts';

export interface ReleaseOutcome {
  file: string;
  id: string;
  version: number;
  /** The released copy. */
  target: string;
  status: 'released' | 'already_released';
}

export async function releaseJourneyFile(file: string): Promise<ReleaseOutcome> {
  const text = await readFile(file, 'utf8');
  const dir = path.dirname(file);
  const vocabulary = loadVocabulary(dir);
  const journey = loadJourneyOrThrow(text, file, vocabulary);
  const target = path.join(dir, releasedPath(journey.id, journey.version));
  const outcome = { file, id: journey.id, version: journey.version, target };
  const mine = loadReleasedJourneys(dir, vocabulary).filter((r) => r.filedAs.id === journey.id);
  const { findings } = checkReleases([{ file, journey }], mine, path.relative(process.cwd(), dir) || '.');
  // Being unreleased is what this command fixes; anything else (an edited or older version) it must not paper over.
  const blocking = findings
    .filter((f) => f.file === file && f.finding.code !== 'release.unreleased')
    .map((f) => f.finding);
  if (blocking.length > 0) {
    const problems = locateFindings(text, file, blocking);
    throw new JourneyValidationError(file, problems, formatProblems(problems));
  }
  if (existsSync(target)) return { ...outcome, status: 'already_released' };
  const copy: Record<string, unknown> = { ...journey };
  // `$schema` is relative to the file: point the copy at the same schema from its own folder.
  const schema = (journey as { $schema?: unknown }).$schema;
  if (typeof schema === 'string' && !/^[a-z]+:/i.test(schema)) {
    copy.$schema = path.relative(path.dirname(target), path.resolve(dir, schema)).split(path.sep).join('/');
  }
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(copy, null, 2)}\n`, { flag: 'wx' });
  const slice = dictionarySlice(journey as unknown as Record<string, unknown>, vocabulary);
  const sliceFile = target.slice(0, -'.journey.json'.length) + SLICE_SUFFIX;
  await writeFile(sliceFile, `${JSON.stringify(slice, null, 2)}\n`, { flag: 'wx' });
  return { ...outcome, status: 'released' };
}

/**
 * For `herald validate`: the release problems `cdk synth` would report for these journey files, so a
 * marketer sees "edited without a new version" before a deploy does. Only folders that keep released
 * versions (`<folder>/versions/`) are checked, and only problems in the given files are reported.
 */
export async function releaseProblems(results: readonly ValidationResult[]): Promise<Problem[]> {
  const byDir = new Map<string, ValidationResult[]>();
  for (const r of results) {
    if (!r.journey) continue;
    const dir = path.dirname(r.file);
    byDir.set(dir, [...(byDir.get(dir) ?? []), r]);
  }
  const problems: Problem[] = [];
  for (const [dir, mine] of byDir) {
    if (!existsSync(path.join(dir, RELEASES_DIR))) continue;
    const current = mine.map((r) => ({ file: r.file, journey: r.journey! }));
    let released: ReturnType<typeof loadReleasedJourneys>;
    try {
      released = loadReleasedJourneys(dir, loadVocabulary(dir));
    } catch (error) {
      // A bad data.json is reported on its own (validate.ts); a released copy it breaks, here.
      if (!(error instanceof JourneyValidationError)) throw error;
      problems.push(...error.problems.filter((p) => !p.file.endsWith(DICTIONARY_FILE)));
      continue;
    }
    const { findings } = checkReleases(current, released, path.relative(process.cwd(), dir) || '.');
    for (const r of mine) {
      const own = findings.filter((f) => f.file === r.file).map((f) => f.finding);
      if (own.length > 0) problems.push(...locateFindings(await readFile(r.file, 'utf8'), r.file, own));
    }
  }
  return problems;
}

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description(
      'freeze the version each journey file holds in workflows/versions/<id>/<version>.journey.json (required before deploy)',
    )
    .argument('<files...>', 'journey files, e.g. workflows/welcome.journey.json')
    .action(async (files: string[]) => {
      for (const file of files) {
        try {
          const r = await releaseJourneyFile(file);
          const where = path.relative(process.cwd(), r.target);
          process.stdout.write(
            r.status === 'released'
              ? `released ${r.id} v${r.version} → ${where}\n`
              : `${r.id} v${r.version} is already released (${where})\n`,
          );
        } catch (error) {
          process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = 1;
        }
      }
    });
}
