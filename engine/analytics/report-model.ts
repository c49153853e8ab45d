/**
 * The analytics report's figures, from the records a deployment keeps (the ledger, the enrollments
 * and the conversions of engine/attribution.ts): pure, so `herald report` on a deployed table and the
 * local demo compute the same numbers from the same kind of records. Methods: ./stats.ts and
 * docs/analytics.md.
 */
import { Duration } from 'luxon';
import type { Conversion } from '../attribution.ts';
import type { Enrollment } from '../contract.ts';
import type { LedgerRecord } from '../ledger.ts';
import type { Journey } from '../schema.ts';
import {
  holm,
  type Interval,
  type Moments,
  meanDifference,
  newcombeDifference,
  ratioInterval,
  sampleSizePerGroup,
  sequentialDifference,
  wilson,
} from './stats.ts';

export interface EnrollmentRow {
  enrollment: Enrollment;
  status: string;
  reason?: string;
}

export interface AnalyticsInput {
  journeys: readonly Journey[];
  ledger: readonly LedgerRecord[];
  enrollments: readonly EnrollmentRow[];
  conversions: readonly Conversion[];
  options?: AnalyticsOptions;
}

export interface AnalyticsOptions {
  /** Error rate of every interval and test (default 0.05: 95% intervals). */
  alpha?: number;
  /** The smallest absolute change in conversion rate worth detecting (default 0.05, five points). */
  minimumEffect?: number;
  /** Power at that change, for the sample size (default 0.8). */
  power?: number;
  /** No verdict below this many customers per group, whatever the formula says (default 100). */
  minimumFloor?: number;
}

/** One row of the breakdown: counts for one journey, step, channel, variant, locale and day. */
export interface BreakdownRow {
  journeyId: string;
  stepId: string;
  channel: string;
  variant: string;
  locale: string;
  day: string;
  sends: number;
  deliveries: number;
  opens: number;
  clicks: number;
  unsubscribes: number;
  complaints: number;
  conversions: number;
  /** Counted revenue of the conversions credited here, in the journey's revenue currency. */
  revenue: number;
}

/** The counted columns of a breakdown row, in the order the report shows them. */
export const BREAKDOWN_COUNTS = [
  'sends',
  'deliveries',
  'opens',
  'clicks',
  'unsubscribes',
  'complaints',
  'conversions',
  'revenue',
] as const satisfies readonly (keyof BreakdownRow)[];

/** A breakdown row with every count at zero. */
export function emptyBreakdownRow(
  keys: Pick<BreakdownRow, 'journeyId' | 'stepId' | 'channel' | 'variant' | 'locale' | 'day'>,
): BreakdownRow {
  const row = { ...keys } as BreakdownRow;
  for (const k of BREAKDOWN_COUNTS) row[k] = 0;
  return row;
}

export interface Group {
  name: string;
  customers: number;
  converted: number;
  rate: number;
  rateInterval: Interval;
  /** Revenue per recipient in the journey's revenue currency (absent: no single currency). */
  revenuePerRecipient?: number;
}

export interface Comparison {
  /** `treated` vs `holdout`, or arm vs the split's first arm. */
  name: string;
  against: string;
  /** Absolute difference in rate, with the fixed-horizon (Newcombe) interval for this look. */
  difference: Interval & { estimate: number };
  /** The always-valid interval (running intersection over the daily looks). */
  sequential: Interval;
  /** Always-valid p-value (running minimum over the daily looks); Holm-adjusted for A/B arms. */
  p: number;
  pAdjusted: number;
  /** Relative uplift (ratio − 1) with Katz's interval, when both groups converted. */
  relative?: Interval & { estimate: number };
  revenuePerRecipient?: Interval & { estimate: number };
  /** Customers each group needs before any verdict. */
  needed: number;
  verdict: string;
  /** `better`, `worse`, `no_difference_yet`, `not_enough_data`. */
  outcome: 'better' | 'worse' | 'no_difference_yet' | 'not_enough_data';
}

export interface DayPoint {
  day: string;
  sends: number;
  conversions: number;
  heldOutConversions: number;
  /**
   * Cumulative uplift at the end of the day (messaged − held-out rate), its always-valid interval
   * and p-value so far (running intersection and minimum over the days).
   */
  uplift?: Interval & { estimate: number; p: number };
  /** The look's counts: runs entered whose attribution window had closed by the end of the day. */
  matured?: { messaged: number; messagedConverted: number; heldOut: number; heldOutConverted: number };
}

