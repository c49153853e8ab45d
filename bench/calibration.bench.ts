/**
 * Calibration of the report's statistics (engine/analytics): over many seeds of a synthetic world
 * whose true uplift is known, how often the intervals cover it, and how often an A/A test (arms that
 * convert alike) names a false winner when the marketer looks every day and stops at the first
 * winner. The records are the ones a deployment keeps (enrollments, split decisions in the ledger,
 * conversions), and the figures are what `buildAnalytics` — `herald report`'s own code — says.
 *
 *   npx tsx bench/calibration.bench.ts [--seeds 200] [--customers 6000] [--days 30]
 *
 * The world is drawn directly (not through the whole runtime: a demo month takes minutes, so 200 of
 * them would take hours on these 2 cores): customers enter uniformly over the days; a run converts
 * inside its 7-day window with probability p₀ when held out and p₀ + uplift when messaged, at a
 * uniform time inside the window; conversions after the last day are not yet seen. Beside Herald's
 * always-valid verdicts it also counts what a naive reader would conclude: a fixed 95% interval
 * (Newcombe) checked every day, a winner called the first day it excludes 0 (no Holm either).
 */
import {
  type AnalyticsReport,
  buildAnalytics,
  type EnrollmentRow,
} from '../engine/analytics/report-model.ts';
import { newcombeDifference } from '../engine/analytics/stats.ts';
import type { Conversion } from '../engine/attribution.ts';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { Journey } from '../engine/schema.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-03-02T00:00:00Z');
const WINDOW_DAYS = 7;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function rng(seed: number) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A journey with a 7-day goal, a holdout, and one split of `arms` equal arms. */
function journey(holdoutPercent: number, arms: number): Journey {
  const names = Array.from({ length: arms }, (_, i) => `arm-${i}`);
  return {
    id: 'calibration',
    version: 1,
    name: 'Calibration',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'cart_updated', reentry: { mode: 'always' } },
    goal: { event: 'order_placed', within: `P${WINDOW_DAYS}D` },
    ...(holdoutPercent > 0 ? { holdout: { percent: holdoutPercent } } : {}),
    start: 'split',
    steps: {
      split: { type: 'split', arms: names.map((name) => ({ name, weight: 100 / arms, next: 'done' })) },
      done: { type: 'exit' },
    },
    messages: {},
  } as unknown as Journey;
}

interface World {
  enrollments: EnrollmentRow[];
  conversions: Conversion[];
  ledger: LedgerRecord[];
}

function world(options: {
  seed: number;
  customers: number;
  days: number;
  holdoutShare: number;
  base: number;
  uplift: number;
  arms: number;
}): World {
  const random = rng(options.seed);
  const end = START + options.days * DAY;
  const out: World = { enrollments: [], conversions: [], ledger: [] };
  for (let i = 0; i < options.customers; i++) {
    const entered = START + random() * (options.days * DAY - 1);
    const at = new Date(entered).toISOString();
    const heldOut = random() < options.holdoutShare;
    const id = `run-${i}`;
    const customerId = `c${i}`;
    out.enrollments.push({
      enrollment: {
        id,
        customerId,
        journeyId: 'calibration',
        journeyVersion: 1,
        enteredAt: at,
        event: { id: `e${i}`, type: 'cart_updated', customerId, time: at, properties: {} },
      },
      status: heldOut ? 'exited' : 'active',
      ...(heldOut ? { reason: 'holdout' } : {}),
    });
    const arm = `arm-${Math.floor(random() * options.arms)}`;
    if (!heldOut)
      out.ledger.push({
        id: `flow#${id}#split`,
        kind: 'decision',
        at,
        customerId,
        outcome: 'next',
        reasons: [],
        journeyId: 'calibration',
        stepId: 'split',
        op: 'split',
        variant: arm,
        executionId: `arn:aws:states:r:a:execution:herald-calibration:${id}`,
      });
    const p = heldOut ? options.base : options.base + options.uplift;
    if (random() >= p) continue;
    const t = entered + random() * WINDOW_DAYS * DAY;
    if (t >= end) continue;
    out.conversions.push({
      id: `conversion#calibration#${id}#o${i}`,
      customerId,
      journeyId: 'calibration',
      journeyVersion: 1,
      enrollmentId: id,
      enteredAt: at,
      eventId: `o${i}`,
      eventType: 'order_placed',
      at: new Date(t).toISOString(),
      heldOut,
      touches: [],
      arms: heldOut ? {} : { split: arm },
      revenue: 'no_value',
      latencyMs: t - entered,
      endsRun: true,
    });
  }
  return out;
}

