/**
 * Small measuring helpers. These machines are shared and noisy, so every figure is taken several
 * times, interleaved with its baseline, and reported as a median (with the min–max spread).
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    runs: values.length,
  };
}

/**
 * Calls `op(i)` with i = 0, 1, 2… for at least `ms` milliseconds (checking the clock every
 * `batch` calls) and returns the rate in calls per second.
 */
export function rateSync(op: (i: number) => void, ms: number, batch = 64): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  do {
    for (let k = 0; k < batch; k++) op(calls++);
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return calls / (Number(elapsed) / 1e9);
}

/**
 * Runs `concurrency` async workers calling `op(i)` until `count` calls are done; returns calls
 * per second.
 */
export async function rateAsync(
  op: (i: number) => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}