export interface JourneyAnalytics {
  id: string;
  name: string;
  versions: number[];
  goal?: { event: string; within: string; currency?: string; endsRun: boolean };
  /** Why there are no conversion figures (no goal). */
  noGoal?: string;
  entered: number;
  heldOut: number;
  funnel: { label: string; customers: number }[];
  revenueByCurrency: Record<string, number>;
  revenueCurrency?: string;
  revenueNote?: string;
  treated?: Group;
  holdout?: Group;
  uplift?: Comparison;
  upliftNote?: string;
  tests: { stepId: string; arms: Group[]; comparisons: Comparison[]; verdict: string }[];
  days: DayPoint[];
  breakdown: BreakdownRow[];
}

export interface AnalyticsReport {
  generatedFrom: { ledger: number; enrollments: number; conversions: number };
  method: { alpha: number; minimumEffect: number; power: number; minimumFloor: number };
  journeys: JourneyAnalytics[];
}

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;

export function buildAnalytics(input: AnalyticsInput): AnalyticsReport {
  const options = {
    alpha: input.options?.alpha ?? 0.05,
    minimumEffect: input.options?.minimumEffect ?? 0.05,
    power: input.options?.power ?? 0.8,
    minimumFloor: input.options?.minimumFloor ?? 100,
  };
  const ids = [...new Set(input.journeys.map((j) => j.id))];
  return {
    generatedFrom: {
      ledger: input.ledger.length,
      enrollments: input.enrollments.length,
      conversions: input.conversions.length,
    },
    method: options,
    journeys: ids.map((id) => journeyAnalytics(id, input, options)),
  };
}

type Options = AnalyticsReport['method'];

