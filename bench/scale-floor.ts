/**
 * The least a finished replenishment run (2 sends, 2 long waits) can cost in scale mode, priced by
 * the same model as the counted runs (scale-cost.ts `priceCounted`): how far below issue 14's
 * ≤ $12 per 1M runs any implementation of the issue's own design could go, and where today's send
 * protocol puts that floor.
 *
 *   npx tsx bench/scale-floor.ts
 *
 * Counted as the least each billed item can be:
 * - 3 Express executions (the entry segment and one after each wait), each billed one 100 ms chunk
 *   at one 64 MB chunk, the least Express bills an execution;
 * - 2 Scheduler invocations (one one-time schedule per wait);
 * - 2 step Lambda requests (the two sends), at 1 ms and 128 MB; no other invocation (no fire
 *   Lambda: the floor lets the schedule start the segment itself);
 * - no reads at all;
 * - write request units: 1 per write (every item ≤ 1 KB), and only the writes a layout makes.
 *
 * Two layouts of the writes:
 * - `minimal`: what the issue's requirements cannot do without. A run item written on entry; per
 *   wait, the conditional write that arms it and the fire's claim; per send, one write before the
 *   provider call (the claim, the cap slot and `sending` on one item) and one after it (the
 *   outcome). No ledger entry of its own, no sent content, no provider-message index, no finish.
 * - `built`: the writes functions/app/send.ts and runs.ts make today for each of those, as
 *   docs/performance.md §7 lists them: per send the cap window, the claim with `sending` (the lazy
 *   claim, one write since 2026-12-06), the ledger entry, the sent content and the message index
 *   (5: a send that went out writes no finish since 2026-12-06, its ledger entry proves it); the
 *   run's 2 entry writes; per
 *   wait the run item and its due-index entry, then the fire's claim (3); the branch's ledger entry.
 */
import { readFileSync } from 'node:fs';
import {
  type CountedCalls,
  type ModeCost,
  priceCounted,
  SCALE_TARGETS,
  type ScalePrices,
} from './scale-cost.ts';

export type FloorLayout = 'minimal' | 'built';

/** Writes per finished replenishment run, by what writes them. */
export const FLOOR_WRITES: Record<
  FloorLayout,
  { entry: number; perWait: number; perSend: number; other: number }
> = {
  minimal: { entry: 1, perWait: 2, perSend: 2, other: 0 },
  built: { entry: 2, perWait: 3, perSend: 5, other: 1 },
};

const SENDS = 2;
const WAITS = 2;

export function floorCalls(layout: FloorLayout): CountedCalls {
  const w = FLOOR_WRITES[layout];
  return {
    runs: 1,
    messages: SENDS,
    standardTransitions: 0,
    expressExecutions: Array.from({ length: WAITS + 1 }, () => ({ durationMs: 1 })),
    scheduler: { invocations: WAITS, createSchedule: WAITS, deleteSchedule: 0, getSchedule: 0 },
    lambda: { step: { invocations: SENDS, billedMs: SENDS, memoryMb: 128 } },
    dynamodb: { readUnits: 0, writeUnits: w.entry + WAITS * w.perWait + SENDS * w.perSend + w.other },
  };
}

export function scaleFloor(prices: ScalePrices): Record<FloorLayout, ModeCost> {
  return {
    minimal: priceCounted(prices, floorCalls('minimal')),
    built: priceCounted(prices, floorCalls('built')),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const prices = JSON.parse(readFileSync(new URL('prices.json', import.meta.url), 'utf8')) as ScalePrices;
  const floor = scaleFloor(prices);
  const target = SCALE_TARGETS.perMillionRuns;
  for (const layout of ['minimal', 'built'] as const) {
    const m = floor[layout].perMillionRuns;
    console.log(
      `${layout.padEnd(8)} ${String(floor[layout].usage.writeUnits).padStart(2)} WRU  $${m.total.toFixed(2)} per 1M runs (writes $${m.dynamodbWrites.toFixed(2)}, everything else $${(m.total - m.dynamodbWrites).toFixed(2)}) against ≤ $${target}: ${m.total <= target ? 'under' : 'over'}`,
    );
  }
  const rest = floor.minimal.perMillionRuns.total - floor.minimal.perMillionRuns.dynamodbWrites;
  const wru = (target - rest) / (prices.dynamodb.onDemandPerWriteRequestUnit * 1e6);
  console.log(`the target leaves room for ${wru.toFixed(1)} WRU per finished run in all`);
}
