/** The demo summary as plain-text tables for the terminal. */
import type { JourneyAnalytics } from '../engine/analytics/report-model.ts';
import { sendTimeWords } from '../tools/words/send-time.ts';
import type { DemoResult } from './demo.ts';
import { formatRequestsLine } from './dynamo-requests.ts';
import type { BestTimeSummary } from './summary.ts';
import {
  type Cell,
  channelTable,
  DECISIONS_NOTE,
  endedRows,
  type RowTable,
  sendStepTable,
} from './summary-rows.ts';

function table({ headers, rows }: Pick<RowTable, 'headers' | 'rows'>): string {
  const cells = [[...headers], ...rows.map((r: Cell[]) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - [...cell].length));
        return i === 0 ? cell + pad : pad + cell;
      })
      .join('  ');
  return [line([...headers]), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** What the terminal summary reads of a demo's result. */
export type SummaryTextInput = Pick<
  DemoResult,
  'summary' | 'counts' | 'checks' | 'errors' | 'shards' | 'timings'
> &
  Partial<Pick<DemoResult, 'analytics' | 'dynamoRequests'>>;

export function formatSummary(result: SummaryTextInput, timing: { totalMs: number }): string {
  const out: string[] = [];
  const { summary } = result;
  out.push('');
  out.push(
    `Ran ${result.counts.events} customer events and ${result.counts.feedback} provider feedback events; ` +
      `${summary.totals.executions} workflow executions, ${summary.totals.decisions} send decisions for ` +
      `${summary.channels.reduce((n, c) => n + c.decidedSent, 0)} messages sent, ` +
      `${result.counts.unsubscribes} one-click unsubscribes.`,
  );
  out.push(DECISIONS_NOTE);
  for (const j of summary.journeys) {
    out.push('');
    out.push(`■ ${j.name} (${j.id} v${j.version}) — ${j.entered} entered, ${j.heldOut} held out`);
    out.push(table(sendStepTable(j)));
    const learned = result.analytics?.journeys.find((a) => a.id === j.id);
    if (learned) {
      out.push(...learnedLines(learned, j.goal));
    } else {
      const groups = [j.conversion.treated, ...(j.conversion.holdout ? [j.conversion.holdout] : [])];
      out.push(
        `  converted (${j.goal}): ${groups.map((g) => `${g.name} ${g.converted}/${g.customers} = ${pct(g.rate)}`).join(' · ')}`,
      );
    }
    for (const split of learned ? [] : j.splits) {
      out.push(
        `  A/B ${split.stepId}: ${split.arms.map((a) => `${a.name} ${a.converted}/${a.customers} = ${pct(a.rate)}`).join(' · ')}`,
      );
    }
    if (j.bestTimes) out.push(`  ${bestTimeLine(j.bestTimes)}`);
    const ended = endedRows(j).slice(0, 6);
    out.push(
      ended.length === 0
        ? '  ended: no one has entered yet'
        : `  ended: ${ended.map(([how, n]) => `${how} ${n}`).join(' · ')}`,
    );
  }
  out.push('');
  out.push(table(channelTable(summary)));
  out.push('');
  out.push('Checks (from the stand-ins’ records and the ledger):');
  for (const c of result.checks) {
    out.push(`  ${c.violations.length ? '✗' : '✓'} ${c.name} (${c.checked} examined)`);
    for (const v of c.violations.slice(0, 3)) out.push(`      ${v}`);
  }
  if (result.errors.length > 0) {
    out.push('');
    out.push(`Errors (${result.errors.length}):`);
    for (const e of result.errors.slice(0, 5)) out.push(`  ${e}`);
  }
  out.push('');
  out.push(
    `Real time: ${(timing.totalMs / 1000).toFixed(1)} s, of which simulation ${(result.timings.simulateMs / 1000).toFixed(1)} s ` +
      `on ${result.shards} ${result.shards === 1 ? 'thread' : 'worker threads'} (CPU ${(result.timings.cpuMs / 1000).toFixed(1)} s)` +
      (result.counts.rescues ? `; ${result.counts.rescues} short simulated sleeps let through` : ''),
  );
  if (result.dynamoRequests) out.push(formatRequestsLine(result.dynamoRequests));
  return `${out.join('\n')}\n`;
}

/** A journey's conversions, uplift and A/B verdicts (engine/analytics), in the terminal's words. */
function learnedLines(j: JourneyAnalytics, goalInWords: string): string[] {
  if (!j.goal) return [`  ${j.noGoal ?? 'no goal'}`];
  const groups = [j.treated, j.holdout].filter((g) => g !== undefined);
  const lines = [
    `  converted (${goalInWords}): ${groups.map((g) => `${g.name} ${g.converted}/${g.customers} = ${pct(g.rate)}`).join(' · ')}`,
  ];
  if (j.uplift) lines.push(`  uplift: ${j.uplift.verdict}`);
  else if (j.upliftNote) lines.push(`  ${j.upliftNote}`);
  for (const t of j.tests) {
    lines.push(
      `  A/B ${t.stepId}: ${t.arms.map((a) => `${a.name} ${a.converted}/${a.customers} = ${pct(a.rate)}`).join(' · ')}`,
    );
    lines.push(`    ${t.verdict}`);
  }
  return lines;
}

/** "best send time: 40 waits — 12 learned, 4 exploring, 24 fallback; e.g. best email time 20:00 local, learned from …". */
export function bestTimeLine(b: BestTimeSummary): string {
  const rules = (['learned', 'explore', 'fallback'] as const)
    .map((r) => `${b.rules[r] ?? 0} ${r === 'explore' ? 'exploring' : r}`)
    .join(', ');
  return `best send time: ${b.waits} waits — ${rules}${b.example ? `; e.g. ${sendTimeWords(b.example)}` : ''}`;
}
