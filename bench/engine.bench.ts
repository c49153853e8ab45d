/**
 * 1. Engine: send decisions plus renders per second on one core, per reference journey, beside
 * raw liquidjs rendering the very same templates (same Liquid options, parsed once).
 *
 * For every send step of a journey and every synthetic profile (en/ar/fa and region variants),
 * one operation is `planSend(step, ctx)` followed by `createRenderer().render(...)` on the first
 * channel the plan tries — what the step Lambda's CPU does per send. The baseline renders the
 * same fields of the same (message, locale, channel) with `Liquid#renderSync` over templates
 * parsed once, with nothing else: no decision, no locale resolution, no HTML document wrapper.
 * Both run warm and are interleaved round by round; the ratio is taken per round.
 */
import type { Liquid, Template } from 'liquidjs';
import type { Profile } from '../engine/data.ts';
import { partialTemplates } from '../engine/partials.ts';
import {
  contentFor,
  createRenderer,
  DEFAULT_POLICY,
  type DecisionContext,
  type LiquidEngines,
  liquidEngines,
  localeChain,
  planSend,
  type RenderScope,
} from '../engine/policy/index.ts';
import type { ChannelName, Journey, SendStep } from '../engine/schema.ts';
import { rateSync, type Spread, spread } from './lib/stats.ts';
import {
  BENCH_NOW,
  enrollmentFor,
  entryEvent,
  historyFor,
  loadCatalog,
  loadReferenceJourney,
  REFERENCE_JOURNEYS,
  syntheticProfiles,
} from './lib/world.ts';

export interface EngineJourneyResult {
  journey: string;
  sendSteps: string[];
  samples: number;
  /** How the plans ended (all should be `try`: the world is built so). */
  plans: Record<string, number>;
  channels: Record<string, number>;
  locales: Record<string, number>;
  /** planSend + render, per second. */
  engine: Spread;
  /** planSend alone, per second. */
  decideOnly: Spread;
  /** renderer.render alone (channel already chosen), per second. */
  renderOnly: Spread;
  /** liquidjs renderSync of the same fields, per second. */
  rawLiquid: Spread;
  /** engine / rawLiquid, per round. */
  ratio: Spread;
}

export interface EngineResult {
  profiles: number;
  roundMs: number;
  rounds: number;
  journeys: EngineJourneyResult[];
  /** All reference journeys' send steps mixed in one loop. */
  all: Omit<EngineJourneyResult, 'journey' | 'sendSteps'>;
  targets: { ratePerSecond: number; ratioToRaw: number };
}

interface Sample {
  journey: Journey;
  step: SendStep;
  ctx: DecisionContext;
  scope: RenderScope;
  locale: string | undefined;
}

interface RawSample {
  fields: { templates: Template[]; liquid: Liquid }[];
  data: Record<string, unknown>;
}

/**
 * Raw liquidjs for a journey's messages in one locale: the renderer's own instances and options,
 * with the partials the journey pinned (the reference journeys' emails `{% render 'footer' %}`).
 */
const rawEngines = new Map<string, LiquidEngines>();
function rawEnginesFor(journey: Journey, locale: string): LiquidEngines {
  const key = `${journey.id}@${journey.version}/${locale}`;
  let found = rawEngines.get(key);
  if (!found) {
    found = liquidEngines(
      journey.partials ? partialTemplates(journey.partials, locale, journey.defaultLocale) : {},
    );
    rawEngines.set(key, found);
  }
  return found;
}

function buildSamples(journey: Journey, profiles: Profile[]): Sample[] {
  const catalog = loadCatalog();
  const perProduct = journey.entry.forEachItem !== undefined;
  const products = perProduct ? catalog.filter((p) => p.replenishmentDays !== undefined) : catalog;
  const steps = Object.values(journey.steps).filter((s): s is SendStep => s.type === 'send');
  const samples: Sample[] = [];
  profiles.forEach((profile, i) => {
    const product = products[i % products.length]!;
    const event = entryEvent(journey, profile, product, i);
    const enrollment = enrollmentFor(journey, event, perProduct ? product : undefined);
    const history = historyFor(profile, event, i);
    for (const step of steps) {
      const ctx: DecisionContext = {
        journey,
        enrollment,
        profile,
        history,
        now: BENCH_NOW,
        config: DEFAULT_POLICY,
        ...(perProduct ? { product } : {}),
      };
      const scope: RenderScope = {
        profile,
        event,
        journey: { id: journey.id, name: journey.name },
        links: { unsubscribe: `https://heraldshop.example/u/${profile.id}?t=signed-token-${i}` },
        ...(perProduct ? { product } : {}),
      };
      samples.push({ journey, step, ctx, scope, locale: profile.locale });
    }
  });
  return samples;
}

