import { readFileSync } from 'node:fs';
import { FormatRegistry, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Liquid } from 'liquidjs';
import { SegmentedMessage } from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import {
  CustomerEvent,
  EVENT_PROPERTIES,
  type EventType,
  Product,
  Profile,
  ProfileAttributes,
} from '../../engine/data.ts';
import { evaluateCondition } from '../../engine/policy/conditions.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import { createRenderer } from '../../engine/policy/render.ts';
import { scheduleWait } from '../../engine/policy/time.ts';
import { successors } from '../../engine/reach.ts';
import { CHANNELS, type ChannelName, Journey, type Step } from '../../engine/schema.ts';
import { offersUnsubscribe } from '../../engine/validate/obligations.ts';

// TypeBox's Value checker knows no string formats until they are registered.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v),
  );
}

const ROOT = new URL('../../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, ROOT), 'utf8'));

const REFERENCE = ['welcome', 'replenishment-reminder', 'cart-abandonment'] as const;
const LOCALES = ['en', 'ar', 'fa'] as const;
const OPT_OUT = { en: 'Reply STOP to opt out', ar: 'للإلغاء أرسل STOP', fa: 'لغو: ارسال STOP' };

function loadJourney(id: string): Journey {
  const value = readJson(`workflows/${id}.journey.json`);
  if (!Value.Check(Journey, value)) {
    const errors = [...Value.Errors(Journey, value)].map((e) => `${e.path}: ${e.message}`);
    throw new Error(`${id} does not match the journey schema:\n${errors.join('\n')}`);
  }
  return value;
}

/** Channels each message can go out on: the union of its send steps' lists (`preferred` = any). */
function channelsByMessage(journey: Journey): Map<string, Set<ChannelName>> {
  const byMessage = new Map<string, Set<ChannelName>>();
  for (const step of Object.values(journey.steps)) {
    if (step.type !== 'send') continue;
    const set = byMessage.get(step.message) ?? new Set<ChannelName>();
    for (const choice of step.channels)
      for (const c of choice === 'preferred' ? CHANNELS : [choice]) set.add(c);
    byMessage.set(step.message, set);
  }
  return byMessage;
}

/** Every template string of a message, labelled `locale/channel/field`. */
function templates(journey: Journey): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  for (const [messageId, message] of Object.entries(journey.messages)) {
    for (const [locale, content] of Object.entries(message.locales)) {
      for (const [channel, fields] of Object.entries(content)) {
        for (const [field, text] of Object.entries(fields as Record<string, string>)) {
          out.push({ label: `${messageId}/${locale}/${channel}/${field}`, text });
        }
      }
    }
  }
  return out;
}

/** The variables a journey's templates may read, from the data dictionary. */
function declaredVariables(journey: Journey): Set<string> {
  const keys = (schema: TObject, prefix: string) =>
    Object.keys(schema.properties).map((k) => `${prefix}.${k}`);
  const eventProperties = EVENT_PROPERTIES[journey.entry.event as EventType];
  return new Set([
    ...keys(Profile, 'profile'),
    ...keys(ProfileAttributes, 'profile.attributes'),
    'event.id',
    'event.type',
    'event.time',
    ...(eventProperties ? keys(eventProperties, 'event.properties') : []),
    ...(journey.entry.forEachItem ? keys(Product, 'product') : []),
    'links.unsubscribe',
    'journey.id',
    'journey.name',
  ]);
}

const liquid = new Liquid();

/** Deliberately long sample values, so that the segment check has some head-room built in. */
const SAMPLE = {
  en: { firstName: 'Alexandra', product: 'Argan oil shampoo 400 ml' },
  ar: { firstName: 'عبدالرحمن', product: 'شامبو زيت الأرغان 400 مل' },
  fa: { firstName: 'محمدحسین', product: 'شامپو روغن آرگان ۴۰۰ میلی‌لیتری' },
};
function sampleScope(locale: keyof typeof SAMPLE, firstName: string | undefined) {
  return {
    profile: { firstName, attributes: {} },
    event: {
      id: 'evt-1',
      type: 'cart_updated',
      time: '2026-03-10T15:30:00Z',
      properties: { total: 1249.5, currency: 'SAR', cartUrl: 'https://heraldshop.example/cart/7f3a9c2e' },
    },
    product: {
      name: SAMPLE[locale].product,
      url: 'https://heraldshop.example/p/argan-shampoo-400ml',
      imageUrl: 'https://heraldshop.example/img/argan-shampoo-400ml.jpg',
    },
    links: { unsubscribe: 'https://heraldshop.example/u/eyJjIjoiY3VzdC0xIn0.sig' },
    journey: { id: 'x', name: 'x' },
  };
}

