/**
 * Every stable reason code the runtime records (ledger `reasons`, step results, entry skips, wait
 * notes, feedback), as one type: the words table (tools/words/reasons.ts) must give each one words,
 * and a test reads this union to check it. A code with a detail after a colon
 * (`email:opted_out`, `capped:marketing-7d`) is listed by its parts.
 */
import type { AudienceSkipReason } from './audience/enrol.ts';
import type { DeferReason } from './contract.ts';
import type { Feedback } from './feedback.ts';
import type { ChannelAttempt } from './ledger.ts';
import { DEFERRAL_LIMIT_REASON, RUN_DEADLINE_REASON } from './limits.ts';
import type { SkipReason } from './policy/channels.ts';
import type { EntrySkipReason } from './policy/entry.ts';
import type { ExitReason } from './policy/exit.ts';
import { EXPIRED_REASON } from './policy/expiry.ts';
import type { WaitNote } from './policy/time.ts';

/**
 * Codes written as plain strings where they are decided (functions/app, engine/step-results.ts).
 * A new code that is in none of the unions below goes here; then it needs one line of words.
 */
export const OTHER_REASON_CODES = [
  'provider_call_unconfirmed',
  DEFERRAL_LIMIT_REASON,
  RUN_DEADLINE_REASON,
  'runtime_error',
  'holdout',
  'unsubscribe_link',
  'template_error',
  EXPIRED_REASON,
] as const;

/** The prefixes of codes that carry a detail: `<prefix>:<detail>`. */
export const REASON_PREFIXES = [
  'suppressed',
  'exit_event',
  /** `exit:<stepId>`: an exit step without a reason of its own (engine/step-results.ts). */
  'exit',
  'invalid_step',
  'in_doubt',
  'retry_later',
  'capped',
  /** `preempted:<cap>`: the cap's last free slot is kept for a higher-priority held message. */
  'preempted',
  'zone',
  /** `best_time:<rule>`: how a `time: "best"` wait chose its time (learned, explore, fallback). */
  'best_time',
] as const;

type Plain<T extends string> = Exclude<T, `${string}:${string}`>;

export type ReasonCode =
  | Plain<SkipReason>
  | Exclude<ChannelAttempt['result'], 'sent'>
  | DeferReason
  | EntrySkipReason
  | AudienceSkipReason
  | WaitNote
  | Plain<ExitReason>
  | Feedback['kind']
  | (typeof OTHER_REASON_CODES)[number]
  | (typeof REASON_PREFIXES)[number];
