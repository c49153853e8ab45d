/**
 * Scale mode end to end on the local system (docs/scale-mode.md): the real handlers, the compiled
 * Express segments in the local runner, run items in dynalite, timers through the real Scheduler
 * client to the Scheduler stand-in on the simulated clock. What customers received is counted from
 * the SES stand-in's own store, never from the ledger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import type { Journey } from '../../engine/schema.ts';
import type { ScheduleFault } from '../../local/standins/index.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';
import { twoStepJourney } from './support/journeys.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** hello, an hour's wait, follow-up; an order ends it. */
function twoStep(extra: Partial<Journey> = {}): Journey {
  return { ...twoStepJourney('PT1H', 'scale'), exit: [{ event: 'order_placed' }], ...extra };
}

const ordered = (customerId: string, time: Date): CustomerEvent => ({
  id: `order-${customerId}`,
  type: 'order_placed',
  customerId,
  time: time.toISOString(),
  properties: {
    orderId: `o-${customerId}`,
    items: [{ productId: 'p1', quantity: 1 }],
    total: 20,
    currency: 'EUR',
  },
});

let system: LocalSystem | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

async function world(options: { journey?: Journey; faults?: ScheduleFault[] } = {}) {
  system = await startLocalSystem({ start: START, journeys: [options.journey ?? twoStep()] });
  const sys = system;
  await sys.stack.ses?.clear();
  sys.scale.scheduler.injectFaults(...(options.faults ?? []));
  sys.clock.at(at(MINUTE), () => sys.ingest(signedUpEvent('ada', at(MINUTE))), 'ada');
  return sys;
}

/** What the SES stand-in received for the customer: subject and simulated arrival. */
async function received(sys: LocalSystem, customerId: string) {
  const emails = await sys.stack.ses!.emails();
  const receipts = sys.stack.emailReceipts();
  return emails
    .filter((e) => e.destination.to.includes(`${customerId}@example.com`))
    .map((e) => ({ subject: e.subject, at: receipts.find((r) => r.messageId === e.messageId)?.at ?? e.at }));
}

describe('scale mode: a wait is a timer, not an open execution', () => {
  it('runs the journey as segments, keeps no execution open while the customer waits, and sends each step once', async () => {
    const sys = await world();

    await sys.clock.run({ until: at(30 * MINUTE) });
    const waiting = sys.workflows.runningCount();
    const pending = sys.scale.scheduler.pending();
    await sys.clock.run({ until: at(3 * HOUR) });

    expect(waiting).toBe(0);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      expression: 'at(2026-03-02T10:01:00)',
      actionAfterCompletion: 'DELETE',
      flexibleTimeWindow: { Mode: 'OFF' },
      retryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      deadLetterArn: expect.stringContaining(':sqs:'),
    });
    expect((await received(sys, 'ada')).map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
    expect(sys.workflows.executions().map((e) => [e.type, e.status])).toEqual([
      ['EXPRESS', 'SUCCEEDED'],
      ['EXPRESS', 'SUCCEEDED'],
    ]);
    expect(sys.scale.scheduler.pending()).toHaveLength(0);
    const run = await sys.clock.track(() => sys.scale.runs.listRuns('ada'));
    expect(run).toMatchObject([{ status: 'done', seq: 1, journeyVersion: 1 }]);
  }, 60_000);

  it('keeps a Standard execution open for the same wait (the contrast)', async () => {
    const sys = await world({ journey: twoStep({ execution: 'standard' }) });
    await sys.clock.run({ until: at(30 * MINUTE) });
    expect(sys.workflows.runningCount()).toBe(1);
    await sys.clock.run({ until: at(3 * HOUR) });
    expect((await received(sys, 'ada')).map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
  }, 60_000);
});

