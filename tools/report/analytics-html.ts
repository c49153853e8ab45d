/**
 * The analytics report as HTML (engine/analytics/report-model.ts computes it): per journey the
 * funnel, uplift against the holdout and each A/B test with their intervals and verdicts in plain
 * words, revenue per recipient, charts over time (sends and conversions per day, cumulative uplift
 * with its always-valid interval) and the breakdown by step, channel, variant and locale. No
 * scripts: charts are inline SVG. `herald report` writes it as a page; the demo report embeds the
 * same sections.
 */
import {
  type AnalyticsReport,
  BREAKDOWN_COUNTS,
  type BreakdownRow,
  type Comparison,
  type DayPoint,
  emptyBreakdownRow,
  type Group,
  type JourneyAnalytics,
} from '../../engine/analytics/report-model.ts';
import { escapeHtml as esc } from '../../engine/html.ts';
import { reportPage } from '../html-page.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const money = (x: number | undefined, currency: string | undefined) =>
  x === undefined ? '–' : `${x.toFixed(2)}${currency ? ` ${currency}` : ''}`;

export function analyticsPage(
  report: AnalyticsReport,
  title: string,
  facts: Record<string, string> = {},
): string {
  const body = `<header><h1>${esc(title)}</h1>
<dl class="facts">${Object.entries(facts)
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl>
<nav>${report.journeys.map((j) => `<a href="#analytics-${esc(j.id)}">${esc(j.name)}</a>`).join(' · ')}</nav></header>
${analyticsSections(report)}`;
  return reportPage(title, ANALYTICS_STYLE, body);
}

/** The report's sections, for a page of its own or inside the demo report. */
export function analyticsSections(report: AnalyticsReport): string {
  const m = report.method;
  const method = `<p class="note" data-method>Intervals at ${Math.round((1 - m.alpha) * 100)}%. Verdicts use an always-valid interval (a normal-mixture sequential test), so looking every day does not raise the chance of a false call; A/B arms are Holm-corrected; no verdict before a group has the customers needed to detect a ${(m.minimumEffect * 100).toFixed(0)}-point change with ${Math.round(m.power * 100)}% power (at least ${m.minimumFloor}). Method: docs/analytics.md.</p>`;
  return `<section class="analytics"><h2>Test and learn</h2>${method}</section>\n${report.journeys.map(journeySection).join('\n')}`;
}

