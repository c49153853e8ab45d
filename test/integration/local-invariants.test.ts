/**
 * The demo's invariant checks catch what they claim to catch (each is fed one bad record). The
 * recipient-side checks read the stand-ins' records (SES store and receipts, Pinpoint sink): a
 * ledger that tells another story must not change their verdict.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { createRenderer, DEFAULT_POLICY } from '../../engine/policy/index.ts';
import { checkInvariants, type ObservedRun } from '../../local/invariants.ts';
import { loadJourneys } from '../../local/journeys.ts';
import type { ExecutionRecord } from '../../local/runner.ts';
import type { EmailReceipt, SinkMessage, StoredEmail } from '../../local/standins/index.ts';

const journeys = loadJourneys();
const EXEC = 'arn:aws:states:us-east-1:000000000000:execution:herald-cart-abandonment:e1';

function sent(
  id: string,
  at: string,
  channel: 'email' | 'sms' | 'push',
  stepId = 'send-cart-reminder',
): LedgerRecord {
  return {
    id: `decision#${id}`,
    kind: 'decision',
    at,
    customerId: 'c1',
    outcome: 'sent',
    reasons: [],
    journeyId: 'cart-abandonment',
    journeyVersion: 1,
    stepId,
    op: 'send',
    executionId: `${EXEC}-${id}`,
    attempt: 1,
    channel,
    providerMessageId: id,
  };
}

/** An Arabic email as Herald renders it: the body's content in a wrapper that carries its direction. */
const RTL_HTML =
  '<html lang="ar" dir="rtl"><body dir="rtl"><table dir="rtl" lang="ar" style="direction:rtl;text-align:right"><tr><td>مرحبا</td></tr></table></body></html>';

