/**
 * Send-time optimisation: `{ "until": { "time": "best", "channel": "email", "window": ["09:00", "21:00"], "fallback": "10:00" } }`
 * waits until the customer's best local time for that channel, to 15 minutes.
 *
 * How the time is chosen (pure: the same profile, history, `now` and step give the same answer):
 * 1. Evidence: the channel's recent opens, clicks and replies (profile `engagement.<channel>.recent`,
 *    machine opens excluded by the feedback Lambda) and the journey's goal events (conversions,
 *    which show when the customer is active whatever the channel) in the history the step already
 *    loads. Each weighs KIND_WEIGHT (open 1, click/reply/conversion 3), halved every
 *    `learning.sendTime.halfLife` of age (recency.ts).
 * 2. Each piece lands in the quarter hour of its local time in the customer's zone today (luxon, so
 *    an open at 19:10 in summer and one at 19:10 in winter are both 19:00–19:15); each quarter is
 *    scored by the engagement that follows it within about an hour (KERNEL), so the time chosen
 *    leads a cluster and a cluster wins over a lone outlier.
 * 3. Allowed quarters: inside `window`, outside the channel's quiet hours (policy `quietHours`).
 * 4. The rule, one draw u in [0, 1) per (run, step), a hash: u < `explorationShare` ⇒ **explore**: a
 *    uniformly drawn allowed hour (its first allowed quarter), so the customer's habits are tested
 *    outside what is already known (an ε-greedy bandit over hour slots, seeded per customer and run);
 *    else evidence ≥ `minEvidence` ⇒ **learned**: the allowed quarter with the highest smoothed
 *    score (ties: nearest the fallback, then earliest; evidence wholly outside the allowed hours:
 *    the allowed quarter nearest its peak); else **fallback**: `fallback`, or the allowed
 *    quarter nearest it when the fallback itself is not allowed.
 * So at most `explorationShare` of the waits explore, and a customer with no data gets the
 * fallback (the fixed time a journey would have used) nine times in ten.
 *
 * The instant: the first occurrence of that local time at or after the wait's start, with the
 * local-time rule of time.ts (a time in a spring-forward gap moves forward by the gap); if that moves
 * it out of the window or into quiet hours, the next day's occurrence.
 */
import { DateTime } from 'luxon';
import type { CustomerEvent } from '../data.ts';
import type { ChannelName } from '../schema.ts';
import type { PolicyConfig, QuietHoursWindow } from './config.ts';
import { instant } from './context.ts';
import { isInWindow } from './quiet-hours.ts';
import {
  channelEvidence,
  decayed,
  type Evidence,
  type EvidenceSummary,
  halfLifeMs,
  summarise,
} from './recency.ts';
import { bucket } from './split.ts';
import type { WallTime } from './time.ts';

export const SLOT_MINUTES = 15;
const SLOTS = (24 * 60) / SLOT_MINUTES;
/**
 * A send at quarter s is scored by the engagement that follows it within about an hour: the
 * quarter before s counts 0.3, s itself 1, the next four 0.9, 0.7, 0.45, 0.2. So the chosen time
 * leads a cluster (a message is best waiting when attention begins) and a lone outlier loses to it.
 */
const KERNEL: ReadonlyArray<readonly [offset: number, weight: number]> = [
  [-1, 0.3],
  [0, 1],
  [1, 0.9],
  [2, 0.7],
  [3, 0.45],
  [4, 0.2],
];
/** Conversions read from the history: the newest this many (the history window bounds it too). */
const MAX_CONVERSIONS = 48;

export type SendTimeRule = 'learned' | 'explore' | 'fallback';

/** What was chosen and why: personal-data free, kept in the step result, the ledger and simulate. */
export interface SendTimeChoice {
  channel: ChannelName;
  /** The local time chosen, `HH:MM` (a quarter hour, or the fallback as written). */
  localTime: string;
  rule: SendTimeRule;
  /** The evidence, recency-weighted (`weight`, two decimals) and counted. */
  evidence: EvidenceSummary;
  /** The local hour with the most weighted evidence, `HH:00` (absent without evidence). */
  peakHour?: string;
  minEvidence: number;
  /** Set when nothing in the window is outside quiet hours: the fallback is used as written. */
  noAllowedTime?: true;
}

