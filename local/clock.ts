/**
 * Simulated time for the embedded runtime.
 *
 * Only `Date`, `setTimeout`/`clearTimeout` and `setInterval`/`clearInterval` are faked, so
 * aws-local-stepfunctions' Wait states and task timeouts, the handlers' `new Date()` and the
 * stand-ins' timestamps all read one simulated clock, while real I/O (loopback sockets, dynalite's
 * storage, `setImmediate`, `process.nextTick`) keeps running on the real event loop.
 *
 * The clock never moves by itself: `run()` fires the next timer only when no tracked work (a
 * handler invocation, an event delivery) is in flight, and fires timers one at a time, settling
 * all work between two timers. Each simulated instant is therefore processed in timer order, so the
 * same inputs give the same results. The SDK's own timers (socket-acquisition warnings, deferred
 * listeners) are created and cleared inside tracked work, so they never make the clock jump.
 */
import FakeTimers from '@sinonjs/fake-timers';

export interface SimClock {
  /** Simulated now. */
  now(): Date;
  /**
   * Runs `work` as tracked work: the clock does not advance until it settles. Work with the same
   * `key` (a customer id) runs one at a time, in the order it was tracked, so that work for one
   * customer due at the same instant cannot race however the I/O interleaves.
   */
  track<T>(work: () => Promise<T>, key?: string): Promise<T>;
  /** Schedules tracked work at a simulated instant (entry events are timers too). */
  at(time: Date, work: () => Promise<unknown>, key?: string): void;
  /** Resolves when no tracked work is in flight and the microtask/immediate queues are drained. */
  idle(): Promise<void>;
  /**
   * Processes timers in simulated-time order until none is left or the next one is later than
   * `until`; the clock then stands at `until` (or at the last timer). All timers due at one instant
   * fire together, then everything settles before the clock moves on. Returns the instants visited.
   */
  run(options?: { until?: Date; onProgress?: (now: Date) => void }): Promise<number>;
  /** Errors thrown by tracked work (it never rejects `run`; the caller decides). */
  readonly errors: unknown[];
  /** Work in flight right now. */
  inFlight(): number;
  /** How often tracked work had to be let through a short simulated sleep (see `rescue`). */
  rescues(): number;
  /** Restores the real timers and Date. */
  uninstall(): void;
}

const realSetImmediate = setImmediate;
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;
const turn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/** Tracked work that waits on simulated time can never finish: fail loudly instead of hanging. */
const STALL_MS = 30_000;
/** Real ms without any tracked work completing before a short simulated sleep is let through. */
const RESCUE_AFTER_MS = 25;
/** Only timers this close (simulated ms) are let through: retry jitter, not a journey's Wait. */
const RESCUE_HORIZON_MS = 500;

/** When the earliest pending fake timer is due (fake-timers keeps them in a min-heap on `callAt`). */
function nextTimerAt(clock: object): number | undefined {
  const heap = (clock as { timerHeap?: { peek(): { callAt: number } | undefined } }).timerHeap;
  return heap?.peek()?.callAt;
}

export class ClockStallError extends Error {
  readonly code = 'CLOCK_STALL';
  constructor(inFlight: number, stallMs: number) {
    super(
      `${inFlight} tracked task(s) made no progress for ${stallMs / 1000}s of real time; ` +
        'tracked work must not wait on simulated timers',
    );
    this.name = 'ClockStallError';
  }
}