function email(id: string, at: string, html = RTL_HTML): StoredEmail {
  const payload = Buffer.from(JSON.stringify(['c1', 'email', 'all', 9e9])).toString('base64url');
  return {
    messageId: id,
    from: 'news@herald.example',
    replyTo: [],
    destination: { to: ['c1@example.com'], cc: [], bcc: [] },
    subject: 'Hello',
    body: { html, text: 'hello' },
    headers: [
      { name: 'List-Unsubscribe', value: `<https://herald.example/unsubscribe?token=v1.${payload}.sig>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ],
    at: Date.parse(at) / 1000,
  };
}

/** What the SES proxy recorded: the run tag matches `sent(id)`'s execution unless told otherwise. */
function receipt(id: string, at: string, stepId = 'send-cart-reminder', run = `e1-${id}`): EmailReceipt {
  return {
    messageId: id,
    recipients: ['c1@example.com'],
    tags: { journey: 'cart-abandonment', version: '1', step: stepId, variant: 'none', run },
    at,
  };
}

function sms(id: string, at = '2026-03-02T10:00:00.000Z', context?: Record<string, string>): SinkMessage {
  return {
    ...(context ? { context } : {}),
    at,
    appId: 'app',
    address: '+966501234567',
    channelType: 'SMS',
    body: 'hi',
    messageId: id,
    deliveryStatus: 'SUCCESSFUL',
  };
}

function observed(overrides: Partial<ObservedRun>): ObservedRun {
  return {
    journeys,
    config: DEFAULT_POLICY,
    customers: [
      { id: 'c1', locale: 'ar', timeZone: 'Asia/Riyadh', email: 'c1@example.com', phone: '+966501234567' },
    ],
    ledger: [],
    emails: [],
    emailReceipts: [],
    sink: [],
    window: { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
    executions: [],
    orders: [],
    unsubscribes: [],
    ...overrides,
  };
}

const violationsOf = (run: ObservedRun, name: string) =>
  checkInvariants(run).find((c) => c.name.startsWith(name))?.violations ?? [];

describe('demo invariant checks', () => {
  it('pass on a clean record', () => {
    const run = observed({
      ledger: [
        sent('m1', '2026-03-02T09:00:00.000Z', 'email'),
        sent('m2', '2026-03-02T10:00:00.000Z', 'sms', 'x'),
      ],
      emails: [email('m1', '2026-03-02T09:00:00.000Z')],
      emailReceipts: [receipt('m1', '2026-03-02T09:00:00.000Z')],
      sink: [sms('m2')],
    });
    expect(checkInvariants(run).flatMap((c) => c.violations)).toEqual([]);
  });

  it('flag an SMS the sink received at 23:30 in the customer’s zone (20:30 UTC in Riyadh)', () => {
    const run = observed({
      ledger: [sent('m2', '2026-03-02T20:30:00.000Z', 'sms')],
      sink: [sms('m2', '2026-03-02T20:30:00.000Z')],
    });
    expect(violationsOf(run, 'no SMS or push inside quiet hours')).toHaveLength(1);
  });

  it('judge quiet hours by when the sink received the SMS, not by the ledger’s decision time', () => {
    // Decided at 10:00 Riyadh time, but received at 23:30 there: the recipient saw it at night.
    const run = observed({
      ledger: [sent('m2', '2026-03-02T07:00:00.000Z', 'sms')],
      sink: [sms('m2', '2026-03-02T20:30:00.000Z')],
    });
    expect(violationsOf(run, 'no SMS or push inside quiet hours')).toHaveLength(1);
  });

  it('flag a message the providers have but the ledger does not', () => {
    const run = observed({ sink: [sms('ghost')] });
    expect(violationsOf(run, 'every delivered message')).toHaveLength(1);
  });

  it('flag the same step of one run delivered twice, by the SES tags, whatever executions the ledger names', () => {
    // The ledger puts the two sends in two executions; SES got both with one run's tags.
    const a = sent('m1', '2026-03-02T09:00:00.000Z', 'email');
    const b = sent('m3', '2026-03-02T09:05:00.000Z', 'email');
    const run = observed({
      ledger: [a, b],
      emails: [email('m1', a.at), email('m3', b.at)],
      emailReceipts: [
        receipt('m1', a.at, 'send-cart-reminder', 'e1'),
        receipt('m3', b.at, 'send-cart-reminder', 'e1'),
      ],
    });
    expect(violationsOf(run, 'no customer receives the same journey step twice')).toHaveLength(1);
  });

  it('flag an SMS step of one run delivered twice, by the Pinpoint context, whatever the ledger says', () => {
    const context = { journey: 'cart-abandonment', step: 'send-cart-reminder', run: 'e1' };
    const run = observed({
      ledger: [sent('m1', '2026-03-02T09:00:00.000Z', 'sms'), sent('m2', '2026-03-02T09:05:00.000Z', 'sms')],
      sink: [sms('m1', '2026-03-02T09:00:00.000Z', context), sms('m2', '2026-03-02T09:05:00.000Z', context)],
    });
    expect(violationsOf(run, 'no customer receives the same journey step twice')).toHaveLength(1);
  });

  it('accept the same step in two runs of a journey (a re-entry), even if the ledger names one execution', () => {
    const a = sent('m1', '2026-03-02T09:00:00.000Z', 'email');
    const b = { ...sent('m3', '2026-03-04T09:05:00.000Z', 'email'), executionId: a.executionId };
    const run = observed({
      ledger: [a, b],
      emails: [email('m1', a.at), email('m3', b.at)],
      emailReceipts: [
        receipt('m1', a.at, 'send-cart-reminder', 'e1'),
        receipt('m3', b.at, 'send-cart-reminder', 'e2'),
      ],
    });
    const check = checkInvariants(run).find((c) => c.name.startsWith('no customer receives the same'));
    expect(check).toMatchObject({ checked: 2, violations: [] });
  });

  it('flag a fourth marketing message within seven days', () => {
    const days = ['02', '03', '04', '05'];
    const ledger = days.map((d, i) => sent(`m${i}`, `2026-03-${d}T09:00:00.000Z`, 'email', `s${i}`));
    const run = observed({
      ledger,
      emails: ledger.map((r) => email(r.providerMessageId!, r.at)),
      emailReceipts: ledger.map((r) => receipt(r.providerMessageId!, r.at, r.stepId)),
    });
    expect(violationsOf(run, 'frequency caps')).toHaveLength(1);
  });

  it('count emails against the cap when SES received them, not when the ledger says they were sent', () => {
    // The ledger spreads the four sends over four weeks; SES received them within four days.
    const ledger = ['02', '09', '16', '23'].map((d, i) =>
      sent(`m${i}`, `2026-03-${d}T09:00:00.000Z`, 'email', `s${i}`),
    );
    const received = ['02', '03', '04', '05'].map((d) => `2026-03-${d}T09:00:00.000Z`);
    const run = observed({
      ledger,
      emails: ledger.map((r, i) => email(r.providerMessageId!, received[i]!)),
      emailReceipts: ledger.map((r, i) => receipt(r.providerMessageId!, received[i]!, r.stepId)),
    });
    expect(violationsOf(run, 'frequency caps')).toHaveLength(1);
  });

  it('flag an email after the customer unsubscribed from email', () => {
    const run = observed({
      ledger: [sent('m1', '2026-03-03T09:00:00.000Z', 'email')],
      emails: [email('m1', '2026-03-03T09:00:00.000Z')],
      emailReceipts: [receipt('m1', '2026-03-03T09:00:00.000Z')],
      unsubscribes: [{ customerId: 'c1', channel: 'email', at: '2026-03-02T12:00:00.000Z' }],
    });
    expect(violationsOf(run, 'nothing on a channel after unsubscribing')).toHaveLength(1);
  });

  it('flag an email SES received after the unsubscribe, though the ledger dates the send before it', () => {
    const run = observed({
      ledger: [sent('m1', '2026-03-02T11:00:00.000Z', 'email')],
      emails: [email('m1', '2026-03-02T11:00:00.000Z')],
      emailReceipts: [receipt('m1', '2026-03-03T09:00:00.000Z')],
      unsubscribes: [{ customerId: 'c1', channel: 'email', at: '2026-03-02T12:00:00.000Z' }],
    });
    expect(violationsOf(run, 'nothing on a channel after unsubscribing')).toHaveLength(1);
  });

  it('flag an SMS the sink received after the customer was erased, and items of theirs left in the table', () => {
    const run = observed({
      ledger: [sent('m2', '2026-03-03T09:00:00.000Z', 'sms')],
      sink: [sms('m2', '2026-03-03T09:00:00.000Z')],
      erasures: [{ customerId: 'c1', at: '2026-03-02T12:00:00.000Z', left: 2 }],
    });
    expect(violationsOf(run, 'nothing reaches an erased customer')).toEqual([
      'c1 was erased at 2026-03-02T12:00:00.000Z, was sent a sms message at 2026-03-03T09:00:00.000Z',
      'c1 was erased at 2026-03-02T12:00:00.000Z; 2 of their items are still in the table',
    ]);
    const before = observed({
      ledger: [sent('m2', '2026-03-02T09:00:00.000Z', 'sms')],
      sink: [sms('m2', '2026-03-02T09:00:00.000Z')],
      erasures: [{ customerId: 'c1', at: '2026-03-02T12:00:00.000Z', left: 0 }],
    });
    expect(violationsOf(before, 'nothing reaches an erased customer')).toEqual([]);
  });

  it('know the recipient by the address the customer was seeded with, not by the ledger’s customer', () => {
    // No link to read the customer from, and a ledger that names someone else.
    const run = observed({
      ledger: [{ ...sent('m1', '2026-03-03T09:00:00.000Z', 'email'), customerId: 'c2' }],
      emails: [{ ...email('m1', '2026-03-03T09:00:00.000Z'), headers: [] }],
      emailReceipts: [receipt('m1', '2026-03-03T09:00:00.000Z')],
      unsubscribes: [{ customerId: 'c1', channel: 'email', at: '2026-03-02T12:00:00.000Z' }],
    });
    expect(violationsOf(run, 'nothing on a channel after unsubscribing')).toHaveLength(1);
    expect(violationsOf(run, 'every delivered message')).toEqual([
      'email message m1 went to c1, ledger says c2',
    ]);
  });

  it('tell customers who share an address apart by the unsubscribe link they received', () => {
    const shared = 'bounce@simulator.amazonses.com';
    const customers = [
      { id: 'c1', locale: 'en', email: shared },
      { id: 'c2', locale: 'en', email: shared },
    ];
    const unsubscribes = [{ customerId: 'c1', channel: 'email' as const, at: '2026-03-02T12:00:00.000Z' }];
    const linkFor = (customerId: string) => {
      const payload = Buffer.from(JSON.stringify([customerId, 'email', 'all', 9e9])).toString('base64url');
      return `<https://herald.example/unsubscribe?token=v1.${payload}.sig>`;
    };
    const to = (customerId: string): StoredEmail => {
      const base = email('m1', '2026-03-03T09:00:00.000Z');
      return {
        ...base,
        destination: { to: [shared], cc: [], bcc: [] },
        headers: [
          { name: 'List-Unsubscribe', value: linkFor(customerId) },
          { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
        ],
      };
    };
    const runFor = (customerId: string) =>
      observed({
        customers,
        unsubscribes,
        emails: [to(customerId)],
        emailReceipts: [{ ...receipt('m1', '2026-03-03T09:00:00.000Z'), recipients: [shared] }],
      });
    expect(violationsOf(runFor('c1'), 'nothing on a channel after unsubscribing')).toHaveLength(1);
    expect(violationsOf(runFor('c2'), 'nothing on a channel after unsubscribing')).toEqual([]);
  });

  it('flag an email whose unsubscribe link names someone other than its recipient', () => {
    const run = observed({
      customers: [
        { id: 'c1', locale: 'en', email: 'c1@example.com' },
        { id: 'c2', locale: 'en', email: 'c2@example.com' },
      ],
      emails: [
        {
          ...email('m1', '2026-03-03T09:00:00.000Z'),
          destination: { to: ['c2@example.com'], cc: [], bcc: [] },
        },
      ],
      emailReceipts: [receipt('m1', '2026-03-03T09:00:00.000Z')],
    });
    expect(violationsOf(run, 'every email carries one-click')).toEqual([
      "email m1 to c2 carries c1's unsubscribe link",
    ]);
  });

  it('flag an email with no receipt time, and one received outside the run’s simulated time', () => {
    const run = observed({
      ledger: [
        sent('m1', '2026-03-03T09:00:00.000Z', 'email'),
        sent('m2', '2026-03-03T09:00:00.000Z', 'email'),
      ],
      emails: [email('m1', '2026-03-03T09:00:00.000Z'), email('m2', '2026-03-03T09:00:00.000Z')],
      // m2 stamped by the wall clock, not the simulated one.
      emailReceipts: [receipt('m2', '2026-12-03T12:30:00.000Z')],
    });
    expect(violationsOf(run, 'every message was received within')).toEqual([
      'email message m1 has no receipt time',
      'email message m2 received at 2026-12-03T12:30:00.000Z, outside the run (2026-03-01T00:00:00.000Z to 2026-04-01T00:00:00.000Z)',
    ]);
  });

  it('flag a cart reminder after an order placed during the wait', () => {
    const reminder = { ...sent('m1', '2026-03-02T10:00:00.000Z', 'email'), executionId: EXEC };
    const execution: ExecutionRecord = {
      arn: EXEC,
      name: 'e1',
      journeyId: 'cart-abandonment',
      journeyVersion: 1,
      customerId: 'c1',
      status: 'SUCCEEDED',
      startedAt: '2026-03-02T09:00:00.000Z',
      states: [{ name: 'wait-for-order', at: '2026-03-02T09:00:00.000Z' }],
    };
    const run = observed({
      ledger: [reminder],
      emails: [email('m1', reminder.at)],
      emailReceipts: [receipt('m1', reminder.at, 'send-cart-reminder', 'e1')],
      executions: [execution],
      orders: [{ customerId: 'c1', at: '2026-03-02T09:30:00.000Z' }],
    });
    expect(violationsOf(run, 'an order during the wait')).toHaveLength(1);
  });

  it('flag an Arabic email without dir="rtl", and an email without one-click headers', () => {
    const bare = { ...email('m1', '2026-03-02T09:00:00.000Z', '<html><p>مرحبا</p></html>'), headers: [] };
    const run = observed({ ledger: [sent('m1', '2026-03-02T09:00:00.000Z', 'email')], emails: [bare] });
    // Without the header the email has no link; its address still names c1.
    expect(violationsOf(run, 'every Arabic or Persian email')).toHaveLength(1);
    expect(violationsOf(run, 'every email carries one-click')).toHaveLength(2);
  });

  // Webmail keeps only the body's content: dir on <html> and <body> alone is lost there.
  it.each([
    ['dir only on <html> and <body>', '<html lang="ar" dir="rtl"><body dir="rtl"><p>مرحبا</p></body></html>'],
    [
      'text outside the wrapper',
      '<html><body><div dir="rtl" lang="ar" style="direction:rtl">مرحبا</div><p>ps</p></body></html>',
    ],
    ['a wrapper without lang', '<html><body><div dir="rtl" style="direction:rtl">مرحبا</div></body></html>'],
    [
      'a wrapper in another language',
      '<body><div dir="rtl" lang="fa" style="direction:rtl">مرحبا</div></body>',
    ],
    ['a wrapper without inline direction', '<body><div dir="rtl" lang="ar">مرحبا</div></body>'],
    ['a left-to-right wrapper', '<body><div dir="ltr" lang="ar" style="direction:ltr">مرحبا</div></body>'],
  ])('flag an Arabic email with %s', (_, html) => {
    const run = observed({
      ledger: [sent('m1', '2026-03-02T09:00:00.000Z', 'email')],
      emails: [email('m1', '2026-03-02T09:00:00.000Z', html)],
    });
    expect(violationsOf(run, 'every Arabic or Persian email')).toHaveLength(1);
  });

  it('accept an Arabic email rendered by Herald, whose wrapper carries dir, lang and direction', () => {
    const rendered = createRenderer().render(
      journeys.find((j) => j.id === 'welcome')!,
      'welcome',
      'email',
      {
        profile: { id: 'c1', locale: 'ar' },
        event: {
          id: 'e1',
          type: 'signed_up',
          customerId: 'c1',
          time: '2026-03-02T09:00:00Z',
          properties: {},
        },
        journey: { id: 'welcome', name: 'Welcome' },
        links: { unsubscribe: 'https://herald.example/u' },
      },
      'ar',
    );
    const run = observed({
      ledger: [sent('m1', '2026-03-02T09:00:00.000Z', 'email')],
      emails: [email('m1', '2026-03-02T09:00:00.000Z', rendered.email?.html)],
    });
    const check = checkInvariants(run).find((c) => c.name.startsWith('every Arabic or Persian email'));
    expect(check).toMatchObject({ checked: 1, violations: [] });
  });

  describe('engagement branches (review-request: clicked, opened, otherwise)', () => {
    const RUN = 'arn:aws:states:us-east-1:000000000000:execution:herald-review-request:r1';
    const reviewEmail: LedgerRecord = {
      ...sent('r-m1', '2026-03-05T07:00:00.000Z', 'email', 'send-review-email'),
      journeyId: 'review-request',
      executionId: RUN,
    };
    const branchTook = (branch: string, at = '2026-03-07T07:00:00.000Z'): LedgerRecord => ({
      id: `flow#${RUN}#check-email-read`,
      kind: 'decision',
      at,
      customerId: 'c1',
      outcome: 'next',
      reasons: [],
      journeyId: 'review-request',
      // The shipped version (the demo runs the newest of each journey).
      journeyVersion: journeys.find((j) => j.id === 'review-request')!.version,
      stepId: 'check-email-read',
      op: 'branch',
      executionId: RUN,
      result: {
        outcome: 'next',
        next: branch === 'otherwise' ? 'send-review-nudge' : branch,
        detail: { branch },
      },
    });
    const check = (branch: string, engagements: ObservedRun['engagements']) =>
      checkInvariants(observed({ ledger: [reviewEmail, branchTook(branch)], engagements })).find((c) =>
        c.name.startsWith('engagement branches'),
      );
    const opened = { providerMessageId: 'r-m1', kind: 'open' as const, at: '2026-03-05T09:00:00.000Z' };

    it('accept the branch the reported open points to', () => {
      expect(check('opened', [opened])).toMatchObject({ checked: 1, violations: [] });
      expect(check('otherwise', [])).toMatchObject({ checked: 1, violations: [] });
    });

    it('flag a nudge to a customer who opened the email, and “opened” for one who never did', () => {
      expect(check('otherwise', [opened])?.violations).toHaveLength(1);
      expect(check('opened', [])?.violations).toHaveLength(1);
    });

    it('flag “opened” when the only open came after the two-day window, though before the branch ran', () => {
      const late = { ...opened, at: '2026-03-07T08:00:00.000Z' };
      const run = observed({
        ledger: [reviewEmail, branchTook('opened', '2026-03-07T10:00:00.000Z')],
        engagements: [late],
      });
      const result = checkInvariants(run).find((c) => c.name.startsWith('engagement branches'));
      expect(result?.violations).toHaveLength(1);
    });
  });
});
