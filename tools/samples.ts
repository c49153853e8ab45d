/**
 * Sample data for the tools: the journey's own examples (`examples/<id>.profile.json`,
 * `examples/<id>.events.json`, `examples/products.json`) when they exist, else small built-in
 * samples, so `herald preview welcome` works with no flags at all.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AUDIENCE_EVENT_TYPE } from '../engine/audience/enrol.ts';
import type { Enrollment } from '../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../engine/data.ts';
import { DEFAULT_POLICY, evaluateCondition } from '../engine/policy/index.ts';
import type { Journey } from '../engine/schema.ts';
import { BUILT_IN_VOCABULARY, type FieldSpec, type Vocabulary } from '../engine/vocabulary.ts';
import { loadEvents, loadProducts, loadProfile } from './load.ts';

export interface ExampleFiles {
  profile?: string;
  events?: string;
  products?: string;
}

export function exampleFiles(journeyId: string, examplesDir = 'examples'): ExampleFiles {
  const found: ExampleFiles = {};
  const profile = path.join(examplesDir, `${journeyId}.profile.json`);
  const events = path.join(examplesDir, `${journeyId}.events.json`);
  const products = path.join(examplesDir, 'products.json');
  if (existsSync(profile)) found.profile = profile;
  if (existsSync(events)) found.events = events;
  if (existsSync(products)) found.products = products;
  return found;
}

export const SAMPLE_PRODUCT: Product = {
  id: 'sample-product',
  name: 'Sample product',
  price: 42,
  currency: 'USD',
  imageUrl: 'https://shop.example/img/sample-product.png',
  url: 'https://shop.example/p/sample-product',
  replenishmentDays: 30,
};

export const SAMPLE_PROFILE: Profile = {
  id: 'sample-customer',
  firstName: 'Alex',
  locale: 'en',
  timeZone: 'UTC',
  attributes: {},
};

/** A plausible event of `type` for a customer, used when no event script names one. */
export function sampleEvent(
  type: string,
  customerId: string,
  time: string,
  product = SAMPLE_PRODUCT,
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): CustomerEvent {
  const items = [{ productId: product.id, quantity: 1, price: product.price }];
  const properties: Record<string, Record<string, unknown>> = {
    signed_up: { source: 'website', profile: {} },
    profile_updated: { profile: {} },
    cart_updated: {
      cartId: 'cart-sample',
      items,
      total: product.price,
      currency: product.currency,
      cartUrl: 'https://shop.example/cart/sample',
    },
    order_placed: { orderId: 'order-sample', items, total: product.price, currency: product.currency },
    product_viewed: { productId: product.id },
    unsubscribed: {},
  };
  const declared = vocabulary.events[type];
  const custom =
    declared && !declared.builtIn
      ? Object.fromEntries(
          Object.entries(declared.properties).map(([name, spec]) => [name, sampleValue(spec, time)]),
        )
      : undefined;
  return { id: `sample-${type}`, type, customerId, time, properties: properties[type] ?? custom ?? {} };
}

/** A plausible value of a declared field: its first enum value, 1, true, the event's own time. */
export function sampleValue(spec: Pick<FieldSpec, 'type' | 'values' | 'items'>, time: string): unknown {
  switch (spec.type) {
    case 'enum':
      return spec.values?.[0] ?? 'sample';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'date':
      return time;
    case 'list':
      return [sampleValue({ type: spec.items ?? 'string' }, time)];
    default:
      return 'sample';
  }
}

/**
 * The product a per-item journey would run for: the first item of the entry event that is in the
 * catalog and passes `entry.forEachItem.where` (evaluated by the policy, not re-implemented here).
 */
export function entryProduct(
  journey: Journey,
  event: CustomerEvent,
  profile: Profile,
  products: readonly Product[],
): Product | undefined {
  if (!journey.entry.forEachItem) return undefined;
  const items = (event.properties as { items?: unknown }).items;
  const ids = Array.isArray(items)
    ? items.map((i) => (i as { productId?: unknown }).productId).filter((id) => typeof id === 'string')
    : [];
  for (const id of ids) {
    const product = products.find((p) => p.id === id);
    if (!product) continue;
    const where = journey.entry.forEachItem.where;
    if (!where) return product;
    const enrollment: Enrollment = {
      id: 'sample',
      customerId: profile.id,
      journeyId: journey.id,
      journeyVersion: journey.version,
      enteredAt: event.time,
      event,
      productId: product.id,
    };
    const ctx = {
      journey,
      enrollment,
      profile,
      product,
      history: [event],
      now: new Date(event.time),
      config: DEFAULT_POLICY,
    };
    if (evaluateCondition(where, ctx)) return product;
  }
  return undefined;
}

export interface SampleOptions {
  profile?: string;
  events?: string;
  products?: string;
  examplesDir?: string;
  /** What the journey's folder declares (data.json): custom events in the script are checked against it. */
  vocabulary?: Vocabulary;
}

export interface LoadedSample {
  profile: Profile;
  /** The customer's event script (may be empty). */
  events: CustomerEvent[];
  products: Product[];
  /** The event that starts the journey: the first of the entry type in the script, else a sample. */
  entryEvent: CustomerEvent;
  product?: Product;
  sources: { profile: string; event: string; product?: string };
}

const BUILT_IN = 'built-in sample';

/** Files given on the command line win; else the journey's examples; else built-in samples. */
export function loadSample(journey: Journey, options: SampleOptions, at?: string): LoadedSample {
  const examples = exampleFiles(journey.id, options.examplesDir);
  const profileFile = options.profile ?? examples.profile;
  const eventsFile = options.events ?? (options.profile ? undefined : examples.events);
  const productsFile = options.products ?? examples.products;
  const profile = profileFile ? loadProfile(profileFile, options.vocabulary) : SAMPLE_PROFILE;
  const events = eventsFile ? loadEvents(eventsFile, options.vocabulary) : [];
  const products = productsFile ? loadProducts(productsFile) : [];
  const found = events.find((e) => e.type === journey.entry.event);
  const catalog = products.length > 0 ? products : [SAMPLE_PRODUCT];
  const entryEvent =
    found ??
    sampleEvent(
      journey.entry.event ?? AUDIENCE_EVENT_TYPE,
      profile.id,
      at ?? profile.createdAt ?? '2026-03-02T09:00:00Z',
      catalog[0],
      options.vocabulary,
    );
  const product = journey.entry.forEachItem
    ? (entryProduct(journey, entryEvent, profile, catalog) ?? SAMPLE_PRODUCT)
    : undefined;
  const sources: LoadedSample['sources'] = {
    profile: profileFile ?? BUILT_IN,
    event: found && eventsFile ? eventsFile : BUILT_IN,
  };
  if (product) sources.product = productsFile && products.includes(product) ? productsFile : BUILT_IN;
  const sample: LoadedSample = { profile, events, products, entryEvent, sources };
  if (product) sample.product = product;
  return sample;
}
