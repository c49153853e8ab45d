/**
 * The demo's HTML report: one self-contained page (no scripts, no external assets) with each
 * journey's diagram, its compiled state machine with how many executions entered each state, the
 * funnel, send outcomes, conversions against the holdout and per A/B arm, the invariant checks,
 * and sample messages exactly as the providers received them, per channel and locale (Arabic and
 * Persian right-to-left).
 */
import type { AnalyticsReport } from '../engine/analytics/report-model.ts';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { ChannelName, Journey } from '../engine/schema.ts';
import { journeySvg } from '../tools/graph/index.ts';
import { analyticsSections } from '../tools/report/analytics-html.ts';
import type { InvariantResult } from './invariants.ts';
import type { ExecutionRecord } from './runner.ts';
import type { SinkMessage, StoredEmail } from './standins/index.ts';
import type { DemoSummary, GroupConversion, JourneySummary } from './summary.ts';
import { channelTable, DECISIONS_NOTE, endedRows, type RowTable, sendStepTable } from './summary-rows.ts';
import { bestTimeLine } from './summary-text.ts';

export interface ReportInput {
  title: string;
  /** Run parameters and timings, shown as a definition list. */
  facts: Record<string, string>;
  journeys: readonly Journey[];
  /** Compiled, bound ASL text per journey id. */
  definitions: Record<string, string>;
  summary: DemoSummary;
  /** Test and learn (engine/analytics): replaces the raw conversion tables when given. */
  analytics?: AnalyticsReport;
  checks: readonly InvariantResult[];
  executions: readonly ExecutionRecord[];
  ledger: readonly LedgerRecord[];
  emails: readonly StoredEmail[];
  sink: readonly SinkMessage[];
}

const esc = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const RTL = /^(ar|fa|he|ur)\b/;

