import type { Problem } from './types.ts';

/** `file:line:col severity code path — message` lines, then a suggestion line where there is one. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const head = `${p.file}:${p.line}:${p.column} ${p.severity} ${p.code} ${p.path || '/'} — ${p.message}`;
      return p.suggestion ? `${head}\n    ↳ ${p.suggestion}` : head;
    })
    .join('\n');
}

/** "2 errors, 1 warning in 3 files". */
export function summarize(problems: readonly Problem[], files: number): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'file')}`;
}
