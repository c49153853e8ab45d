/**
 * Send-time optimisation and recency-weighted channel choice against a known truth.
 *
 *   npx tsx bench/send-time.bench.ts [--customers 2000] [--seed 7] [--min-evidence 2] [--json]
 *   npm run bench -- --only send-time        # the same figures in the bench table (--quick: 500 customers)
 *
 * The world: the demo's synthetic audience (local/demo-data.ts) with its hidden habits
 * (local/demo-truth.ts: an active period per customer, a responsiveness per channel that changes
 * for a third of them, Apple Mail Privacy Protection for 35 %). Every arm runs the same customers,
 * the same cadence and the same reaction draws (keyed by customer and send number); only the
 * decision differs. Decisions are the engine's own (`planWait`, `choosePreferred`), and what the
 * customers do goes back through the engine's feedback rules (`applyFeedback`), as the feedback
 * Lambda applies them. No Step Functions or DynamoDB: the figures are about the decisions, and the
 * decision reads only the profile and history it would read in the step Lambda.
 *
 * Send time: one email every 3 days for 120 days (40 sends), decided at 01:00 UTC that day.
 *   fixed  — `until: { localTime: "10:00" }`;
 *   best   — `until: { time: "best", channel: "email", window: ["07:00", "23:00"], fallback: "10:00" }`,
 *            policy learning defaults (half-life P30D, exploration 0.1, minimum evidence 2);
 *   best, MPP opens counted — the same, but Apple's prefetch opens are fed back as real opens.
 * Reported after a learning period of 10 sends (30 days): human open and click rates, the share of
 * customers whose learned time (exploration off) is within an hour of their hidden period's start
 * (and inside the period at all), and the sends it took (the first send from which the learned
 * time stayed within that hour). Shares are of all customers with email, learned time or not.
 *
 * Channel choice: one message every 2 days for 120 days; 30 % of sends go on a channel drawn at
 * random (other journeys' fixed channel lists, so every channel gets evidence), the rest on
 * `["preferred", "email"]`, chosen by `lifetime` or by `recency` (half-life P30D). Reported after
 * 30 days: the response rate (open, click or SMS reply) of the `preferred` sends.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import type { Profile } from '../engine/data.ts';
import { applyFeedback, type Feedback } from '../engine/feedback.ts';
import {
  choosePreferred,
  chooseSendTime,
  DEFAULT_POLICY,
  type DecisionContext,
  isValidZone,
  parsePolicyConfig,
  planWait,
} from '../engine/policy/index.ts';
import type { ChannelName, Journey, WaitStep } from '../engine/schema.ts';
import { chance, createAudience, type DemoCustomer } from '../local/demo-data.ts';
import { circularMinutes, type HiddenHabits, hiddenHabits, inActive, react } from '../local/demo-truth.ts';

const DAY = 86_400_000;
const START = new Date('2026-01-05T00:00:00Z');
const DAYS = 120;
const LEARNING_SENDS = 10;
const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'push'];

const journey: Journey = {
  id: 'bench-send-time',
  version: 1,
  name: 'bench',
  priority: 50,
  defaultLocale: 'en',
  entry: { event: 'signed_up', reentry: { mode: 'always' } },
  start: 'wait',
  steps: { wait: { type: 'wait', duration: 'PT1M', next: 'done' }, done: { type: 'exit' } },
  messages: {},
};

const FIXED: WaitStep = { type: 'wait', until: { localTime: '10:00' }, next: 'done' };
const BEST: WaitStep = {
  type: 'wait',
  until: { time: 'best', channel: 'email', window: ['07:00', '23:00'], fallback: '10:00' },
  next: 'done',
};

interface Customer {
  c: DemoCustomer;
  zone: string;
  habits: HiddenHabits;
}

type Pending = { at: number; feedback: Feedback };

function world(customers: number, seed: number): Customer[] {
  return createAudience({ customers, days: DAYS, seed, start: START }).map((c) => ({
    c,
    zone: isValidZone(c.timeZone) ? c.timeZone : 'UTC',
    habits: hiddenHabits(seed, c.id, START, DAYS),
  }));
}

function context(p: Profile, now: Date, run: string, config = DEFAULT_POLICY, j = journey): DecisionContext {
  return {
    journey: j,
    enrollment: {
      id: run,
      customerId: p.id,
      journeyId: j.id,
      journeyVersion: 1,
      enteredAt: now.toISOString(),
      event: { id: `${run}-e`, type: 'signed_up', customerId: p.id, time: now.toISOString(), properties: {} },
    },
    profile: p,
    history: [],
    now,
    config,
  };
}

/** Applies the feedback due by `now`, in time order. */
function catchUp(p: Profile, pending: Pending[], now: number): Profile {
  pending.sort((a, b) => a.at - b.at);
  let profile = p;
  while (pending.length > 0 && pending[0]!.at <= now) {
    const { at, feedback } = pending.shift()!;
    profile = applyFeedback(profile, feedback, new Date(at).toISOString()).profile ?? profile;
  }
  return profile;
}

