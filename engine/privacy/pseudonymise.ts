/**
 * A ledger record without personal data, for aggregates that survive an erasure: which journey,
 * version, step, variant, channel, outcome and reasons, when, and the provider message id (the
 * operator's "why", not the customer). Kept by allow-list, so a field added to LedgerRecord later
 * is dropped until someone decides it is safe:
 * - `customerId` → the pseudonym; `id` and `executionId` (execution names contain the customer id)
 *   → keyed hashes, so two records of one run still group together;
 * - dropped: `zone` (the customer's time zone), `facts` except the allow-listed keys below (event
 *   and product ids may name the customer), anything not listed.
 */
import type { ChannelAttempt, LedgerRecord } from '../ledger.ts';

/** Facts that describe the provider's or the policy's answer, never the customer. */
const SAFE_FACTS = new Set(['type', 'status', 'scope', 'bounceType', 'bounceSubType', 'feedbackType']);

const REASON_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface PseudonymKeys {
  pseudonym: string;
  /** Keyed one-way hash of an identifier (the same key as the pseudonym's). */
  hash(value: string): string;
}

export function pseudonymiseLedger(record: LedgerRecord, keys: PseudonymKeys): LedgerRecord {
  const out: LedgerRecord = {
    id: keys.hash(record.id),
    kind: record.kind,
    at: record.at,
    customerId: keys.pseudonym,
    outcome: record.outcome,
    reasons: [...record.reasons],
  };
  if (record.journeyId !== undefined) out.journeyId = record.journeyId;
  if (record.journeyVersion !== undefined) out.journeyVersion = record.journeyVersion;
  if (record.stepId !== undefined) out.stepId = record.stepId;
  if (record.op !== undefined) out.op = record.op;
  if (record.executionId !== undefined) out.executionId = keys.hash(record.executionId);
  if (record.attempt !== undefined) out.attempt = record.attempt;
  if (record.channel !== undefined) out.channel = record.channel;
  if (record.providerMessageId !== undefined) out.providerMessageId = record.providerMessageId;
  if (record.variant !== undefined) out.variant = record.variant;
  if (record.locale !== undefined) out.locale = record.locale;
  if (record.attempts !== undefined) out.attempts = record.attempts.map(safeAttempt);
  if (record.sms !== undefined) out.sms = { ...record.sms };
  if (record.until !== undefined) out.until = record.until;
  if (record.cap !== undefined) out.cap = { ...record.cap };
  if (record.result !== undefined) out.result = structuredClone(record.result);
  if (record.test !== undefined) out.test = record.test;
  const facts = Object.entries(record.facts ?? {}).filter(([key]) => SAFE_FACTS.has(key));
  if (facts.length > 0) out.facts = Object.fromEntries(facts);
  return out;
}

function safeAttempt(attempt: ChannelAttempt): ChannelAttempt {
  const out: ChannelAttempt = { channel: attempt.channel, result: attempt.result };
  // A provider's error text may quote the address: only reason codes survive.
  if (attempt.reason !== undefined && REASON_CODE.test(attempt.reason)) out.reason = attempt.reason;
  if (attempt.providerMessageId !== undefined) out.providerMessageId = attempt.providerMessageId;
  return out;
}
