/**
 * The replenishment journey (2 sends, 2 long waits) priced in both modes from a call list written
 * out by hand from the compiled definitions and the scale-mode contract (SCALE-CONTRACT.md §2–§5),
 * not from a run: `npx tsx bench/scale-estimate.ts [--send-wru 5] [--run-item-wru 1]`.
 *
 * It is what bench/scale-cost.ts is for when no counted run exists yet, and it shows which line
 * decides the target. Per finished run, both reminders sent:
 * - Standard: 10 state transitions (the longest path, docs/transitions.md); step Lambda calls:
 *   the dated wait's `schedule`, 2 sends, the branch; DynamoDB: the sends' own units.
 * - Scale: 3 Express executions (entry, after each wait), each billed 200 ms at 64 MB; 2 timer
 *   invocations; step calls: 2 `arm`, 2 sends, the branch; 2 fire calls; the run item's
 *   transitions (enter, 2 × arm, 2 × claim, finish) and 3 due-index puts, on top of the sends' units.
 * Lambda: step 30 ms at 1,024 MB, fire 20 ms at 512 MB (assumed, of the order the local demo
 * measured: 2–33 ms per op). Ingest, feedback and unsubscribe are the same in both modes and left out.
 */
import { readFileSync } from 'node:fs';
import {
  type CountedCalls,
  compareModes,
  type ModeComparison,
  SCALE_TARGETS,
  type ScaleMoney,
  type ScalePrices,
} from './scale-cost.ts';

export interface EstimateOptions {
  /** Write and read units of one send (claim, cap window, message index, ledger). */
  sendWriteUnits?: number;
  sendReadUnits?: number;
  /** Write units of one run-item transition: 1 while the item stays ≤ 1 KB (no enrollment copy in it). */
  runItemWriteUnits?: number;
}

/** Both modes of 1,000 finished replenishment runs, counted from the call list above. */
export function estimateReplenishment(prices: ScalePrices, options: EstimateOptions = {}): ModeComparison {
  const sendWru = options.sendWriteUnits ?? 5;
  const sendRru = options.sendReadUnits ?? 2;
  const runItemWru = options.runItemWriteUnits ?? 1;
  const runs = 1000;
  const standard: CountedCalls = {
    runs,
    messages: 2 * runs,
    standardTransitions: 10 * runs,
    expressExecutions: [],
    scheduler: { invocations: 0, createSchedule: 0, deleteSchedule: 0, getSchedule: 0 },
    lambda: { step: { invocations: 4 * runs, billedMs: 4 * runs * 30, memoryMb: 1024 } },
    dynamodb: { readUnits: (2 * sendRru + 1) * runs, writeUnits: 2 * sendWru * runs },
  };
  const scale: CountedCalls = {
    runs,
    messages: 2 * runs,
    standardTransitions: 0,
    expressExecutions: Array.from({ length: 3 * runs }, () => ({ durationMs: 200 })),
    scheduler: { invocations: 2 * runs, createSchedule: 2 * runs, deleteSchedule: 0, getSchedule: 0 },
    lambda: {
      step: { invocations: 5 * runs, billedMs: 5 * runs * 30, memoryMb: 1024 },
      fire: { invocations: 2 * runs, billedMs: 2 * runs * 20, memoryMb: 512 },
    },
    dynamodb: {
      readUnits: (2 * sendRru + 1) * runs,
      // enter + 2 arms + 2 claims + finish, 3 due-index puts, the sends.
      writeUnits: (6 * runItemWru + 3 + 2 * sendWru) * runs,
    },
  };
  return compareModes(prices, standard, scale);
}

if (import.meta.url === `file://${process.argv[1]}`) printEstimate();

function printEstimate(): void {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const SEND_WRU = arg('send-wru', 5);
  const SEND_RRU = arg('send-rru', 2);
  const RUN_ITEM_WRU = arg('run-item-wru', 1);
  const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as ScalePrices;
  const both = estimateReplenishment(prices, {
    sendWriteUnits: SEND_WRU,
    sendReadUnits: SEND_RRU,
    runItemWriteUnits: RUN_ITEM_WRU,
  });
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const lines: (keyof ScaleMoney)[] = [
    'standardTransitions',
    'expressRequests',
    'expressDuration',
    'schedulerInvocations',
    'lambdaRequests',
    'lambdaDuration',
    'dynamodbReads',
    'dynamodbWrites',
    'total',
  ];
  process.stdout.write(
    `replenishment, per 1M finished runs (estimate from the call list; send ${SEND_WRU} WRU + ${SEND_RRU} RRU, run item ${RUN_ITEM_WRU} WRU per transition)\n\n`,
  );
  process.stdout.write(`| line | Standard | scale |\n|---|---|---|\n`);
  for (const line of lines) {
    process.stdout.write(
      `| ${line} | ${usd(both.standard.perMillionRuns[line])} | ${usd(both.scale.perMillionRuns[line])} |\n`,
    );
  }
  process.stdout.write(
    `\nper 1M messages: Standard ${usd(both.standard.perMillionMessages ?? Number.NaN)}, scale ${usd(both.scale.perMillionMessages ?? Number.NaN)}; scale ÷ Standard ${both.ratio.perMillionRuns.toFixed(3)}×\n`,
  );
  process.stdout.write(
    `targets: ≤ ${usd(SCALE_TARGETS.perMillionRuns)} per 1M runs → ${both.scale.perMillionRuns.total <= SCALE_TARGETS.perMillionRuns ? 'met' : 'NOT met'}; ≤ ${usd(SCALE_TARGETS.perMillionMessages)} per 1M messages → ${(both.scale.perMillionMessages ?? Number.POSITIVE_INFINITY) <= SCALE_TARGETS.perMillionMessages ? 'met' : 'NOT met'}\n`,
  );
}