export interface BestTimeRequest {
  channel: ChannelName;
  window: readonly [string, string];
  fallback: string;
}

export interface BestTimeInput {
  request: BestTimeRequest;
  /** The customer's zone (already resolved with customerZone). */
  zone: string;
  now: Date;
  engagement: Parameters<typeof channelEvidence>[0];
  /** The customer's events (the step's history window); goal events among them are conversions. */
  history: readonly CustomerEvent[];
  goalEvent: string | undefined;
  config: Pick<PolicyConfig, 'learning' | 'quietHours'>;
  /** Seeds the exploration draw: stable per customer, run and step. */
  seed: string;
}

/** The local time of day to send at, and its evidence. */
export function chooseSendTime(input: BestTimeInput): { time: WallTime; choice: SendTimeChoice } {
  const { request, config } = input;
  const learning = config.learning.sendTime;
  const halfLife = halfLifeMs(learning.halfLife) ?? 30 * 86_400_000;
  const nowMs = input.now.getTime();
  const evidence = [
    ...channelEvidence(input.engagement, nowMs, halfLife),
    ...conversions(input.history, input.goalEvent, nowMs, halfLife),
  ];
  const summary = summarise(evidence);
  summary.weight = Math.round(summary.weight * 100) / 100;
  const slots = slotWeights(evidence, input.zone);
  const allowed = allowedSlots(request, config.quietHours[request.channel]);
  const fallback = wallTimeOf(request.fallback) ?? { hour: 10, minute: 0 };
  const fallbackSlot = Math.floor((fallback.hour * 60 + fallback.minute) / SLOT_MINUTES);
  const base = {
    channel: request.channel,
    evidence: summary,
    minEvidence: learning.minEvidence,
    ...(summary.weight > 0 ? { peakHour: peakHour(slots) } : {}),
  };
  if (allowed.length === 0) {
    return {
      time: fallback,
      choice: { ...base, localTime: request.fallback, rule: 'fallback', noAllowedTime: true },
    };
  }
  const draw = bucket(JSON.stringify(['best-time', input.seed])) / 100;
  let slot: number;
  let rule: SendTimeRule;
  if (draw < learning.explorationShare) {
    rule = 'explore';
    slot = exploreSlot(allowed, input.seed);
  } else if (summary.weight >= learning.minEvidence && summary.weight > 0) {
    rule = 'learned';
    slot = bestSlot(smooth(slots), allowed, fallbackSlot);
  } else {
    rule = 'fallback';
    if (
      allowed.includes(fallbackSlot) &&
      isAllowedMinute(fallback.hour * 60 + fallback.minute, request, config)
    ) {
      return { time: fallback, choice: { ...base, localTime: request.fallback, rule } };
    }
    slot = nearest(allowed, fallbackSlot);
  }
  const time = slotTime(slot);
  return { time, choice: { ...base, localTime: wallText(time), rule } };
}

// ── Evidence to slots ─────────────────────────────────────────────────────────────────────────

function conversions(
  history: readonly CustomerEvent[],
  goalEvent: string | undefined,
  now: number,
  halfLife: number,
): Evidence[] {
  if (!goalEvent) return [];
  const out: Evidence[] = [];
  for (const event of history) {
    if (event?.type !== goalEvent) continue;
    const at = instant(event.time);
    if (at === undefined || at > now) continue;
    out.push({ kind: 'conversion', at, weight: decayed('conversion', at, now, halfLife), count: 1 });
  }
  return out.sort((a, b) => b.at - a.at).slice(0, MAX_CONVERSIONS);
}