function journeyAnalytics(id: string, input: AnalyticsInput, options: Options): JourneyAnalytics {
  const versions = input.journeys.filter((j) => j.id === id).sort((a, b) => b.version - a.version);
  const journey = versions[0] as Journey;
  const ledger = input.ledger.filter((r) => r.journeyId === id && !r.test);
  const runs = input.enrollments.filter((r) => r.enrollment.journeyId === id);
  const heldOutRuns = runs.filter((r) => r.reason === 'holdout');
  const treatedRuns = runs.filter((r) => r.reason !== 'holdout');
  const conversions = input.conversions.filter((c) => c.journeyId === id);
  const goal = journey.goal;

  const currencies = new Set(conversions.filter((c) => c.currency).map((c) => c.currency as string));
  const revenueCurrency = goal?.currency ?? (currencies.size === 1 ? [...currencies][0] : undefined);
  const counted = (c: Conversion) =>
    c.value !== undefined &&
    c.revenue !== 'no_value' &&
    revenueCurrency !== undefined &&
    c.currency === revenueCurrency
      ? c.value
      : 0;
  const revenueByCurrency: Record<string, number> = {};
  for (const c of conversions) {
    if (c.value === undefined || c.revenue === 'no_value') continue;
    const key = c.currency ?? '(none)';
    revenueByCurrency[key] = (revenueByCurrency[key] ?? 0) + c.value;
  }
  const revenueNote =
    revenueCurrency === undefined && currencies.size > 1
      ? `revenue arrived in several currencies (${[...currencies].sort().join(', ')}): Herald does not convert; set goal.currency to compare revenue`
      : goal?.currency && [...currencies].some((c) => c !== goal.currency)
        ? `orders in currencies other than ${goal.currency} count as conversions; their value is left out of revenue`
        : undefined;

  const breakdown = breakdownRows(id, ledger, input.ledger, conversions, counted);
  const funnel = funnelOf(journey, treatedRuns.length, ledger, conversions);
  const windowMs = goal ? Duration.fromISO(goal.within) : undefined;
  const days = dayPoints(
    ledger,
    conversions,
    treatedRuns,
    heldOutRuns,
    options,
    windowMs?.isValid ? windowMs.toMillis() : undefined,
  );

  const base: JourneyAnalytics = {
    id,
    name: journey.name,
    versions: versions.map((j) => j.version).reverse(),
    entered: treatedRuns.length,
    heldOut: heldOutRuns.length,
    funnel,
    revenueByCurrency,
    ...(revenueCurrency ? { revenueCurrency } : {}),
    ...(revenueNote ? { revenueNote } : {}),
    tests: [],
    days,
    breakdown,
  };
  if (!goal)
    return { ...base, noGoal: 'no goal: this journey does not measure conversions (add `goal` to it)' };
  base.goal = {
    event: goal.event,
    within: goal.within,
    ...(goal.currency ? { currency: goal.currency } : {}),
    endsRun: goal.exitOnConversion !== false,
  };

  const revenueOf = (convs: readonly Conversion[], n: number): Moments => {
    const perRun = new Map<string, number>();
    for (const c of convs) perRun.set(c.enrollmentId, (perRun.get(c.enrollmentId) ?? 0) + counted(c));
    let sum = 0;
    let sumSquares = 0;
    for (const v of perRun.values()) {
      sum += v;
      sumSquares += v * v;
    }
    return { n, sum, sumSquares };
  };
  const group = (name: string, n: number, convs: readonly Conversion[]): Group => {
    const converted = new Set(convs.map((c) => c.enrollmentId)).size;
    const money = revenueOf(convs, n);
    return {
      name,
      customers: n,
      converted,
      rate: n > 0 ? converted / n : 0,
      rateInterval: wilson(converted, n, options.alpha),
      ...(revenueCurrency && n > 0 ? { revenuePerRecipient: money.sum / n } : {}),
    };
  };
  const treatedConvs = conversions.filter((c) => !c.heldOut);
  const heldConvs = conversions.filter((c) => c.heldOut);
  base.treated = group('messaged', treatedRuns.length, treatedConvs);

  if (journey.holdout && (journey.holdout.percent ?? 0) > 0) {
    base.holdout = group('held out', heldOutRuns.length, heldConvs);
    // The verdict counts only runs whose window has closed: a run entered yesterday has not had its
    // chance to convert yet, and counting it would move the quantity measured from day to day.
    const last = days.at(-1);
    const m = last?.matured ?? { messaged: 0, messagedConverted: 0, heldOut: 0, heldOutConverted: 0 };
    const matured = (name: string, n: number, x: number): Group => ({
      name,
      customers: n,
      converted: x,
      rate: n > 0 ? x / n : 0,
      rateInterval: wilson(x, n, options.alpha),
    });
    base.uplift = compare(
      matured('messaged', m.messaged, m.messagedConverted),
      matured('held out', m.heldOut, m.heldOutConverted),
      last?.uplift ? { lo: last.uplift.lo, hi: last.uplift.hi } : undefined,
      runningP(days),
      revenueCurrency
        ? [revenueOf(treatedConvs, treatedRuns.length), revenueOf(heldConvs, heldOutRuns.length)]
        : undefined,
      options,
      'messaged',
      'held out',
    );
    if (base.uplift.outcome === 'not_enough_data')
      base.uplift.verdict += ` (counting runs whose ${goal.within} attribution window has closed)`;
  } else {
    base.upliftNote =
      'no holdout: uplift over not messaging cannot be measured (add `holdout` to the journey)';
  }

  base.tests = splitTests(journey, ledger, treatedConvs, options, revenueOf);
  return base;
}

/** The verdict and figures of one comparison (a against b). */
function compare(
  a: Group,
  b: Group,
  sequentialSoFar: Interval | undefined,
  pSoFar: number | undefined,
  money: [Moments, Moments] | undefined,
  options: Options,
  aWords: string,
  bWords: string,
): Comparison {
  const seqNow = sequentialDifference(a.converted, a.customers, b.converted, b.customers, {
    alpha: options.alpha,
    tau: options.minimumEffect,
  });
  const sequential = sequentialSoFar ?? { lo: seqNow.lo, hi: seqNow.hi };
  const p = Math.min(pSoFar ?? 1, seqNow.p);
  const baseline = b.customers > 0 && b.converted > 0 ? b.rate : a.customers > 0 ? a.rate : 0.5;
  const needed = Math.max(
    options.minimumFloor,
    sampleSizePerGroup(baseline, options.minimumEffect, options.alpha, options.power),
  );
  const relative = ratioInterval(a.converted, a.customers, b.converted, b.customers, options.alpha);
  const comparison: Comparison = {
    name: a.name,
    against: b.name,
    difference: newcombeDifference(a.converted, a.customers, b.converted, b.customers, options.alpha),
    sequential,
    p,
    pAdjusted: p,
    ...(relative
      ? { relative: { estimate: relative.estimate - 1, lo: relative.lo - 1, hi: relative.hi - 1 } }
      : {}),
    ...(money ? { revenuePerRecipient: meanDifference(money[0], money[1], options.alpha) } : {}),
    needed,
    verdict: '',
    outcome: 'not_enough_data',
  };
  return judge(comparison, a, b, aWords, bWords, options);
}

