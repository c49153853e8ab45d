/**
 * `herald release <files…>`: freeze the version a journey file holds, so it can still be deployed
 * for the customers part-way through it once the next version ships. Writes
 * `<workflows>/versions/<id>/<version>.journey.json` next to the journey file; `cdk synth` refuses a
 * journey whose version was never released or was edited after release (engine/validate/releases.ts).
 *
 * Release is also where a journey pins its partials (engine/partials.ts): the partials its messages
 * render are copied from `<workflows>/partials/` into the journey's `partials`, in the journey file
 * and in the frozen copy, like a lockfile. A partial changed since a released version pinned it is
 * a change to that version, refused like any other edit: set a new version, then release.
 *
 * Next to the copy, `<version>.data.json` keeps the part of workflows/data.json the version uses:
 * the synth then refuses a dictionary change that would remove or retype one of those fields under
 * customers still on the version (engine/validate/dictionary-uses.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DICTIONARY_FILE } from '../../engine/dictionary.ts';
import { withPins } from '../../engine/partials.ts';
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
import type { Vocabulary } from '../../engine/vocabulary.ts';
import { loadVocabulary, SLICE_SUFFIX } from '../../infra/dictionary.ts';
import { type KnownValidCopies, loadReleasedJourneys } from '../../infra/journeys.ts';
import { readPartials } from '../../infra/partials.ts';
import { formatProblemsWithFrames } from '../../tools/cli/code-frame.ts';
import { resolveJourneyArg } from '../../tools/journey-ids.ts';

export { registerRelease } from '../program.ts';

export interface ReleaseOutcome {
  file: string;
  id: string;
  version: number;
  /** The released copy. */
  target: string;
  status: 'released' | 'already_released';
  /** Whether the journey file was rewritten because its pinned partials changed. */
  pinned: boolean;
}

export async function releaseJourneyFile(file: string): Promise<ReleaseOutcome> {
  const text = await readFile(file, 'utf8');
  const dir = path.dirname(file);
  const sources = readPartials(dir);
  const repinned = sources ? repin(text, sources.library) : undefined;
  const vocabulary = loadVocabulary(dir);
  const journey = loadJourneyOrThrow(repinned ?? text, file, {
    vocabulary,
    ...(sources ? { partials: sources } : {}),
  });
  const target = path.join(dir, releasedPath(journey.id, journey.version));
  const outcome = { file, id: journey.id, version: journey.version, target, pinned: false };
  const mine = loadReleasedJourneys(dir, vocabulary, [], [journey.id]);
  const { findings } = checkReleases([{ file, journey }], mine, path.relative(process.cwd(), dir) || '.');
  // Being unreleased is what this command fixes; anything else (an edited or older version) it must not paper over.
  const blocking = findings
    .filter((f) => f.file === file && f.finding.code !== 'release.unreleased')
    .map((f) => f.finding);
  if (blocking.length > 0) {
    const problems = locateFindings(text, file, blocking);
    throw new JourneyValidationError(file, problems, formatProblems(problems));
  }
  // Only now, with nothing blocking, does the journey file take the fresh pins.
  const pinned = repinned !== undefined && repinned !== text;
  if (pinned) await writeFile(file, repinned);
  if (existsSync(target)) return { ...outcome, pinned, status: 'already_released' };
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
  return { ...outcome, pinned, status: 'released' };
}

/**
 * The journey file's text with `partials` pinned afresh from `library`; undefined when it is not a
 * JSON object (the validator then says why) or when nothing changes.
 */
function repin(text: string, library: Readonly<Record<string, string>>): string | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const value = raw as Record<string, unknown>;
  const next = withPins(value, library);
  if (JSON.stringify(value.partials) === JSON.stringify(next.partials)) return undefined;
  return `${JSON.stringify(next, null, 2)}\n`;
}

/**
 * For `herald validate`: the release problems `cdk synth` would report for these journey files, so a
 * marketer sees "edited without a new version" before a deploy does. Only folders that keep released
 * versions (`<folder>/versions/`) are checked, and only problems in the given files are reported.
 */
export async function releaseProblems(
  results: readonly ValidationResult[],
  /**
   * The vocabulary each folder's journeys were validated against (`validateJourneyFiles`), none for
   * a data.json with errors: data.json is then not read and validated a second time, and the
   * released copies identical to a valid journey are not validated again (`loadReleasedJourneys`).
   */
  vocabularies?: ReadonlyMap<string, Vocabulary | undefined>,
  /** Released copies found valid on an earlier run (cli/valid-copies.ts), not validated again. */
  known?: KnownValidCopies,
): Promise<Problem[]> {
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
    const journeys = current.map((c) => c.journey);
    // Only these journeys' own released copies: the findings reported are on their files.
    const ids = [...new Set(journeys.map((j) => j.id))];
    let released: ReturnType<typeof loadReleasedJourneys>;
    try {
      if (vocabularies?.has(dir)) {
        const vocabulary = vocabularies.get(dir);
        // A bad data.json is reported on its own (validate.ts), as `loadVocabulary` would throw.
        if (!vocabulary) continue;
        released = loadReleasedJourneys(dir, vocabulary, journeys, ids, known);
      } else {
        released = loadReleasedJourneys(dir, loadVocabulary(dir), [], ids, known);
      }
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

/** `herald release <journeys…>` (cli/program.ts): each a file or the id of a journey in workflows/. */
export async function releaseCommand(args: string[]): Promise<void> {
  for (const arg of args) {
    const resolved = resolveJourneyArg(arg);
    if (!resolved.ok) {
      process.stderr.write(`${formatProblems([resolved.problem])}\n`);
      process.exitCode = 1;
      continue;
    }
    try {
      const r = await releaseJourneyFile(resolved.file);
      const where = path.relative(process.cwd(), r.target);
      if (r.pinned) process.stdout.write(`pinned the partials ${r.id} renders into ${resolved.file}\n`);
      process.stdout.write(
        r.status === 'released'
          ? `released ${r.id} v${r.version} → ${where}\n`
          : `${r.id} v${r.version} is already released (${where})\n`,
      );
    } catch (error) {
      process.stderr.write(
        error instanceof JourneyValidationError
          ? `✗ ${resolved.file} cannot be released:\n${formatProblemsWithFrames(error.problems.filter((p) => p.severity === 'error'))}\n`
          : `${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  }
}
