import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  formatProblems,
  type JourneySource,
  type Problem,
  summarize,
  type ValidationResult,
  validateDictionaryText,
  validateJourneySet,
} from '../../engine/validate/index.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../../engine/vocabulary.ts';
import { dictionaryPath, dictionaryReleaseProblems } from '../../infra/dictionary.ts';
import { releaseProblems } from './release.ts';

/**
 * Read and validate journey files, each on its own and then as a set (engine/validate/journey-set.ts:
 * the same checks the CDK synth runs), against the data dictionary of their folder
 * (`<folder>/data.json`), whose own problems come first. A file that cannot be read is a problem of
 * its own, not a crash.
 */
export async function validateJourneyFiles(paths: readonly string[]): Promise<ValidationResult[]> {
  const byDir = new Map<string, string[]>();
  for (const file of paths) byDir.set(path.dirname(file), [...(byDir.get(path.dirname(file)) ?? []), file]);
  const results: ValidationResult[] = [];
  for (const [dir, files] of byDir) {
    const { vocabulary, problems } = await folderVocabulary(dir);
    if (problems.length > 0) results.push({ file: dictionaryPath(dir), problems });
    results.push(...(await validateWith(files, vocabulary)));
  }
  return results;
}

/** `<dir>/data.json` as a vocabulary, with its problems (and those it makes for released versions). */
async function folderVocabulary(dir: string): Promise<{ vocabulary: Vocabulary; problems: Problem[] }> {
  const file = dictionaryPath(dir);
  if (!existsSync(file)) return { vocabulary: BUILT_IN_VOCABULARY, problems: [] };
  const result = validateDictionaryText(await readFile(file, 'utf8'), file);
  if (!result.vocabulary) return { vocabulary: BUILT_IN_VOCABULARY, problems: result.problems };
  return { vocabulary: result.vocabulary, problems: dictionaryReleaseProblems(dir, result.vocabulary) };
}

async function validateWith(paths: readonly string[], vocabulary: Vocabulary): Promise<ValidationResult[]> {
  const read = await Promise.all(
    paths.map(async (file): Promise<JourneySource | ValidationResult> => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (err) {
        return unreadable(file, (err as NodeJS.ErrnoException).code);
      }
    }),
  );
  const sources = read.filter((r): r is JourneySource => 'text' in r);
  const validated = new Map(validateJourneySet(sources, vocabulary).map((r, i) => [sources[i]!, r]));
  return read.map((r) => ('text' in r ? validated.get(r)! : r));
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

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check journey files; exit 1 when any has an error (warnings do not fail)')
    .argument('<files...>', 'journey files, e.g. workflows/*.journey.json')
    .option('--json', 'print the results as JSON for tools')
    .action(async (files: string[], options: { json?: boolean }) => {
      const results = await validateJourneyFiles(files);
      // What `cdk synth` would also refuse: a released version edited in place, or never released.
      for (const problem of await releaseProblems(results)) {
        const result = results.find((r) => r.file === problem.file);
        result?.problems.push(problem);
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
        if (problems.length > 0) process.stdout.write(`${formatProblems(problems)}\n\n`);
        const verdict = failed ? '✗' : '✓';
        process.stdout.write(`${verdict} ${summarize(problems, results.length)}\n`);
      }
      if (failed) process.exitCode = 1;
    });
}
