/**
 * `npm start`'s HTML report, read in headless Chromium, has the tables the terminal prints: the
 * same column headers in the same order (both are drawn from local/summary-rows.ts), the same
 * channel rows, the one-line note on decisions vs messages, and no compiled state names or raw
 * reason codes outside the compiled state machine's own section.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { renderReport } from '../../local/report.ts';
import { summarize } from '../../local/summary.ts';
import { DECISIONS_NOTE } from '../../local/summary-rows.ts';
import { formatSummary } from '../../local/summary-text.ts';
import { launchChromium } from '../helpers/chromium.ts';

const journeys = loadJourneys();

const record = (i: number, fields: Partial<LedgerRecord>): LedgerRecord => ({
  id: `decision#${i}`,
  kind: 'decision',
  at: '2026-03-02T10:00:00.000Z',
  customerId: `c${i}`,
  journeyId: 'welcome',
  stepId: 'send-welcome',
  op: 'send',
  outcome: 'sent',
  reasons: [],
  ...fields,
});

const ledger: LedgerRecord[] = [
  record(1, {
    channel: 'sms',
    reasons: ['email:permanent_failure'],
    attempts: [
      { channel: 'email', result: 'permanent_failure', reason: 'permanent_failure' },
      { channel: 'sms', result: 'sent', providerMessageId: 'm1' },
    ],
  }),
  record(2, { outcome: 'deferred', channel: 'push', reasons: ['push:quiet_hours'] }),
  record(3, { outcome: 'skipped', reasons: ['sms:no_consent', 'zone:invalid_time_zone'] }),
  record(4, {
    journeyId: 'cart-abandonment',
    stepId: 'send-cart-reminder',
    outcome: 'capped',
    reasons: ['capped:marketing-7d'],
  }),
];

const summary = summarize({
  journeys,
  ledger,
  executions: [
    {
      journeyId: 'welcome',
      customerId: 'c2',
      status: 'RUNNING',
      startedAt: '2026-03-02T09:00:00.000Z',
      states: [{ name: 'send-welcome.deferred', at: '2026-03-02T10:00:00.000Z' }],
    } as never,
  ],
  emails: [],
  sink: [],
  events: [],
});

const terminal = formatSummary(
  {
    summary,
    counts: { events: 4, feedback: 0, unsubscribes: 0, sent: 1, rescues: 0 },
    checks: [],
    errors: [],
    shards: 1,
    timings: { wallMs: 1, simulateMs: 1, cpuMs: 1 },
  },
  { totalMs: 1 },
);

const html = renderReport({
  title: 'Herald local demo',
  facts: {},
  journeys,
  definitions: {},
  summary,
  checks: [],
  executions: [],
  ledger,
  emails: [],
  sink: [],
});

/** The terminal's tables: a header line, a rule of ─, then rows up to a blank or indented line. */
function terminalTables(text: string): { headers: string[]; rows: string[][] }[] {
  const lines = text.split('\n');
  const cells = (line: string) => line.trim().split(/\s{2,}/);
  const tables: { headers: string[]; rows: string[][] }[] = [];
  lines.forEach((line, i) => {
    if (!/^─+( +─+)*$/.test(line)) return;
    const rows: string[][] = [];
    for (let j = i + 1; j < lines.length && lines[j] && !lines[j]!.startsWith(' '); j += 1)
      rows.push(cells(lines[j]!));
    tables.push({ headers: cells(lines[i - 1] ?? ''), rows });
  });
  return tables;
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent(html, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
});

const htmlTables = () =>
  page.$$eval('table[data-table]', (tables) =>
    tables.map((t) => ({
      id: t.getAttribute('data-table') ?? '',
      headers: [...t.querySelectorAll('thead th')].map((th) => (th.textContent ?? '').trim()),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()).filter((c) => c !== ''),
      ),
    })),
  );

describe('the HTML report beside the terminal summary', () => {
  it('has the terminal’s column headers, table for table', async () => {
    const inBrowser = await htmlTables();
    const printed = terminalTables(terminal);
    const channels = printed.at(-1)!;
    const sendSteps = printed.slice(0, -1);
    expect(sendSteps).toHaveLength(journeys.length);
    expect(inBrowser.filter((t) => t.id === 'send-steps')).toHaveLength(journeys.length);
    for (const t of inBrowser) {
      expect(t.headers).toEqual(t.id === 'channels' ? channels.headers : sendSteps[0]!.headers);
    }
    expect(channels.headers).toContain('attempted');
  });

  it('shows the same channel rows as the terminal', async () => {
    const channels = (await htmlTables()).find((t) => t.id === 'channels')!;
    expect(channels.rows).toEqual(terminalTables(terminal).at(-1)!.rows);
    expect(channels.rows[0]).toEqual(['email', '1', '0', '0', '0']);
  });

  it('explains why there are more decisions than messages, in both', async () => {
    expect(terminal).toContain(DECISIONS_NOTE);
    expect(await page.locator('body').innerText()).toContain(DECISIONS_NOTE);
  });

  it('shows reasons in words, with no compiled state names or raw codes', async () => {
    // The compiled state machine's own section names its states on purpose.
    await page.locator('details').evaluateAll((sections) => {
      for (const section of sections) section.remove();
    });
    const text = await page.locator('body').innerText();
    for (const shown of [text, terminal]) {
      expect(shown).toContain('SMS: no consent 1');
      expect(shown).not.toMatch(/\.(deferred|schedule|route|date-check)\b/);
      expect(shown).not.toMatch(/quiet_hours|no_consent|cap_full|invalid_time_zone|capped:/);
    }
  });

  it('says so for a journey no one has entered yet (spring-sale has no record here), in both', async () => {
    const springSale = terminal.slice(terminal.indexOf('(spring-sale v'));
    expect(springSale.slice(0, springSale.indexOf('■'))).toContain('ended: no one has entered yet');
    const section = await page.locator('section#spring-sale').innerText();
    expect(section).toContain('no one has entered yet');
  });
});
