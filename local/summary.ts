/**
 * The demo's results, computed from the records a real deployment would have: the ledger (one item
 * per send decision), the Step Functions execution history, the providers' own records (SES store,
 * Pinpoint sink) and the events the world sent in — not from counters kept by the code under test.
 */
import { Duration } from 'luxon';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { SendTimeChoice, SendTimeRule } from '../engine/policy/send-time.ts';
import type { ChannelName, Journey } from '../engine/schema.ts';
import { durationWords, eventNoun } from '../tools/describe.ts';
import type { ExecutionRecord } from './runner.ts';
import type { SinkMessage, StoredEmail } from './standins/index.ts';

export interface SummaryInput {
  journeys: readonly Journey[];
  ledger: readonly LedgerRecord[];
  executions: readonly ExecutionRecord[];
  emails: readonly StoredEmail[];
  sink: readonly SinkMessage[];
  /** Events of each type the world sent, with when (conversions are read from these). */
  events: readonly { customerId: string; type: string; at: string }[];
}

export interface SendStepSummary {
  stepId: string;
  message: string;
  /** Decisions recorded (a deferred step decides again later: each attempt counts). */
  decisions: number;
  sent: Partial<Record<ChannelName, number>>;
  deferredQuietHours: number;
  /** Held for another reason (a provider's retry later, or any other hold): counted by reason code in `held`. */
  deferredOther: number;
  held: Record<string, number>;
  capped: number;
  skipped: Record<string, number>;
  skippedTotal: number;
  exited: Record<string, number>;
  exitedTotal: number;
  failed: number;
}

export interface GroupConversion {
  name: string;
  customers: number;
  converted: number;
  rate: number;
}

export interface JourneySummary {
  id: string;
  name: string;
  version: number;
  /** The goal in words: "order placed within 7 days". */
  goal: string;
  entered: number;
  heldOut: number;
  /** How executions ended (final state, exit reason or stop cause). */
  ended: Record<string, number>;
  /** Entrants vs the holdout control group, on the journey's goal. */
  conversion: { treated: GroupConversion; holdout?: GroupConversion };
  /** Distinct executions that entered each journey step, in journey order. */
  funnel: { stepId: string; type: string; executions: number }[];
  sends: SendStepSummary[];
  /** Per split step: its arms with conversion on the goal after the split. */
  splits: { stepId: string; arms: GroupConversion[] }[];
  /** `time: "best"` waits (engine/policy/send-time.ts): how their times were chosen, from the ledger. */
  bestTimes?: BestTimeSummary;
}

export interface BestTimeSummary {
  waits: number;
  rules: Partial<Record<SendTimeRule, number>>;
  /** The learned choice with the most evidence, for the report to show. */
  example?: SendTimeChoice;
}

export interface DemoSummary {
  journeys: JourneySummary[];
  channels: {
    channel: ChannelName;
    /** Provider calls tried on this channel (a fallback's failed try counts; a channel dropped before a call does not). */
    attempted: number;
    decidedSent: number;
    providerAccepted: number;
    providerRejected: number;
  }[];
  totals: { executions: number; decisions: number; emails: number; sms: number; push: number };
}

const DEFAULT_GOAL = { event: 'order_placed', within: 'P7D' };

