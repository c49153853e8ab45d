/**
 * What moves the simulated clock (local/clock.ts) while `herald serve` runs. The clock itself never
 * moves: `run({ until })` fires every timer due up to `until`, one instant at a time, settling the
 * work each one starts. The driver decides `until`:
 *
 * - `speed` (1 = real time, 3600 = an hour per second): a real-time interval, every `tickMs` of
 *   real time, asks the clock to run up to `now + speed × real time elapsed since the last tick`.
 *   When a tick's work takes longer than the interval, the next tick simply covers more time.
 * - `manual`: nothing moves until `advance(ms)` (`POST /clock/advance`).
 *
 * Every run goes through one queue, so a manual advance and a tick never run the clock at once.
 * The interval is a real timer, captured before the simulated clock replaces the global ones.
 */
import type { SimClock } from '../clock.ts';

const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

export type ClockMode = { kind: 'speed'; speed: number } | { kind: 'manual' };

export interface ClockDriver {
  readonly mode: ClockMode;
  now(): Date;
  /** Moves the clock forward by `ms` of simulated time, processing every timer due on the way. */
  advance(ms: number): Promise<Date>;
  /** Waits for the run in progress; no tick starts afterwards. */
  stop(): Promise<void>;
}

export function driveClock(clock: SimClock, mode: ClockMode, options: { tickMs?: number } = {}): ClockDriver {
  const tickMs = options.tickMs ?? 100;
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work);
    chain = next.catch(() => undefined);
    return next;
  };
  const runUntil = (until: Date) =>
    serial(async () => {
      if (!stopped) await clock.run({ until });
      return clock.now();
    });

  let interval: ReturnType<typeof setInterval> | undefined;
  if (mode.kind === 'speed') {
    let last = performance.now();
    let busy = false;
    interval = realSetInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const real = performance.now();
      const until = new Date(clock.now().getTime() + Math.round(mode.speed * (real - last)));
      last = real;
      void runUntil(until).finally(() => {
        busy = false;
      });
    }, tickMs);
  }

  return {
    mode,
    now: () => clock.now(),
    advance: (ms) => runUntil(new Date(clock.now().getTime() + ms)),
    async stop() {
      stopped = true;
      if (interval !== undefined) realClearInterval(interval);
      await chain;
    },
  };
}
