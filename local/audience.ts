/**
 * Audience journeys on the simulated clock: every tick of every audience journey's schedule is a
 * timer that runs the enrolment over the shard's whole table — the same `enrolScanSegment` the
 * audience Map's scan Lambda runs on AWS (functions/handlers/audience.ts), through the same
 * DynamoDB scan adapter. Each entrant's execution then waits in its `entry.not-before` Wait until
 * their local time and pacing slot, in simulated time like every other wait.
 *
 * A demo shard holds every `count`-th customer; its paced positions interleave with the other
 * shards' (offset = shard index, stride = shard count), as parallel scan segments do on AWS.
 */
import type { Segment, Tick } from '../engine/audience/index.ts';
import { ticksBetween } from '../engine/audience/index.ts';
import type { Journey } from '../engine/schema.ts';
import { type AudienceBatchSummary, type AudienceDeps, enrolScanSegment } from '../functions/app/audience.ts';
import type { AudienceReader } from '../functions/ports.ts';
import type { SimClock } from './clock.ts';

export interface AudienceTickRecord {
  journeyId: string;
  tick: string;
  at: string;
  summary: AudienceBatchSummary;
}

export interface LocalAudienceOptions {
  deps: AudienceDeps;
  reader: AudienceReader;
  clock: SimClock;
  segments: ReadonlyMap<string, Segment>;
  shard?: { index: number; count: number };
}

export class LocalAudience {
  readonly ticks: AudienceTickRecord[] = [];
  constructor(private readonly options: LocalAudienceOptions) {}

  /** A timer per tick of each audience journey whose run starts in `[from, to)`. */
  schedule(journeys: readonly Journey[], from: Date, to: Date): number {
    let n = 0;
    for (const journey of journeys) {
      const schedule = journey.entry.schedule;
      if (journey.entry.segment === undefined || !schedule) continue;
      for (const tick of ticksBetween(schedule, from, to)) {
        this.options.clock.at(tick.runAt, () => this.runTick(journey, tick), `audience:${journey.id}`);
        n++;
      }
    }
    return n;
  }

  /** One tick's enrolment over the whole (shard's) table; safe to run again (deterministic keys). */
  async runTick(journey: Journey, tick: Tick): Promise<AudienceBatchSummary> {
    const id = journey.entry.segment ?? '';
    const segment = this.options.segments.get(id);
    if (!segment) throw new Error(`audience journey ${journey.id}: unknown segment ${id}`);
    const shard = this.options.shard ?? { index: 0, count: 1 };
    const summary = await enrolScanSegment(this.options.deps, this.options.reader, {
      journey,
      segment,
      tick,
      stride: shard.count,
      offset: shard.index,
    });
    this.ticks.push({
      journeyId: journey.id,
      tick: tick.label,
      at: this.options.clock.now().toISOString(),
      summary,
    });
    return summary;
  }
}