describe.each(REFERENCE)('reference journey %s', (id) => {
  const journey = loadJourney(id);

  it('matches the journey schema and points editors at it', () => {
    expect(journey.id).toBe(id);
    expect(journey.$schema).toBe('./journey.schema.json');
    expect(journey.defaultLocale).toBe('en');
  });

  it('names only steps that exist, and reaches every step from the start', () => {
    const ids = new Set(Object.keys(journey.steps));
    expect(ids.has(journey.start)).toBe(true);
    const seen = new Set<string>();
    const queue = [journey.start];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current)) continue;
      seen.add(current);
      const step = journey.steps[current];
      expect(step, `step "${current}"`).toBeDefined();
      queue.push(...successors(journey, current));
    }
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('uses readable lowercase-with-dashes step and message ids', () => {
    for (const name of [...Object.keys(journey.steps), ...Object.keys(journey.messages)]) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it('sends only messages that exist, and every message is sent by some step', () => {
    const used = channelsByMessage(journey);
    expect([...used.keys()].sort()).toEqual(Object.keys(journey.messages).sort());
  });

  it('has English, Arabic and Persian content for every channel each message can go out on', () => {
    for (const [messageId, channels] of channelsByMessage(journey)) {
      const message = journey.messages[messageId]!;
      for (const locale of LOCALES) {
        for (const channel of channels) {
          expect(message.locales[locale]?.[channel], `${messageId} ${locale} ${channel}`).toBeDefined();
        }
        const push = message.locales[locale]?.push;
        if (push) expect(push.deepLink, `${messageId} ${locale} push deep link`).toBeTruthy();
      }
    }
  });

  it('links every email to the unsubscribe page and leaves dir/lang to the renderer', () => {
    for (const [messageId, message] of Object.entries(journey.messages)) {
      for (const [locale, content] of Object.entries(message.locales)) {
        const email = content.email;
        if (!email) continue;
        // Through the shared footer partials (workflows/partials/), pinned in the journey.
        const via = { partials: journey.partials ?? {}, locale, defaultLocale: journey.defaultLocale };
        expect(offersUnsubscribe(email.html, via), `${messageId} ${locale} html`).toBe(true);
        expect(email.text, `${messageId} ${locale} text`).toContain('unsubscribeUrl: links.unsubscribe');
        expect(email.html).not.toMatch(/\s(dir|lang)=/);
      }
    }
  });

  it('parses every template and reads only declared profile, event and product fields', () => {
    const declared = declaredVariables(journey);
    for (const { label, text } of templates(journey)) {
      // The message's own variables (and what it passes to partials); partials are the validator's.
      const variables = liquid.globalFullVariablesSync(text, { partials: false });
      for (const variable of variables) expect(declared.has(variable), `${label}: ${variable}`).toBe(true);
    }
  });

  it('greets customers with no first name gracefully', () => {
    for (const { label, text } of templates(journey)) {
      if (!text.includes('profile.firstName')) continue;
      expect(text, label).toMatch(/\{\{ profile\.firstName \| default: "[^"]+" \}\}/);
      expect(text.match(/profile\.firstName(?! \| default)/g), label).toBeNull();
    }
  });

  it('keeps every SMS within two segments, with an opt-out hint, and English SMS in GSM-7', async () => {
    for (const [messageId, message] of Object.entries(journey.messages)) {
      for (const locale of LOCALES) {
        const sms = message.locales[locale]?.sms;
        if (!sms) continue;
        expect(sms.body, `${messageId} ${locale}`).toContain(OPT_OUT[locale]);
        for (const firstName of [SAMPLE[locale].firstName, undefined]) {
          const body = await liquid.parseAndRender(sms.body, sampleScope(locale, firstName));
          const segmented = new SegmentedMessage(body);
          expect(segmented.segmentsCount, `${messageId} ${locale}: ${body}`).toBeLessThanOrEqual(2);
          if (locale === 'en') expect(segmented.encodingName, `${messageId} en: ${body}`).toBe('GSM-7');
        }
      }
    }
  });
});

describe('the reference journeys do what the issue asks', () => {
  const sends = (journey: Journey) =>
    Object.values(journey.steps).filter((s): s is Extract<Step, { type: 'send' }> => s.type === 'send');

  it('welcome: starts on sign-up, once per customer, greets at once and leaves on unsubscribe', () => {
    const journey = loadJourney('welcome');
    expect(journey.entry).toEqual({ event: 'signed_up', reentry: { mode: 'never' } });
    expect(journey.exit).toContainEqual({ event: 'unsubscribed' });
    const first = journey.steps[journey.start];
    expect(first).toMatchObject({ type: 'send', channels: ['preferred', 'email'] });
  });

  it('welcome: two days later at 10:00, branches on ordering since entry', () => {
    const journey = loadJourney('welcome');
    const wait = Object.values(journey.steps).find((s) => s.type === 'wait');
    expect(wait).toMatchObject({ duration: 'P2D', until: { localTime: '10:00' } });
    const branch = Object.values(journey.steps).find((s) => s.type === 'branch');
    expect(branch).toMatchObject({ branches: [{ when: { did: 'order_placed', since: 'entry' } }] });
    expect(sends(journey).map((s) => s.message)).toEqual([
      'welcome',
      'thank-you-cross-sell',
      'first-order-offer',
    ]);
  });

  it('replenishment: one run per product with a cycle, timed from the order date, ends on re-order', () => {
    const journey = loadJourney('replenishment-reminder');
    expect(journey.entry.forEachItem?.where).toEqual({ field: 'product.replenishmentDays', op: 'exists' });
    expect(journey.entry.reentry).toEqual({ mode: 'always' });
    expect(journey.exit).toEqual([{ event: 'order_placed', sameProduct: true }]);
    expect(journey.steps[journey.start]).toMatchObject({
      type: 'wait',
      until: {
        date: 'event.time',
        addDaysFrom: 'product.replenishmentDays',
        offset: '-P3D',
        localTime: '10:00',
      },
    });
  });

  it('replenishment: the second reminder leads with a different channel than the first', () => {
    const [first, second] = sends(loadJourney('replenishment-reminder'));
    expect(first?.channels).toEqual(['preferred', 'email', 'push', 'sms']);
    expect(second?.channels[0]).not.toBe(first?.channels[0]);
    expect(second?.channels[0]).not.toBe('preferred');
  });

  it('cart abandonment: an hour for the order, then push/email/SMS, a 50/50 incentive test, 10% holdout, 7-day goal', () => {
    const journey = loadJourney('cart-abandonment');
    expect(journey.entry.event).toBe('cart_updated');
    expect(journey.entry.condition).toEqual({ field: 'event.properties.total', op: 'gt', value: 0 });
    expect(journey.exit).toContainEqual({ event: 'order_placed' });
    expect(journey.holdout).toEqual({ percent: 10 });
    expect(journey.goal).toEqual({ event: 'order_placed', within: 'P7D' });
    expect(journey.steps[journey.start]).toMatchObject({
      type: 'waitForEvent',
      event: 'order_placed',
      timeout: 'PT1H',
    });
    expect(sends(journey)[0]?.channels).toEqual(['push', 'email', 'sms']);
    const split = Object.values(journey.steps).find((s) => s.type === 'split');
    expect(split?.type === 'split' && split.arms.map((a) => [a.name, a.weight])).toEqual([
      ['discount', 50],
      ['free-shipping', 50],
    ]);
  });
});

describe('examples', () => {
  const products = readJson('examples/products.json');

  it('has a valid product catalog with at least one replenishable product', () => {
    expect(Array.isArray(products) && products.every((p) => Value.Check(Product, p))).toBe(true);
    expect((products as Product[]).some((p) => p.replenishmentDays !== undefined)).toBe(true);
  });

  it.each([
    ['welcome', 'en'],
    ['replenishment-reminder', 'ar'],
    ['cart-abandonment', 'fa'],
  ])(
    '%s: a valid %s-speaking profile and a time-ordered script of valid events that starts the journey',
    (id, language) => {
      const profile = readJson(`examples/${id}.profile.json`);
      expect([...Value.Errors(Profile, profile)]).toEqual([]);
      expect((profile as Profile).locale?.split('-')[0]).toBe(language);

      const events = readJson(`examples/${id}.events.json`) as CustomerEvent[];
      for (const event of events) {
        expect([...Value.Errors(CustomerEvent, event)].map((e) => e.message)).toEqual([]);
        expect(event.customerId).toBe((profile as Profile).id);
        const schema = EVENT_PROPERTIES[event.type as EventType];
        expect(schema, `event type ${event.type}`).toBeDefined();
        expect([...Value.Errors(schema, event.properties)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
      }
      const times = events.map((e) => Date.parse(e.time));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(events[0]?.type).toBe(loadJourney(id).entry.event);
    },
  );
});

describe('rendering the reference journeys for the example customers', () => {
  const renderer = createRenderer();
  const catalog = readJson('examples/products.json') as Product[];

  it.each([
    ['welcome', 'en', 'ltr', 'Emma'],
    ['replenishment-reminder', 'ar', 'rtl', 'ليلى'],
    ['cart-abandonment', 'fa', 'rtl', 'مریم'],
  ])('%s renders every message on every channel in %s (%s), naming the customer', (id, locale, dir, name) => {
    const journey = loadJourney(id);
    const profile = readJson(`examples/${id}.profile.json`) as Profile;
    const [event] = readJson(`examples/${id}.events.json`) as CustomerEvent[];
    const items = (event!.properties.items ?? []) as { productId: string }[];
    const product = journey.entry.forEachItem
      ? catalog.find((p) => p.replenishmentDays !== undefined && items.some((i) => i.productId === p.id))
      : undefined;
    const scope = {
      profile,
      event: event!,
      ...(product ? { product } : {}),
      journey: { id: journey.id, name: journey.name },
      links: { unsubscribe: 'https://heraldshop.example/u/token?c=1&s=2' },
    };
    for (const messageId of Object.keys(journey.messages)) {
      for (const channel of CHANNELS) {
        const rendered = renderer.render(journey, messageId, channel, scope, profile.locale);
        expect(rendered.locale).toBe(locale);
        expect(rendered.dir).toBe(dir);
        const texts = Object.values(rendered[channel] ?? {}).filter(
          (v): v is string => typeof v === 'string',
        );
        expect(texts.length, `${messageId} ${channel}`).toBeGreaterThan(0);
        for (const text of texts) expect(text, `${messageId} ${channel}`).not.toMatch(/{{|}}|{%|undefined/);
        if (product) expect(texts.join(' ')).toContain(product.names?.[locale] ?? product.name);
      }
      const email = renderer.render(journey, messageId, 'email', scope, profile.locale).email!;
      expect(email.html).toContain('href="https://heraldshop.example/u/token?c=1&amp;s=2"');
      expect(email.html).toContain(name);
    }
  });
});

describe('the example stories play out as the guide tells them', () => {
  const catalog = readJson('examples/products.json') as Product[];

  function contextFor(id: string, now: string, seenEvents: number): DecisionContext {
    const journey = loadJourney(id);
    const profile = readJson(`examples/${id}.profile.json`) as Profile;
    const events = readJson(`examples/${id}.events.json`) as CustomerEvent[];
    const entry = events[0]!;
    const productId = journey.entry.forEachItem
      ? catalog.find(
          (p) => p.replenishmentDays !== undefined && JSON.stringify(entry.properties).includes(p.id),
        )?.id
      : undefined;
    const product = catalog.find((p) => p.id === productId);
    return {
      journey,
      enrollment: {
        id: `${id}-example`,
        customerId: profile.id,
        journeyId: id,
        journeyVersion: journey.version,
        enteredAt: entry.time,
        event: entry,
        ...(productId ? { productId } : {}),
      },
      profile,
      ...(product ? { product } : {}),
      history: events.slice(0, seenEvents).reverse(),
      now: new Date(now),
      config: DEFAULT_POLICY,
    };
  }
  const step = <T extends Step['type']>(ctx: DecisionContext, stepId: string, type: T) => {
    const found = ctx.journey.steps[stepId];
    if (found?.type !== type) throw new Error(`${stepId} is not a ${type} step`);
    return found as Extract<Step, { type: T }>;
  };

  it('welcome: Emma (London) signs up at 18:40 and, not having ordered, gets the offer on day 3 at 10:00', () => {
    const ctx = contextFor('welcome', '2026-03-02T18:40:00Z', 1);
    expect(scheduleWait(step(ctx, 'wait-two-days', 'wait'), ctx).toISOString()).toBe(
      '2026-03-05T10:00:00.000Z',
    );
    const later = contextFor('welcome', '2026-03-05T10:00:00Z', 2);
    expect(evaluateCondition(step(later, 'check-first-order', 'branch').branches[0]!.when, later)).toBe(
      false,
    );
  });

  it('replenishment: Layla (Riyadh) is reminded 27 days after ordering coffee, at 10:00 local, and her re-order stops the second reminder', () => {
    const ctx = contextFor('replenishment-reminder', '2026-03-01T16:20:00Z', 1);
    expect(ctx.product?.id).toBe('arabica-coffee-1kg');
    const first = scheduleWait(step(ctx, 'wait-until-running-low', 'wait'), ctx);
    expect(first.toISOString()).toBe('2026-03-28T07:00:00.000Z');
    const check = step(ctx, 'check-reordered', 'branch').branches[0]!.when;
    expect(evaluateCondition(check, contextFor('replenishment-reminder', '2026-03-31T07:00:00Z', 2))).toBe(
      true,
    );
    expect(evaluateCondition(check, contextFor('replenishment-reminder', '2026-03-31T07:00:00Z', 1))).toBe(
      false,
    );
  });

  it('cart abandonment: Maryam (Tehran) qualifies, and her order two days later is inside the 7-day goal window', () => {
    const ctx = contextFor('cart-abandonment', '2026-03-10T15:30:00Z', 1);
    expect(evaluateCondition(ctx.journey.entry.condition!, ctx)).toBe(true);
    const events = readJson('examples/cart-abandonment.events.json') as CustomerEvent[];
    const [entered, ordered] = events.map((e) => Date.parse(e.time));
    expect(ordered! - entered!).toBeGreaterThan(25 * 3600_000); // after the reminder and the incentive
    expect(ordered! - entered!).toBeLessThan(7 * 24 * 3600_000);
  });
});