export function summarize(input: SummaryInput): DemoSummary {
  const eventsBy = new Map<string, number[]>();
  for (const e of input.events) {
    const key = `${e.customerId}#${e.type}`;
    const list = eventsBy.get(key) ?? [];
    list.push(Date.parse(e.at));
    eventsBy.set(key, list);
  }
  const convertedAfter = (customerId: string, from: string, goal: { event: string; within: string }) => {
    const start = Date.parse(from);
    const end = start + Duration.fromISO(goal.within).toMillis();
    return (eventsBy.get(`${customerId}#${goal.event}`) ?? []).some((t) => t > start && t <= end);
  };
  const rate = (name: string, group: { customerId: string; from: string }[], goal: typeof DEFAULT_GOAL) => {
    const converted = group.filter((g) => convertedAfter(g.customerId, g.from, goal)).length;
    return { name, customers: group.length, converted, rate: group.length ? converted / group.length : 0 };
  };

  const journeys = input.journeys.map((journey): JourneySummary => {
    const goal = journey.goal ?? DEFAULT_GOAL;
    const executions = input.executions.filter((e) => e.journeyId === journey.id);
    const ledger = input.ledger.filter((r) => r.journeyId === journey.id);
    const holdouts = ledger.filter((r) => r.kind === 'holdout');

    const ended: Record<string, number> = {};
    for (const e of executions) bump(ended, endOf(e));

    const funnel = Object.entries(journey.steps).map(([stepId, step]) => ({
      stepId,
      type: step.type,
      executions: executions.filter((e) => e.states.some((s) => s.name === stepId)).length,
    }));

    const sends = Object.entries(journey.steps).flatMap(([stepId, step]) =>
      step.type === 'send' ? [sendSummary(stepId, step.message, ledger)] : [],
    );

    const splits = Object.entries(journey.steps).flatMap(([stepId, step]) => {
      if (step.type !== 'split') return [];
      const arms = step.arms.map((arm) => {
        const group = executions.flatMap((e) => {
          const entered = e.states.find((s) => s.name === stepId);
          const chosen = e.states.some((s) => s.name === arm.next || s.name.startsWith(`${arm.next}.`));
          return entered && chosen ? [{ customerId: e.customerId, from: entered.at }] : [];
        });
        return rate(arm.name, group, goal);
      });
      return [{ stepId, arms }];
    });

    const bestTimes = bestTimeSummary(ledger);
    return {
      ...(bestTimes ? { bestTimes } : {}),
      id: journey.id,
      name: journey.name,
      version: journey.version,
      goal: `${eventNoun(goal.event)} within ${durationWords(goal.within)}`,
      entered: executions.length,
      heldOut: holdouts.length,
      ended,
      conversion: {
        treated: rate(
          'entered',
          executions.map((e) => ({ customerId: e.customerId, from: e.startedAt })),
          goal,
        ),
        ...(journey.holdout
          ? {
              holdout: rate(
                'holdout',
                holdouts.map((h) => ({ customerId: h.customerId, from: h.at })),
                goal,
              ),
            }
          : {}),
      },
      funnel,
      sends,
      splits,
    };
  });

  const decisions = input.ledger.filter((r) => r.kind === 'decision');
  const sinkBy = (type: 'SMS' | 'push') =>
    input.sink.filter((m) => (type === 'SMS' ? m.channelType === 'SMS' : m.channelType !== 'SMS'));
  const channels = (['email', 'sms', 'push'] as const).map((channel) => {
    const decidedSent = decisions.filter((r) => r.outcome === 'sent' && r.channel === channel).length;
    const attempted = attemptedOn(decisions, channel);
    if (channel === 'email') {
      return { channel, attempted, decidedSent, providerAccepted: input.emails.length, providerRejected: 0 };
    }
    const messages = sinkBy(channel === 'sms' ? 'SMS' : 'push');
    const accepted = messages.filter((m) => m.deliveryStatus === 'SUCCESSFUL').length;
    return {
      channel,
      attempted,
      decidedSent,
      providerAccepted: accepted,
      providerRejected: messages.length - accepted,
    };
  });

  return {
    journeys,
    channels,
    totals: {
      executions: input.executions.length,
      decisions: decisions.length,
      emails: channels[0]?.providerAccepted ?? 0,
      sms: channels[1]?.providerAccepted ?? 0,
      push: channels[2]?.providerAccepted ?? 0,
    },
  };
}

/** Results of a channel's try that mean the provider was called (engine/ledger.ts ChannelAttempt). */
const PROVIDER_CALLED = new Set([
  'sent',
  'permanent_failure',
  'retry_later',
  'in_doubt',
  'transient_failure',
]);

