/**
 * The validator's problem list with the offending lines shown under a JSON syntax error: a few lines
 * of the file and a caret at the column, once per file (later syntax errors in the same file are
 * usually the first one's echo, so they get the list line only).
 */
import { readFileSync } from 'node:fs';
import { formatProblems } from '../../engine/validate/format.ts';
import type { Problem } from '../../engine/validate/types.ts';

const FRAMED = new Set(['json.syntax']);

/** Lines around `line` (1-based) with a `>` marker and a caret under `column` (1-based). */
export function codeFrame(text: string, line: number, column: number, context = 2): string {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const source = (lines[n - 1] ?? '').replaceAll('\t', '  ');
    out.push(`  ${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${source}`.trimEnd());
    if (n === line) {
      const before = (lines[n - 1] ?? '').slice(0, Math.max(0, column - 1)).replaceAll('\t', '  ');
      out.push(`    ${' '.repeat(width)} | ${' '.repeat(before.length)}^`);
    }
  }
  return out.join('\n');
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** formatProblems, with a code frame after the first JSON syntax error of each file. */
export function formatProblemsWithFrames(
  problems: readonly Problem[],
  read: (file: string) => string | undefined = readSource,
): string {
  const framed = new Set<string>();
  return problems
    .map((p) => {
      const listed = formatProblems([p]);
      if (!FRAMED.has(p.code) || framed.has(p.file)) return listed;
      const text = read(p.file);
      if (text === undefined) return listed;
      framed.add(p.file);
      return `${listed}\n${codeFrame(text, p.line, p.column)}`;
    })
    .join('\n');
}
