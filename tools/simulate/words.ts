/** The runtime's stable reason codes (ledger, step results) in a marketer's words. */
import type { ConditionTrace } from '../../engine/policy/index.ts';
import type { Condition } from '../../engine/schema.ts';
import { conditionWords, eventNoun } from '../describe.ts';

const CHANNEL_WORDS: Record<string, string> = {
  email: 'email',
  sms: 'SMS',
  push: 'push',
  preferred: 'preferred channel',
};

export const channelWord = (channel: string) => CHANNEL_WORDS[channel] ?? channel;

const SKIP_WORDS: Record<string, string> = {
  no_preference: 'no stated preference and no clear favourite',
  no_consent: 'no consent',
  opted_out: 'opted out',
  invalid_email: 'no valid email address',
  invalid_phone: 'no valid phone number',
  no_push_token: 'no push token (the app is not installed)',
  no_content: 'the message has no content for it',
  quiet_hours: 'quiet hours',
  not_allowed: 'no longer allowed',
  render_error: 'the template could not be rendered',
  template_error: 'the template could not be rendered',
  permanent_failure: 'the provider refused it',
  transient_failure: 'the provider failed (temporarily)',
  provider_call_unconfirmed: 'a provider call started and never reported back',
  missing_time_zone: 'no time zone on the profile',
  invalid_time_zone: 'the profile’s time zone is not valid',
  deferral_limit: 'deferred too many times (a run must stay within Step Functions’ limits)',
  expired: 'expired: held past the time the message stays relevant (`expiresAfter`), so it was dropped',
};

/** `push:no_push_token` → "push: no push token (the app is not installed)". */
export function reasonWords(code: string): string {
  const [head, ...rest] = code.split(':');
  const tail = rest.join(':');
  if (head === 'zone') return `time zone: ${SKIP_WORDS[tail] ?? tail}`;
  if (head === 'capped') return `frequency cap \`${tail}\` is full`;
  if (head === 'preempted') return preemptedWords(tail);
  if (head === undefined || tail === '') return SKIP_WORDS[code] ?? code.replaceAll('_', ' ');
  return `${channelWord(head)}: ${detailWords(tail)}`;
}

function detailWords(detail: string): string {
  if (detail.startsWith('in_doubt:'))
    return `the provider’s answer is in doubt (${detail.slice(9)}): it may have delivered`;
  if (detail.startsWith('retry_later:'))
    return `the provider took nothing and asked to retry later (${detail.slice(12)})`;
  if (detail.startsWith('capped:')) return `frequency cap \`${detail.slice(7)}\` is full`;
  if (detail.startsWith('preempted:')) return preemptedWords(detail.slice(10));
  if (detail.startsWith('suppressed:')) return `suppressed (${detail.slice(11).replaceAll('_', ' ')})`;
  return SKIP_WORDS[detail] ?? detail.replaceAll('_', ' ');
}

function preemptedWords(cap: string): string {
  return `preempted: the last free slot of frequency cap \`${cap}\` is kept for a higher-priority message waiting for it`;
}

/** Why a customer left: `exit_event:order_placed` → "exit event: order placed". */
export function exitWords(reason: string): string {
  if (reason.startsWith('exit_event:')) return `exit event: ${eventNoun(reason.slice(11))}`;
  if (reason === 'converted') return 'converted (the journey’s goal was reached)';
  if (reason === 'holdout') return 'held out (control group)';
  if (reason === 'run_deadline')
    return 'the run reached its deadline (a Step Functions run lasts at most a year)';
  if (reason === 'missing_date') return 'the customer has no date for a wait to count from (ifMissing: exit)';
  if (reason === 'anniversary_after_deadline')
    return 'the date’s next anniversary comes after the run’s deadline (a Step Functions run lasts at most a year); the customer can enter again later';
  if (reason.startsWith('exit event ')) return `exit event: ${eventNoun(reason.slice(11))}`;
  return reason.replaceAll('_', ' ');
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
