/**
 * The ledger: one record per decision (a send step's outcome, a holdout, a delivery event, a
 * consent change). A record alone explains the decision: which channels were considered and why
 * each was dropped, the zone used, the cap that was full, the provider message id.
 *
 * Pure shapes and constructors; the runtime stores them (functions/adapters/dynamo-store.ts).
 */
import type { StepOp, StepResult } from './contract.ts';
import type { ChannelName } from './schema.ts';

/**
 * `entry`: an event a journey listens for that did not start it, kept when an operator must act (`unknown_product`).
 * `test`: a test send to a seed address (`herald send-test`); never a decision, never counted.
 */
export type LedgerKind = 'decision' | 'holdout' | 'feedback' | 'consent' | 'profile' | 'entry' | 'test';

/**
 * Stored values; never renamed. `unknown`: a provider call may have delivered the message and its
 * result is not known — the provider's answer was in doubt (5xx, reset, timeout), or the Lambda
 * died during the call; at-most-once means it is not sent again, on any channel.
 */
export type LedgerOutcome =
  | 'sent'
  | 'skipped'
  | 'deferred'
  | 'capped'
  | 'suppressed'
  | 'failed'
  | 'exited'
  | 'holdout'
  | 'next'
  | 'unknown'
  | 'delivered'
  | 'bounced'
  | 'complained'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'opted_out'
  | 'token_removed';

/**
 * One try of one channel within a send decision. Provider answers (engine/send-protocol.ts):
 * `permanent_failure` (refused for good), `retry_later` (refused for now: throttled, unreachable),
 * `in_doubt` (may have been sent). `transient_failure` is only found in records written before the
 * provider calls stopped being retried blindly; it is read like `retry_later`.
 */
export interface ChannelAttempt {
  channel: ChannelName;
  result:
    | 'sent'
    | 'permanent_failure'
    | 'retry_later'
    | 'in_doubt'
    | 'transient_failure'
    | 'render_error'
    | 'capped'
    | 'not_allowed';
  reason?: string;
  providerMessageId?: string;
}

export interface LedgerRecord {
  /** Deterministic id: a retried write of the same decision replaces, never duplicates. */
  id: string;
  kind: LedgerKind;
  /** ISO timestamp of the decision or event. */
  at: string;
  customerId: string;
  outcome: LedgerOutcome;
  /** Stable reason codes: `email:opted_out`, `sms:quiet_hours`, `capped:marketing-7d`, `zone:invalid_time_zone`. */
  reasons: string[];
  journeyId?: string;
  journeyVersion?: number;
  stepId?: string;
  op?: StepOp;
  executionId?: string;
  /** 1 for the first run of a step; a deferred step that runs again gets 2, 3, … */
  attempt?: number;
  channel?: ChannelName;
  providerMessageId?: string;
  /** The A/B arm (split steps, and sends downstream of a split) or a holdout marker. */
  variant?: string;
  locale?: string;
  /** The zone decisions were made in. */
  zone?: string;
  attempts?: ChannelAttempt[];
  sms?: { encoding: 'GSM-7' | 'UCS-2'; segments: number };
  /** Deferred until (ISO). */
  until?: string;
  cap?: { id: string; count: number; limit: number };
  /** What the state machine was told. */
  result?: StepResult;
  /** Set on test sends only (kind `test`): analytics and caps ignore these records. */
  test?: true;
  /** Free-form, personal-data-free facts (feedback type, bounce type…). */
  facts?: Record<string, string | number | boolean>;
}

/** `executionId#stepId`: the idempotency key of a step (and a cap entry's key). */
export function stepKey(executionId: string, stepId: string): string {
  return `${executionId}#${stepId}`;
}

export function decisionId(executionId: string, stepId: string, attempt: number): string {
  return `decision#${stepKey(executionId, stepId)}#${attempt}`;
}

/** Maps a step result and its channel attempts to the ledger outcome. */
export function outcomeOf(result: StepResult, sent: boolean): LedgerOutcome {
  switch (result.outcome) {
    case 'exit':
      return 'exited';
    case 'defer':
      return result.reason === 'capped' ? 'capped' : 'deferred';
    case 'wait':
    case 'armed':
      return 'next';
    case 'next':
      if (sent) return 'sent';
      return result.detail?.skipped ? (result.detail.skipped === 'capped' ? 'capped' : 'skipped') : 'next';
  }
}