/** Weighted evidence per local quarter hour (0–95) in the customer's zone. */
function slotWeights(evidence: readonly Evidence[], zone: string): number[] {
  const slots = new Array<number>(SLOTS).fill(0);
  for (const e of evidence) {
    const local = DateTime.fromMillis(e.at, { zone });
    if (!local.isValid) continue;
    const slot = Math.floor((local.hour * 60 + local.minute) / SLOT_MINUTES);
    slots[slot] = (slots[slot] ?? 0) + e.weight;
  }
  return slots;
}

function smooth(slots: readonly number[]): number[] {
  return slots.map((_, i) => {
    let sum = 0;
    for (const [d, w] of KERNEL) sum += (slots[(i + d + SLOTS) % SLOTS] ?? 0) * w;
    return sum;
  });
}

function peakHour(slots: readonly number[]): string {
  let best = 0;
  let bestWeight = -1;
  for (let hour = 0; hour < 24; hour++) {
    const w = slots.slice(hour * 4, hour * 4 + 4).reduce((a, b) => a + b, 0);
    if (w > bestWeight + 1e-12) {
      best = hour;
      bestWeight = w;
    }
  }
  return `${String(best).padStart(2, '0')}:00`;
}

// ── Allowed slots and choice ──────────────────────────────────────────────────────────────────

/** The quarters whose whole 15 minutes lie inside the window and outside quiet hours. */
function allowedSlots(request: BestTimeRequest, quiet: QuietHoursWindow | undefined): number[] {
  const window = { start: request.window[0], end: request.window[1] };
  const out: number[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const start = slot * SLOT_MINUTES;
    let ok = true;
    for (let m = start; m < start + SLOT_MINUTES && ok; m++) {
      if (!isInWindow(m, window) || (quiet && isInWindow(m, quiet))) ok = false;
    }
    if (ok) out.push(slot);
  }
  return out;
}

export function isAllowedMinute(
  minuteOfDay: number,
  request: BestTimeRequest,
  config: Pick<PolicyConfig, 'quietHours'>,
): boolean {
  const quiet = config.quietHours[request.channel];
  return (
    isInWindow(minuteOfDay, { start: request.window[0], end: request.window[1] }) &&
    !(quiet && isInWindow(minuteOfDay, quiet))
  );
}

/**
 * The allowed quarter with the highest score (ties: nearest the fallback, then earliest). When the
 * evidence lies wholly outside what is allowed (a 06:00 habit, a 09:00–21:00 window), the allowed
 * quarter nearest the overall peak: as close to the habit as the window lets.
 */
function bestSlot(scores: readonly number[], allowed: readonly number[], fallbackSlot: number): number {
  if (Math.max(...allowed.map((s) => scores[s] ?? 0)) <= 0) {
    const peak = scores.reduce((bestAt, score, i) => (score > (scores[bestAt] ?? 0) ? i : bestAt), 0);
    return nearest(allowed, peak);
  }
  let best = allowed[0]!;
  for (const slot of allowed) {
    const a = scores[slot] ?? 0;
    const b = scores[best] ?? 0;
    if (a > b + 1e-12) best = slot;
    else if (Math.abs(a - b) <= 1e-12 && circular(slot, fallbackSlot) < circular(best, fallbackSlot))
      best = slot;
  }
  return best;
}

function exploreSlot(allowed: readonly number[], seed: string): number {
  const hours = [...new Set(allowed.map((s) => Math.floor(s / 4)))];
  const pick = Math.floor((bucket(JSON.stringify(['best-time-hour', seed])) / 100) * hours.length);
  const hour = hours[Math.min(pick, hours.length - 1)]!;
  return allowed.find((s) => Math.floor(s / 4) === hour)!;
}

function nearest(allowed: readonly number[], target: number): number {
  return allowed.reduce((best, slot) => (circular(slot, target) < circular(best, target) ? slot : best));
}

function circular(a: number, b: number): number {
  const d = Math.abs(a - b);
  return Math.min(d, SLOTS - d);
}

function slotTime(slot: number): WallTime {
  const minutes = slot * SLOT_MINUTES;
  return { hour: Math.floor(minutes / 60), minute: minutes % 60 };
}

function wallText(t: WallTime): string {
  return `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

function wallTimeOf(text: string): WallTime | undefined {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}
