/**
 * The timeline: what the real runtime did for one customer, in time order and in words. Built only
 * from records — the states the workflow entered, each step handler answer, the ledger's reasons,
 * the messages the recording senders received and ingest's summaries — never by re-deciding.
 */
import { DateTime } from 'luxon';
import type { Conversion } from '../../engine/attribution.ts';
import type { StepResult } from '../../engine/contract.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { customerZone, type PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import type { ExecutionRecord } from '../../local/runner.ts';
import { durationWords, eventNoun, stepSummary, waitWords } from '../describe.ts';
import { sendTimeWords } from '../words/send-time.ts';
import type { Invocation, RecordedSend, SimulationRecords } from './run.ts';
import { channelWord, exitWords, reasonWords, traceWords, unsentWords } from './words.ts';

export type EntryKind =
  | 'event'
  | 'wait'
  | 'send'
  | 'skip'
  /** A send whose provider call may have delivered: recorded as unknown, never resent. */
  | 'unknown'
  | 'defer'
  | 'branch'
  | 'split'
  | 'update'
  | 'exit'
  | 'stopped'
  | 'unfinished';

export interface TimelineContent {
  channel: 'email' | 'sms' | 'push';
  locale?: string;
  email?: { subject: string; text: string; html: string };
  sms?: { body: string; encoding?: string; segments?: number };
  push?: { title: string; body: string; deepLink?: string };
}

export interface TimelineEntry {
  /** UTC, ISO 8601. */
  at: string;
  /** The same instant on the customer's clock, ISO 8601 with offset. */
  local: string;
  /** The customer's zone at that instant (their events may have changed it since the profile file). */
  zone: string;
  kind: EntryKind;
  /** 1-based run number (a customer may enter a journey several times, or once per product). */
  run?: number;
  stepId?: string;
  stepType?: Step['type'];
  summary: string;
  details: string[];
  channel?: string;
  until?: string;
  reasons?: string[];
  content?: TimelineContent;
}

export interface TimelineRun {
  run: number;
  id: string;
  enteredAt: string;
  status: ExecutionRecord['status'];
  productId?: string;
}

export interface Timeline {
  journey: { id: string; name: string; version: number };
  /** `zone` is the zone at the start; `zoneChanges` lists the changes the customer's events made. */
  customer: { id: string; zone: string; zoneNote?: string; zoneChanges?: { at: string; zone: string }[] };
  start: string;
  end: string;
  runs: TimelineRun[];
  entries: TimelineEntry[];
  sent: number;
}

