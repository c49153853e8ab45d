/**
 * The timeline as a page: one row per moment, the customer's local time first, each message as the
 * customer would see it (emails as sent, in a sandboxed frame; SMS and push as on a phone). Static,
 * no scripts.
 */
import { DateTime } from 'luxon';
import { escapeHtml as esc } from '../../engine/html.ts';
import { isRtl } from '../../engine/policy/index.ts';
import { NODE_STYLE } from '../graph/svg.ts';
import { reportPage } from '../html-page.ts';
import type { Timeline, TimelineContent, TimelineEntry } from './timeline.ts';

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 0; background: #f8fafc; color: #0f172a; }
header { background: #0f172a; color: #f8fafc; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header p { margin: 2px 0; color: #cbd5e1; font-size: 14px; }
ol.timeline { list-style: none; margin: 0; padding: 24px 32px 48px; }
li.entry { display: grid; grid-template-columns: 190px 18px 1fr; gap: 12px; padding: 10px 0; border-bottom: 1px solid #e2e8f0; }
.when .local { font-weight: 600; display: block; }
.when .utc { color: #64748b; font-size: 13px; }
.dot { width: 14px; height: 14px; border-radius: 50%; border: 2px solid; margin-top: 3px; }
.what .step { font-family: ui-monospace, monospace; font-size: 13px; color: #475569; }
.what .summary { display: block; font-size: 15px; margin: 2px 0; }
.what ul { margin: 4px 0 0; padding-left: 18px; color: #334155; font-size: 14px; }
.content { margin-top: 8px; max-width: 640px; }
.content .subject { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px 6px 0 0; padding: 6px 10px; font-weight: 600; }
iframe.email { width: 100%; height: 420px; border: 1px solid #e2e8f0; border-top: 0; background: #fff; display: block; }
.phone { background: #e5e7eb; border-radius: 16px; padding: 12px 10px; max-width: 360px; }
.bubble, .notification { background: #fff; border-radius: 12px; padding: 8px 12px; font-size: 14px; overflow-wrap: anywhere; }
.notification .title { font-weight: 600; display: block; }
.facts { color: #64748b; font-size: 12px; margin: 4px 0 0; }
`;

const KIND_COLOUR: Record<string, { fill: string; stroke: string }> = {
  event: { fill: '#f1f5f9', stroke: '#0f172a' },
  stopped: NODE_STYLE.exit,
  unfinished: NODE_STYLE.update,
  skip: { fill: '#fef9c3', stroke: '#a16207' },
  unknown: { fill: '#fee2e2', stroke: '#b91c1c' },
  defer: NODE_STYLE.wait,
};

function dot(entry: TimelineEntry): string {
  const style = KIND_COLOUR[entry.kind] ?? (entry.stepType ? NODE_STYLE[entry.stepType] : NODE_STYLE.update);
  return `<span class="dot" style="background:${style.fill};border-color:${style.stroke}"></span>`;
}

function contentHtml(content: TimelineContent, label: string): string {
  const dir = content.locale && isRtl(content.locale) ? 'rtl' : 'ltr';
  if (content.email) {
    return `<div class="content email"><div class="subject" dir="${dir}">${esc(content.email.subject)}</div><iframe class="email" sandbox title="${esc(label)}" srcdoc="${esc(content.email.html)}"></iframe></div>`;
  }
  if (content.sms) {
    const facts = content.sms.encoding ? `${content.sms.encoding} · ${content.sms.segments} part(s)` : '';
    return `<div class="content sms"><div class="phone"><div class="bubble" dir="${dir}">${esc(content.sms.body)}</div></div><p class="facts">${esc(facts)}</p></div>`;
  }
  if (content.push) {
    return `<div class="content push"><div class="phone"><div class="notification" dir="${dir}"><span class="title">${esc(content.push.title)}</span>${esc(content.push.body)}</div></div></div>`;
  }
  return '';
}

function row(entry: TimelineEntry, multiRun: boolean): string {
  const local = DateTime.fromISO(entry.local, { setZone: true });
  const utc = DateTime.fromISO(entry.at, { zone: 'utc' });
  const run = multiRun && entry.run ? `run ${entry.run} · ` : '';
  const who =
    entry.kind === 'event' ? 'event' : entry.stepId ? `${run}${entry.stepId}` : `run ${entry.run ?? ''}`;
  const details = entry.details.length
    ? `<ul>${entry.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>`
    : '';
  const label = `${entry.stepId ?? 'message'} at ${entry.at}`;
  return `<li class="entry kind-${entry.kind}" data-kind="${entry.kind}"${entry.stepId ? ` data-step="${esc(entry.stepId)}"` : ''}>
<div class="when"><time class="local" datetime="${esc(entry.local)}">${esc(local.toFormat('ccc d LLL yyyy HH:mm'))}</time><span class="utc">${esc(utc.toFormat('d LLL HH:mm'))} UTC · ${esc(entry.zone)}</span></div>
${dot(entry)}
<div class="what"><span class="step">${esc(who)}</span><span class="summary">${esc(entry.summary)}</span>${details}${entry.content ? contentHtml(entry.content, label) : ''}</div>
</li>`;
}

export function timelineHtml(timeline: Timeline): string {
  const { journey, customer } = timeline;
  const multiRun = timeline.runs.length > 1;
  return reportPage(
    `Simulation — ${journey.name} for ${customer.id}`,
    STYLE,
    `<header>
<h1>${esc(journey.name)} <small>(${esc(journey.id)} v${journey.version})</small> for ${esc(customer.id)}</h1>
<p>Customer time zone ${esc(customer.zone)}${customer.zoneNote ? ` (${esc(customer.zoneNote)})` : ''} · ${timeline.sent} message(s) sent · ${timeline.runs.length} run(s)</p>
</header>
<ol class="timeline">
${timeline.entries.map((e) => row(e, multiRun)).join('\n')}
</ol>`,
  );
}