// ── Send time ─────────────────────────────────────────────────────────────────────────────────

type Arm = 'fixed' | 'best' | 'best-mpp-counted';

interface TimeArmResult {
  arm: Arm;
  sends: number;
  opens: number;
  clicks: number;
  /** Customers whose learned time (no exploration) at the end is within an hour of the hidden start. */
  withinHour: number;
  /** Customers whose learned time at the end lies inside their hidden active period. */
  inPeriod: number;
  learnedAtEnd: number;
  /** Per customer that got there: the send number from which the learned time stayed within the hour. */
  sendsToLearn: number[];
}

/** The policy the `best` arms decide with (`--min-evidence` changes its minimum evidence), and the same without exploring. */
let sendTimePolicy = DEFAULT_POLICY;
let exploit = parsePolicyConfig({ learning: { sendTime: { explorationShare: 0 } } });

function runTimeArm(customers: Customer[], arm: Arm, seed: number): TimeArmResult {
  const out: TimeArmResult = {
    arm,
    sends: 0,
    opens: 0,
    clicks: 0,
    withinHour: 0,
    inPeriod: 0,
    learnedAtEnd: 0,
    sendsToLearn: [],
  };
  const every = 3;
  const total = Math.floor(DAYS / every);
  for (const { c, zone, habits } of customers) {
    if (!c.email) continue;
    let profile: Profile = { id: c.id, timeZone: zone };
    const pending: Pending[] = [];
    let learnedFrom: number | undefined;
    for (let k = 0; k < total; k++) {
      const now = START.getTime() + k * every * DAY + 3_600_000;
      profile = catchUp(profile, pending, now);
      const ctx = context(profile, new Date(now), `${c.id}-run-${k}`, sendTimePolicy);
      if (arm !== 'fixed') {
        const within = learnedWithinHour(profile, new Date(now), habits, zone);
        if (within && learnedFrom === undefined) learnedFrom = k;
        if (!within) learnedFrom = undefined;
      }
      const arrival = planWait(arm === 'fixed' ? FIXED : BEST, ctx, 'wait').until.getTime();
      const r = react(habits, c.temper, 'email', arrival, zone, seed, `${c.id}#${k}`);
      if (r.machineOpenAt !== undefined) {
        pending.push({
          at: r.machineOpenAt,
          feedback:
            arm === 'best-mpp-counted'
              ? { kind: 'opened', channel: 'email' }
              : { kind: 'opened', channel: 'email', machine: 'apple_mpp' },
        });
      }
      if (r.openAt !== undefined)
        pending.push({ at: r.openAt, feedback: { kind: 'opened', channel: 'email' } });
      if (r.clickAt !== undefined)
        pending.push({ at: r.clickAt, feedback: { kind: 'clicked', channel: 'email' } });
      if (k >= LEARNING_SENDS) {
        out.sends++;
        if (r.openAt !== undefined) out.opens++;
        if (r.clickAt !== undefined) out.clicks++;
      }
    }
    const end = new Date(START.getTime() + DAYS * DAY);
    profile = catchUp(profile, pending, end.getTime());
    const final = learned(profile, end, zone);
    if (final !== undefined) out.learnedAtEnd++;
    if (final !== undefined && circularMinutes(final, habits.activeStart) <= 60) out.withinHour++;
    if (final !== undefined && inActive(final, habits)) out.inPeriod++;
    if (arm !== 'fixed' && learnedFrom !== undefined) out.sendsToLearn.push(learnedFrom);
  }
  return out;
}

