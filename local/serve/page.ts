/**
 * The pages `herald serve` answers at `/` and `/customers/<id>`: server-rendered HTML, every value
 * escaped, no script. The dashboard reloads itself every few seconds (a `refresh` meta tag), so its
 * counts follow the clock. It shows the operator's own local data (addresses included): the server
 * binds to loopback unless told otherwise.
 */
import type { LedgerRecord } from '../../engine/ledger.ts';
import { reasonWords } from '../../tools/simulate/words.ts';
import type { ClockMode } from './clock-driver.ts';
import type { CustomerView, SentMessage, ServeState } from './state.ts';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
const e = escapeHtml;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}pre{white-space:pre-wrap;margin:0;max-height:12rem;overflow:auto}
.muted{color:#666}code{font-size:12px}form{display:inline}`;

function layout(title: string, body: string, refresh?: number): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>${
    refresh ? `<meta http-equiv="refresh" content="${refresh}">` : ''
  }<style>${STYLE}</style></head><body>${body}</body></html>`;
}

function modeWords(mode: ClockMode): string {
  if (mode.kind === 'manual') return 'stepped by hand (POST /clock/advance)';
  return mode.speed === 1 ? 'real time' : `${mode.speed}× real time`;
}

function reasons(record: LedgerRecord): string {
  if (record.reasons.length === 0) return '';
  return record.reasons.map((r) => `${e(reasonWords(r))} <code class="muted">${e(r)}</code>`).join('<br>');
}

function ledgerRows(records: LedgerRecord[], withCustomer: boolean): string {
  if (records.length === 0) return '<p class="muted">No decisions yet.</p>';
  const rows = records.map(
    (r) =>
      `<tr data-ledger="${e(r.id)}"><td>${e(r.at)}</td>${
        withCustomer
          ? `<td><a href="/customers/${encodeURIComponent(r.customerId)}">${e(r.customerId)}</a></td>`
          : ''
      }<td>${e(r.journeyId ?? '')}</td><td>${e(r.stepId ?? '')}</td><td>${e(r.kind)}</td><td class="outcome">${e(
        r.outcome,
      )}</td><td>${e(r.channel ?? '')}</td><td class="reasons">${reasons(r)}</td></tr>`,
  );
  return `<table class="ledger"><thead><tr><th>simulated time</th>${
    withCustomer ? '<th>customer</th>' : ''
  }<th>journey</th><th>step</th><th>record</th><th>outcome</th><th>channel</th><th>reasons</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table>`;
}

function messageRows(messages: SentMessage[]): string {
  if (messages.length === 0) return '<p class="muted">Nothing sent yet.</p>';
  const rows = messages.map(
    (m) =>
      `<tr class="message" data-channel="${e(m.channel)}"><td>${e(m.at)}</td><td>${e(m.channel)}</td><td>${e(
        m.to,
      )}</td><td>${m.customerId ? `<a href="/customers/${encodeURIComponent(m.customerId)}">${e(m.customerId)}</a>` : ''}</td><td>${e(
        m.journeyId ?? '',
      )}${m.stepId ? ` / ${e(m.stepId)}` : ''}</td><td class="subject">${e(m.subject ?? '')}</td><td><pre>${e(
        m.body.slice(0, 2000),
      )}</pre></td></tr>`,
  );
  return `<table class="messages"><thead><tr><th>simulated time</th><th>channel</th><th>to</th><th>customer</th><th>journey / step</th><th>subject / title</th><th>body</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table>`;
}

function clockBar(now: string, mode: ClockMode): string {
  const step = (by: string) =>
    `<form method="post" action="/clock/advance"><input type="hidden" name="by" value="${by}"><button>+${by.replace(
      /^PT?/,
      '',
    )}</button></form>`;
  return `<p>Simulated time <strong id="now">${e(now)}</strong> <span class="muted">(${e(
    modeWords(mode),
  )})</span> ${['PT1H', 'PT6H', 'P1D'].map(step).join(' ')}</p>`;
}

export function dashboardHtml(state: ServeState, mode: ClockMode): string {
  const journeys = state.journeys.map(
    (j) =>
      `<tr data-journey="${e(j.id)}"><td>${e(j.name)} <code class="muted">${e(j.id)} v${j.version}</code></td><td class="n entered">${j.entered}</td><td class="n active">${j.active}</td><td class="n sent">${j.sent}</td></tr>`,
  );
  const customers = state.customers
    .map((c) => `<a href="/customers/${encodeURIComponent(c)}">${e(c)}</a>`)
    .join(', ');
  return layout(
    'Herald — local',
    `<h1>Herald, running locally</h1>${clockBar(state.now, mode)}${
      state.errors > 0
        ? `<p><strong>${state.errors} invocation(s) failed</strong> (see the server's output)</p>`
        : ''
    }<h2>Journeys</h2><table class="journeys"><thead><tr><th>journey</th><th>entered</th><th>active</th><th>sent</th></tr></thead><tbody>${journeys.join(
      '',
    )}</tbody></table><h2>Customers</h2><p class="customers">${customers || '<span class="muted">No events yet: POST /events or /v1/track.</span>'}</p><h2>Sent messages</h2>${messageRows(
      state.messages,
    )}<h2>Ledger</h2>${ledgerRows(state.ledger, true)}`,
    5,
  );
}

export function customerHtml(view: CustomerView, now: string, mode: ClockMode): string {
  const p = view.profile;
  const facts = p
    ? Object.entries({
        email: p.email,
        phone: p.phone,
        locale: p.locale,
        'time zone': p.timeZone,
        consent: p.consent ? JSON.stringify(p.consent) : undefined,
      })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
        .join('')
    : '';
  const timeline = [
    ...view.events.map((ev) => ({
      at: ev.time,
      html: `<tr class="event"><td>${e(ev.time)}</td><td>event</td><td>${e(ev.type)}</td><td class="muted">${e(ev.id)}</td></tr>`,
    })),
    ...view.executions.flatMap((x) => [
      {
        at: x.startedAt,
        html: `<tr class="entered"><td>${e(x.startedAt)}</td><td>entered</td><td>${e(x.journeyId)} v${x.journeyVersion}</td><td class="muted">${e(x.status)}</td></tr>`,
      },
    ]),
    ...view.ledger.map((r) => ({
      at: r.at,
      html: `<tr class="decision"><td>${e(r.at)}</td><td>${e(r.kind)}</td><td>${e(r.journeyId ?? '')}${
        r.stepId ? ` / ${e(r.stepId)}` : ''
      }: <strong class="outcome">${e(r.outcome)}</strong>${r.channel ? ` (${e(r.channel)})` : ''}</td><td class="reasons">${reasons(r)}</td></tr>`,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return layout(
    `Herald — ${view.id}`,
    `<p><a href="/">← all journeys</a></p><h1>Customer <span id="customer">${e(view.id)}</span></h1>${clockBar(
      now,
      mode,
    )}${p ? `<table class="profile">${facts}</table>` : '<p class="muted">No profile stored.</p>'}<h2>Timeline</h2><table class="timeline"><thead><tr><th>simulated time</th><th>what</th><th>detail</th><th>why</th></tr></thead><tbody>${timeline
      .map((t) => t.html)
      .join('')}</tbody></table><h2>Messages</h2>${messageRows(view.messages)}<h2>Ledger</h2>${ledgerRows(
      view.ledger,
      false,
    )}`,
  );
}
