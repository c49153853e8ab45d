/**
 * A best-time wait (`until.time: "best"`, engine/policy/send-time.ts) in scale mode is a timer: the
 * arm computes the customer's best local time with the same engine call Standard mode's `schedule`
 * makes, and the EventBridge Scheduler one-time schedule (`at()` in UTC) is created for exactly the
 * instant a Standard execution's Wait would wait until. Both modes run the same world on the local
 * system: the real handlers, the Scheduler stand-in on the simulated clock, the SES stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { type LocalSystem, loadPolicy, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';
import { unsubscribableEmail } from './support/journeys.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const email = unsubscribableEmail;

/** hello, then a wait until the customer's best email time, then the follow-up. */
const bestWait: Journey = {
  id: 'best-wait',
  version: 1,
  name: 'Best wait',
  priority: 50,
  defaultLocale: 'en',
  entry: { event: 'signed_up', reentry: { mode: 'never' } },
  start: 'hello',
  steps: {
    hello: { type: 'send', message: 'hello', channels: ['email'], next: 'best-time' },
    'best-time': {
      type: 'wait',
      until: { time: 'best', channel: 'email', window: ['09:00', '21:00'], fallback: '10:00' },
      next: 'follow-up',
    },
    'follow-up': { type: 'send', message: 'follow-up', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
  messages: { hello: email('Hello'), 'follow-up': email('Follow-up') },
};

/** Clicks at 19:0x UTC on earlier evenings: 19:0x in London in winter (GMT). */
const clicks = ['2026-02-27T19:05:00.000Z', '2026-02-25T19:10:00.000Z', '2026-02-22T19:02:00.000Z'];

let system: LocalSystem | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

/** The same wait as the journey's first step: Standard's `schedule` and scale's `arm` decide it. */
const bestFirst: Journey = {
  ...bestWait,
  id: 'best-first',
  start: 'best-time',
  steps: { ...bestWait.steps, hello: { ...bestWait.steps.hello!, next: 'done' } } as Journey['steps'],
};

async function runIn(execution: 'standard' | 'scale', explorationShare: number, journey = bestWait) {
  const policy = loadPolicy();
  const config = parsePolicyConfig({
    ...policy,
    learning: { ...policy.learning, sendTime: { ...policy.learning.sendTime, explorationShare } },
  });
  system = await startLocalSystem({ start: START, journeys: [{ ...journey, execution }], config });
  const sys = system;
  await sys.stack.ses?.clear();
  await sys.clock.track(() =>
    sys.stack.store.updateProfile('ada', (current) => ({
      ...(current ?? { id: 'ada' }),
      id: 'ada',
      engagement: {
        email: { opens: 0, clicks: 3, recent: clicks.map((at) => ({ at, kind: 'click' as const })) },
      },
      updatedAt: START.toISOString(),
    })),
  );
  const entered = new Date(START.getTime() + MINUTE);
  sys.clock.at(entered, () => sys.ingest(signedUpEvent('ada', entered)), 'ada');
  await sys.clock.run({ until: new Date(START.getTime() + MINUTE + 2 * 60_000) });
  const pending = sys.scale.scheduler.pending();
  const openWhileWaiting = sys.workflows.runningCount();
  await sys.clock.run({ until: new Date(START.getTime() + 3 * DAY) });
  const emails = await sys.stack.ses!.emails();
  const receipts = sys.stack.emailReceipts();
  const followUp = emails
    .filter((e) => e.subject === 'Follow-up' && e.destination.to.includes('ada@example.com'))
    .map((e) => receipts.find((r) => r.messageId === e.messageId)?.at ?? e.at);
  const ledger = await sys.clock.track(() => sys.stack.store.listLedger('ada'));
  // The wait's time is decided by the step before it (a send's `next` carries `until`, as the
  // contract says) or, for a journey that starts with the wait, by its own `schedule`.
  const decision = ledger.find((r) => (r.result as { sendTime?: unknown } | undefined)?.sendTime);
  const until = (decision?.result as { until?: string } | undefined)?.until;
  const segments = sys.workflows.executions().map((e) => e.states.map((st) => st.name));
  const out = {
    segments,
    pending,
    openWhileWaiting,
    followUp,
    decision,
    until,
    created: sys.scale.scheduler.created(),
  };
  await sys.stop();
  system = undefined;
  return out;
}

/** `at(yyyy-mm-ddThh:mm:ss)` (UTC) as epoch ms. */
const atMs = (expression: string) => Date.parse(`${/^at\((.+)\)$/.exec(expression)?.[1] ?? ''}Z`);

describe('scale mode: a best-time wait is a timer at the best time', () => {
  it.each([
    ['the learned time (exploration off)', 0],
    ['the policy’s exploration share', 0.5],
  ])(
    'arms the schedule at() the instant Standard mode waits until: %s',
    async (_name, share) => {
      const standard = await runIn('standard', share);
      const scale = await runIn('scale', share);

      expect(standard.until).toBeDefined();
      const standardUntilMs = Date.parse(standard.until ?? '');
      // The one schedule the wait created, while no execution is open.
      const timers = scale.created.filter((s) => s.name.length > 0);
      expect(timers).toHaveLength(1);
      expect(scale.pending).toHaveLength(1);
      expect(scale.openWhileWaiting).toBe(0);
      // The hello's own invocation armed the wait (armNext): no second `arm` Task for it.
      expect(scale.segments[0]).toEqual(['Segment', 'hello', 'hello.route', 'Waiting']);
      // Scheduler's at() has whole seconds; the best time is a quarter hour, so nothing is cut.
      expect(atMs(timers[0]!.expression)).toBe(standardUntilMs);
      expect(timers[0]!.dueMs).toBe(standardUntilMs);
      // The follow-up reached SES at that instant in both modes.
      expect(standard.followUp.map((t) => Date.parse(String(t)))).toEqual([standardUntilMs]);
      expect(scale.followUp.map((t) => Date.parse(String(t)))).toEqual([standardUntilMs]);
      // The choice and its evidence are in the ledger in both modes.
      for (const run of [standard, scale]) {
        expect(run.decision?.stepId).toBe('hello');
        expect((run.decision?.result as { sendTime?: unknown } | undefined)?.sendTime).toEqual(
          (standard.decision?.result as { sendTime?: unknown } | undefined)?.sendTime,
        );
      }
      if (share === 0) {
        // 19:0x UTC is 19:0x in London in winter: the next 19:00 local after the hello.
        expect(standard.until).toBe('2026-03-02T19:00:00.000Z');
      }
    },
    120_000,
  );
});

describe('scale mode: a best-time wait that starts the journey', () => {
  it('arms at the instant Standard’s schedule waits until, and records the choice and its evidence', async () => {
    const standard = await runIn('standard', 0, bestFirst);
    const scale = await runIn('scale', 0, bestFirst);

    expect(standard.until).toBe('2026-03-02T19:00:00.000Z');
    expect(scale.created.map((s) => atMs(s.expression))).toEqual([Date.parse(standard.until ?? '')]);
    expect(scale.followUp.map((t) => Date.parse(String(t)))).toEqual([Date.parse(standard.until ?? '')]);
    for (const run of [standard, scale]) {
      expect(run.decision).toMatchObject({
        stepId: 'best-time',
        op: 'schedule',
        reasons: ['best_time:learned'],
      });
      expect((run.decision?.result as { sendTime?: unknown } | undefined)?.sendTime).toEqual(
        (standard.decision?.result as { sendTime?: unknown } | undefined)?.sendTime,
      );
    }
  }, 120_000);
});
