/**
 * A progress bar (cli-progress) that keeps to real time while the rest of the process runs on the
 * simulated clock: cli-progress schedules its redraws with the global `setTimeout` and reads
 * `Date.now()`, which would otherwise be simulated timers the clock has to visit.
 */
import cliProgress from 'cli-progress';

const real = { setTimeout, clearTimeout, Date };

/** Runs `fn` with the real `setTimeout`, `clearTimeout` and `Date` in place. */
export function withRealTime<T>(fn: () => T): T {
  const saved = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    Date: globalThis.Date,
  };
  globalThis.setTimeout = real.setTimeout;
  globalThis.clearTimeout = real.clearTimeout;
  globalThis.Date = real.Date;
  try {
    return fn();
  } finally {
    globalThis.setTimeout = saved.setTimeout;
    globalThis.clearTimeout = saved.clearTimeout;
    globalThis.Date = saved.Date;
  }
}

export interface Progress {
  update(value: number, payload: Record<string, string | number>): void;
  stop(): void;
}

/** A bar on stderr when it is a terminal; silent otherwise (tests, CI, benchmarks). */
export function createProgress(
  total: number,
  format: string,
  initial: Record<string, string | number>,
  enabled = process.stderr.isTTY === true,
): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format, hideCursor: true, clearOnComplete: false, stream: process.stderr, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const render = bar.render.bind(bar);
  bar.render = () => withRealTime(render);
  withRealTime(() => bar.start(total, 0, initial));
  return {
    update: (value, payload) => withRealTime(() => bar.update(value, payload)),
    stop: () => withRealTime(() => bar.stop()),
  };
}

/**
 * One line per simulated day, for logs and `--no-progress`: "day 3/30: 812 events, 240 messages,
 * 57 waiting". `update` takes the simulated hours done; each day is printed once, when it ends.
 */
export function createDayLines(days: number, write: (line: string) => void): Progress {
  let printed = 0;
  return {
    update: (hours, payload) => {
      const done = Math.min(days, Math.floor(hours / 24));
      for (; printed < done; ) {
        printed += 1;
        write(
          `day ${printed}/${days}: ${payload.events ?? 0} events, ${payload.sent ?? 0} messages, ${payload.waiting ?? 0} waiting\n`,
        );
      }
    },
    stop: () => undefined,
  };
}
