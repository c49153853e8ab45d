/**
 * Journey files at synth time: find them, validate them, compile them. An invalid journey throws the
 * validator's error (every problem, with file and JSON path), which fails `cdk synth`.
 *
 * What is deployed (`compileDeployedJourneys`): one state machine per current journey file, and a
 * bundle for the Lambdas holding the current version of each journey plus every older released
 * version still kept in `workflows/versions/<id>/<version>.journey.json`, so customers part-way
 * through an older version are still decided by it (engine/validate/releases.ts has the rules).
 * Each journey carries the partials it pinned (engine/partials.ts), so the bundle carries every
 * version's own footer; released copies are validated on their pins alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataDictionary } from '../engine/dictionary.ts';
import type { Journey } from '../engine/schema.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { loadDeployableVocabulary, loadVocabulary, SLICE_SUFFIX } from './dictionary.ts';
import {
  alreadyValidatedCopy,
  checkReleases,
  compileJourney,
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  loadJourneySetOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  type ReleasedFile,
  renderAsl,
  type SetOptions,
} from './engine.ts';
import { folderOptions, partialFileProblems } from './partials.ts';

export const JOURNEY_FILE_SUFFIX = '.journey.json';

export interface CompiledJourney {
  file: string;
  journey: Journey;
  /** `renderAsl(compileJourney(journey))`: the DefinitionString, Lambda ARN still a placeholder. */
  definition: string;
  /** The validator's warnings: shown by the synth, never failing it. */
  warnings: Problem[];
}

export interface DeployedJourneys {
  /** The current version of each journey: what its state machine's `live` alias runs. */
  current: CompiledJourney[];
  /** What the ingest and step Lambdas bundle: the current versions, then every older kept version. */
  bundle: Journey[];
  /** workflows/data.json as validated, bundled with the journeys (`undefined`: none, built-in only). */
  dictionary: DataDictionary | undefined;
}

/** `*.journey.json` in `dir`, sorted so the template is stable. */
export function findJourneyFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(JOURNEY_FILE_SUFFIX))
    .sort()
    .map((name) => path.join(dir, name));
}

/** One journey file, against the data dictionary of its folder. */
export function compileJourneyFile(file: string): CompiledJourney {
  return compileJourneySources(
    [{ file, text: readFileSync(file, 'utf8') }],
    folderOptions(path.dirname(file)),
  )[0]!;
}

/**
 * Every journey of `dir`, validated together as `herald validate` does (same ids are refused),
 * against the data dictionary and the partials of `dir/partials/` (infra/partials.ts): a journey
 * whose pinned partials differ from them is refused, as is a partial file that is not valid, used or not.
 */
export function compileJourneyDir(
  dir: string,
  vocabulary: Vocabulary = loadVocabulary(dir),
): CompiledJourney[] {
  const partialProblems = partialFileProblems(dir);
  if (partialProblems.length > 0) {
    const n = partialProblems.length;
    throw new JourneyValidationError(
      partialProblems[0]!.file,
      partialProblems,
      `partials in ${dir} are not valid (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(partialProblems)}`,
    );
  }
  return compileJourneySources(
    findJourneyFiles(dir).map((file) => ({ file, text: readFileSync(file, 'utf8') })),
    folderOptions(dir, vocabulary),
  );
}

function compileJourneySources(
  sources: { file: string; text: string }[],
  options: SetOptions = {},
): CompiledJourney[] {
  return loadJourneySetOrThrow(sources, options).map(({ file, journey, warnings }) => ({
    file,
    journey,
    definition: renderAsl(compileJourney(journey)),
    warnings,
  }));
}

/** Released copies already known to be valid, by their text and the dictionary they were checked against. */
export interface KnownValidCopies {
  isValid(text: string, vocabulary: Vocabulary): boolean;
  rememberValid(text: string, vocabulary: Vocabulary): void;
}

/** A copy known to be valid, as the validator would return it (the JSON value; a byte-order mark is a space). */
function parsedCopy(text: string): Journey {
  return JSON.parse(text.replace(/^\uFEFF/, '')) as Journey;
}