export function buildTimeline(
  journey: Journey,
  records: SimulationRecords,
  config: PolicyConfig,
  profile: { id: string; timeZone?: string },
): Timeline {
  const { zone, fallbackReason } = customerZone(profile, journey, config);
  const zones = zoneHistory(zone, records, journey, config);
  const zoneAt = (iso: string) => zones.findLast((z) => z.at <= iso)?.zone ?? zone;
  const local = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zoneAt(iso)).toISO() ?? iso;
  const when = (iso: string) =>
    DateTime.fromISO(iso, { zone: 'utc' }).setZone(zoneAt(iso)).toFormat('ccc d LLL HH:mm');
  const entries: TimelineEntry[] = [];
  const push = (e: Omit<TimelineEntry, 'local' | 'zone'>) =>
    entries.push({ ...e, local: local(e.at), zone: zoneAt(e.at) });

  const executions = [...records.executions].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const runOf = new Map(executions.map((e, i) => [e.arn, i + 1]));
  const runs: TimelineRun[] = executions.map((e, i) => {
    const productId = (e.output as { enrollment?: { productId?: string } } | undefined)?.enrollment
      ?.productId;
    const run: TimelineRun = { run: i + 1, id: e.name, enteredAt: e.startedAt, status: e.status };
    const started = records.invocations.find((inv) => inv.request.executionId === e.arn);
    const product = productId ?? started?.request.enrollment.productId;
    if (product) run.productId = product;
    return run;
  });

  for (const ingest of records.ingests) {
    const s = ingest.summary as {
      started?: number;
      heldOut?: number;
      stopped?: number;
      resumed?: number;
      skipped?: unknown;
    };
    const details: string[] = [];
    const startedRuns = runs.filter((r) => r.enteredAt === ingest.at);
    if (s.started) {
      for (const r of startedRuns)
        details.push(`enters the journey: run ${r.run}${r.productId ? ` for ${r.productId}` : ''}`);
    }
    if (s.heldOut) details.push('held out: this customer is in the control group and receives nothing');
    // Ingest also counts runs that had already finished; only a run it actually stopped is news.
    for (const stopped of executions.filter((e) => e.status === 'ABORTED' && e.stoppedAt === ingest.at)) {
      details.push(`ends run ${runOf.get(stopped.arn)}: it is an exit event of this journey`);
    }
    if (s.resumed) details.push(`ends a wait for ${eventNoun(ingest.event.type)}`);
    for (const c of (records.conversions ?? []).filter((x) => x.eventId === ingest.event.id))
      details.push(...conversionWords(c, runs, journey));
    if (ingest.event.type === journey.entry.event && !s.started && !s.heldOut) {
      details.push(`does not enter the journey${skippedWords(s.skipped)}`);
    }
    push({
      at: ingest.at,
      kind: 'event',
      summary: `${eventNoun(ingest.event.type)} (${ingest.event.id})`,
      details,
    });
  }

  for (const e of audienceTickEntries(journey, records, executions, runOf)) push(e);

  // Opens and clicks (`simulate --engaged`): what engagement conditions will read.
  for (const r of records.ledger) {
    if (r.kind !== 'feedback' || (r.outcome !== 'opened' && r.outcome !== 'clicked')) continue;
    const what = r.channel === 'push' ? 'notification' : r.channel === 'sms' ? 'SMS' : 'email';
    push({
      at: r.at,
      kind: 'event',
      summary: `${r.outcome === 'opened' ? 'opens' : 'clicks a link in'} the ${what}${r.stepId ? ` of ${r.stepId}` : ''}`,
      details: ['reported by the provider (simulated)'],
      ...(r.channel ? { channel: r.channel } : {}),
    });
  }

  const used = new Set<Invocation>();
  for (const execution of executions) {
    const run = runOf.get(execution.arn) ?? 0;
    const invocations = records.invocations.filter((i) => i.request.executionId === execution.arn);
    const take = (stepId: string, at: string) => {
      const found = invocations.find((i) => !used.has(i) && i.request.stepId === stepId && i.at === at);
      if (found) used.add(found);
      return found;
    };
    let lastResult: StepResult | undefined;
    execution.states.forEach((state, index) => {
      const nextState = execution.states.slice(index + 1).find((s) => !s.name.endsWith('.route'));
      const step = Object.hasOwn(journey.steps, state.name) ? journey.steps[state.name] : undefined;
      if (!step) {
        // A wait's schedule Task answers too: its `exit` (a missing date) is why the run ends.
        if (state.name.endsWith('.schedule')) lastResult = take(state.name.slice(0, -9), state.at)?.result;
        if (state.name === 'Exited') {
          const reason =
            lastResult?.outcome === 'exit'
              ? lastResult.reason
              : lastResult?.outcome === 'next' && lastResult.exit
                ? lastResult.exit
                : 'left';
          push({
            at: state.at,
            run,
            kind: 'exit',
            summary: `leaves the journey: ${exitWords(reason)}`,
            details: [],
          });
        }
        return;
      }
      const base = { at: state.at, run, stepId: state.name, stepType: step.type };
      switch (step.type) {
        case 'wait': {
          const until = nextState?.at;
          // The time a `best` wait chose, and why: on the answer that computed its timestamp.
          const chosen =
            lastResult?.outcome === 'wait' || lastResult?.outcome === 'next'
              ? lastResult.sendTime
              : undefined;
          push({
            ...base,
            kind: 'wait',
            summary: `waits ${waitWords(step)}`,
            details: [
              ...(until
                ? [`until ${when(until)} local`]
                : [
                    execution.status === 'ABORTED'
                      ? 'interrupted'
                      : 'still waiting when the simulation ended',
                  ]),
              ...(step.until?.time === 'best' && chosen ? [sendTimeWords(chosen)] : []),
            ],
            ...(until ? { until } : {}),
          });
          return;
        }
        case 'waitForEvent': {
          const then = nextState;
          const details =
            then?.name === step.onEvent && step.onEvent !== step.onTimeout
              ? [`${eventNoun(step.event)} arrived ${when(then.at)} local → ${step.onEvent}`]
              : then
                ? [`no ${eventNoun(step.event)} within ${durationWords(step.timeout)} → ${then.name}`]
                : [
                    execution.status === 'ABORTED'
                      ? 'interrupted'
                      : 'still waiting when the simulation ended',
                  ];
          push({
            ...base,
            kind: 'wait',
            summary: `waits up to ${durationWords(step.timeout)} for ${eventNoun(step.event)}`,
            details,
          });
          return;
        }
        case 'exit':
          push({
            ...base,
            kind: 'exit',
            summary: `leaves the journey: ${step.reason ?? 'end'}`,
            details: [],
          });
          return;
        default: {
          const invocation = take(state.name, state.at);
          if (!invocation) return;
          lastResult = invocation.result;
          const ledger = ledgerFor(records.ledger, invocation);
          push({ ...base, ...decisionEntry(step, invocation, ledger, records.sends, when) });
        }
      }
    });
    if (execution.status === 'ABORTED' && execution.stoppedAt) {
      push({
        at: execution.stoppedAt,
        run,
        kind: 'stopped',
        summary: `stopped: ${exitWords(execution.cause ?? 'stopped')}`,
        details: [],
      });
    } else if (execution.status === 'RUNNING') {
      push({
        at: records.end,
        run,
        kind: 'unfinished',
        summary: 'still in the journey when the simulation ended',
        details: [],
      });
    } else if (execution.status === 'FAILED') {
      push({
        at: execution.stoppedAt ?? records.end,
        run,
        kind: 'stopped',
        summary: `the workflow failed: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim(),
        details: [],
      });
    }
  }

  // Stable: same-instant entries keep the order they happened in (event before the steps it starts).
  const order = entries.map((e, i) => ({ e, i }));
  order.sort((a, b) => a.e.at.localeCompare(b.e.at) || rank(a.e) - rank(b.e) || a.i - b.i);
  const sorted = order.map((o) => o.e);
  const last = sorted[sorted.length - 1]?.at ?? records.start;
  const timeline: Timeline = {
    journey: { id: journey.id, name: journey.name, version: journey.version },
    customer: {
      id: profile.id,
      zone,
      ...(fallbackReason ? { zoneNote: reasonWords(`zone:${fallbackReason}`) } : {}),
      ...(zones.length > 0 ? { zoneChanges: zones } : {}),
    },
    start: records.start,
    end: last,
    runs,
    entries: sorted,
    sent: sorted.filter((e) => e.kind === 'send').length,
  };
  return timeline;
}

/**
 * When the customer's zone changed, from the store's profile after each event (a `profile_updated`
 * with a new `timeZone`): local times are read on the clock the customer had at that instant, as
 * the runtime's own decisions were, not on the profile file's.
 */
function zoneHistory(
  initial: string,
  records: SimulationRecords,
  journey: Journey,
  config: PolicyConfig,
): { at: string; zone: string }[] {
  const changes: { at: string; zone: string }[] = [];
  let current = initial;
  for (const ingest of [...records.ingests].sort((a, b) => a.at.localeCompare(b.at))) {
    const next = customerZone(ingest.profileAfter, journey, config).zone;
    if (next === current) continue;
    changes.push({ at: ingest.at, zone: next });
    current = next;
  }
  return changes;
}

/** Events first at an instant (they cause the steps), then steps by run. */
function rank(e: TimelineEntry): number {
  return e.kind === 'event' ? 0 : 1 + (e.run ?? 0);
}

/**
 * An audience journey's ticks (records.audienceTicks): when the customer was judged and what came of
 * it. A run of ticks with the same outcome shows once, with how many ticks followed it.
 */
function audienceTickEntries(
  journey: Journey,
  records: SimulationRecords,
  executions: readonly ExecutionRecord[],
  runOf: ReadonlyMap<string, number>,
): Omit<TimelineEntry, 'local' | 'zone'>[] {
  const out: (Omit<TimelineEntry, 'local' | 'zone'> & { outcome: string; repeats: number })[] = [];
  for (const tick of records.audienceTicks ?? []) {
    const s = tick.summary;
    const reasons = Object.keys(s.skipped).filter((r) => (s.skipped as Record<string, number>)[r]);
    const run = executions.find((e) => e.startedAt === tick.at);
    const details = s.started
      ? [`enters the journey${run ? `: run ${runOf.get(run.arn)}` : ''}`]
      : s.heldOut
        ? ['held out: this customer is in the control group and receives nothing']
        : [`does not enter: ${reasons.map(reasonWords).join(', ') || 'nothing to enrol'}`];
    const outcome = s.started ? `started@${tick.at}` : s.heldOut ? 'heldOut' : reasons.join(',');
    const previous = out.at(-1);
    if (previous && previous.outcome === outcome) {
      previous.repeats++;
      continue;
    }
    out.push({
      at: tick.at,
      kind: 'event',
      summary: `audience tick ${tick.tick}: judged against segment ${journey.entry.segment}`,
      details,
      outcome,
      repeats: 0,
    });
  }
  return out.map(({ outcome: _, repeats, ...entry }) =>
    repeats === 0
      ? entry
      : {
          ...entry,
          details: [...entry.details, `the same at the next ${repeats} tick${repeats === 1 ? '' : 's'}`],
        },
  );
}

function skippedWords(skipped: unknown): string {
  if (!Array.isArray(skipped) || skipped.length === 0)
    return ' (its entry condition or re-entry rule said no)';
  const reasons = skipped
    .map((s) => {
      const { reason, productId } = s as { reason?: unknown; productId?: unknown };
      // The one reason that is not the journey's rule: the catalog has no such product.
      if (reason === 'unknown_product') return `product ${String(productId)} is not in the catalog`;
      return reasonWords(String(reason ?? ''));
    })
    .filter(Boolean);
  return reasons.length ? `: ${[...new Set(reasons)].join(', ')}` : '';
}

function ledgerFor(ledger: readonly LedgerRecord[], invocation: Invocation): LedgerRecord | undefined {
  return ledger.find(
    (r) =>
      r.kind === 'decision' &&
      r.executionId === invocation.request.executionId &&
      r.stepId === invocation.request.stepId &&
      r.at === invocation.at,
  );
}

/**
 * How `preferred` was resolved by a journey with `channelChoice: "recency"` (ledger facts,
 * engine/policy/send.ts `preferredFacts`): "preferred channel sms by recency-weighted engagement: sms 5.86 (2 replies); …".
 */
function preferredWords(ledger: LedgerRecord | undefined): string[] {
  const f = ledger?.facts;
  if (typeof f?.preferredBy !== 'string' || !f.preferredBy.startsWith('recency')) return [];
  const evidence =
    typeof f.preferredEvidence === 'string' ? `: ${f.preferredEvidence}` : ': no engagement yet';
  const tie = f.preferredBy.includes('tie') ? ` (${f.preferredBy.slice('recency, '.length)})` : '';
  return [`preferred channel ${String(f.preferred)} by recency-weighted engagement${tie}${evidence}`];
}

type Decision = Omit<TimelineEntry, 'at' | 'local' | 'zone' | 'run' | 'stepId' | 'stepType'>;

function decisionEntry(
  step: Step,
  invocation: Invocation,
  ledger: LedgerRecord | undefined,
  sends: readonly RecordedSend[],
  when: (iso: string) => string,
): Decision {
  const result = invocation.result;
  const reasons = ledger?.reasons ?? [];
  const why = [...reasons.map(reasonWords), ...preferredWords(ledger)];
  if (result.outcome === 'exit') {
    return {
      kind: 'exit',
      summary: `leaves the journey: ${exitWords(result.reason)}`,
      details: why,
      reasons,
    };
  }
  switch (step.type) {
    case 'send': {
      if (result.outcome === 'defer') {
        const localUntil = when(result.until);
        const cause =
          result.reason === 'quiet_hours'
            ? `quiet hours for ${channelWord(result.detail?.channel ?? '')}`
            : result.reason === 'capped'
              ? result.detail?.skipped === 'preempted'
                ? 'preempted: a higher-priority message is waiting for the free frequency-cap slot'
                : 'a frequency cap is full'
              : result.reason === 'retry'
                ? result.detail?.channel
                  ? `the ${channelWord(result.detail.channel)} provider asked to retry later`
                  : 'a temporary failure'
                : reasonWords(result.reason);
        return {
          kind: 'defer',
          summary: `held “${step.message}” until ${localUntil} local (${cause})`,
          details: why,
          until: result.until,
          reasons,
          ...(result.detail?.channel ? { channel: result.detail.channel } : {}),
        };
      }
      if (result.outcome === 'next' && result.detail?.sent && result.detail.channel) {
        const channel = result.detail.channel;
        const delivery = sends.find((s) => s.providerMessageId === ledger?.providerMessageId);
        const entry: Decision = {
          kind: 'send',
          summary: `sent “${step.message}” by ${channelWord(channel)}`,
          details: why.map((w) => `skipped ${w}`),
          channel,
          reasons,
        };
        if (delivery) entry.content = contentOf(delivery, ledger);
        return entry;
      }
      const skipped = result.outcome === 'next' ? result.detail?.skipped : undefined;
      if (skipped === 'outcome_unknown') {
        const channel = ledger?.channel;
        const delivery = sends.find((s) => s.at === invocation.at && s.delivery.channel === channel);
        const entry: Decision = {
          kind: 'unknown',
          summary: `“${step.message}”${channel ? ` by ${channelWord(channel)}` : ''}: outcome unknown — the provider may have delivered it, so it is not resent and no other channel is tried`,
          details: why,
          reasons,
          ...(channel ? { channel } : {}),
        };
        if (delivery) entry.content = contentOf(delivery, ledger);
        return entry;
      }
      return {
        kind: 'skip',
        summary: `nothing sent for “${step.message}”${unsentWords(skipped)}`,
        details: why,
        reasons,
      };
    }
    case 'branch': {
      const next = result.outcome === 'next' ? result.next : '';
      const taken = result.outcome === 'next' ? result.detail?.branch : undefined;
      const details = step.branches.flatMap((b, i) => {
        const trace = invocation.traces?.[i];
        return trace ? traceWords(b.when, trace).map((l) => `${b.name ?? `branch ${i + 1}`}: ${l}`) : [];
      });
      return {
        kind: 'branch',
        summary: `takes ${taken === 'otherwise' ? '“otherwise”' : `branch “${taken ?? '?'}”`} → ${next}`,
        details,
      };
    }
    case 'split': {
      const arm = result.outcome === 'next' ? result.detail?.arm : undefined;
      const weight = step.arms.find((a) => a.name === arm)?.weight;
      const next = result.outcome === 'next' ? result.next : '';
      return {
        kind: 'split',
        summary: `A/B arm “${arm ?? '?'}” (${weight ?? '?'}%) → ${next}`,
        details: ['stable per customer'],
      };
    }
    case 'update':
      return { kind: 'update', summary: stepSummary(step), details: [] };
    default:
      return { kind: 'wait', summary: stepSummary(step), details: [] };
  }
}

function contentOf(send: RecordedSend, ledger: LedgerRecord | undefined): TimelineContent {
  const d = send.delivery;
  const base = { channel: d.channel, ...(ledger?.locale ? { locale: ledger.locale } : {}) };
  switch (d.channel) {
    case 'email':
      return { ...base, email: { subject: d.message.subject, text: d.message.text, html: d.message.html } };
    case 'sms':
      return {
        ...base,
        sms: {
          body: d.message.body,
          ...(ledger?.sms ? { encoding: ledger.sms.encoding, segments: ledger.sms.segments } : {}),
        },
      };
    case 'push':
      return {
        ...base,
        push: {
          title: d.message.title,
          body: d.message.body,
          ...(d.message.deepLink ? { deepLink: d.message.deepLink } : {}),
        },
      };
  }
}

/** What a conversion means, for the timeline: which message earns the credit, held out or not, the money. */
function conversionWords(c: Conversion, runs: readonly TimelineRun[], journey: Journey): string[] {
  const run = runs.find((r) => r.id === c.enrollmentId)?.run;
  const goal = journey.goal;
  const of = `reaches the goal${goal ? ` (${eventNoun(goal.event)} within ${goal.within} of entry)` : ''}`;
  const lines: string[] = [];
  if (c.heldOut) {
    lines.push(
      `${of}: a conversion of the held-out control group (no message to credit; it counts against the uplift)`,
    );
  } else if (c.attributed) {
    const n = c.touches.length;
    lines.push(
      `${of}${run ? ` in run ${run}` : ''}: credited to ${c.attributed.stepId} (${c.attributed.channel}${c.variant ? `, variant ${c.variant}` : ''}), the last of ${n} message${n === 1 ? '' : 's'} since entry`,
    );
  } else {
    lines.push(`${of}${run ? ` in run ${run}` : ''} before any message went out: no message is credited`);
  }
  if (c.value !== undefined)
    lines.push(
      c.revenue === 'other_currency'
        ? `its ${c.value} ${c.currency ?? ''} is not counted as revenue: the goal reports ${goal?.currency ?? 'another currency'} and Herald does not convert`
        : `${c.value}${c.currency ? ` ${c.currency}` : ''} counted as revenue`,
    );
  if (!c.heldOut)
    lines.push(c.endsRun ? 'reaching the goal ends the run' : 'the run goes on: this goal does not end it');
  return lines;
}