/** Verdict in plain words; only a comparison with enough customers on both sides may name a direction. */
function judge(
  c: Comparison,
  a: Group,
  b: Group,
  aWords: string,
  bWords: string,
  options: Options,
): Comparison {
  const confidence = `${Math.round((1 - options.alpha) * 100)}%`;
  const range = `${points(c.sequential.lo)} to ${points(c.sequential.hi)} points`;
  if (a.customers < c.needed || b.customers < c.needed) {
    const short = [a, b]
      .filter((g) => g.customers < c.needed)
      .map((g) => `${g.customers} ${g === a ? aWords : bWords}`);
    return {
      ...c,
      outcome: 'not_enough_data',
      verdict: `not enough data yet: ${short.join(' and ')}, at least ${c.needed} needed in each group to detect a ${(options.minimumEffect * 100).toFixed(0)}-point change`,
    };
  }
  const significant = c.pAdjusted < options.alpha && (c.sequential.lo > 0 || c.sequential.hi < 0);
  if (significant && c.difference.estimate > 0)
    return {
      ...c,
      outcome: 'better',
      verdict: `${aWords} convert better than ${bWords}: ${points(c.difference.estimate)} points (always-valid ${confidence} interval ${range})`,
    };
  if (significant)
    return {
      ...c,
      outcome: 'worse',
      verdict: `${aWords} convert worse than ${bWords}: ${points(c.difference.estimate)} points (always-valid ${confidence} interval ${range})`,
    };
  return {
    ...c,
    outcome: 'no_difference_yet',
    verdict: `no difference shown yet: ${points(c.difference.estimate)} points, always-valid ${confidence} interval ${range}`,
  };
}

/** Running minimum of the daily always-valid p-values (the p-value of the whole monitoring so far). */
function runningP(days: readonly DayPoint[]): number | undefined {
  let p: number | undefined;
  for (const d of days) if (d.uplift) p = Math.min(p ?? 1, d.uplift.p);
  return p;
}

function splitTests(
  journey: Journey,
  ledger: readonly LedgerRecord[],
  treatedConvs: readonly Conversion[],
  options: Options,
  revenueOf: (convs: readonly Conversion[], n: number) => Moments,
): JourneyAnalytics['tests'] {
  const tests: JourneyAnalytics['tests'] = [];
  const pending: { test: number; index: number; comparison: Comparison; a: Group; b: Group }[] = [];
  for (const [stepId, step] of Object.entries(journey.steps)) {
    if (step.type !== 'split') continue;
    const assigned = new Map<string, string>();
    for (const r of ledger)
      if (r.kind === 'decision' && r.op === 'split' && r.stepId === stepId && r.variant && r.executionId)
        assigned.set(r.executionId, r.variant);
    const arms = step.arms.map((arm) => {
      const n = [...assigned.values()].filter((v) => v === arm.name).length;
      const convs = treatedConvs.filter((c) => c.arms?.[stepId] === arm.name);
      const converted = new Set(convs.map((c) => c.enrollmentId)).size;
      const money = revenueOf(convs, n);
      return {
        group: {
          name: arm.name,
          customers: n,
          converted,
          rate: n > 0 ? converted / n : 0,
          rateInterval: wilson(converted, n, options.alpha),
          ...(n > 0 ? { revenuePerRecipient: money.sum / n } : {}),
        } satisfies Group,
        money,
      };
    });
    const [control, ...others] = arms;
    const comparisons: Comparison[] = [];
    if (control)
      for (const arm of others) {
        const comparison = compare(
          arm.group,
          control.group,
          undefined,
          undefined,
          [arm.money, control.money],
          options,
          arm.group.name,
          control.group.name,
        );
        pending.push({
          test: tests.length,
          index: comparisons.length,
          comparison,
          a: arm.group,
          b: control.group,
        });
        comparisons.push(comparison);
      }
    tests.push({ stepId, arms: arms.map((a) => a.group), comparisons, verdict: '' });
  }
  // Holm across every arm comparison of the journey: the family a marketer reads a winner from.
  const adjusted = holm(pending.map((p) => p.comparison.p));
  pending.forEach((p, i) => {
    const test = tests[p.test];
    if (!test) return;
    const c = { ...p.comparison, pAdjusted: adjusted[i] ?? 1 };
    test.comparisons[p.index] = judge(c, p.a, p.b, p.a.name, p.b.name, options);
  });
  for (const test of tests) {
    const winners = test.comparisons.filter((c) => c.outcome === 'better');
    const best = winners.sort((a, b) => b.difference.estimate - a.difference.estimate)[0];
    test.verdict = best
      ? `winner: ${best.name} (${best.verdict})`
      : test.comparisons.some((c) => c.outcome === 'not_enough_data')
        ? (test.comparisons.find((c) => c.outcome === 'not_enough_data')?.verdict ?? '')
        : test.comparisons.some((c) => c.outcome === 'worse')
          ? `no arm beats ${test.arms[0]?.name ?? 'the first arm'}`
          : 'no winner yet: no arm differs from the first by more than chance';
  }
  return tests;
}