export function installSimClock(start: Date, options: { stallMs?: number } = {}): SimClock {
  const stallMs = options.stallMs ?? STALL_MS;
  const clock = FakeTimers.install({
    now: start,
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    shouldAdvanceTime: false,
    shouldClearNativeTimers: true,
  });
  allowLongTimeouts(clock);
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const errors: unknown[] = [];

  let progressAt = performance.now();
  const done = () => {
    inFlight -= 1;
    progressAt = performance.now();
    if (inFlight === 0 && waiters.length > 0) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  };

  const queues = new Map<string, Promise<unknown>>();
  const track = <T>(work: () => Promise<T>, key?: string): Promise<T> => {
    inFlight += 1;
    if (key === undefined) {
      let promise: Promise<T>;
      try {
        promise = work();
      } catch (error) {
        done();
        return Promise.reject(error);
      }
      return promise.finally(done);
    }
    const previous = queues.get(key);
    const promise = (previous ?? Promise.resolve()).then(work).finally(done);
    const tail = promise.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return promise;
  };

  let rescues = 0;
  /**
   * Tracked work sleeping on a short simulated timer (a store's jittered retry, an SDK backoff)
   * would wait forever: when nothing has completed for a while, fire the next timer if it is due
   * within RESCUE_HORIZON_MS. Such a run is no longer strictly deterministic; `rescues` counts them.
   */
  const rescue = (): boolean => {
    const next = nextTimerAt(clock);
    if (next === undefined || next - clock.now > RESCUE_HORIZON_MS) return false;
    clock.next();
    rescues += 1;
    return true;
  };

  const idle = async (): Promise<void> => {
    // Two quiet turns: work finishing in one turn may start more work in its continuation.
    let quiet = 0;
    while (quiet < 2) {
      if (inFlight > 0) {
        quiet = 0;
        await new Promise<void>((resolve, reject) => {
          // Real time, and only while nothing completes: a slow but moving batch is fine.
          const check = () => {
            const stalledMs = performance.now() - progressAt;
            if (stalledMs >= stallMs) return reject(new ClockStallError(inFlight, stallMs));
            if (stalledMs >= RESCUE_AFTER_MS && rescue()) progressAt = performance.now();
            watchdog = realSetTimeout(check, RESCUE_AFTER_MS);
          };
          let watchdog = realSetTimeout(check, RESCUE_AFTER_MS);
          waiters.push(() => {
            realClearTimeout(watchdog);
            resolve();
          });
        });
      }
      await turn();
      quiet = inFlight === 0 ? quiet + 1 : 0;
    }
  };

  return {
    now: () => new Date(clock.now),
    track,
    at(time, work, key) {
      const delay = Math.max(0, time.getTime() - clock.now);
      setTimeout(() => {
        track(work, key).catch((error: unknown) => errors.push(error));
      }, delay);
    },
    idle,
    async run(options = {}) {
      const until = options.until?.getTime();
      let instants = 0;
      let stop = false;
      const sentinel =
        until === undefined
          ? undefined
          : setTimeout(
              () => {
                stop = true;
              },
              Math.max(0, until - clock.now),
            );
      await idle();
      while (!stop && clock.countTimers() > 0) {
        clock.next();
        // Everything else due at this same instant starts together; keyed work stays ordered.
        clock.tick(0);
        instants += 1;
        await idle();
        options.onProgress?.(new Date(clock.now));
      }
      if (sentinel !== undefined) clearTimeout(sentinel);
      return instants;
    },
    errors,
    inFlight: () => inFlight,
    rescues: () => rescues,
    uninstall: () => clock.uninstall(),
  };
}

/** Node (and fake-timers, faithfully) fire a timeout longer than 2^31-1 ms (~24.8 days) after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A timeout longer than Node allows, run as a chain of shorter simulated timeouts. */
class LongTimeout {
  inner: unknown;
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    return this;
  }
}

/**
 * Step Functions waits up to a year, but aws-local-stepfunctions sleeps with one `setTimeout`, so a
 * 27-day replenishment wait would end after 1 ms. Chain the simulated timeout instead.
 */
function allowLongTimeouts(clock: { now: number }): void {
  const fakeSet = globalThis.setTimeout;
  const fakeClear = globalThis.clearTimeout;
  const longSet = (fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): unknown => {
    if (!(typeof delay === 'number' && delay > MAX_TIMEOUT_MS)) return fakeSet(fn, delay, ...args);
    const due = clock.now + delay;
    const handle = new LongTimeout();
    const arm = () => {
      const left = due - clock.now;
      handle.inner = left > MAX_TIMEOUT_MS ? fakeSet(arm, MAX_TIMEOUT_MS) : fakeSet(() => fn(...args), left);
    };
    arm();
    return handle;
  };
  const longClear = (handle: unknown): void => {
    fakeClear((handle instanceof LongTimeout ? handle.inner : handle) as Parameters<typeof clearTimeout>[0]);
  };
  globalThis.setTimeout = longSet as unknown as typeof setTimeout;
  globalThis.clearTimeout = longClear as typeof clearTimeout;
}
