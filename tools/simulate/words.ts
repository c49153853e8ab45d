/** `herald simulate`'s words: reasons come from the one table (tools/words/reasons.ts). */
import type { ConditionTrace } from '../../engine/policy/index.ts';
import type { Condition } from '../../engine/schema.ts';
import { conditionWords } from '../describe.ts';
import { reasonWords } from '../words/reasons.ts';

export { channelWord, reasonWords } from '../words/reasons.ts';

/** Why a customer left: `exit_event:order_placed` → "exit event: order placed". */
export function exitWords(reason: string): string {
  if (reason.startsWith('exit event ')) return reasonWords(`exit_event:${reason.slice(11)}`);
  return reasonWords(reason);
}

/** A branch condition with what the policy saw: "ordered since entry — no (0 found)". */
export function traceWords(condition: Condition, trace: ConditionTrace): string[] {
  const verdict = trace.result ? 'yes' : 'no';
  const seen =
    trace.found !== undefined
      ? ` (${trace.found} found)`
      : trace.engagement !== undefined
        ? ` (${engagementSeen(trace.engagement)})`
        : trace.actual !== undefined
          ? ` (value: ${JSON.stringify(trace.actual)})`
          : 'field' in condition
            ? ' (missing: no value for this field)'
            : '';
  const line = `${conditionWords(condition)} — ${verdict}${seen}`;
  const c = condition as Record<string, unknown>;
  const children = Array.isArray(c.all)
    ? (c.all as Condition[])
    : Array.isArray(c.any)
      ? (c.any as Condition[])
      : c.not
        ? [c.not as Condition]
        : [];
  if (children.length === 0 || !trace.children) return [line];
  return [
    line,
    ...children.flatMap((child, i) => {
      const t = trace.children?.[i];
      return t ? traceWords(child, t).map((l) => `  ${l}`) : [];
    }),
  ];
}

/** What an engagement condition saw: "sent by email 2026-03-05T10:00:00.000Z, engaged 2026-03-05T11:00:00.000Z". */
function engagementSeen(seen: NonNullable<ConditionTrace['engagement']>): string {
  if (!seen.sentAt) return 'that step sent nothing in this run';
  const sent = `sent${seen.channel ? ` by ${seen.channel === 'sms' ? 'SMS' : seen.channel}` : ''} ${seen.sentAt}`;
  return seen.at ? `${sent}; at ${seen.at}` : `${sent}; nothing reported in the window`;
}

/** Why a send step sent nothing, after “nothing sent for …”. */
export function unsentWords(skipped: string | undefined): string {
  switch (skipped) {
    case 'capped':
      return ': frequency cap full';
    case 'preempted':
      return ': preempted — a higher-priority message took the free frequency-cap slot';
    case 'expired':
      return ': expired — held past the time it stays relevant, so it was dropped';
    case 'no_channel':
      return ': no usable channel';
    default:
      return '';
  }
}
