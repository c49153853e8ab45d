/** The terminal summary of a preview: one line per message, locale and channel, then its flags. */
import { formatProblems } from '../../engine/validate/index.ts';
import { type Flag, LIMITS, label, type PreviewItem, type PreviewReport } from './index.ts';

const length = (s: string) => [...s].length;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeItem(item: PreviewItem): string {
  const r = item.rendered;
  if (!r) return 'not rendered';
  if (r.email) return `subject “${r.email.subject}” (${length(r.email.subject)}/${LIMITS.emailSubject})`;
  if (r.sms) {
    return `${r.sms.encoding}, ${plural(r.sms.segments, 'part')}, ${length(r.sms.body)} characters`;
  }
  if (r.push) {
    return `title ${length(r.push.title)}/${LIMITS.pushTitle}, body ${length(r.push.body)}/${LIMITS.pushBody}`;
  }
  return '';
}

const mark = (f: Flag) => (f.level === 'warning' ? '⚠' : 'ℹ');

export function previewSummary(report: PreviewReport, written?: string): string {
  const { journey, sample } = report;
  const out: string[] = [];
  out.push(`Preview of ${journey.name} (${journey.id} v${journey.version})`);
  out.push(`  customer ${sample.profile.id} from ${sample.sources.profile}`);
  out.push(`  event    ${sample.event.type} ${sample.event.id} from ${sample.sources.event}`);
  if (sample.product)
    out.push(`  product  ${sample.product.id} from ${sample.sources.product ?? 'built-in sample'}`);
  for (const message of report.messages) {
    out.push('');
    out.push(`${message.id}  (${message.category}; ${message.locales.join(', ')})`);
    for (const item of message.items) {
      out.push(`  ${item.locale.padEnd(6)}${label(item.channel).padEnd(7)}${describeItem(item)}`);
      for (const flag of item.flags) out.push(`        ${mark(flag)} ${flag.message}`);
    }
    for (const note of message.notes) out.push(`  ${mark(note)} ${note.message}`);
  }
  if (report.warnings.length > 0) {
    out.push('');
    out.push('The validator also warns:');
    out.push(formatProblems(report.warnings));
  }
  out.push('');
  const verdict = report.counts.warnings > 0 ? '⚠' : '✓';
  out.push(
    `${verdict} ${plural(report.counts.rendered, 'message variant')} rendered, ${plural(report.counts.warnings, 'warning')}, ${plural(report.counts.infos, 'note')}`,
  );
  if (written) out.push(`  open ${written}`);
  return `${out.join('\n')}\n`;
}
