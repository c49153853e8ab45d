/**
 * The differential test (issue 14): the same world — profiles, events, feedback, seed — run once
 * with every journey in Standard mode and once in scale mode makes the same send decisions: the same
 * customers, steps, channels, variants and simulated times, compared ledger against ledger and
 * stand-in store against stand-in store (SES's own mailbox, the Pinpoint sink).
 *
 * One normalisation, and why: EventBridge Scheduler's `at()` takes whole seconds
 * (functions/adapters/scheduler-timers.ts rounds up, so a timer never fires early), so a time
 * reached through a scale-mode timer is the Standard time rounded up to the second. Times are
 * compared at that resolution. `schedule` decisions (Standard's `<wait>.schedule` Task) have no
 * scale-mode twin — `arm` computes the same due time — and are left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { type DemoResult, runDemo } from '../../local/demo.ts';

const WORLD = { customers: 12, days: 9, seed: 11, start: new Date('2026-03-02T00:00:00.000Z'), shards: 1 };
const second = (iso: string | undefined) => (iso ? Math.ceil(Date.parse(iso) / 1000) : undefined);

function decisions(ledger: LedgerRecord[]): string[] {
  return ledger
    .filter((l) => l.kind === 'decision' && l.op !== 'schedule')
    .map((l) =>
      JSON.stringify([
        l.customerId,
        l.journeyId,
        l.journeyVersion,
        l.stepId,
        l.outcome,
        l.channel ?? null,
        l.variant ?? null,
        second(l.at),
        second((l as { until?: string }).until),
      ]),
    )
    .sort();
}

function deliveries(result: DemoResult): string[] {
  const emails = result.emails.map((e) => {
    const receipt = result.emailReceipts.find((r) => r.messageId === e.messageId);
    return JSON.stringify(['email', e.destination.to, e.subject, second(receipt?.at)]);
  });
  const sink = result.sink.map((m) =>
    JSON.stringify([m.channelType, m.address, m.title ?? null, m.body ?? null, second(m.at)]),
  );
  return [...emails, ...sink].sort();
}

describe('the same world in Standard and in scale mode', () => {
  let standard: DemoResult;
  let scale: DemoResult;
  beforeAll(async () => {
    standard = await runDemo({ ...WORLD, progress: false, execution: 'standard' });
    await standard.ses.stop();
    scale = await runDemo({ ...WORLD, progress: false, execution: 'scale' });
    await scale.ses.stop();
  }, 120_000);
  afterAll(async () => undefined);

  it('runs each mode on its own kind of execution', () => {
    expect(standard.executions.every((e) => (e.type ?? 'STANDARD') === 'STANDARD')).toBe(true);
    expect(scale.executions.length).toBeGreaterThan(0);
    expect(scale.executions.every((e) => e.type === 'EXPRESS')).toBe(true);
    expect(standard.errors).toEqual([]);
    expect(scale.errors).toEqual([]);
  });

  it('makes the same send decisions, ledger against ledger', () => {
    const a = decisions(standard.ledger);
    expect(a.length).toBeGreaterThan(10);
    expect(decisions(scale.ledger)).toEqual(a);
  });

  it('delivers the same messages at the same simulated times, stand-in store against stand-in store', () => {
    const a = deliveries(standard);
    expect(a.length).toBeGreaterThan(5);
    expect(deliveries(scale)).toEqual(a);
  });

  it('passes the demo’s invariants in scale mode (no duplicate step, caps, quiet hours, exits)', () => {
    expect(scale.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  });
});