/** The learned local minute (exploration off), or undefined while the fallback would be used. */
function learned(profile: Profile, now: Date, zone: string): number | undefined {
  const { choice } = chooseSendTime({
    request: { channel: 'email', window: ['07:00', '23:00'], fallback: '10:00' },
    zone,
    now,
    engagement: profile.engagement?.email,
    history: [],
    goalEvent: undefined,
    config: exploit,
    seed: 'x',
  });
  if (choice.rule !== 'learned') return undefined;
  return Number(choice.localTime.slice(0, 2)) * 60 + Number(choice.localTime.slice(3));
}

function learnedWithinHour(profile: Profile, now: Date, habits: HiddenHabits, zone: string): boolean {
  const m = learned(profile, now, zone);
  return m !== undefined && circularMinutes(m, habits.activeStart) <= 60;
}

// ── Channel choice ────────────────────────────────────────────────────────────────────────────

interface ChannelArmResult {
  rule: 'lifetime' | 'recency';
  preferredSends: number;
  responses: number;
  /** Preferred sends that went to the customer's hidden favourite at that moment. */
  toFavourite: number;
}

function runChannelArm(customers: Customer[], rule: 'lifetime' | 'recency', seed: number): ChannelArmResult {
  const out: ChannelArmResult = { rule, preferredSends: 0, responses: 0, toFavourite: 0 };
  const j: Journey = { ...journey, channelChoice: rule };
  const every = 2;
  const total = Math.floor(DAYS / every);
  for (const { c, zone, habits } of customers) {
    let profile: Profile = { id: c.id, timeZone: zone };
    const pending: Pending[] = [];
    for (let k = 0; k < total; k++) {
      const now = START.getTime() + k * every * DAY + 3_600_000;
      profile = catchUp(profile, pending, now);
      const random = chance(seed, c.id, k, 'other-journey') < 0.3;
      const channel: ChannelName = random
        ? CHANNELS[Math.floor(chance(seed, c.id, k, 'other-channel') * 3)]!
        : (choosePreferred(context(profile, new Date(now), `${c.id}-${k}`, DEFAULT_POLICY, j)).channel ??
          'email');
      // Sent in the customer's active period, so only the channel differs between the arms.
      const local = DateTime.fromMillis(now, { zone })
        .startOf('day')
        .plus({ minutes: habits.activeStart + 5 });
      const arrival = local.toMillis() < now ? local.plus({ days: 1 }).toMillis() : local.toMillis();
      const r = react(habits, c.temper, channel, arrival, zone, seed, `${c.id}#ch#${k}`);
      const responded = r.openAt !== undefined;
      if (r.openAt !== undefined) {
        pending.push({
          at: r.openAt,
          feedback: channel === 'sms' ? { kind: 'replied', channel: 'sms' } : { kind: 'opened', channel },
        });
      }
      if (r.clickAt !== undefined) pending.push({ at: r.clickAt, feedback: { kind: 'clicked', channel } });
      if (!random && now >= START.getTime() + 30 * DAY) {
        out.preferredSends++;
        if (responded) out.responses++;
        const resp =
          habits.later && habits.switchAt !== undefined && arrival >= habits.switchAt
            ? habits.later
            : habits.responsiveness;
        if (resp[channel] === 1) out.toFavourite++;
      }
    }
  }
  return out;
}

// ── Report ────────────────────────────────────────────────────────────────────────────────────

function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface SendTimeResult {
  customers: number;
  seed: number;
  minEvidence: number;
  emailCustomers: number;
  learningSends: number;
  sendTime: Array<{
    arm: Arm;
    sends: number;
    openRate: number;
    clickRate: number;
    learnedWithinHour: number;
    learnedInPeriod: number;
    learnedAtEnd: number;
    sendsToLearn: { median: number | undefined; p90: number | undefined; customers: number };
  }>;
  openRatio: number;
  clickRatio: number;
  channels: Array<{ rule: 'lifetime' | 'recency'; sends: number; responseRate: number; toFavourite: number }>;
  channelRatio: number;
  targets: { openRatio: number };
}