function funnelOf(
  journey: Journey,
  entered: number,
  ledger: readonly LedgerRecord[],
  conversions: readonly Conversion[],
): JourneyAnalytics['funnel'] {
  const funnel = [{ label: 'entered', customers: entered }];
  for (const [stepId, step] of Object.entries(journey.steps)) {
    if (step.type !== 'send') continue;
    const reached = new Set<string>();
    const sent = new Set<string>();
    for (const r of ledger) {
      if (r.kind !== 'decision' || r.stepId !== stepId || !r.executionId) continue;
      reached.add(r.executionId);
      if (r.outcome === 'sent') sent.add(r.executionId);
    }
    funnel.push({ label: `${stepId}: reached`, customers: reached.size });
    funnel.push({ label: `${stepId}: sent`, customers: sent.size });
  }
  if (journey.goal)
    funnel.push({
      label: 'converted',
      customers: new Set(conversions.filter((c) => !c.heldOut).map((c) => c.enrollmentId)).size,
    });
  return funnel;
}

function breakdownRows(
  journeyId: string,
  ledger: readonly LedgerRecord[],
  allLedger: readonly LedgerRecord[],
  conversions: readonly Conversion[],
  counted: (c: Conversion) => number,
): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  const row = (stepId: string, channel: string, variant: string, locale: string, day: string) => {
    const key = [stepId, channel, variant, locale, day].join('\u0000');
    let r = rows.get(key);
    if (!r) {
      r = emptyBreakdownRow({ journeyId, stepId, channel, variant, locale, day });
      rows.set(key, r);
    }
    return r;
  };
  const byMessage = new Map<string, LedgerRecord>();
  const sendsOf = new Map<string, LedgerRecord[]>();
  for (const r of ledger) {
    if (r.kind !== 'decision' || r.outcome !== 'sent' || !r.stepId) continue;
    if (r.providerMessageId) byMessage.set(r.providerMessageId, r);
    const list = sendsOf.get(`${r.customerId}#${r.channel}`) ?? [];
    list.push(r);
    sendsOf.set(`${r.customerId}#${r.channel}`, list);
    row(r.stepId, r.channel ?? '?', r.variant ?? '-', r.locale ?? '-', dayOf(r.at)).sends++;
  }
  const decisionOf = new Map<string, LedgerRecord>();
  for (const r of ledger) if (r.kind === 'decision') decisionOf.set(r.id, r);
  for (const r of allLedger) {
    if (r.kind === 'feedback' && r.journeyId === journeyId && r.providerMessageId) {
      const sent = byMessage.get(r.providerMessageId);
      if (!sent?.stepId) continue;
      const target = row(
        sent.stepId,
        sent.channel ?? '?',
        sent.variant ?? '-',
        sent.locale ?? '-',
        dayOf(r.at),
      );
      if (r.outcome === 'delivered') target.deliveries++;
      else if (r.outcome === 'opened') target.opens++;
      else if (r.outcome === 'clicked') target.clicks++;
      else if (r.outcome === 'complained') target.complaints++;
      else if (r.outcome === 'opted_out') target.unsubscribes++;
    } else if ((r.kind === 'consent' || r.kind === 'feedback') && r.outcome === 'opted_out' && !r.journeyId) {
      // An unsubscribe link or STOP names no journey: it goes to the customer's last message on that
      // channel before it, if that message was this journey's.
      const at = Date.parse(r.at);
      const last = (sendsOf.get(`${r.customerId}#${r.channel}`) ?? [])
        .filter((s) => Date.parse(s.at) <= at)
        .at(-1);
      const latestAnywhere = allLedger
        .filter(
          (s) =>
            s.kind === 'decision' &&
            s.outcome === 'sent' &&
            s.customerId === r.customerId &&
            s.channel === r.channel &&
            Date.parse(s.at) <= at,
        )
        .at(-1);
      if (last?.stepId && latestAnywhere?.id === last.id)
        row(last.stepId, last.channel ?? '?', last.variant ?? '-', last.locale ?? '-', dayOf(r.at))
          .unsubscribes++;
    }
  }
  for (const c of conversions) {
    if (c.heldOut) {
      const target = row('(held out)', '-', 'holdout', '-', dayOf(c.at));
      target.conversions++;
      target.revenue += counted(c);
      continue;
    }
    const touch = c.attributed ? decisionOf.get(c.attributed.decisionId) : undefined;
    const target = row(
      c.stepId ?? '(no message)',
      c.channel ?? '-',
      c.variant ?? '-',
      touch?.locale ?? '-',
      dayOf(c.at),
    );
    target.conversions++;
    target.revenue += counted(c);
  }
  return [...rows.values()].sort((a, b) =>
    a.day === b.day ? (a.stepId < b.stepId ? -1 : a.stepId > b.stepId ? 1 : 0) : a.day < b.day ? -1 : 1,
  );
}

