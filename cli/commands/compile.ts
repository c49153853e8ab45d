import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  CompileError,
  compileJourney,
  longestPathTransitions,
  renderAsl,
} from '../../engine/compile/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { formatProblems } from '../../engine/validate/index.ts';
import { validateJourneyFiles } from './validate.ts';

export const DEFAULT_ASL_DIR = 'out/asl';

export interface CompiledFile {
  journey: Journey;
  path: string;
  states: number;
  longestPath: number;
}

/**
 * Validates every file first; only when all are valid writes `<out>/<id>.asl.json` for each.
 * Returns the files written, or the validator's report when any journey has an error.
 */
export async function compileJourneyFiles(
  files: readonly string[],
  out: string,
): Promise<{ ok: true; written: CompiledFile[]; report: string } | { ok: false; report: string }> {
  const results = await validateJourneyFiles(files);
  const problems = results.flatMap((r) => r.problems);
  const report = problems.length > 0 ? formatProblems(problems) : '';
  const journeys = results.flatMap((r) => (r.journey ? [r.journey] : []));
  if (journeys.length < results.length) return { ok: false, report };

  const written: CompiledFile[] = [];
  await mkdir(out, { recursive: true });
  for (const journey of journeys) {
    const def = compileJourney(journey);
    const path = join(out, `${journey.id}.asl.json`);
    await writeFile(path, renderAsl(def));
    written.push({
      journey,
      path,
      states: Object.keys(def.States).length,
      longestPath: longestPathTransitions(def).transitions,
    });
  }
  return { ok: true, written, report };
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('validate journeys and compile each to Amazon States Language (<out>/<id>.asl.json)')
    .argument('<journeys...>', 'journey files, e.g. workflows/*.journey.json')
    .option('--out <dir>', 'where to write the definitions', DEFAULT_ASL_DIR)
    .action(async (files: string[], options: { out: string }) => {
      try {
        const result = await compileJourneyFiles(files, options.out);
        if (result.report) process.stderr.write(`${result.report}\n\n`);
        if (!result.ok) {
          process.stderr.write('✗ nothing compiled: fix the errors above\n');
          process.exitCode = 1;
          return;
        }
        for (const f of result.written) {
          process.stdout.write(
            `${f.path}  (${f.states} states, longest path ${f.longestPath} transitions)\n`,
          );
        }
      } catch (err) {
        if (!(err instanceof CompileError)) throw err;
        process.stderr.write(`✗ ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