/** `npm run bench` (bench/run.ts, section `send-time`) and the command line both come here. */
export async function run(
  options: { quick?: boolean; sendTimeCustomers?: number; seed?: number; minEvidence?: number } = {},
): Promise<SendTimeResult> {
  const minEvidence = options.minEvidence ?? DEFAULT_POLICY.learning.sendTime.minEvidence;
  sendTimePolicy = parsePolicyConfig({ learning: { sendTime: { minEvidence } } });
  exploit = parsePolicyConfig({ learning: { sendTime: { explorationShare: 0, minEvidence } } });
  const n = options.sendTimeCustomers ?? (options.quick ? 500 : 2000);
  const seed = options.seed ?? 7;
  const customers = world(n, seed);
  const emailCustomers = customers.filter((c) => c.c.email).length;
  const arms = (['fixed', 'best', 'best-mpp-counted'] as const).map((a) => runTimeArm(customers, a, seed));
  const channels = (['lifetime', 'recency'] as const).map((r) => runChannelArm(customers, r, seed));
  const [fixed, best] = arms;
  return {
    customers: n,
    seed,
    minEvidence,
    emailCustomers,
    learningSends: LEARNING_SENDS,
    sendTime: arms.map((a) => ({
      arm: a.arm,
      sends: a.sends,
      openRate: a.opens / a.sends,
      clickRate: a.clicks / a.sends,
      learnedWithinHour: a.withinHour / emailCustomers,
      learnedInPeriod: a.inPeriod / emailCustomers,
      learnedAtEnd: a.learnedAtEnd / emailCustomers,
      sendsToLearn: {
        median: quantile(a.sendsToLearn, 0.5),
        p90: quantile(a.sendsToLearn, 0.9),
        customers: a.sendsToLearn.length,
      },
    })),
    openRatio: best!.opens / best!.sends / (fixed!.opens / fixed!.sends),
    clickRatio: best!.clicks / best!.sends / (fixed!.clicks / fixed!.sends),
    channels: channels.map((c) => ({
      rule: c.rule,
      sends: c.preferredSends,
      responseRate: c.responses / c.preferredSends,
      toFavourite: c.toFavourite / c.preferredSends,
    })),
    channelRatio:
      channels[1]!.responses /
      channels[1]!.preferredSends /
      (channels[0]!.responses / channels[0]!.preferredSends),
    targets: { openRatio: 1.2 },
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const result = await run({
    sendTimeCustomers: arg('--customers', 2000),
    seed: arg('--seed', 7),
    minEvidence: arg('--min-evidence', DEFAULT_POLICY.learning.sendTime.minEvidence),
  });
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `send time: ${result.emailCustomers} customers with email, ${Math.floor(DAYS / 3)} emails each, figures after the first ${LEARNING_SENDS}, minimum evidence ${result.minEvidence}`,
    ...result.sendTime.map(
      (a) =>
        `  ${a.arm.padEnd(17)} opens ${pct(a.openRate)}  clicks ${pct(a.clickRate)}  learned time at the end ${pct(a.learnedAtEnd)}, within 1 h of the hidden one ${pct(a.learnedWithinHour)}, inside the hidden period ${pct(a.learnedInPeriod)}  sends to learn: median ${a.sendsToLearn.median ?? '—'}, p90 ${a.sendsToLearn.p90 ?? '—'} (${a.sendsToLearn.customers} customers)`,
    ),
    `  best / fixed: opens ×${result.openRatio.toFixed(2)}, clicks ×${result.clickRatio.toFixed(2)}`,
    `channel choice: ${result.customers} customers, ${Math.floor(DAYS / 2)} messages each (30 % on a random channel), figures after day 30`,
    ...result.channels.map(
      (c) =>
        `  ${c.rule.padEnd(9)} responses ${pct(c.responseRate)}  to the hidden favourite ${pct(c.toFavourite)}  (${c.sends} preferred sends)`,
    ),
    `  recency / lifetime: responses ×${result.channelRatio.toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
