/**
 * The data dictionary at synth time (and for the CLI and local runs, which read the same files):
 * `<workflows>/data.json`, validated into the `Vocabulary` every journey of the folder is checked
 * against, and the slices of it released versions were validated with
 * (`versions/<id>/<v>.data.json`, engine/validate/dictionary-uses.ts). An invalid dictionary, or one
 * that drops or retypes a field a deployed version uses, throws the validator's error, which fails
 * `cdk synth`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DataDictionary, DICTIONARY_FILE } from '../engine/dictionary.ts';
import {
  checkDictionaryKeepsReleases,
  formatProblems,
  JourneyValidationError,
  loadVocabularyOrThrow,
  locateFindings,
  type Problem,
  RELEASES_DIR,
  type ReleasedSlice,
} from '../engine/validate/index.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';

/** Next to each released `<v>.journey.json`: the dictionary slice that version was validated with. */
export const SLICE_SUFFIX = '.data.json';

export function dictionaryPath(dir: string): string {
  return path.join(dir, DICTIONARY_FILE);
}

/** The vocabulary of `<dir>/data.json`, or the built-in one when the folder has none. */
export function loadVocabulary(dir: string): Vocabulary {
  const file = dictionaryPath(dir);
  return loadVocabularyOrThrow(existsSync(file) ? readFileSync(file, 'utf8') : undefined, file);
}

/** Every `versions/<id>/<v>.data.json` under `dir`. */
export function loadReleasedSlices(dir: string): ReleasedSlice[] {
  const root = path.join(dir, RELEASES_DIR);
  if (!existsSync(root)) return [];
  const slices: ReleasedSlice[] = [];
  for (const id of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const name of readdirSync(path.join(root, id.name)).sort()) {
      if (!name.endsWith(SLICE_SUFFIX)) continue;
      const file = path.join(root, id.name, name);
      const version = Number(name.slice(0, -SLICE_SUFFIX.length));
      const slice = JSON.parse(readFileSync(file, 'utf8')) as DataDictionary;
      slices.push({ file, journeyId: id.name, version, slice });
    }
  }
  return slices;
}

/** What data.json may not do to the versions `dir` deploys, located in data.json. */
export function dictionaryReleaseProblems(dir: string, vocabulary: Vocabulary): Problem[] {
  const file = dictionaryPath(dir);
  const findings = checkDictionaryKeepsReleases(loadReleasedSlices(dir), vocabulary, file);
  if (findings.length === 0) return [];
  return locateFindings(existsSync(file) ? readFileSync(file, 'utf8') : '{}', file, findings);
}

/** `loadVocabulary`, and a `JourneyValidationError` when the dictionary would break a deployed version. */
export function loadDeployableVocabulary(dir: string): Vocabulary {
  const vocabulary = loadVocabulary(dir);
  const problems = dictionaryReleaseProblems(dir, vocabulary);
  if (problems.length > 0) {
    const n = problems.length;
    throw new JourneyValidationError(
      dictionaryPath(dir),
      problems,
      `${dictionaryPath(dir)} would change fields released journey versions use (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(problems)}`,
    );
  }
  return vocabulary;
}