/** The records as they stood at the end of day `d` (a daily look). */
function asOf(w: World, end: number): World {
  return {
    enrollments: w.enrollments.filter((r) => Date.parse(r.enrollment.enteredAt) < end),
    conversions: w.conversions.filter((c) => Date.parse(c.at) < end),
    ledger: w.ledger.filter((r) => Date.parse(r.at) < end),
  };
}

const seeds = arg('seeds', 200);
const customers = arg('customers', 6000);
const days = arg('days', 30);
const base = 0.3;
const trueUplift = 0.06;
const t0 = performance.now();

// ── Uplift: coverage of the true uplift (holdout 50%, so both groups are large) ──────────────
let fixedCovered = 0;
let sequentialCovered = 0;
let sequentialRuns = 0;
let upliftCalled = 0;
const holdoutJourney = journey(50, 2);
for (let seed = 1; seed <= seeds; seed++) {
  const w = world({ seed, customers, days, holdoutShare: 0.5, base, uplift: trueUplift, arms: 2 });
  const report: AnalyticsReport = buildAnalytics({ journeys: [holdoutJourney], ...w });
  const u = report.journeys[0]?.uplift;
  if (!u) continue;
  sequentialRuns++;
  if (u.difference.lo <= trueUplift && trueUplift <= u.difference.hi) fixedCovered++;
  if (u.sequential.lo <= trueUplift && trueUplift <= u.sequential.hi) sequentialCovered++;
  if (u.outcome === 'better') upliftCalled++;
}

// ── A/A: three arms converting alike, looked at every day ────────────────────────────────────
let heraldFalseWinners = 0;
let naiveFalseWinners = 0;
const aaJourney = journey(0, 3);
for (let seed = 1; seed <= seeds; seed++) {
  const w = world({ seed: 10_000 + seed, customers, days, holdoutShare: 0, base, uplift: 0, arms: 3 });
  let herald = false;
  let naive = false;
  for (let d = 1; d <= days && !(herald && naive); d++) {
    const look = asOf(w, START + d * DAY);
    const report = buildAnalytics({ journeys: [aaJourney], ...look });
    const test = report.journeys[0]?.tests[0];
    if (!test) continue;
    if (test.verdict.startsWith('winner')) herald = true;
    const [control, ...others] = test.arms;
    for (const arm of others) {
      if (!control || arm.customers < (test.comparisons[0]?.needed ?? 0)) continue;
      const ci = newcombeDifference(arm.converted, arm.customers, control.converted, control.customers);
      if (ci.lo > 0 || ci.hi < 0) naive = true;
    }
  }
  if (herald) heraldFalseWinners++;
  if (naive) naiveFalseWinners++;
}

const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
const result = {
  seeds,
  customers,
  days,
  base,
  trueUplift,
  upliftCoverage: {
    fixed95: pct(fixedCovered, sequentialRuns),
    alwaysValid95: pct(sequentialCovered, sequentialRuns),
    messagesCalledBetter: pct(upliftCalled, sequentialRuns),
  },
  aa: {
    heraldFalseWinner: pct(heraldFalseWinners, seeds),
    naiveDailyFalseWinner: pct(naiveFalseWinners, seeds),
  },
  seconds: ((performance.now() - t0) / 1000).toFixed(1),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
