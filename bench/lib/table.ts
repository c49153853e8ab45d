/** The one table `npm run bench` prints: a row per figure, beside its baseline and its target. */

export interface Row {
  area: string;
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  /** true met, false missed, undefined not applicable or pending. */
  met: boolean | undefined;
  note?: string;
}

const HEAD: Row = {
  area: 'area',
  figure: 'figure',
  measured: 'measured (median)',
  baseline: 'baseline (same run)',
  ratio: 'ratio',
  target: 'target',
  met: undefined,
};

const cells = (r: Row) => [
  r.area,
  r.figure,
  r.measured,
  r.baseline,
  r.ratio,
  r.target,
  r === HEAD ? 'met' : verdict(r.met),
];

export function verdict(met: boolean | undefined): string {
  return met === true ? 'yes' : met === false ? 'NO' : '–';
}

export function formatTable(rows: Row[]): string {
  const all = [HEAD, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => [...r[i]!].length)));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [line(all[0]!), rule, ...all.slice(1).map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  · ${r.area} / ${r.figure}: ${r.note}`);
  return [...out, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const all = [HEAD, ...rows].map((r) => cells(r).map(esc));
  return [
    `| ${all[0]!.join(' | ')} |`,
    `|${all[0]!.map(() => '---').join('|')}|`,
    ...all.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  num: (n: number, digits = 1) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : 'n/a',
  usd: (n: number) =>
    Number.isFinite(n)
      ? `$${n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`
      : 'n/a',
  ratio: (n: number) => (Number.isFinite(n) ? `${n < 0.1 ? n.toPrecision(2) : n.toFixed(2)}×` : 'n/a'),
  kb: (bytes: number) => `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 })} KiB`,
  ms: (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'n/a'),
};
