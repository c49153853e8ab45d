import { afterEach, describe, expect, it } from 'vitest';
import type { Enrollment, StepRequest, StepResult } from '../../engine/contract.ts';
import type { Journey } from '../../engine/schema.ts';
import { installSimClock, type SimClock } from '../../local/clock.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { LocalWorkflows } from '../../local/runner.ts';

const START = new Date('2026-03-02T06:00:00.000Z');
const journeys = loadJourneys();
const journey = (id: string): Journey => journeys.find((j) => j.id === id)!;

/** Real asynchrony (the event loop turns) without simulated time: like a handler doing I/O. */
const io = () => new Promise<void>((resolve) => setImmediate(resolve));

function enrollment(journeyId: string, customerId: string, at: Date): Enrollment {
  return {
    id: `${journeyId}-${customerId}`,
    customerId,
    journeyId,
    journeyVersion: journey(journeyId).version,
    enteredAt: at.toISOString(),
    event: { id: `e-${customerId}`, type: 'signed_up', customerId, time: at.toISOString(), properties: {} },
  };
}

let clock: SimClock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

describe('simulated clock', () => {
  it('runs timers in simulated-time order, never jumping while tracked I/O is in flight', async () => {
    clock = installSimClock(START);
    const c = clock;
    const seen: string[] = [];
    c.at(new Date(START.getTime() + 2 * 3_600_000), async () => {
      seen.push(`b@${c.now().toISOString()}`);
    });
    c.at(new Date(START.getTime() + 3_600_000), async () => {
      // Slow real work: twenty event-loop turns while a later timer is pending.
      for (let i = 0; i < 20; i++) await io();
      seen.push(`a@${c.now().toISOString()}`);
    });
    await c.run();
    expect(seen).toEqual(['a@2026-03-02T07:00:00.000Z', 'b@2026-03-02T08:00:00.000Z']);
  });

  it('waits the full time for timeouts longer than Node allows (about 24.8 days)', async () => {
    clock = installSimClock(START);
    const c = clock;
    let firedAt: string | undefined;
    setTimeout(() => {
      firedAt = c.now().toISOString();
    }, 30 * 86_400_000);
    await c.run();
    expect(firedAt).toBe('2026-04-01T06:00:00.000Z');
  });

  it('runs work for one key one at a time, in the order it was scheduled', async () => {
    clock = installSimClock(START);
    const c = clock;
    const log: string[] = [];
    const work = (name: string, turns: number) => async () => {
      log.push(`${name}:start`);
      for (let i = 0; i < turns; i++) await io();
      log.push(`${name}:end`);
    };
    c.at(START, work('first', 10), 'customer-1');
    c.at(START, work('second', 1), 'customer-1');
    await c.run();
    expect(log).toEqual(['first:start', 'first:end', 'second:start', 'second:end']);
  });

  it('lets tracked work through a short simulated sleep (a retry jitter) without moving far', async () => {
    clock = installSimClock(START);
    const c = clock;
    let finishedAt: string | undefined;
    c.at(START, async () => {
      await new Promise((resolve) => setTimeout(resolve, 120));
      finishedAt = c.now().toISOString();
    });
    c.at(new Date(START.getTime() + 3_600_000), async () => undefined);
    await c.run();
    expect(finishedAt).toBe('2026-03-02T06:00:00.120Z');
    expect(c.rescues()).toBe(1);
  });

  it('fails loudly, instead of hanging, when tracked work waits on a long simulated timer', async () => {
    clock = installSimClock(START, { stallMs: 300 });
    const c = clock;
    c.at(START, () => new Promise((resolve) => setTimeout(resolve, 3_600_000)));
    await expect(c.run()).rejects.toThrow(/made no progress/);
  });

  it('stops at `until` and leaves later timers pending', async () => {
    clock = installSimClock(START);
    const c = clock;
    let fired = false;
    c.at(new Date(START.getTime() + 10 * 86_400_000), async () => {
      fired = true;
    });
    await c.run({ until: new Date(START.getTime() + 86_400_000) });
    expect(fired).toBe(false);
    expect(c.now().toISOString()).toBe('2026-03-03T06:00:00.000Z');
  });
});