function journeySection(j: JourneyAnalytics): string {
  const goal = j.goal
    ? `<p>Goal: <code>${esc(j.goal.event)}</code> within ${esc(j.goal.within)} of entry${j.goal.currency ? `, revenue in ${esc(j.goal.currency)}` : ''}; reaching it ${j.goal.endsRun ? 'ends the run' : 'does not end the run'}.</p>`
    : `<p class="verdict" data-verdict="no-goal">${esc(j.noGoal ?? 'no goal')}</p>`;
  const groups = [j.treated, j.holdout].filter((g): g is Group => g !== undefined);
  const groupTable = groups.length
    ? `<table data-table="groups"><thead><tr><th>group</th><th>customers</th><th>converted</th><th>rate</th><th>${Math.round(95)}% interval</th><th>revenue per recipient</th></tr></thead><tbody>${groups
        .map(
          (g) =>
            `<tr><td>${esc(g.name)}</td><td class="n">${g.customers}</td><td class="n">${g.converted}</td><td class="n">${pct(g.rate)}</td><td class="n">${pct(g.rateInterval.lo)} – ${pct(g.rateInterval.hi)}</td><td class="n">${money(g.revenuePerRecipient, j.revenueCurrency)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const uplift = j.uplift
    ? `<h4>Uplift over the holdout</h4>${comparisonTable([j.uplift], j.revenueCurrency)}<p class="verdict" data-verdict="uplift">${esc(j.uplift.verdict)}</p>`
    : j.upliftNote && j.goal
      ? `<p class="verdict" data-verdict="no-holdout">${esc(j.upliftNote)}</p>`
      : '';
  const tests = j.tests
    .map(
      (t) =>
        `<h4>A/B test at <code>${esc(t.stepId)}</code></h4><table data-table="arms"><thead><tr><th>arm</th><th>customers</th><th>converted</th><th>rate</th><th>revenue per recipient</th></tr></thead><tbody>${t.arms
          .map(
            (a) =>
              `<tr><td>${esc(a.name)}</td><td class="n">${a.customers}</td><td class="n">${a.converted}</td><td class="n">${pct(a.rate)}</td><td class="n">${money(a.revenuePerRecipient, j.revenueCurrency)}</td></tr>`,
          )
          .join(
            '',
          )}</tbody></table>${comparisonTable(t.comparisons, j.revenueCurrency)}<p class="verdict" data-verdict="ab">${esc(t.verdict)}</p>`,
    )
    .join('');
  const revenue = Object.keys(j.revenueByCurrency).length
    ? `<p>Revenue: ${Object.entries(j.revenueByCurrency)
        .map(([c, v]) => `${v.toFixed(2)} ${esc(c)}`)
        .join(' · ')}${j.revenueNote ? ` <span class="note">(${esc(j.revenueNote)})</span>` : ''}</p>`
    : '';
  return `<section id="analytics-${esc(j.id)}" class="journey-analytics" data-journey="${esc(j.id)}">
<h3>${esc(j.name)} <small>${esc(j.id)} v${j.versions.join(', v')}</small></h3>
${goal}
<p>${j.entered} entered · ${j.heldOut} held out</p>
${funnelTable(j)}
${groupTable}
${revenue}
${uplift}
${tests}
${charts(j)}
${breakdownTable(j.breakdown, j.revenueCurrency)}
</section>`;
}

function comparisonTable(comparisons: readonly Comparison[], currency: string | undefined): string {
  if (comparisons.length === 0) return '';
  const rows = comparisons
    .map(
      (c) =>
        `<tr><td>${esc(c.name)} vs ${esc(c.against)}</td><td class="n">${pts(c.difference.estimate)} pts</td><td class="n">${pts(c.difference.lo)} to ${pts(c.difference.hi)}</td><td class="n">${pts(c.sequential.lo)} to ${pts(c.sequential.hi)}</td><td class="n">${c.relative ? `${pts(c.relative.estimate)}% (${pts(c.relative.lo)} to ${pts(c.relative.hi)})` : '–'}</td><td class="n">${c.pAdjusted.toFixed(3)}</td><td class="n">${c.revenuePerRecipient ? `${money(c.revenuePerRecipient.estimate, currency)} (${c.revenuePerRecipient.lo.toFixed(2)} to ${c.revenuePerRecipient.hi.toFixed(2)})` : '–'}</td><td class="n">${c.needed}</td></tr>`,
    )
    .join('');
  return `<table data-table="comparisons"><thead><tr><th>comparison</th><th>difference</th><th>95% interval (today)</th><th>always-valid interval</th><th>relative</th><th>p (always valid${comparisons.length > 1 ? ', Holm' : ''})</th><th>revenue per recipient, difference</th><th>needed per group</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function funnelTable(j: JourneyAnalytics): string {
  const max = Math.max(1, ...j.funnel.map((f) => f.customers));
  const rows = j.funnel
    .map(
      (f) =>
        `<tr><td>${esc(f.label)}</td><td class="n">${f.customers}</td><td class="bar"><span style="width:${((f.customers / max) * 100).toFixed(1)}%"></span></td></tr>`,
    )
    .join('');
  return `<table class="funnel" data-table="funnel"><thead><tr><th>funnel</th><th>customers</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function breakdownTable(rows: readonly BreakdownRow[], currency: string | undefined): string {
  // The page shows the totals per step, channel, variant and locale; the JSON keeps them per day.
  const totals = new Map<string, BreakdownRow>();
  for (const r of rows) {
    const key = [r.stepId, r.channel, r.variant, r.locale].join('\u0000');
    const t = totals.get(key) ?? emptyBreakdownRow({ ...r, day: '' });
    for (const k of BREAKDOWN_COUNTS) t[k] += r[k];
    totals.set(key, t);
  }
  if (totals.size === 0) return '';
  const body = [...totals.values()]
    .map(
      (r) =>
        `<tr><td>${esc(r.stepId)}</td><td>${esc(r.channel)}</td><td>${esc(r.variant)}</td><td>${esc(r.locale)}</td>${BREAKDOWN_COUNTS.filter(
          (k) => k !== 'revenue',
        )
          .map((k) => `<td class="n">${r[k]}</td>`)
          .join('')}<td class="n">${r.revenue.toFixed(2)}</td></tr>`,
    )
    .join('');
  return `<details><summary>By step, channel, variant and locale (per day in the JSON)</summary><table data-table="breakdown"><thead><tr><th>step</th><th>channel</th><th>variant</th><th>locale</th><th>sends</th><th>deliveries</th><th>opens</th><th>clicks</th><th>unsubscribes</th><th>complaints</th><th>conversions</th><th>revenue${currency ? ` (${esc(currency)})` : ''}</th></tr></thead><tbody>${body}</tbody></table></details>`;
}

// ── Charts ────────────────────────────────────────────────────────────────────────────────────

const W = 560;
const H = 160;
const PAD = 32;

function charts(j: JourneyAnalytics): string {
  if (j.days.length === 0) return '';
  const perDay = lineChart('sends and conversions per day', j.days, [
    { name: 'sends', color: '#2563eb', value: (d) => d.sends },
    ...(j.goal
      ? [
          { name: 'conversions', color: '#16a34a', value: (d: DayPoint) => d.conversions },
          ...(j.holdout
            ? [
                {
                  name: 'held-out conversions',
                  color: '#9333ea',
                  value: (d: DayPoint) => d.heldOutConversions,
                },
              ]
            : []),
        ]
      : []),
  ]);
  const withUplift = j.days.filter((d) => d.uplift);
  const uplift = withUplift.length ? upliftChart(withUplift) : '';
  return `<div class="charts">${perDay}${uplift}</div>`;
}

function lineChart(
  title: string,
  days: readonly DayPoint[],
  series: { name: string; color: string; value: (d: DayPoint) => number }[],
): string {
  const max = Math.max(1, ...days.flatMap((d) => series.map((s) => s.value(d))));
  const x = (i: number) => PAD + (days.length <= 1 ? 0 : (i * (W - 2 * PAD)) / (days.length - 1));
  const y = (v: number) => H - PAD + 8 - (v / max) * (H - 2 * PAD);
  const lines = series
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${days.map((d, i) => `${x(i).toFixed(1)},${y(s.value(d)).toFixed(1)}`).join(' ')}"><title>${esc(s.name)}</title></polyline>`,
    )
    .join('');
  const legend = series
    .map((s, i) => `<text x="${PAD + i * 150}" y="14" fill="${s.color}" font-size="12">${esc(s.name)}</text>`)
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg data-chart="per-day" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${axes(days, max, x)}${lines}${legend}</svg></figure>`;
}

function upliftChart(days: readonly DayPoint[]): string {
  const values = days.flatMap((d) => (d.uplift ? [d.uplift.lo, d.uplift.hi, d.uplift.estimate] : []));
  const lo = Math.max(-1, Math.min(0, ...values));
  const hi = Math.min(1, Math.max(0, ...values));
  const span = hi - lo || 1;
  const x = (i: number) => PAD + (days.length <= 1 ? 0 : (i * (W - 2 * PAD)) / (days.length - 1));
  const y = (v: number) => H - PAD + 8 - ((Math.min(hi, Math.max(lo, v)) - lo) / span) * (H - 2 * PAD);
  const band = [
    ...days.map((d, i) => `${x(i).toFixed(1)},${y(d.uplift?.hi ?? 0).toFixed(1)}`),
    ...days.map((d, i) => `${x(i).toFixed(1)},${y(d.uplift?.lo ?? 0).toFixed(1)}`).reverse(),
  ].join(' ');
  const line = days.map((d, i) => `${x(i).toFixed(1)},${y(d.uplift?.estimate ?? 0).toFixed(1)}`).join(' ');
  const title = 'cumulative uplift (messaged − held out), with its always-valid interval';
  return `<figure><figcaption>${esc(title)}</figcaption><svg data-chart="uplift" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<polygon points="${band}" fill="#bbf7d0" stroke="none"/>
<line x1="${PAD}" x2="${W - PAD}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#64748b" stroke-dasharray="4 3"/>
<polyline fill="none" stroke="#15803d" stroke-width="2" points="${line}"/>
<text x="4" y="${(y(hi) + 4).toFixed(1)}" font-size="10">${pts(hi)}</text><text x="4" y="${(y(lo) + 4).toFixed(1)}" font-size="10">${pts(lo)}</text>
<text x="${PAD}" y="${H - 4}" font-size="10">${esc(days[0]?.day ?? '')}</text><text x="${W - PAD - 60}" y="${H - 4}" font-size="10">${esc(days.at(-1)?.day ?? '')}</text>
</svg></figure>`;
}

function axes(days: readonly DayPoint[], max: number, x: (i: number) => number): string {
  return `<line x1="${PAD}" x2="${W - PAD}" y1="${H - PAD + 8}" y2="${H - PAD + 8}" stroke="#cbd5e1"/><text x="4" y="${PAD}" font-size="10">${max}</text><text x="${x(0)}" y="${H - 4}" font-size="10">${esc(days[0]?.day ?? '')}</text><text x="${x(days.length - 1) - 60}" y="${H - 4}" font-size="10">${esc(days.at(-1)?.day ?? '')}</text>`;
}

export const ANALYTICS_STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 24px; color: #0f172a; }
h3 small { color: #64748b; font-weight: normal; font-size: 60%; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 24px; } .facts div { display: flex; gap: 6px; } .facts dt { color: #64748b; } .facts dd { margin: 0; font-weight: 600; }
section { margin: 24px 0; border-top: 1px solid #e2e8f0; padding-top: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #475569; max-width: 90ch; }
.verdict { font-weight: 600; background: #f1f5f9; border-left: 4px solid #2563eb; padding: 6px 10px; max-width: 90ch; }
.funnel td.bar { width: 180px; } .funnel td.bar span { display: block; height: 12px; background: #93c5fd; border-radius: 3px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; } figcaption { font-size: 12px; color: #64748b; }
svg { border: 1px solid #e2e8f0; border-radius: 6px; background: white; }
`;
