/**
 * The runtime's stable reason codes in a marketer's words: one table, read by `npm start`'s
 * terminal summary and HTML report and by `herald simulate`. The JSON outputs keep the codes.
 * A new code (engine/reason-codes.ts) is one line here; tsc and test/unit/reason-words.test.ts
 * fail until it has words.
 */
import type { ReasonCode } from '../../engine/reason-codes.ts';
import { eventNoun } from '../describe.ts';

export const REASON_WORDS: Record<ReasonCode, string> = {
  // Channels dropped before a send (engine/policy/channels.ts).
  no_preference: 'no stated preference and no clear favourite',
  no_consent: 'no consent',
  opted_out: 'opted out',
  suppressed: 'on the suppression list',
  invalid_email: 'no valid email address',
  invalid_phone: 'no valid phone number',
  no_push_token: 'no push token (the app is not installed)',
  no_content: 'the message has no content for it',
  quiet_hours: 'quiet hours',
  // A channel's try (engine/ledger.ts ChannelAttempt) and why a send waits (engine/contract.ts).
  permanent_failure: 'the provider refused it',
  retry_later: 'the provider took nothing and asked to retry later',
  in_doubt: 'the provider’s answer is in doubt: it may have delivered',
  transient_failure: 'the provider failed (temporarily)',
  render_error: 'the template could not be rendered',
  template_error: 'the template could not be rendered',
  capped: 'a frequency cap is full',
  preempted: 'a higher-priority message took the free frequency-cap slot',
  expired: 'held past the time it stays relevant (`expiresAfter`), so it was dropped',
  not_allowed: 'no longer allowed',
  retry: 'to be tried again shortly',
  provider_call_unconfirmed: 'a provider call started and never reported back',
  deferral_limit: 'held too many times (a run must stay within Step Functions’ limits)',
  // Why an event did not start a journey (engine/policy/entry.ts).
  entry_condition_false: 'the entry condition was not met',
  not_in_segment: 'the customer was not in the segment the journey asks for',
  no_items: 'the event named no products',
  unknown_product: 'the product is not in the catalog',
  item_condition_false: 'no product met the item condition',
  reentry_never: 'already entered once (re-entry: never)',
  reentry_cooldown: 'entered too recently (re-entry cooldown)',
  already_enrolled: 'already entered at this tick (a re-run of the same tick enrols nobody twice)',
  pacing_end_by: 'the broadcast’s pacing would reach them after its end-by time',
  backfill: 'the event is more than a day old (backfill)',
  journey_paused: 'the journey is paused: sends are held until it resumes',
  journey_draining: 'the journey is draining: it takes no new customers',
  journey_stopped: 'the journey was stopped',
  // Waits (engine/policy/time.ts).
  missing_time_zone: 'no time zone on the profile',
  invalid_time_zone: 'the profile’s time zone is not valid',
  invalid_duration: 'the wait’s duration is not valid',
  invalid_local_time: 'the wait’s local time is not valid',
  missing_date: 'the customer has no date for a wait to count from (ifMissing: exit)',
  missing_add_days: 'the wait’s day offset is missing',
  invalid_offset: 'the wait’s offset is not valid',
  date_in_past: 'the date is already past',
  missing_date_skipped: 'no date for the wait, so it was skipped',
  anniversary_after_deadline:
    'the date’s next anniversary comes after the run’s deadline (a Step Functions run lasts at most a year); the customer can enter again later',
  invalid_best_time: 'the wait’s best-time settings are not valid (email, 09:00–21:00, 10:00 used)',
  best_time: 'best send time',
  run_deadline: 'the run reached its deadline (a Step Functions run lasts at most a year)',
  // Leaving a journey (engine/policy/exit.ts, engine/step-results.ts).
  converted: 'converted (the journey’s goal was reached)',
  exit_event: 'exit event',
  invalid_step: 'the step is not valid',
  exit: 'reached the exit step',
  runtime_error: 'an unexpected error',
  holdout: 'held out (control group)',
  // Delivery feedback and consent (engine/feedback.ts, functions/app/unsubscribe.ts).
  delivered: 'the provider delivered it',
  opened: 'the customer opened it',
  clicked: 'the customer clicked a link',
  replied: 'the customer replied to the SMS',
  bounced: 'the address bounced',
  complained: 'complained (marked as spam)',
  sms_stop: 'replied STOP',
  failed: 'the provider could not deliver it',
  push_token_invalid: 'the push token is no longer valid',
  unsubscribe_link: 'unsubscribed by the link in the message',
  zone: 'time zone',
};

const CHANNEL_WORDS: Record<string, string> = {
  email: 'email',
  sms: 'SMS',
  push: 'push',
  preferred: 'preferred channel',
};

const BEST_TIME_RULE_WORDS: Record<string, string> = {
  learned: 'learned from the customer’s engagement',
  explore: 'exploring another hour (a share of sends tries one)',
  fallback: 'the fallback time (too little evidence yet)',
};

export const channelWord = (channel: string) => CHANNEL_WORDS[channel] ?? channel;

const plain = (code: string) => code.replaceAll('_', ' ');
const known = (code: string): string | undefined =>
  Object.hasOwn(REASON_WORDS, code) ? REASON_WORDS[code as ReasonCode] : undefined;

/**
 * `push:no_push_token` → "push: no push token (the app is not installed)";
 * `capped:marketing-7d` → "frequency cap `marketing-7d` is full".
 */
export function reasonWords(code: string): string {
  const colon = code.indexOf(':');
  if (colon < 0) return known(code) ?? plain(code);
  const head = code.slice(0, colon);
  const tail = code.slice(colon + 1);
  if (head in CHANNEL_WORDS) return `${channelWord(head)}: ${reasonWords(tail)}`;
  switch (head) {
    case 'zone':
      return `${REASON_WORDS.zone}: ${reasonWords(tail)}`;
    case 'best_time':
      return `${REASON_WORDS.best_time}: ${BEST_TIME_RULE_WORDS[tail] ?? plain(tail)}`;
    case 'capped':
      return `frequency cap \`${tail}\` is full`;
    case 'preempted':
      return `preempted: the last free slot of frequency cap \`${tail}\` is kept for a higher-priority message waiting for it`;
    case 'suppressed':
      return `${REASON_WORDS.suppressed} (${plain(tail)})`;
    case 'in_doubt':
      return `the provider’s answer is in doubt (${tail}): it may have delivered`;
    case 'retry_later':
      return `the provider took nothing and asked to retry later (${tail})`;
    case 'exit_event':
      return `${REASON_WORDS.exit_event}: ${eventNoun(tail)}`;
    case 'exit':
      return `${REASON_WORDS.exit} \`${tail}\``;
    case 'invalid_step':
      return `${REASON_WORDS.invalid_step} (${tail})`;
    default:
      return known(code) ?? plain(code);
  }
}
