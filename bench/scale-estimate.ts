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
  SCALE_TARGETS,
  type ScaleMoney,
  type ScalePrices,
} from './scale-cost.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
/** Write units of one send (claim, cap window, message index, ledger): the Standard sends' share. */
const SEND_WRU = arg('send-wru', 5);
const SEND_RRU = arg('send-rru', 2);
/** Write units of one run-item transition: 1 while the item stays ≤ 1 KB (no enrollment copy in it). */
const RUN_ITEM_WRU = arg('run-item-wru', 1);

const prices = JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as ScalePrices;
const RUNS = 1_000_000;
const step = (calls: number) => ({ invocations: calls * RUNS, billedMs: calls * RUNS * 30, memoryMb: 1024 });

const standard: CountedCalls = {
  runs: RUNS,
  messages: 2 * RUNS,
  standardTransitions: 10 * RUNS,
  expressExecutions: [],
  scheduler: { invocations: 0, createSchedule: 0, deleteSchedule: 0, getSchedule: 0 },
  lambda: { step: step(4) },
  dynamodb: { readUnits: (2 * SEND_RRU + 1) * RUNS, writeUnits: 2 * SEND_WRU * RUNS },
};

// One billed Express execution stands for RUNS identical ones: priceCounted sums per execution.
const scaleRuns = 1000;
const scale: CountedCalls = {
  runs: scaleRuns,
  messages: 2 * scaleRuns,
  standardTransitions: 0,
  expressExecutions: Array.from({ length: 3 * scaleRuns }, () => ({ durationMs: 200 })),
  scheduler: { invocations: 2 * scaleRuns, createSchedule: 2 * scaleRuns, deleteSchedule: 0, getSchedule: 0 },
  lambda: {
    step: { invocations: 5 * scaleRuns, billedMs: 5 * scaleRuns * 30, memoryMb: 1024 },
    fire: { invocations: 2 * scaleRuns, billedMs: 2 * scaleRuns * 20, memoryMb: 512 },
  },
  dynamodb: {
    readUnits: (2 * SEND_RRU + 1) * scaleRuns,
    // enter + 2 arms + 2 claims + finish, 3 due-index puts, the sends.
    writeUnits: (6 * RUN_ITEM_WRU + 3 + 2 * SEND_WRU) * scaleRuns,
  },
};

const both = compareModes(prices, standard, scale);
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