/**
 * Provider calls tried on a channel: each such try in a decision's attempts, and a decision whose
 * provider call started and never reported back (`unknown`, recorded without attempts).
 */
function attemptedOn(decisions: readonly LedgerRecord[], channel: ChannelName): number {
  let n = 0;
  for (const r of decisions) {
    if (r.attempts?.length) {
      n += r.attempts.filter((a) => a.channel === channel && PROVIDER_CALLED.has(a.result)).length;
    } else if (r.outcome === 'unknown' && r.channel === channel) n += 1;
  }
  return n;
}

function sendSummary(stepId: string, message: string, ledger: readonly LedgerRecord[]): SendStepSummary {
  const s: SendStepSummary = {
    stepId,
    message,
    decisions: 0,
    sent: {},
    deferredQuietHours: 0,
    deferredOther: 0,
    held: {},
    capped: 0,
    skipped: {},
    skippedTotal: 0,
    exited: {},
    exitedTotal: 0,
    failed: 0,
  };
  for (const r of ledger) {
    if (r.kind !== 'decision' || r.stepId !== stepId || r.op !== 'send') continue;
    s.decisions += 1;
    switch (r.outcome) {
      case 'sent':
        if (r.channel) s.sent[r.channel] = (s.sent[r.channel] ?? 0) + 1;
        break;
      case 'deferred':
        if (r.reasons.some((reason) => reason.endsWith(':quiet_hours'))) s.deferredQuietHours += 1;
        else {
          s.deferredOther += 1;
          const why = r.reasons.filter((x) => !x.startsWith('zone:'));
          for (const reason of why.length ? why : ['retry']) bump(s.held, reason);
        }
        break;
      case 'capped':
        s.capped += 1;
        break;
      case 'skipped':
        s.skippedTotal += 1;
        for (const reason of r.reasons.filter((x) => !x.startsWith('zone:'))) bump(s.skipped, reason);
        break;
      case 'exited':
        s.exitedTotal += 1;
        bump(s.exited, r.reasons[0] ?? 'exit');
        break;
      case 'failed':
      case 'unknown':
        s.failed += 1;
        break;
      default:
        break;
    }
  }
  return s;
}

function endOf(e: ExecutionRecord): string {
  switch (e.status) {
    case 'RUNNING':
      return `waiting in ${e.states.at(-1)?.name ?? '?'}`;
    case 'ABORTED':
      return `stopped: ${e.cause ?? 'stopped'}`;
    case 'FAILED':
      return `failed: ${e.error ?? 'error'}`;
    case 'SUCCEEDED': {
      const last = e.states.at(-1)?.name ?? '?';
      // Scale mode: a segment that ended at a wait; the run goes on from its timer or event.
      if (e.type === 'EXPRESS' && last === 'Waiting') {
        return `segment ended, waiting at ${(e.states.at(-2)?.name ?? '?').replace(/\.route$/, '')}`;
      }
      const reason = (e.output as { result?: { reason?: string } } | undefined)?.result?.reason;
      return last === 'Exited' && reason ? `exited: ${reason}` : `finished: ${last}`;
    }
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Every recorded answer that carried a best-time choice (a wait's schedule, or the step before it). */
function bestTimeSummary(ledger: readonly LedgerRecord[]): BestTimeSummary | undefined {
  const rules: BestTimeSummary['rules'] = {};
  let waits = 0;
  let example: SendTimeChoice | undefined;
  for (const r of ledger) {
    const result = r.result;
    const choice = result?.outcome === 'wait' || result?.outcome === 'next' ? result.sendTime : undefined;
    if (!choice) continue;
    waits++;
    rules[choice.rule] = (rules[choice.rule] ?? 0) + 1;
    if (choice.rule === 'learned' && (!example || choice.evidence.weight > example.evidence.weight))
      example = choice;
  }
  return waits > 0 ? { waits, rules, ...(example ? { example } : {}) } : undefined;
}