/**
 * Per day: sends, conversions, and the cumulative uplift at the end of the day with its always-valid
 * interval (the running intersection: a confidence sequence stays valid when intersected).
 */
function dayPoints(
  ledger: readonly LedgerRecord[],
  conversions: readonly Conversion[],
  treated: readonly EnrollmentRow[],
  held: readonly EnrollmentRow[],
  options: Options,
  windowMs: number | undefined,
): DayPoint[] {
  const times = [
    ...ledger.filter((r) => r.kind === 'decision').map((r) => r.at),
    ...conversions.map((c) => c.at),
    ...treated.map((r) => r.enrollment.enteredAt),
    ...held.map((r) => r.enrollment.enteredAt),
  ]
    .map((t) => Date.parse(t))
    .filter(Number.isFinite);
  if (times.length === 0) return [];
  const first = Date.parse(`${dayOf(new Date(Math.min(...times)).toISOString())}T00:00:00Z`);
  const last = Math.max(...times);
  const convertedRuns = new Set(conversions.map((c) => c.enrollmentId));
  const entries = (rows: readonly EnrollmentRow[]) =>
    rows.map((r) => ({
      at: Date.parse(r.enrollment.enteredAt),
      converted: convertedRuns.has(r.enrollment.id),
    }));
  const enteredT = entries(treated);
  const enteredH = entries(held);
  const maturedBy = (list: readonly { at: number; converted: boolean }[], end: number) => {
    const done = list.filter((e) => windowMs !== undefined && e.at + windowMs <= end);
    return { n: done.length, x: done.filter((e) => e.converted).length };
  };
  const count = (list: readonly number[], from: number, to: number) =>
    list.filter((t) => t >= from && t < to).length;
  const sendTimes = ledger
    .filter((r) => r.kind === 'decision' && r.outcome === 'sent')
    .map((r) => Date.parse(r.at));
  const out: DayPoint[] = [];
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  let p = 1;
  for (let start = first; start <= last && out.length < 3660; start += DAY_MS) {
    const end = start + DAY_MS;
    const point: DayPoint = {
      day: dayOf(new Date(start).toISOString()),
      sends: count(sendTimes, start, end),
      conversions: conversions.filter(
        (c) => !c.heldOut && Date.parse(c.at) >= start && Date.parse(c.at) < end,
      ).length,
      heldOutConversions: conversions.filter(
        (c) => c.heldOut && Date.parse(c.at) >= start && Date.parse(c.at) < end,
      ).length,
    };
    const t = maturedBy(enteredT, end);
    const h = maturedBy(enteredH, end);
    point.matured = { messaged: t.n, messagedConverted: t.x, heldOut: h.n, heldOutConverted: h.x };
    if (held.length > 0 && t.n > 0 && h.n > 0) {
      const look = sequentialDifference(t.x, t.n, h.x, h.n, {
        alpha: options.alpha,
        tau: options.minimumEffect,
      });
      lo = Math.max(lo, look.lo);
      hi = Math.min(hi, look.hi);
      p = Math.min(p, look.p);
      // An empty intersection means the model's assumptions broke (it has probability ≤ α): say
      // nothing rather than an inverted interval.
      if (lo <= hi) point.uplift = { estimate: look.estimate, lo, hi, p };
    }
    out.push(point);
  }
  return out;
}
