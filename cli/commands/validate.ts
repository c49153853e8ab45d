import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Settings } from 'luxon';
import { type PolicyConfig, parsePolicyConfig } from '../../engine/policy/config.ts';
import { retentionProblems } from '../../engine/privacy/retention.ts';
import {
  type JourneySource,
  locateFindings,
  type Problem,
  summarize,
  type ValidationResult,
  validateDictionaryText,
  validateJourneySet,
} from '../../engine/validate/index.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../engine/vocabulary.ts';
import { dictionaryPath, dictionaryReleaseProblems } from '../../infra/dictionary.ts';
import { folderOptions, partialFileProblems } from '../../infra/partials.ts';
import { formatProblemsWithFrames } from '../../tools/cli/code-frame.ts';
import { resolveJourneyArg } from '../../tools/journey-ids.ts';
import { validCopiesCache } from '../valid-copies.ts';
import { releaseProblems } from './release.ts';

export { registerValidate } from '../program.ts';

/**
 * Read and validate journey files, each on its own and then as a set (engine/validate/journey-set.ts:
 * the same checks the CDK synth runs), against the data dictionary of their folder
 * (`<folder>/data.json`, whose own problems come first) and its partials. Each argument is a file
 * or the id of a journey in workflows/ (tools/journey-ids.ts). A file that cannot be read, or an id
 * that names no journey, is a problem of its own, not a crash.
 */
export async function validateJourneyFiles(
  args: readonly string[],
  /** Filled in with the vocabulary each folder's journeys were validated against; none when its data.json has errors. */
  vocabularies?: Map<string, Vocabulary | undefined>,
): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  const byDir = new Map<string, string[]>();
  for (const arg of args) {
    const resolved = resolveJourneyArg(arg);
    if (!resolved.ok) {
      results.push({ file: arg, problems: [resolved.problem] });
      continue;
    }
    const dir = path.dirname(resolved.file);
    byDir.set(dir, [...(byDir.get(dir) ?? []), resolved.file]);
  }
  for (const [dir, files] of byDir) {
    const { vocabulary, problems, valid } = await folderVocabulary(dir);
    vocabularies?.set(dir, valid ? vocabulary : undefined);
    if (problems.length > 0) results.push({ file: dictionaryPath(dir), problems });
    const validated = await validateWith(dir, files, vocabulary);
    results.push(...validated);
    const retention = await retentionResult(dir, validated);
    if (retention) results.push(retention);
  }
  return results;
}

/**
 * `<dir>/policy.json`'s retention against the windows of the journeys that read what it retains
 * (engine/privacy/retention.ts); the same check the synth makes. Nothing when the policy itself is
 * unreadable: the synth reports that.
 */
async function retentionResult(
  dir: string,
  validated: readonly ValidationResult[],
): Promise<ValidationResult | undefined> {
  const file = path.join(dir, 'policy.json');
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  let config: PolicyConfig;
  try {
    config = parsePolicyConfig(text);
  } catch {
    return undefined;
  }
  const journeys = validated.flatMap((r) => (r.journey ? [r.journey] : []));
  const findings = retentionProblems(config, journeys).map(({ code, path: at, message, suggestion }) => ({
    code,
    path: at,
    message,
    suggestion,
  }));
  return findings.length > 0 ? { file, problems: locateFindings(text, file, findings) } : undefined;
}

/** `<dir>/data.json` as a vocabulary, with its problems (and those it makes for released versions). */
async function folderVocabulary(
  dir: string,
): Promise<{ vocabulary: Vocabulary; problems: Problem[]; valid: boolean }> {
  const file = dictionaryPath(dir);
  if (!existsSync(file)) return { vocabulary: BUILT_IN_VOCABULARY, problems: [], valid: true };
  const result = validateDictionaryText(await readFile(file, 'utf8'), file);
  if (!result.vocabulary) return { vocabulary: BUILT_IN_VOCABULARY, problems: result.problems, valid: false };
  return {
    vocabulary: result.vocabulary,
    problems: dictionaryReleaseProblems(dir, result.vocabulary),
    valid: true,
  };
}

/** The journeys of one folder, against its vocabulary and its partials, then its partial files' own problems. */
async function validateWith(
  dir: string,
  files: readonly string[],
  vocabulary: Vocabulary,
): Promise<ValidationResult[]> {
  const read = await Promise.all(
    files.map(async (file): Promise<JourneySource | ValidationResult> => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (err) {
        return unreadable(file, (err as NodeJS.ErrnoException).code);
      }
    }),
  );
  const sources = read.filter((r): r is JourneySource => 'text' in r);
  const options = folderOptions(dir, vocabulary);
  const validated = new Map(validateJourneySet(sources, options).map((r, i) => [sources[i]!, r]));
  const journeys = read.map((r) => ('text' in r ? validated.get(r)! : r));
  return sources.length > 0 ? [...journeys, ...partialResults(dir)] : journeys;
}

/** The partial files of this folder that have problems, one result per file (checked once each). */
function partialResults(dir: string): ValidationResult[] {
  const problems = partialFileProblems(dir);
  const files = [...new Set(problems.map((p) => p.file))];
  return files.map((file) => ({ file, problems: problems.filter((p) => p.file === file) }));
}

function unreadable(file: string, code: string | undefined): ValidationResult {
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
  return {
    file,
    problems: [
      {
        file,
        code: 'file.unreadable',
        path: '',
        line: 1,
        column: 1,
        message: `cannot read the journey file: ${reason}`,
        severity: 'error',
      },
    ],
  };
}

/** `herald validate <journeys…> [--json]` (cli/program.ts). */
export async function validateCommand(files: string[], options: { json?: boolean }): Promise<void> {
  const vocabularies = new Map<string, Vocabulary | undefined>();
  // Validation reads durations as numbers and formats no date: luxon's locale, which is only for
  // formatting, is named so that luxon does not ask Intl for the system's (a process's first
  // Intl.DateTimeFormat loads the locale data: tens of milliseconds of start-up, issue 17).
  const systemDefault = Settings.defaultLocale;
  Settings.defaultLocale = 'en-US';
  let results: ValidationResult[];
  try {
    results = await validateJourneyFiles(files, vocabularies);
    // What `cdk synth` would also refuse: a released version edited in place, or never released.
    const known = validCopiesCache();
    const releaseFindings = await releaseProblems(results, vocabularies, known);
    known?.save();
    for (const problem of releaseFindings) {
      // A released copy that no longer validates has no result of its own yet: it gets one.
      const result = results.find((r) => r.file === problem.file);
      if (result) result.problems.push(problem);
      else results.push({ file: problem.file, problems: [problem] });
    }
  } finally {
    Settings.defaultLocale = systemDefault;
  }
  const problems: Problem[] = results.flatMap((r) => r.problems);
  const failed = problems.some((p) => p.severity === 'error');
  if (options.json) {
    const report = {
      ok: !failed,
      files: results.map((r) => ({
        file: r.file,
        valid: r.journey !== undefined,
        problems: r.problems,
      })),
      errors: problems.filter((p) => p.severity === 'error').length,
      warnings: problems.filter((p) => p.severity === 'warning').length,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    if (problems.length > 0) process.stdout.write(`${formatProblemsWithFrames(problems)}\n\n`);
    const verdict = failed ? '✗' : '✓';
    process.stdout.write(`${verdict} ${summarize(problems, results.length)}\n`);
  }
  if (failed) process.exitCode = 1;
}
