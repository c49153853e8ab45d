/**
 * The demo's hidden truth about each customer: when in the day they pay attention, and how readily
 * they answer on each channel. Herald never reads it; the demo's customers react by it
 * (local/shard.ts), and bench/send-time.bench.ts measures how close `time: "best"` and
 * `channelChoice: "recency"` come to it. docs/local.md describes the model.
 *
 * - **Active period**: each day, from `activeStart` (local minute, quarter-hour aligned) for
 *   `activeMinutes` (45–120), in the customer's own zone. Drawn from a mixture: morning commute
 *   (07:00–08:30, 25 %), lunch (12:00–13:30, 20 %), evening (18:00–21:30, 40 %), late (21:30–23:00, 15 %).
 * - **Reading**: a message that arrives from 30 minutes before the period to its end is seen fresh;
 *   one that arrives at any other time is buried under later mail and notifications and is opened
 *   half as often (`BURIED`). Either way it is opened during an active period: fresh ones within
 *   minutes, buried ones in the next period.
 * - **Channel responsiveness** (0–1 per channel): one favourite at 1, the others 0.2–0.6. A third
 *   of customers change favourite at `switchAt` (a new phone, the app installed), so lifetime
 *   counts mislead and recent engagement does not.
 * - **Apple Mail Privacy Protection**: 35 % read email in Apple Mail with it on; every email they get is
 *   "opened" by Apple's proxy within three minutes of arrival (user agent `Mozilla/5.0`), whether
 *   they read it or not.
 */
import { DateTime, IANAZone } from 'luxon';
import type { ChannelName } from '../engine/schema.ts';
import { chance, stream } from './demo-data.ts';

export interface HiddenHabits {
  activeStart: number;
  activeMinutes: number;
  responsiveness: Record<ChannelName, number>;
  /** From then on `later` is the responsiveness. */
  switchAt?: number;
  later?: Record<ChannelName, number>;
  appleMpp: boolean;
}

/** How much less often a message that arrives outside the active period is opened. */
export const BURIED = 0.5;
const FRESH_BEFORE_MIN = 30;
const MINUTE = 60_000;
const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'push'];

export function hiddenHabits(seed: number, customerId: string, start: Date, days: number): HiddenHabits {
  const r = stream(seed, customerId, 'hidden-habits');
  const [from, to] = r.weighted([
    [[7 * 60, 8 * 60 + 30], 25],
    [[12 * 60, 13 * 60 + 30], 20],
    [[18 * 60, 21 * 60 + 30], 40],
    [[21 * 60 + 30, 23 * 60], 15],
  ] as const);
  const activeStart = from + Math.floor((r.next() * (to - from)) / 15) * 15;
  const activeMinutes = 45 + Math.floor(r.next() * 6) * 15;
  const favourite = (): Record<ChannelName, number> => {
    const top = r.pick(CHANNELS);
    return Object.fromEntries(CHANNELS.map((c) => [c, c === top ? 1 : 0.2 + r.next() * 0.4])) as Record<
      ChannelName,
      number
    >;
  };
  const responsiveness = favourite();
  const switches = r.next() < 1 / 3;
  const switchAt = start.getTime() + Math.floor((0.3 + r.next() * 0.4) * days) * 86_400_000;
  return {
    activeStart,
    activeMinutes,
    responsiveness,
    ...(switches ? { switchAt, later: favourite() } : {}),
    appleMpp: r.next() < 0.35,
  };
}

export function responsivenessAt(habits: HiddenHabits, at: number): Record<ChannelName, number> {
  return habits.later && habits.switchAt !== undefined && at >= habits.switchAt
    ? habits.later
    : habits.responsiveness;
}

export interface Reaction {
  /** When the customer opened it (push open, email open pixel), or replied (SMS). */
  openAt?: number;
  clickAt?: number;
  /** Apple's proxy fetching the pixel on arrival: an open in the provider's report, not a reader. */
  machineOpenAt?: number;
}

/**
 * How the customer reacts to a message on `channel` arriving at `arrival` (epoch ms): `temper` is
 * the customer's overall open and click rate (local/demo-data.ts), `key` makes the draws this
 * message's own.
 */
export function react(
  habits: HiddenHabits,
  temper: { open: number; click: number },
  channel: ChannelName,
  arrival: number,
  zone: string | undefined,
  seed: number,
  key: string | number,
): Reaction {
  const roll = (purpose: string) => chance(seed, 'reaction', key, purpose);
  const z = zone && IANAZone.isValidZone(zone) ? zone : 'UTC';
  const local = DateTime.fromMillis(arrival, { zone: z });
  const minute = local.hour * 60 + local.minute;
  const fresh = inActive(minute, habits, FRESH_BEFORE_MIN);
  const resp = responsivenessAt(habits, arrival)[channel];
  const out: Reaction = {};
  if (channel === 'email' && habits.appleMpp)
    out.machineOpenAt = arrival + Math.floor(1 + roll('mpp') * 2) * MINUTE;
  const p = temper.open * resp * (fresh ? 1 : BURIED);
  if (roll('open') >= p) return out;
  const openAt = fresh
    ? Math.max(arrival, periodStartOn(local, habits)) + Math.floor(2 + roll('delay') * 15) * MINUTE
    : nextPeriodStart(local, habits) + Math.floor(roll('delay') * habits.activeMinutes) * MINUTE;
  out.openAt = openAt;
  if (channel !== 'sms' && roll('click') < temper.click * resp) {
    out.clickAt = openAt + Math.floor(1 + roll('click-delay') * 8) * MINUTE;
  }
  return out;
}

/** Whether a local minute lies in the active period, or up to `before` minutes ahead of it. */
export function inActive(minute: number, habits: HiddenHabits, before = 0): boolean {
  const start = (habits.activeStart - before + 1440) % 1440;
  const length = habits.activeMinutes + before;
  return (minute - start + 1440) % 1440 < length;
}

/** Today's period start (epoch ms), for a message that arrived just before or during it. */
function periodStartOn(local: DateTime, habits: HiddenHabits): number {
  const minute = local.hour * 60 + local.minute;
  const today = local.startOf('day').plus({ minutes: habits.activeStart });
  // Arrived after midnight inside a period that began yesterday.
  if (habits.activeStart > minute + FRESH_BEFORE_MIN) return today.minus({ days: 1 }).toMillis();
  return today.toMillis();
}

/** The start (epoch ms) of the first active period after `local`. */
function nextPeriodStart(local: DateTime, habits: HiddenHabits): number {
  const today = local.startOf('day').plus({ minutes: habits.activeStart });
  return (today.toMillis() > local.toMillis() ? today : today.plus({ days: 1 })).toMillis();
}

/** Minutes between two local minutes of the day, the short way round. */
export function circularMinutes(a: number, b: number): number {
  const d = Math.abs(a - b) % 1440;
  return Math.min(d, 1440 - d);
}