describe('scale mode faults: 0 duplicate deliveries, counted from the SES stand-in', () => {
  it('a duplicate fire of the timer sends the follow-up once', async () => {
    const sys = await world({ faults: ['duplicate'] });
    await sys.clock.run({ until: at(3 * HOUR) });

    expect(sys.scale.scheduler.fired()).toHaveLength(2);
    expect((await received(sys, 'ada')).map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
  }, 60_000);

  it('a fire after the exit event sends nothing: the timer is deleted, and a fire already under way finds the run exited', async () => {
    const sys = await world();
    sys.clock.at(at(20 * MINUTE), () => sys.ingest(ordered('ada', at(20 * MINUTE))), 'ada');
    await sys.clock.run({ until: at(30 * MINUTE) });
    const [run] = await sys.clock.track(() => sys.scale.runs.listRuns('ada'));
    let late: unknown;
    sys.clock.at(at(HOUR + MINUTE), async () => {
      late = await sys.scale.fire({ customerId: 'ada', runId: run!.runId, seq: run!.seq });
    });
    await sys.clock.run({ until: at(3 * HOUR) });

    expect(run).toMatchObject({ status: 'exited', reason: 'exit_event:order_placed', seq: 1 });
    expect(late).toEqual({ status: 'refused', reason: 'ended' });
    expect(sys.scale.scheduler.pending()).toHaveLength(0);
    expect(sys.scale.scheduler.fired()).toHaveLength(0);
    expect((await received(sys, 'ada')).map((e) => e.subject)).toEqual(['Hello']);
  }, 60_000);

  it('a lost schedule is re-armed by the reconciler, and the follow-up goes out once', async () => {
    const sys = await world({ faults: ['lose'] });
    await sys.clock.run({ until: at(HOUR + 5 * MINUTE) });
    const beforeReconcile = await received(sys, 'ada');
    sys.clock.at(at(HOUR + 20 * MINUTE), () => sys.scale.reconcile());
    sys.clock.at(at(HOUR + 40 * MINUTE), () => sys.scale.reconcile());
    await sys.clock.run({ until: at(3 * HOUR) });

    expect(beforeReconcile.map((e) => e.subject)).toEqual(['Hello']);
    const got = await received(sys, 'ada');
    expect(got.map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
    expect(got[1]!.at).toBe(at(HOUR + 20 * MINUTE).toISOString());
  }, 60_000);

  it('a fire 10 minutes late sends once, late; with maxLateness skip it sends nothing', async () => {
    const late = await world({ faults: [{ lateMs: 10 * MINUTE }] });
    await late.clock.run({ until: at(3 * HOUR) });
    const got = await received(late, 'ada');
    expect(got.map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
    expect(got[1]!.at).toBe('2026-03-02T10:11:00.000Z');
    await late.stop();

    const strict = await world({
      journey: twoStep({ maxLateness: { after: 'PT5M', action: 'skip' } }),
      faults: [{ lateMs: 10 * MINUTE }],
    });
    await strict.clock.run({ until: at(3 * HOUR) });
    expect((await received(strict, 'ada')).map((e) => e.subject)).toEqual(['Hello']);
    const [run] = await strict.clock.track(() => strict.scale.runs.listRuns('ada'));
    expect(run).toMatchObject({ status: 'done', reason: 'too_late' });
  }, 90_000);

  it('a crash between the claim and the send: the reconciler takes the stale claim over, the follow-up goes out once', async () => {
    const sys = await world({ faults: ['lose'] });
    await sys.clock.run({ until: at(HOUR + 2 * MINUTE) });
    const [waiting] = await sys.clock.track(() => sys.scale.runs.listRuns('ada'));
    // A fire that claimed the run and died before its segment sent anything.
    const { claim } = await import('../../engine/run-protocol.ts');
    await sys.clock.track(() =>
      sys.scale.runs.transitionRun(
        'ada',
        waiting!.runId,
        claim({ seq: waiting!.seq, token: 'crashed', nowMs: sys.clock.now().getTime() }),
        sys.clock.now(),
      ),
    );
    // A duplicate fire meanwhile falls on the live claim and starts nothing.
    const duplicate = await sys.clock.track(() =>
      sys.scale.fire({ customerId: 'ada', runId: waiting!.runId, seq: waiting!.seq }),
    );
    sys.clock.at(at(HOUR + 20 * MINUTE), () => sys.scale.reconcile());
    await sys.clock.run({ until: at(3 * HOUR) });

    expect(duplicate).toEqual({ status: 'refused', reason: 'busy' });
    const got = await received(sys, 'ada');
    expect(got.map((e) => e.subject)).toEqual(['Hello', 'Follow-up']);
    expect(got[1]!.at).toBe(at(HOUR + 20 * MINUTE).toISOString());
  }, 60_000);
});
