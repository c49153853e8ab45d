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
import type { EnrollmentRow } from '../analytics/report-model.ts';
import type { Conversion, Touch } from '../attribution.ts';
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

/**
 * A conversion without personal data, for the report's counts and revenue after an erasure: the
 * journey, version, goal type and time, held out or not, the credited step, channel and variant, the
 * arms, value, currency and latency. `customerId` → the pseudonym; the conversion, enrolment, goal
 * event and touched decision ids (they may contain the customer id) → keyed hashes, consistently
 * with the pseudonymised ledger's ids.
 */
export function pseudonymiseConversion(conversion: Conversion, keys: PseudonymKeys): Conversion {
  const touch = (t: Touch): Touch => ({
    at: t.at,
    stepId: t.stepId,
    channel: t.channel,
    ...(t.variant !== undefined ? { variant: t.variant } : {}),
    decisionId: keys.hash(t.decisionId),
  });
  const out: Conversion = {
    id: keys.hash(conversion.id),
    customerId: keys.pseudonym,
    journeyId: conversion.journeyId,
    journeyVersion: conversion.journeyVersion,
    enrollmentId: keys.hash(conversion.enrollmentId),
    enteredAt: conversion.enteredAt,
    eventId: keys.hash(conversion.eventId),
    eventType: conversion.eventType,
    at: conversion.at,
    heldOut: conversion.heldOut,
    touches: conversion.touches.map(touch),
    arms: { ...conversion.arms },
    revenue: conversion.revenue,
    latencyMs: conversion.latencyMs,
    endsRun: conversion.endsRun,
  };
  if (conversion.attributed !== undefined) out.attributed = touch(conversion.attributed);
  if (conversion.stepId !== undefined) out.stepId = conversion.stepId;
  if (conversion.channel !== undefined) out.channel = conversion.channel;
  if (conversion.variant !== undefined) out.variant = conversion.variant;
  if (conversion.value !== undefined) out.value = conversion.value;
  if (conversion.currency !== undefined) out.currency = conversion.currency;
  if (conversion.sinceTouchMs !== undefined) out.sinceTouchMs = conversion.sinceTouchMs;
  return out;
}

/**
 * An enrolment row without personal data: what the report counts entrants by (journey, version,
 * when, status, reason: `holdout` makes the control group). The triggering event keeps its type
 * and time only; ids are keyed hashes, the customer id the pseudonym.
 */
export function pseudonymiseEnrollmentRow(row: EnrollmentRow, keys: PseudonymKeys): EnrollmentRow {
  const { enrollment } = row;
  return {
    enrollment: {
      id: keys.hash(enrollment.id),
      customerId: keys.pseudonym,
      journeyId: enrollment.journeyId,
      journeyVersion: enrollment.journeyVersion,
      enteredAt: enrollment.enteredAt,
      event: {
        id: keys.hash(enrollment.event.id),
        type: enrollment.event.type,
        customerId: keys.pseudonym,
        time: enrollment.event.time,
        properties: {},
      },
    },
    status: row.status,
    ...(row.reason !== undefined && REASON_CODE.test(row.reason) ? { reason: row.reason } : {}),
  };
}
