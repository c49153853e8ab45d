/**
 * The summary's tables as rows of plain words: one model, drawn by the terminal (summary-text.ts)
 * and the HTML report (report.ts), so both show the same columns. Reason codes are turned into
 * words here (tools/words/reasons.ts); the summary itself (summary.ts) keeps the codes.
 */
import { reasonWords } from '../tools/words/reasons.ts';
import type { DemoSummary, JourneySummary } from './summary.ts';

export type Cell = string | number;

export interface RowTable {
  /** A stable name for the table (the HTML report's `data-table`). */
  id: 'send-steps' | 'channels';
  headers: readonly string[];
  rows: Cell[][];
}

/** Why a send step has more decisions than messages: printed under the totals and in the report. */
export const DECISIONS_NOTE =
  'A decision is recorded each time a send step runs, and a message held (quiet hours, a full frequency cap, a provider’s retry later) is decided again when the hold ends: so there are more decisions than messages sent.';

export const SEND_STEP_HEADERS = [
  'send step',
  'decisions',
  'sent by email',
  'sent by SMS',
  'sent by push',
  'held: quiet hours',
  'held: other',
  'cap full',
  'not sent',
  'left the journey',
  'failed or unknown',
  'main reasons',
] as const;

export const CHANNEL_HEADERS = [
  'channel',
  'attempted',
  'sent',
  'accepted by provider',
  'rejected by provider',
] as const;

const CHANNEL_NAMES: Record<string, string> = { email: 'email', sms: 'SMS', push: 'push' };

/** The `n` most frequent keys, in words: "opted out 12, no consent 3". */
export function topWords(counts: Record<string, number>, words: (key: string) => string, n = 4): string {
  const merged = new Map<string, number>();
  for (const [key, count] of Object.entries(counts)) {
    const text = words(key);
    merged.set(text, (merged.get(text) ?? 0) + count);
  }
  return [...merged]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([text, count]) => `${text} ${count}`)
    .join(', ');
}

export function sendStepTable(journey: JourneySummary): RowTable {
  return {
    id: 'send-steps',
    headers: SEND_STEP_HEADERS,
    rows: journey.sends.map((s) => {
      const why: Record<string, number> = { ...s.skipped };
      for (const [reason, n] of Object.entries(s.held)) why[`held:${reason}`] = n;
      for (const [reason, n] of Object.entries(s.exited)) why[`left:${reason}`] = n;
      return [
        s.stepId,
        s.decisions,
        s.sent.email ?? 0,
        s.sent.sms ?? 0,
        s.sent.push ?? 0,
        s.deferredQuietHours,
        s.deferredOther,
        s.capped,
        s.skippedTotal,
        s.exitedTotal,
        s.failed,
        topWords(why, whyWords),
      ];
    }),
  };
}

export function channelTable(summary: DemoSummary): RowTable {
  return {
    id: 'channels',
    headers: CHANNEL_HEADERS,
    rows: summary.channels.map((c) => [
      CHANNEL_NAMES[c.channel] ?? c.channel,
      c.attempted,
      c.decidedSent,
      c.providerAccepted,
      c.providerRejected,
    ]),
  };
}

/** A reason in the "main reasons" cell: a skip's code, or `held:` / `left:` and a code. */
function whyWords(key: string): string {
  if (key.startsWith('left:')) return `left: ${leaveWords(key.slice(5))}`;
  if (key.startsWith('held:')) return `held: ${reasonWords(key.slice(5))}`;
  return reasonWords(key);
}

/** Why a customer left: an exit reason, or a stop cause (`exit event order_placed`). */
export function leaveWords(reason: string): string {
  if (reason.startsWith('exit event ')) return reasonWords(`exit_event:${reason.slice(11)}`);
  return reasonWords(reason);
}

const ROLE = /^(.+)\.(deferred|schedule|route|date-check|timer)$/;

/** A compiled state name as its journey step: `reminder.deferred` → "held at reminder, to send later". */
function stateWords(state: string, waiting: boolean): string {
  const m = ROLE.exec(state);
  if (!m) return waiting ? `waiting at ${state}` : `at ${state}`;
  const step = m[1];
  switch (m[2]) {
    case 'deferred':
      return `held at ${step}, to send later`;
    case 'schedule':
    case 'timer':
      return `waiting at ${step}`;
    default:
      return `at ${step}`;
  }
}

/** How an execution ended (summary.ts `ended` keys) in words. */
export function endedWords(key: string): string {
  const colon = key.indexOf(': ');
  const how = colon < 0 ? key : key.slice(0, colon);
  const what = colon < 0 ? '' : key.slice(colon + 2);
  if (key.startsWith('waiting in ')) return `still running: ${stateWords(key.slice(11), true)}`;
  switch (how) {
    case 'stopped':
      return `stopped: ${leaveWords(what)}`;
    case 'exited':
      return `left the journey: ${leaveWords(what)}`;
    case 'finished':
      return what === 'Exited' ? 'left the journey' : `finished ${stateWords(what, false)}`;
    case 'failed':
      return `failed: ${what}`;
    default:
      return key;
  }
}

/** How executions ended, most frequent first, in words. */
export function endedRows(journey: JourneySummary): [string, number][] {
  const merged = new Map<string, number>();
  for (const [key, n] of Object.entries(journey.ended)) {
    const text = endedWords(key);
    merged.set(text, (merged.get(text) ?? 0) + n);
  }
  return [...merged].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