/** What the baseline renders for a sample: the fields of the channel and locale the engine chose. */
function rawSampleFor(sample: Sample, channel: ChannelName): RawSample {
  const message = sample.journey.messages[sample.step.message];
  const found = contentFor(message, channel, sample.locale, sample.journey.defaultLocale);
  if (!found) throw new Error(`no ${channel} content for ${sample.step.message}`);
  const engines = rawEnginesFor(sample.journey, found.locale);
  const fields = Object.entries(found.content as Record<string, string>).map(([name, source]) => {
    const liquid = channel === 'email' && name === 'html' ? engines.html : engines.text;
    return { templates: liquid.parse(source), liquid };
  });
  const data: Record<string, unknown> = { ...sample.scope };
  const product = sample.scope.product;
  if (product) {
    const name = localeChain(found.locale, found.locale)
      .map((l) => product.names?.[l])
      .find((n) => typeof n === 'string');
    data.product = { ...product, name: name ?? product.name };
  }
  return { fields, data };
}

function measure(samples: Sample[], rounds: number, roundMs: number) {
  const renderer = createRenderer();
  const plans: Record<string, number> = {};
  const channels: Record<string, number> = {};
  const locales: Record<string, number> = {};
  const raw: RawSample[] = [];
  const chosen: ChannelName[] = [];
  for (const sample of samples) {
    const plan = planSend(sample.step, sample.ctx);
    plans[plan.kind] = (plans[plan.kind] ?? 0) + 1;
    if (plan.kind !== 'try') throw new Error(`bench world: ${sample.step.message} planned ${plan.kind}`);
    const channel = plan.channels[0]!;
    const rendered = renderer.render(
      sample.journey,
      sample.step.message,
      channel,
      sample.scope,
      sample.locale,
    );
    channels[channel] = (channels[channel] ?? 0) + 1;
    locales[rendered.locale] = (locales[rendered.locale] ?? 0) + 1;
    raw.push(rawSampleFor(sample, channel));
    chosen.push(channel);
  }
  const n = samples.length;

  const engineOp = (i: number) => {
    const s = samples[i % n]!;
    const plan = planSend(s.step, s.ctx);
    if (plan.kind === 'try') renderer.render(s.journey, s.step.message, plan.channels[0]!, s.scope, s.locale);
  };
  const decideOp = (i: number) => {
    const s = samples[i % n]!;
    planSend(s.step, s.ctx);
  };
  const renderOp = (i: number) => {
    const s = samples[i % n]!;
    renderer.render(s.journey, s.step.message, chosen[i % n]!, s.scope, s.locale);
  };
  const rawOp = (i: number) => {
    const r = raw[i % n]!;
    for (const f of r.fields) f.liquid.renderSync(f.templates, r.data);
  };

  // Warm up all three (JIT, template caches) before anything is timed.
  rateSync(engineOp, roundMs);
  rateSync(rawOp, roundMs);
  rateSync(decideOp, roundMs / 2);
  rateSync(renderOp, roundMs / 2);

  const engine: number[] = [];
  const rawRates: number[] = [];
  const decide: number[] = [];
  const renderOnly: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so drift (thermal, a neighbour's load) does not favour one side.
    let e: number;
    let b: number;
    if (r % 2 === 0) {
      e = rateSync(engineOp, roundMs);
      b = rateSync(rawOp, roundMs);
    } else {
      b = rateSync(rawOp, roundMs);
      e = rateSync(engineOp, roundMs);
    }
    engine.push(e);
    rawRates.push(b);
    ratio.push(e / b);
    decide.push(rateSync(decideOp, roundMs / 2));
    renderOnly.push(rateSync(renderOp, roundMs / 2));
  }
  return {
    samples: n,
    plans,
    channels,
    locales,
    engine: spread(engine),
    decideOnly: spread(decide),
    renderOnly: spread(renderOnly),
    rawLiquid: spread(rawRates),
    ratio: spread(ratio),
  };
}

export async function run(
  options: { quick?: boolean; rounds?: number; roundMs?: number } = {},
): Promise<EngineResult> {
  const rounds = options.rounds ?? (options.quick ? 3 : 7);
  const roundMs = options.roundMs ?? (options.quick ? 150 : 400);
  const profileCount = 180;
  const profiles = syntheticProfiles(profileCount);
  const journeys = REFERENCE_JOURNEYS.map(loadReferenceJourney);
  const results: EngineJourneyResult[] = [];
  const everything: Sample[] = [];
  for (const journey of journeys) {
    const samples = buildSamples(journey, profiles);
    everything.push(...samples);
    const sendSteps = [
      ...new Set(samples.map((s) => Object.keys(journey.steps).find((k) => journey.steps[k] === s.step)!)),
    ];
    results.push({ journey: journey.id, sendSteps, ...measure(samples, rounds, roundMs) });
  }
  // Interleave journeys so the mixed loop is not three blocks in a row.
  const mixed = everything
    .map((s, i) => ({ s, k: (i * 7919) % everything.length }))
    .sort((a, b) => a.k - b.k);
  return {
    profiles: profileCount,
    roundMs,
    rounds,
    journeys: results,
    all: measure(
      mixed.map((m) => m.s),
      rounds,
      roundMs,
    ),
    targets: { ratePerSecond: 20_000, ratioToRaw: 0.5 },
  };
}
