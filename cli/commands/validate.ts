import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type JourneySource,
  type Problem,
  summarize,
  type ValidationResult,
  validateJourneySet,
} from '../../engine/validate/index.ts';
import { partialFileProblems, partialOptionsFor } from '../../infra/partials.ts';
import { formatProblemsWithFrames } from '../../tools/cli/code-frame.ts';
import { resolveJourneyArg } from '../../tools/journey-ids.ts';
import { releaseProblems } from './release.ts';

export { registerValidate } from '../program.ts';

/**
 * Read and validate journey files, each on its own and then as a set (engine/validate/journey-set.ts:
 * the same checks the CDK synth runs). Each argument is a file or the id of a journey in workflows/
 * (tools/journey-ids.ts). A file that cannot be read, or an id that names no journey, is a problem
 * of its own, not a crash.
 */
export async function validateJourneyFiles(args: readonly string[]): Promise<ValidationResult[]> {
  const read = await Promise.all(
    args.map(async (arg): Promise<JourneySource | ValidationResult> => {
      const resolved = resolveJourneyArg(arg);
      if (!resolved.ok) return { file: arg, problems: [resolved.problem] };
      const { file } = resolved;
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (err) {
        return unreadable(file, (err as NodeJS.ErrnoException).code);
      }
    }),
  );
  const sources = read.filter((r): r is JourneySource => 'text' in r);
  // Each journey against the partials of its own folder, read once per folder.
  const byDir = new Map<string, ReturnType<typeof partialOptionsFor>>();
  const optionsFor = (file: string) => {
    const dir = path.dirname(file);
    if (!byDir.has(dir)) byDir.set(dir, partialOptionsFor(file));
    return byDir.get(dir)!;
  };
  const validated = new Map(validateJourneySet(sources, optionsFor).map((r, i) => [sources[i]!, r]));
  const journeys = read.map((r) => ('text' in r ? validated.get(r)! : r));
  return [...journeys, ...partialResults([...new Set(sources.map((s) => path.dirname(s.file)))])];
}

/** The partial files of these folders that have problems, one result per file (checked once each). */
function partialResults(dirs: readonly string[]): ValidationResult[] {
  const problems = dirs.flatMap((dir) => partialFileProblems(dir));
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
    if (problems.length > 0) process.stdout.write(`${formatProblemsWithFrames(problems)}\n\n`);
    const verdict = failed ? '✗' : '✓';
    process.stdout.write(`${verdict} ${summarize(problems, results.length)}\n`);
  }
  if (failed) process.exitCode = 1;
}
