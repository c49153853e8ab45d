/**
 * Audience journeys: orchestration cost of a 1M-recipient broadcast, and segment-evaluation
 * throughput. Run: `npx tsx bench/audience-cost.ts`.
 *
 * Cost is a model from counted calls with the map's deployed shape (AUDIENCE_MAP_DEFAULTS:
 * 1,000 scan segments, 4 per child) and the list prices in bench/prices.json (Express requests and
 * duration, Scheduler invocations included, each with its source there).
 * Per-recipient I/O per member (functions/app/audience.ts): 1 Query of events (when the segment reads
 * behaviour), 1 Query of enrolments, 1 PutItem of the enrolment; the StartExecution of each run is the
 * journey's own cost (bench/cost.ts), not orchestration.
 *
 * Time to enrol 1M recipients: the documented quotas (bench/quotas.json, through bench/enrolment.ts's
 * model of each mode's start) beside the Map's own ceilings — the Scan's read rate on a new
 * on-demand table, and the segment evaluation measured below, per child and at the Map's deployed
 * concurrency (AUDIENCE_MAP_DEFAULTS.maxConcurrency). The smallest rate decides. A broadcast's
 * `pacing.perMinute`, when it declares one, is slower still by design and is left out.
 */
import { readFileSync } from 'node:fs';
import { AUDIENCE_MAP_DEFAULTS, isMember } from '../engine/audience/index.ts';
import type { Profile } from '../engine/data.ts';
import { DEFAULT_POLICY } from '../engine/policy/index.ts';
import { type EnrolmentCalls, enrolmentTime, QUOTAS } from './enrolment.ts';

const prices = JSON.parse(readFileSync(new URL('prices.json', import.meta.url), 'utf8'));
const express = prices.stepFunctions.express;

const RECIPIENTS = 1_000_000;
const ITEMS_PER_CUSTOMER = 10; // profile + events + enrolments + ledger, all read by the Scan
const ITEM_KB = 1;
const LAMBDA_GB = 1; // infra/constructs/audience.ts: 1,024 MB
const LAMBDA_MS_PER_PROFILE = 3; // I/O-bound estimate: 2 queries + 1 put, batched awaits (not measured on AWS)

const { scanSegments, segmentsPerBatch, maxConcurrency } = AUDIENCE_MAP_DEFAULTS;
const children = Math.ceil(scanSegments / segmentsPerBatch);
const counted = {
  schedulerInvocations: 1,
  standardTransitions: 4 + children, // Pass, Map, Succeed, start + one per child started by the Map Run
  expressRequests: children,
  // Each Express child lasts as long as its Lambda call (its profiles × the per-profile estimate),
  // billed in 100 ms steps at the smallest memory chunk (a small definition: 64 MB).
  expressGbSeconds:
    children *
    ((Math.ceil(((RECIPIENTS / children) * LAMBDA_MS_PER_PROFILE) / express.durationRoundingMs) *
      express.durationRoundingMs) /
      1000) *
    (express.memoryChunkMb / 1024),
  lambdaInvocations: children,
  lambdaGbSeconds: (RECIPIENTS * LAMBDA_MS_PER_PROFILE * LAMBDA_GB) / 1000,
  // Eventually consistent: 0.5 RRU per 4 KB read (Scan and Query).
  scanReadUnits: (RECIPIENTS * ITEMS_PER_CUSTOMER * ITEM_KB) / 4 / 2,
  queryReadUnits: RECIPIENTS * 2 * 0.5,
  writeUnits: RECIPIENTS * 1,
};
const cost = {
  scheduler: counted.schedulerInvocations * prices.scheduler.perInvocation,
  standard: counted.standardTransitions * prices.stepFunctions.standardPerStateTransition,
  express: counted.expressRequests * express.perRequest + counted.expressGbSeconds * express.perGbSecond,
  lambda:
    counted.lambdaInvocations * prices.lambda.perRequest +
    counted.lambdaGbSeconds * prices.lambda.arm64PerGbSecond,
  dynamoReads: (counted.scanReadUnits + counted.queryReadUnits) * prices.dynamodb.onDemandPerReadRequestUnit,
  dynamoWrites: counted.writeUnits * prices.dynamodb.onDemandPerWriteRequestUnit,
};
const total = Object.values(cost).reduce((a, b) => a + b, 0);
console.log('counted calls for 1M recipients', counted);
console.log(
  'cost (USD)',
  Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Number(v.toFixed(4))])),
);
console.log(`total orchestration: $${total.toFixed(3)} per 1M recipients (target ≤ $2)`);

