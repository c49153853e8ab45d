/**
 * The shared partials on disk: `<workflows>/partials/<name>.liquid` and `<name>.<locale>.liquid`,
 * read into the library the engine checks journeys against (engine/partials.ts: the engine never
 * reads a file). Read by the synth (journeys.ts), `herald validate`, `herald release`, the tools
 * (tools/load.ts) and the demo (local/journeys.ts), so every one of them sees the same partials.
 *
 * A folder without `partials/` has no library: its journeys are checked on what they pinned alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SEGMENT_FILE_SUFFIX } from '../engine/audience/segment.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { loadVocabulary } from './dictionary.ts';
import {
  LineIndex,
  PARTIAL_FILE_SUFFIX,
  type PartialSources,
  type Problem,
  parsePartialKey,
  partialSourceProblems,
  type ValidateOptions,
} from './engine.ts';
import { segmentSources } from './segments.ts';

export const PARTIALS_DIR = 'partials';

export interface PartialFile {
  /** `footer`, `footer.ar` */
  key: string;
  file: string;
  text: string;
}

/** The `.liquid` files of `<workflowsDir>/partials/`, sorted; undefined when there is no such folder. */
export function readPartialFiles(workflowsDir: string): PartialFile[] | undefined {
  const dir = path.join(workflowsDir, PARTIALS_DIR);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  return readdirSync(dir)
    .filter((name) => name.endsWith(PARTIAL_FILE_SUFFIX))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { key: name.slice(0, -PARTIAL_FILE_SUFFIX.length), file, text: readFileSync(file, 'utf8') };
    });
}

/** The library of `<workflowsDir>/partials/` (well-named files only), or undefined. */
export function readPartials(workflowsDir: string): PartialSources | undefined {
  const files = readPartialFiles(workflowsDir);
  if (!files) return undefined;
  const library: Record<string, string> = {};
  for (const f of files) if (parsePartialKey(f.key)) library[f.key] = f.text;
  const dir = path.relative(process.cwd(), path.join(workflowsDir, PARTIALS_DIR)) || PARTIALS_DIR;
  return { library, dir: dir.split(path.sep).join('/') };
}

/** How the journeys of a folder are validated: against its data dictionary and its partials. */
export function folderOptions(dir: string, vocabulary: Vocabulary = loadVocabulary(dir)): ValidateOptions {
  const partials = readPartials(dir);
  // Segment ids only: each segment file is validated on its own (infra/segments.ts).
  const segments = new Set(
    segmentSources(dir).map((s) => path.basename(s.file).slice(0, -SEGMENT_FILE_SUFFIX.length)),
  );
  return partials ? { partials, vocabulary, segments } : { vocabulary, segments };
}

/**
 * Each partial file's own problems (name, Liquid syntax, HTML that would break the RTL wrapper),
 * once per file however many journeys render it, located at its line and column.
 */
export function partialFileProblems(workflowsDir: string): Problem[] {
  const problems: Problem[] = [];
  for (const f of readPartialFiles(workflowsDir) ?? []) {
    if (!parsePartialKey(f.key)) {
      problems.push({
        file: f.file,
        code: 'partial.invalid-name',
        path: '',
        line: 1,
        column: 1,
        message: `\`${path.basename(f.file)}\` is not a partial's file name: \`<name>.liquid\` or \`<name>.<locale>.liquid\`, lowercase, e.g. \`footer.liquid\`, \`footer.ar.liquid\``,
        suggestion: 'rename the file; journeys cannot render it as it is',
        severity: 'error',
      });
      continue;
    }
    const lines = new LineIndex(f.text);
    for (const p of partialSourceProblems(f.text)) {
      problems.push({
        file: f.file,
        code: p.code,
        path: '',
        ...lines.position(p.offset ?? 0),
        message: p.message,
        ...(p.suggestion ? { suggestion: p.suggestion } : {}),
        severity: 'error',
      });
    }
  }
  return problems;
}