export function renderReport(input: ReportInput): string {
  const journeys = input.summary.journeys
    .map((s) => {
      const journey = input.journeys.find((j) => j.id === s.id);
      return journey ? journeySection(journey, s, input) : '';
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(input.title)}</h1>
<dl class="facts">${Object.entries(input.facts)
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl>
<nav>${input.summary.journeys.map((j) => `<a href="#${esc(j.id)}">${esc(j.name)}</a>`).join(' · ')} · <a href="#checks">Checks</a> · <a href="#channels">Channels</a>${input.analytics ? ' · <a href="#analytics">Test and learn</a>' : ''}</nav>
</header>
${checksSection(input.checks)}
${channelsSection(input.summary)}
${journeys}
${input.analytics ? `<div id="analytics">${analyticsSections(input.analytics)}</div>` : ''}
</body>
</html>
`;
}

function checksSection(checks: readonly InvariantResult[]): string {
  const rows = checks
    .map(
      (c) =>
        `<tr class="${c.violations.length ? 'bad' : 'ok'}"><td>${c.violations.length ? '✗' : '✓'}</td><td>${esc(c.name)}</td><td class="n">${c.checked}</td><td class="n">${c.violations.length}</td><td>${c.violations
          .slice(0, 5)
          .map(esc)
          .join('<br>')}</td></tr>`,
    )
    .join('');
  return `<section id="checks"><h2>Invariant checks</h2>
<p class="note">Read from the SES stand-in's store, the Pinpoint sink's records, the ledger and the Step Functions history — not from the code's counters.</p>
<table><thead><tr><th></th><th>check</th><th>examined</th><th>violations</th><th>first violations</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function channelsSection(summary: DemoSummary): string {
  return `<section id="channels"><h2>Channels</h2>
<p class="note">Attempted: provider calls tried on the channel (a fallback after a refusal tries the next one). Sent: decisions in the ledger that sent. Accepted and rejected: what the provider stand-ins recorded.</p>
${rowTable(channelTable(summary))}</section>`;
}

/** A row model (summary-rows.ts) as a table: the same headers and cells as the terminal's. */
function rowTable(table: RowTable): string {
  const head = table.headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = table.rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (typeof cell === 'number' ? `<td class="n">${cell}</td>` : `<td${i === row.length - 1 && i > 0 ? ' class="small"' : ''}>${esc(cell)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table data-table="${table.id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function journeySection(journey: Journey, s: JourneySummary, input: ReportInput): string {
  let svg = '';
  try {
    svg = journeySvg(journey).svg;
  } catch {
    svg = '<p class="note">(diagram unavailable)</p>';
  }
  const maxFunnel = Math.max(1, ...s.funnel.map((f) => f.executions));
  const funnel = s.funnel
    .map(
      (f) =>
        `<tr><td>${esc(f.stepId)}</td><td class="kind">${esc(f.type)}</td><td class="n">${f.executions}</td><td class="bar"><span style="width:${((f.executions / maxFunnel) * 100).toFixed(1)}%"></span></td></tr>`,
    )
    .join('');
  const groups: GroupConversion[] = [
    s.conversion.treated,
    ...(s.conversion.holdout ? [s.conversion.holdout] : []),
  ];
  const conversions = groups.map(groupRow).join('');
  const splits = s.splits
    .map(
      (split) =>
        `<h4>A/B test at <code>${esc(split.stepId)}</code></h4><table><thead><tr><th>arm</th><th>customers</th><th>converted</th><th>rate</th></tr></thead><tbody>${split.arms.map(groupRow).join('')}</tbody></table>`,
    )
    .join('');
  const ended =
    endedRows(s)
      .map(([how, n]) => `<tr><td>${esc(how)}</td><td class="n">${n}</td></tr>`)
      .join('') || '<tr><td colspan="2">no one has entered yet</td></tr>';
  return `<section id="${esc(s.id)}" class="journey">
<h2>${esc(s.name)} <small>${esc(s.id)} v${s.version}</small></h2>
${journey.description ? `<p class="note">${esc(journey.description)}</p>` : ''}
<div class="cols">
<div class="diagram">${svg}</div>
<div>
<h3>Funnel</h3>
<p>${s.entered} executions started · ${s.heldOut} held out</p>
<table class="funnel"><thead><tr><th>step</th><th>kind</th><th>executions</th><th></th></tr></thead><tbody>${funnel}</tbody></table>
${
  input.analytics
    ? `<p class="note">Conversions, uplift and A/B results: <a href="#analytics-${esc(s.id)}">test and learn</a>.</p>`
    : `<h3>Conversion <small>(${esc(s.goal)})</small></h3>
<table><thead><tr><th>group</th><th>customers</th><th>converted</th><th>rate</th></tr></thead><tbody>${conversions}</tbody></table>
${splits}`
}
${s.bestTimes ? `<h3>Best send time</h3><p>${esc(bestTimeLine(s.bestTimes))}</p>` : ''}
<h3>How executions ended</h3>
<table><thead><tr><th>how</th><th>executions</th></tr></thead><tbody>${ended}</tbody></table>
</div>
</div>
<h3>Send steps</h3>
<p class="note">${esc(DECISIONS_NOTE)}</p>
${rowTable(sendStepTable(s))}
${compiledStates(s.id, input)}
${samples(journey, input)}
</section>`;
}

function groupRow(g: GroupConversion): string {
  return `<tr><td>${esc(g.name)}</td><td class="n">${g.customers}</td><td class="n">${g.converted}</td><td class="n">${pct(g.rate)}</td></tr>`;
}

/** The deployed state machine's states, with how many executions entered each. */
function compiledStates(journeyId: string, input: ReportInput): string {
  const text = input.definitions[journeyId];
  if (!text) return '';
  const definition = JSON.parse(text) as {
    StartAt: string;
    States: Record<string, { Type: string; Comment?: string }>;
  };
  const entered = new Map<string, number>();
  for (const e of input.executions) {
    if (e.journeyId !== journeyId) continue;
    for (const state of e.states) entered.set(state.name, (entered.get(state.name) ?? 0) + 1);
  }
  const rows = Object.entries(definition.States)
    .map(
      ([name, state]) =>
        `<tr><td><code>${esc(name)}</code>${name === definition.StartAt ? ' <em>start</em>' : ''}</td><td>${esc(state.Type)}</td><td class="n">${entered.get(name) ?? 0}</td><td class="small">${esc(state.Comment ?? '')}</td></tr>`,
    )
    .join('');
  return `<details><summary>Compiled state machine (${Object.keys(definition.States).length} states) and state entries</summary>
<table><thead><tr><th>state</th><th>type</th><th>entered</th><th>comment</th></tr></thead><tbody>${rows}</tbody></table>
<pre class="asl">${esc(text)}</pre></details>`;
}

/** One delivered message per (step, channel, locale), as the provider stand-in stored it. */
function samples(journey: Journey, input: ReportInput): string {
  const decisions = new Map<string, LedgerRecord>();
  for (const r of input.ledger) {
    if (r.journeyId === journey.id && r.outcome === 'sent' && r.providerMessageId)
      decisions.set(r.providerMessageId, r);
  }
  const picked = new Map<string, string>();
  const take = (r: LedgerRecord, channel: ChannelName, html: string) => {
    const key = `${r.stepId}#${channel}#${r.locale ?? '?'}`;
    if (!picked.has(key)) picked.set(key, html);
  };
  for (const e of input.emails) {
    const r = decisions.get(e.messageId);
    if (!r) continue;
    const dir = RTL.test(r.locale ?? '') ? 'rtl' : 'ltr';
    take(
      r,
      'email',
      `<div class="email"><div class="subject" dir="${dir}">${esc(e.subject)}</div><iframe sandbox="" srcdoc="${esc(e.body.html ?? '')}" title="email"></iframe><div class="headers">${(e.headers ?? []).map((h) => `${esc(h.name)}: ${esc(h.value.slice(0, 90))}${h.value.length > 90 ? '…' : ''}`).join('<br>')}</div></div>`,
    );
  }
  for (const m of input.sink) {
    const r = m.messageId ? decisions.get(m.messageId) : undefined;
    if (!r) continue;
    const dir = RTL.test(r.locale ?? '') ? 'rtl' : 'ltr';
    if (m.channelType === 'SMS') take(r, 'sms', `<div class="sms" dir="${dir}">${esc(m.body ?? '')}</div>`);
    else
      take(
        r,
        'push',
        `<div class="push" dir="${dir}"><strong>${esc(m.title ?? '')}</strong><br>${esc(m.body ?? '')}</div>`,
      );
  }
  if (picked.size === 0) return '';
  const cards = [...picked]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, html]) => {
      const [stepId, channel, locale] = key.split('#');
      return `<figure><figcaption><code>${esc(stepId)}</code> · ${esc(channel)} · ${esc(locale)}</figcaption>${html}</figure>`;
    })
    .join('');
  return `<h3>Sample messages, as the providers received them</h3><div class="samples">${cards}</div>`;
}

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans Arabic', Tahoma, Arial, sans-serif; margin: 24px; color: #0f172a; }
h1 { margin-bottom: 4px; } h2 small, h3 small { color: #64748b; font-weight: normal; font-size: 60%; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 8px 0 16px; }
.facts div { display: flex; gap: 6px; } .facts dt { color: #64748b; } .facts dd { margin: 0; font-weight: 600; }
nav a { color: #1d4ed8; }
section { margin: 28px 0; border-top: 1px solid #e2e8f0; padding-top: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.small, .small { font-size: 12px; color: #475569; }
tr.bad td { background: #fee2e2; } tr.ok td:first-child { color: #15803d; font-weight: bold; }
.note { color: #475569; max-width: 90ch; }
.cols { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
.diagram svg { max-width: 560px; height: auto; border: 1px solid #e2e8f0; border-radius: 8px; }
.funnel td.bar { width: 180px; } .funnel td.bar span { display: block; height: 12px; background: #93c5fd; border-radius: 3px; }
.kind { color: #64748b; }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px; background: #f8fafc; }
figcaption { font-size: 12px; color: #64748b; margin-bottom: 6px; }
.email iframe { width: 100%; height: 260px; border: 1px solid #cbd5e1; background: white; }
.subject { font-weight: 600; margin-bottom: 6px; } .headers { font-size: 11px; color: #64748b; word-break: break-all; margin-top: 6px; }
.sms { background: #dcfce7; border-radius: 14px; padding: 10px 14px; max-width: 300px; white-space: pre-wrap; }
.push { background: white; border: 1px solid #cbd5e1; border-radius: 12px; padding: 10px 14px; max-width: 320px; }
pre.asl { max-height: 420px; overflow: auto; background: #0f172a; color: #e2e8f0; padding: 12px; font-size: 12px; border-radius: 6px; }
`;