// ── Segment evaluation throughput (one core) beside a bare loop over the same items ─────────
const N = 200_000;
const now = new Date('2026-03-12T09:00:00Z');
const profiles: Profile[] = Array.from({ length: N }, (_, i) => ({
  id: `c${i}`,
  email: `c${i}@example.com`,
  country: i % 3 === 0 ? 'AE' : 'GB',
  attributes: { lifetimeValue: i % 1000, ordersCount: i % 4 },
  consent: { email: { status: 'opted_in', at: '2025-01-01T00:00:00Z', source: 'form' } },
})) as Profile[];
const vip = {
  condition: {
    all: [
      { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 },
      { field: 'profile.country', op: 'eq', value: 'AE' },
    ],
  },
} as never;
const time = (f: () => number) => {
  const t = process.hrtime.bigint();
  const n = f();
  return { n, s: Number(process.hrtime.bigint() - t) / 1e9 };
};
for (let round = 0; round < 2; round++) {
  const bare = time(() => {
    let n = 0;
    for (const p of profiles) if ((p.attributes?.lifetimeValue as number) >= 500 && p.country === 'AE') n++;
    return n;
  });
  const engine = time(() => {
    let n = 0;
    for (const profile of profiles)
      if (isMember(vip, { profile, history: [], now, config: DEFAULT_POLICY })) n++;
    return n;
  });
  if (engine.n !== bare.n) throw new Error(`engine ${engine.n} ≠ bare ${bare.n}`);
  console.log(
    `round ${round}: segment evaluation ${Math.round(N / engine.s).toLocaleString('en')} profiles/s; bare loop ${Math.round(N / bare.s).toLocaleString('en')}/s (${engine.n} members of ${N})`,
  );
}

// ── Time to enrol 1M recipients ──────────────────────────────────────────────────────────────
const measuredRate = (() => {
  const t = process.hrtime.bigint();
  let n = 0;
  for (const profile of profiles)
    if (isMember(vip, { profile, history: [], now, config: DEFAULT_POLICY })) n++;
  if (n < 0) throw new Error('unreachable');
  return N / (Number(process.hrtime.bigint() - t) / 1e9);
})();
// Per member who enters: the audience Lambda writes the enrolment and starts the run (Standard: one
// StartExecution and the states up to its first Task; scale: one Express StartExecution and the run
// item). Timers are created only when the run reaches a wait, after its first segment.
const standardMember: EnrolmentCalls = {
  startExecutions: 1,
  stateTransitions: 2,
  createSchedules: 0,
  writeUnits: 1,
  lambdaInvocations: 1 / (RECIPIENTS / children),
  lambdaMeanMs: LAMBDA_MS_PER_PROFILE * (RECIPIENTS / children),
};
const perMember: Record<'standard' | 'scale', EnrolmentCalls> = {
  standard: standardMember,
  // Express: no throttled transitions; the run item is a second write.
  scale: { ...standardMember, stateTransitions: 0, writeUnits: 2 },
};
const table = QUOTAS.dynamodb.onDemandNewTable;
const mapLimits = [
  {
    name: 'Scan reads, new on-demand table (eventually consistent, all items of each customer)',
    perSecond: (table.readUnitsPerSecond * 2 * 4) / (ITEMS_PER_CUSTOMER * ITEM_KB),
    source: table.source,
  },
  {
    name: `segment evaluation, measured here, ${maxConcurrency} children at once`,
    perSecond: measuredRate * maxConcurrency,
    source: 'this run',
  },
  {
    name: `per-profile I/O estimate (${LAMBDA_MS_PER_PROFILE} ms), ${maxConcurrency} children at once`,
    perSecond: (1000 / LAMBDA_MS_PER_PROFILE) * maxConcurrency,
    source: 'estimate (LAMBDA_MS_PER_PROFILE), not measured on AWS',
  },
];
for (const mode of ['standard', 'scale'] as const) {
  const quota = enrolmentTime({ mode, customers: RECIPIENTS, calls: perMember[mode] });
  const limits = [...quota.limits, ...mapLimits].sort((a, b) => a.perSecond - b.perSecond);
  const binding = limits[0]!;
  const seconds = binding === quota.binding ? quota.seconds : RECIPIENTS / binding.perSecond;
  console.log(
    `enrol 1M (${mode}): ${(seconds / 60).toFixed(1)} min, bound by ${binding.name} (${Math.round(binding.perSecond).toLocaleString('en')}/s); next: ${limits
      .slice(1, 3)
      .map((l) => `${l.name} ${Math.round(l.perSecond).toLocaleString('en')}/s`)
      .join('; ')}`,
  );
}