/**
 * Every `versions/<id>/<version>.journey.json` under `dir`, validated in full against the folder's
 * dictionary (`loadDeployableVocabulary` first holds it to the slices the versions were released with).
 *
 * `validated`: journeys of `dir` the caller has validated with no error against this `vocabulary`
 * and the folder's partials (`herald validate`). A released copy that is one of them as
 * `herald release` wrote it is taken as is, not validated again: the answer could not differ
 * (engine/validate/releases.ts, `alreadyValidatedCopy`).
 *
 * `ids`: only the copies filed under `versions/<id>/` for these journey ids, the only ones
 * `checkReleases` reads for findings on those journeys' own files (`herald validate`, `herald
 * release`); a copy filed under another folder is that folder's journey's finding. Default: all.
 *
 * `known`: copies found valid on an earlier run of the same validator against the same dictionary
 * (the built CLI's cache, cli/valid-copies.ts); taken as they parse, and the new valid ones added.
 * The synth passes none: it validates every copy.
 */
export function loadReleasedJourneys(
  dir: string,
  vocabulary: Vocabulary = loadVocabulary(dir),
  validated: readonly Journey[] = [],
  ids?: readonly string[],
  known?: KnownValidCopies,
): ReleasedFile[] {
  const root = path.join(dir, RELEASES_DIR);
  if (!existsSync(root)) return [];
  const released: ReleasedFile[] = [];
  const wanted = ids ? new Set(ids) : undefined;
  for (const id of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    if (wanted && !wanted.has(id.name)) continue;
    for (const name of readdirSync(path.join(root, id.name)).sort()) {
      if (name.endsWith(SLICE_SUFFIX)) continue; // the version's dictionary slice (infra/dictionary.ts)
      const file = path.join(root, id.name, name);
      const version = Number(name.slice(0, -JOURNEY_FILE_SUFFIX.length));
      if (!name.endsWith(JOURNEY_FILE_SUFFIX) || !Number.isInteger(version) || version < 1) {
        throw new Error(
          `${file}: a released journey is named <version>${JOURNEY_FILE_SUFFIX} (e.g. 2${JOURNEY_FILE_SUFFIX}); use \`npx herald release\` to write one`,
        );
      }
      const text = readFileSync(file, 'utf8');
      const journey =
        alreadyValidatedCopy(text, validated) ??
        (known?.isValid(text, vocabulary) ? parsedCopy(text) : undefined) ??
        loadJourneyOrThrow(text, file, { vocabulary });
      known?.rememberValid(text, vocabulary);
      released.push({ file, journey, filedAs: { id: id.name, version } });
    }
  }
  return released;
}

/**
 * The journeys one deploy carries. Throws a `JourneyValidationError` listing every release problem
 * (a version edited in place, a version never released, a misfiled copy) with file, JSON path and fix.
 */
export function compileDeployedJourneys(dir: string): DeployedJourneys {
  // The dictionary first: a field removed under a released version is named as such, in data.json.
  const vocabulary = loadDeployableVocabulary(dir);
  const current = compileJourneyDir(dir, vocabulary);
  const released = loadReleasedJourneys(dir, vocabulary);
  const { findings, kept } = checkReleases(current, released, path.relative(process.cwd(), dir) || '.');
  const problems: Problem[] = [];
  for (const file of new Set(findings.map((f) => f.file))) {
    const mine = findings.filter((f) => f.file === file).map((f) => f.finding);
    problems.push(...locateFindings(readFileSync(file, 'utf8'), file, mine));
  }
  if (problems.length > 0) {
    const n = problems.length;
    throw new JourneyValidationError(
      dir,
      problems,
      `journey versions in ${dir} cannot be deployed (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(problems)}`,
    );
  }
  const hasDictionary = Object.keys(vocabulary.dictionary).length > 0;
  return {
    current,
    bundle: [...current.map((c) => c.journey), ...kept],
    dictionary: hasDictionary ? vocabulary.dictionary : undefined,
  };
}
