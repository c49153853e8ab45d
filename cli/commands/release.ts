/**
 * `herald release <files…>`: freeze the version a journey file holds, so it can still be deployed
 * for the customers part-way through it once the next version ships. Writes
 * `<workflows>/versions/<id>/<version>.journey.json` next to the journey file; `cdk synth` refuses a
 * journey whose version was never released or was edited after release (engine/validate/releases.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkReleases,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  releasedPath,
  type ValidationResult,
} from '../../engine/validate/index.ts';
import { loadReleasedJourneys } from '../../infra/journeys.ts';
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
}

export async function releaseJourneyFile(file: string): Promise<ReleaseOutcome> {
  const text = await readFile(file, 'utf8');
  const journey = loadJourneyOrThrow(text, file);
  const dir = path.dirname(file);
  const target = path.join(dir, releasedPath(journey.id, journey.version));
  const outcome = { file, id: journey.id, version: journey.version, target };
  const mine = loadReleasedJourneys(dir).filter((r) => r.filedAs.id === journey.id);
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
    const { findings } = checkReleases(
      current,
      loadReleasedJourneys(dir),
      path.relative(process.cwd(), dir) || '.',
    );
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
