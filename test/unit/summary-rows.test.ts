/**
 * The summary's row model (local/summary-rows.ts), which the terminal and the HTML report both
 * draw: plain words for reasons and states, the same cells under the same headers, attempts per
 * channel read from the ledger, and the day-by-day progress lines.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { createDayLines } from '../../local/progress.ts';
import { summarize } from '../../local/summary.ts';
import {
  CHANNEL_HEADERS,
  channelTable,
  endedWords,
  SEND_STEP_HEADERS,
  sendStepTable,
} from '../../local/summary-rows.ts';

const welcome = loadJourneys().filter((j) => j.id === 'welcome');

let n = 0;
const decision = (fields: Partial<LedgerRecord>): LedgerRecord => {
  n += 1;
  return {
    id: `decision#${n}`,
    kind: 'decision',
    at: '2026-03-02T10:00:00.000Z',
    customerId: `c${n}`,
    journeyId: 'welcome',
    stepId: 'send-welcome',
    op: 'send',
    outcome: 'sent',
    reasons: [],
    ...fields,
  };
};

const ledger: LedgerRecord[] = [
  // The email was refused, the SMS fallback went out: two provider calls, one message.
  decision({
    outcome: 'sent',
    channel: 'sms',
    reasons: ['email:permanent_failure'],
    attempts: [
      { channel: 'email', result: 'permanent_failure', reason: 'permanent_failure' },
      { channel: 'sms', result: 'sent', providerMessageId: 'm1' },
    ],
  }),
  decision({
    outcome: 'sent',
    channel: 'email',
    attempts: [{ channel: 'email', result: 'sent', providerMessageId: 'm2' }],
  }),
  // Held for quiet hours, then decided again: two decisions, no message yet.
  decision({ outcome: 'deferred', reasons: ['sms:quiet_hours'], channel: 'sms' }),
  // Held for a reason other than quiet hours: counted as held, the reason in words.
  decision({ outcome: 'deferred', channel: 'email', reasons: ['email:retry_later:Throttling'] }),
  // Dropped before any provider call: not an attempt.
  decision({
    outcome: 'skipped',
    reasons: ['sms:opted_out', 'email:invalid_email', 'zone:missing_time_zone'],
    attempts: [{ channel: 'push', result: 'not_allowed' }],
  }),
  // A provider call that never reported back: recorded without attempts, counted as one.
  decision({ outcome: 'unknown', channel: 'email', reasons: ['provider_call_unconfirmed'] }),
  decision({ outcome: 'exited', reasons: ['exit_event:order_placed'] }),
];

const summary = summarize({ journeys: welcome, ledger, executions: [], emails: [], sink: [], events: [] });
const journey = summary.journeys[0]!;

describe('the summary row model', () => {
  it('counts provider calls per channel as attempted, beside what was sent', () => {
    const rows = channelTable(summary).rows;
    expect(rows).toEqual([
      ['email', 3, 1, 0, 0],
      ['SMS', 1, 1, 0, 0],
      ['push', 0, 0, 0, 0],
    ]);
  });

  it('gives every row one cell per header, in both tables', () => {
    const sends = sendStepTable(journey);
    expect(sends.headers).toEqual(SEND_STEP_HEADERS);
    for (const row of sends.rows) expect(row).toHaveLength(SEND_STEP_HEADERS.length);
    for (const row of channelTable(summary).rows) expect(row).toHaveLength(CHANNEL_HEADERS.length);
  });

  it('counts each decision of a send step once, under what it decided', () => {
    const row = sendStepTable(journey).rows.find((r) => r[0] === 'send-welcome')!;
    const cell = (header: (typeof SEND_STEP_HEADERS)[number]) => row[SEND_STEP_HEADERS.indexOf(header)];
    expect(cell('decisions')).toBe(7);
    expect(cell('held: other')).toBe(1);
    expect(cell('sent by email')).toBe(1);
    expect(cell('sent by SMS')).toBe(1);
    expect(cell('held: quiet hours')).toBe(1);
    expect(cell('not sent')).toBe(1);
    expect(cell('left the journey')).toBe(1);
    expect(cell('failed or unknown')).toBe(1);
  });

  it('names the reasons in words, never as codes', () => {
    const row = sendStepTable(journey).rows.find((r) => r[0] === 'send-welcome')!;
    const why = String(row.at(-1));
    expect(why).toContain('SMS: opted out 1');
    expect(why).toContain('email: no valid email address 1');
    expect(why).toContain('left: exit event: order placed 1');
    expect(why).toContain('held: email: the provider took nothing and asked to retry later (Throttling) 1');
    expect(why).not.toMatch(/_|zone:/);
  });

  it.each([
    ['waiting in send-welcome.deferred', 'still running: held at send-welcome, to send later'],
    ['waiting in wait-two-days.schedule', 'still running: waiting at wait-two-days'],
    ['waiting in wait-two-days', 'still running: waiting at wait-two-days'],
    ['stopped: exit event order_placed', 'stopped: exit event: order placed'],
    ['exited: converted', 'left the journey: converted (the journey’s goal was reached)'],
    [
      'exited: run_deadline',
      'left the journey: the run reached its deadline (a Step Functions run lasts at most a year)',
    ],
    ['finished: done', 'finished at done'],
    ['finished: check-first-order.route', 'finished at check-first-order'],
  ])('says how an execution ended without state names: %s', (key, words) => {
    expect(endedWords(key)).toBe(words);
  });
});

describe('progress lines', () => {
  it('prints one line per simulated day, each once, however the hours arrive', () => {
    const lines: string[] = [];
    const progress = createDayLines(3, (line) => lines.push(line));
    for (let hour = 0; hour <= 30; hour += 1) progress.update(hour, { events: hour, sent: 1, waiting: 2 });
    progress.update(72, { events: 90, sent: 40, waiting: 5 });
    progress.update(72, { events: 90, sent: 40, waiting: 5 });
    progress.stop();
    expect(lines).toEqual([
      'day 1/3: 24 events, 1 messages, 2 waiting\n',
      'day 2/3: 90 events, 40 messages, 5 waiting\n',
      'day 3/3: 90 events, 40 messages, 5 waiting\n',
    ]);
  });
});