describe('local workflow runner', () => {
  /** A step Lambda stand-in: records every request with the simulated time it arrived. */
  function stubStep(
    c: SimClock,
    answer: (request: StepRequest) => StepResult | undefined,
  ): {
    calls: { at: string; op: string; stepId: string; token?: string }[];
    invoke: (r: StepRequest) => Promise<unknown>;
  } {
    const calls: { at: string; op: string; stepId: string; token?: string }[] = [];
    return {
      calls,
      invoke: async (request) => {
        await io();
        calls.push({
          at: c.now().toISOString(),
          op: request.op,
          stepId: request.stepId,
          ...(request.taskToken ? { token: request.taskToken } : {}),
        });
        await io();
        return answer(request) ?? null;
      },
    };
  }

  it('runs the compiled welcome journey with its waits in simulated time', async () => {
    clock = installSimClock(START);
    const c = clock;
    const step = stubStep(c, (r) => {
      if (r.stepId === 'send-welcome') {
        return { outcome: 'next', next: 'wait-two-days', until: '2026-03-04T10:00:00.000Z' };
      }
      if (r.stepId === 'check-first-order') return { outcome: 'next', next: 'send-first-order-offer' };
      return { outcome: 'next', next: 'done' };
    });
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    await c.track(() => workflows.start(enrollment('welcome', 'c1', START)));
    await c.run();

    expect(step.calls.map((call) => `${call.stepId}@${call.at}`)).toEqual([
      'send-welcome@2026-03-02T06:00:00.000Z',
      'check-first-order@2026-03-04T10:00:00.000Z',
      'send-first-order-offer@2026-03-04T10:00:00.000Z',
    ]);
    const [execution] = workflows.executions();
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.states.map((s) => s.name)).toContain('wait-two-days');
  });

  it('re-runs a deferred send after the Wait on `until`', async () => {
    clock = installSimClock(START);
    const c = clock;
    let first = true;
    const step = stubStep(c, (r) => {
      if (r.stepId === 'send-welcome' && first) {
        first = false;
        return { outcome: 'defer', until: '2026-03-02T08:00:00.000Z', reason: 'quiet_hours' };
      }
      return { outcome: 'exit', reason: 'test' };
    });
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    await c.track(() => workflows.start(enrollment('welcome', 'c1', START)));
    await c.run();
    expect(step.calls.map((call) => `${call.stepId}@${call.at}`)).toEqual([
      'send-welcome@2026-03-02T06:00:00.000Z',
      'send-welcome@2026-03-02T08:00:00.000Z',
    ]);
  });

  it('resumes a wait-for-event task when SendTaskSuccess arrives with its token', async () => {
    clock = installSimClock(START);
    const c = clock;
    const step = stubStep(c, () => ({ outcome: 'exit', reason: 'test' }));
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    await c.track(() => workflows.start(enrollment('cart-abandonment', 'c1', START)));
    let resumed: boolean | undefined;
    c.at(new Date(START.getTime() + 30 * 60_000), async () => {
      const token = step.calls.find((call) => call.op === 'waitForEvent')?.token;
      resumed = await workflows.sendTaskSuccess(token!, { outcome: 'next', next: 'ordered', eventId: 'o1' });
    });
    await c.run();

    expect(resumed).toBe(true);
    expect(step.calls.map((call) => call.stepId)).toEqual(['wait-for-order']);
    const [execution] = workflows.executions();
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.states.at(-1)).toEqual({ name: 'ordered', at: '2026-03-02T06:30:00.000Z' });
  });

  it('takes the timeout branch when no event arrives, and refuses the stale token afterwards', async () => {
    clock = installSimClock(START);
    const c = clock;
    const step = stubStep(c, () => ({ outcome: 'exit', reason: 'test' }));
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    await c.track(() => workflows.start(enrollment('cart-abandonment', 'c1', START)));
    let late: boolean | undefined;
    c.at(new Date(START.getTime() + 2 * 3_600_000), async () => {
      const token = step.calls.find((call) => call.op === 'waitForEvent')?.token;
      late = await workflows.sendTaskSuccess(token!, { outcome: 'next', next: 'ordered', eventId: 'o1' });
    });
    await c.run();

    expect(step.calls.map((call) => `${call.stepId}@${call.at}`)).toEqual([
      'wait-for-order@2026-03-02T06:00:00.000Z',
      'send-cart-reminder@2026-03-02T07:00:00.000Z',
    ]);
    expect(late).toBe(false);
  });

  it('gives each wait-for-event task its own token', async () => {
    clock = installSimClock(START);
    const c = clock;
    const step = stubStep(c, (r) =>
      r.op === 'send' ? { outcome: 'next', next: 'wait-for-order-after-reminder' } : undefined,
    );
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    await c.track(() => workflows.start(enrollment('cart-abandonment', 'c1', START)));
    await c.run({ until: new Date(START.getTime() + 2 * 3_600_000) });
    const tokens = step.calls.filter((call) => call.op === 'waitForEvent').map((call) => call.token);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
  });

  it('starts an enrollment once, and stops a waiting execution for good', async () => {
    clock = installSimClock(START);
    const c = clock;
    const step = stubStep(c, () => ({ outcome: 'exit', reason: 'test' }));
    const workflows = new LocalWorkflows({ journeys, invokeStep: step.invoke, clock: c });
    const e = enrollment('cart-abandonment', 'c1', START);
    const first = await c.track(() => workflows.start(e));
    const second = await c.track(() => workflows.start(e));
    expect(first.status).toBe('started');
    expect(second).toEqual({ status: 'already_started', executionArn: first.executionArn });

    c.at(new Date(START.getTime() + 10 * 60_000), () => workflows.stop(e, 'order placed'));
    await c.run();
    const token = step.calls[0]?.token;
    expect(await workflows.sendTaskSuccess(token!, { outcome: 'next', next: 'ordered', eventId: 'o1' })).toBe(
      false,
    );
    expect(step.calls.map((call) => call.stepId)).toEqual(['wait-for-order']);
    expect(workflows.executions()[0]?.status).toBe('ABORTED');
    expect(workflows.runningCount()).toBe(0);
  });
});
