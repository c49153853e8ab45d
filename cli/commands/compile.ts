import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompileError,
  compileJourney,
  longestPathTransitions,
  renderAsl,
} from '../../engine/compile/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { formatProblemsWithFrames } from '../../tools/cli/code-frame.ts';
import { validateJourneyFiles } from './validate.ts';

export { DEFAULT_ASL_DIR, registerCompile } from '../program.ts';

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
  const report = problems.length > 0 ? formatProblemsWithFrames(problems) : '';
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

/** `herald compile <journeys…> [--out dir]` (cli/program.ts). */
export async function compileCommand(files: string[], options: { out: string }): Promise<void> {
  try {
    const result = await compileJourneyFiles(files, options.out);
    if (result.report) process.stderr.write(`${result.report}\n\n`);
    if (!result.ok) {
      process.stderr.write('✗ nothing compiled: fix the errors above\n');
      process.exitCode = 1;
      return;
    }
    for (const f of result.written) {
      process.stdout.write(`${f.path}  (${f.states} states, longest path ${f.longestPath} transitions)\n`);
    }
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    process.stderr.write(`✗ ${err.message}\n`);
    process.exitCode = 1;
  }
}
