/** The timeline for a terminal: the customer's local time first, UTC beside it, then what happened and why. */
import { DateTime } from 'luxon';
import type { Timeline, TimelineContent, TimelineEntry } from './timeline.ts';

const INDENT = ' '.repeat(40);

function when(entry: TimelineEntry): string {
  const local = DateTime.fromISO(entry.local, { setZone: true });
  const utc = DateTime.fromISO(entry.at, { zone: 'utc' });
  const sameDay = local.toISODate() === utc.toISODate();
  const utcText = sameDay ? utc.toFormat('HH:mm') : utc.toFormat('d LLL HH:mm');
  return `${local.toFormat('ccc d LLL yyyy HH:mm')}`.padEnd(22) + `${utcText} UTC`.padEnd(18);
}

function contentLines(content: TimelineContent): string[] {
  const lang = content.locale ? ` [${content.locale}]` : '';
  if (content.email) {
    const excerpt = content.email.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 3);
    return [`✉ subject: ${content.email.subject}${lang}`, ...excerpt.map((l) => `  │ ${l}`)];
  }
  if (content.sms) {
    const facts = content.sms.encoding
      ? ` (${content.sms.encoding}, ${content.sms.segments} part${content.sms.segments === 1 ? '' : 's'})`
      : '';
    return [`✆ “${content.sms.body}”${facts}${lang}`];
  }
  if (content.push) return [`🔔 ${content.push.title} — ${content.push.body}${lang}`];
  return [];
}

export function timelineText(timeline: Timeline): string {
  const out: string[] = [];
  const { journey, customer } = timeline;
  out.push(`${journey.name} (${journey.id} v${journey.version}) for customer ${customer.id}`);
  out.push(`Customer time zone: ${customer.zone}${customer.zoneNote ? ` (${customer.zoneNote})` : ''}`);
  for (const change of customer.zoneChanges ?? []) {
    const at = DateTime.fromISO(change.at, { zone: 'utc' }).setZone(change.zone);
    out.push(`  from ${at.toFormat('ccc d LLL yyyy HH:mm')} local: ${change.zone} (changed by an event)`);
  }
  out.push('');
  out.push(`${'local time'.padEnd(22)}${'UTC'.padEnd(18)}what happened`);
  for (const entry of timeline.entries) {
    const run = entry.run && timeline.runs.length > 1 ? `[run ${entry.run}] ` : '';
    const who =
      entry.kind === 'event'
        ? '● event'
        : entry.stepId
          ? `${run}${entry.stepId}`
          : `■ run ${entry.run ?? ''}`;
    out.push(`${when(entry)}${who}: ${entry.summary}`);
    for (const detail of entry.details) out.push(`${INDENT}  ${detail}`);
    if (entry.content) for (const line of contentLines(entry.content)) out.push(`${INDENT}  ${line}`);
  }
  out.push('');
  const runs = timeline.runs.length;
  out.push(
    `${timeline.sent} message${timeline.sent === 1 ? '' : 's'} sent · ${runs} run${runs === 1 ? '' : 's'} · ${timeline.runs.map((r) => `run ${r.run}: ${r.status.toLowerCase()}`).join(', ') || 'never entered'}`,
  );
  return `${out.join('\n')}\n`;
}
