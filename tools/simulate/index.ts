/**
 * `herald simulate`: one customer's timeline through one journey, from the real runtime run in
 * simulated time (tools/simulate/run.ts), explained in words (timeline.ts).
 */
import { AUDIENCE_EVENT_TYPE } from '../../engine/audience/enrol.ts';
import type { Segment } from '../../engine/audience/index.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import type { PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import type { Vocabulary } from '../../engine/vocabulary.ts';
import { SAMPLE_PRODUCT, sampleEvent } from '../samples.ts';
import {
  type PriorSend,
  runSimulation,
  type SimulatedEngagement,
  type SimulatedProviderFault,
  type SimulationRecords,
} from './run.ts';
import { buildTimeline, type Timeline } from './timeline.ts';

export {
  type PriorSend,
  runSimulation,
  type SimulatedEngagement,
  type SimulatedProviderFault,
  type SimulationRecords,
} from './run.ts';
export { timelineText } from './text.ts';
export { buildTimeline, type Timeline, type TimelineEntry } from './timeline.ts';

/** When nothing says when, the story starts here (a fixed instant keeps runs reproducible). */
export const DEFAULT_START = '2026-03-02T09:00:00.000Z';

export interface SimulateOptions {
  journey: Journey;
  profile: Profile;
  events: CustomerEvent[];
  products: Product[];
  config: PolicyConfig;
  sent?: PriorSend[];
  /** Move the whole script so that the journey's entry event happens at this instant. */
  at?: Date;
  providerFaults?: SimulatedProviderFault[];
  /** The customer opens or clicks the messages of these send steps (`--engaged`). */
  engagement?: SimulatedEngagement[];
  /** The journey folder's vocabulary (data.json); the built-in one by default. */
  vocabulary?: Vocabulary;
  /** The journey folder's segments: needed by an audience journey (`entry.segment`). */
  segments?: ReadonlyMap<string, Segment>;
}

export interface Simulation {
  timeline: Timeline;
  records: SimulationRecords;
  /** The script as run (shifted by `at`, with a sample entry event added when it had none). */
  events: CustomerEvent[];
}

export async function simulate(options: SimulateOptions): Promise<Simulation> {
  const { journey, profile, config } = options;
  const products = [...options.products];
  let events = options.events.map((e) => ({ ...e }));
  let sent = options.sent?.map((s) => ({ ...s }));

  let entry = events.find((e) => e.type === journey.entry.event);
  if (!entry) {
    if (journey.entry.forEachItem && products.length === 0) products.push(SAMPLE_PRODUCT);
    const time = options.at?.toISOString() ?? events[0]?.time ?? DEFAULT_START;
    entry = sampleEvent(
      journey.entry.event ?? AUDIENCE_EVENT_TYPE,
      profile.id,
      time,
      products[0] ?? SAMPLE_PRODUCT,
      options.vocabulary,
    );
    events.push(entry);
  } else if (options.at) {
    const shift = options.at.getTime() - Date.parse(entry.time);
    const moved = (iso: string) => new Date(Date.parse(iso) + shift).toISOString();
    events = events.map((e) => ({ ...e, time: moved(e.time) }));
    sent = sent?.map((s) => ({
      ...s,
      at: moved(s.at),
      ...(s.heldUntil ? { heldUntil: moved(s.heldUntil) } : {}),
    }));
  }
  events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));

  const records = await runSimulation({
    journey,
    profile,
    events,
    products,
    config,
    ...(sent ? { sent } : {}),
    ...(options.providerFaults ? { providerFaults: options.providerFaults } : {}),
    ...(options.engagement ? { engagement: options.engagement } : {}),
    ...(options.vocabulary ? { vocabulary: options.vocabulary } : {}),
    ...(options.segments ? { segments: options.segments } : {}),
  });
  return { timeline: buildTimeline(journey, records, config, profile), records, events };
}
