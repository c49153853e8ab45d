/**
 * The demo's synthetic world: an audience, a catalog and a month of customer behaviour.
 *
 * Everything is drawn from a seeded hash of (seed, customer, purpose) rather than one sequential
 * random stream, so a customer's story does not change when the audience grows or events are
 * processed in another order: the same seed gives the same world.
 */
import type { CustomerEvent, Product, PushToken } from '../engine/data.ts';
import type { ChannelName } from '../engine/schema.ts';

export interface DemoWorldOptions {
  customers: number;
  days: number;
  seed: number;
  /** Simulated start (UTC). */
  start: Date;
}

export interface DemoCustomer {
  id: string;
  locale: 'en' | 'ar' | 'fa';
  /** As given at sign-up; a few are invalid or missing on purpose. */
  timeZone?: string;
  country: string;
  email?: string;
  phone?: string;
  pushToken?: PushToken;
  preferredChannel?: ChannelName;
  consent: Partial<Record<ChannelName, boolean>>;
  firstName: string;
  lastName: string;
  /** Signs up during the demo (welcome journey) or existed before it. */
  signsUp: boolean;
  /**
   * `YYYY-MM-DD`, for some customers from before the demo (their import carries it; a sign-up
   * cannot yet: events set no custom attributes until the data dictionary lands). A share falls
   * inside the demo's days, so the birthday journey has gifts to send.
   */
  birthday?: string;
  joinedAt: Date;
  /** How the customer reacts to messages: open, click, unsubscribe rates. */
  temper: { open: number; click: number; unsubscribe: number };
}

export interface ScheduledEvent {
  at: Date;
  event: CustomerEvent;
}

export interface DemoWorld {
  options: DemoWorldOptions;
  catalog: Product[];
  audience: DemoCustomer[];
  /** Ingest events, in time order. */
  events: ScheduledEvent[];
  /** Profiles of customers from before the demo, loaded before it starts (`profile_updated`). */
  imports: ScheduledEvent[];
  /**
   * Orders imported customers placed before the demo (65 to 240 days before its start), loaded
   * with the import as stored, processed events: what the win-back segment (no order in 60 days)
   * finds. Drawn from a stream of their own, so the rest of the world is the same with or without.
   */
  history: ScheduledEvent[];
}

// ── Seeded randomness ─────────────────────────────────────────────────────────────────────────

/** A number in [0, 1) determined by the seed and the keys alone (FNV-1a, then a 32-bit mix). */
export function chance(seed: number, ...keys: (string | number)[]): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of keys.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** A small deterministic stream for one purpose. */
export function stream(seed: number, ...keys: (string | number)[]) {
  let n = 0;
  const next = () => chance(seed, ...keys, n++);
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      return items[items.length - 1]![0];
    },
  };
}

// ── Catalog ───────────────────────────────────────────────────────────────────────────────────

const PRODUCTS: [string, string, string, string, number, number | undefined][] = [
  // id, en, ar, fa, price, replenishment days
  ['coffee-beans', 'Single-origin coffee beans', 'حبوب قهوة أحادية المصدر', 'دانه قهوه تک‌خاستگاه', 18, 14],
  ['green-tea', 'Jasmine green tea', 'شاي أخضر بالياسمين', 'چای سبز یاسمن', 12, 21],
  ['shampoo', 'Argan oil shampoo', 'شامبو بزيت الأرغان', 'شامپو روغن آرگان', 14, 30],
  ['vitamins', 'Daily multivitamins', 'فيتامينات يومية', 'مولتی‌ویتامین روزانه', 22, 30],
  ['cat-food', 'Grain-free cat food', 'طعام قطط خالٍ من الحبوب', 'غذای گربه بدون غلات', 35, 14],
  ['contact-lenses', 'Monthly contact lenses', 'عدسات لاصقة شهرية', 'لنز تماسی ماهانه', 40, 28],
  ['toothpaste', 'Whitening toothpaste', 'معجون أسنان مبيّض', 'خمیردندان سفیدکننده', 6, 21],
  ['saffron', 'Persian saffron, 2 g', 'زعفران إيراني، ٢ غرام', 'زعفران ایرانی، ۲ گرم', 16, 25],
  ['dates', 'Medjool dates', 'تمر مجدول', 'خرمای مجول', 15, 18],
  ['headphones', 'Wireless headphones', 'سماعات لاسلكية', 'هدفون بی‌سیم', 120, undefined],
  ['backpack', 'Everyday backpack', 'حقيبة ظهر يومية', 'کوله‌پشتی روزمره', 65, undefined],
  ['yoga-mat', 'Yoga mat', 'سجادة يوغا', 'زیرانداز یوگا', 30, undefined],
];

export function createCatalog(): Product[] {
  return PRODUCTS.map(([id, en, ar, fa, price, days]) => ({
    id,
    name: en,
    names: { en, ar, fa },
    price,
    currency: 'USD',
    imageUrl: `https://shop.example.com/images/${id}.jpg`,
    url: `https://shop.example.com/p/${id}`,
    ...(days ? { replenishmentDays: days } : {}),
  }));
}

// ── Audience ──────────────────────────────────────────────────────────────────────────────────

interface Place {
  zone: string;
  country: string;
  /** Builds a valid mobile number from 7 random digits. */
  phone: (digits: string) => string;
}

const PLACES: Record<DemoCustomer['locale'], readonly (readonly [Place, number])[]> = {
  en: [
    [{ zone: 'America/New_York', country: 'US', phone: (d) => `+1212${d}` }, 5],
    [{ zone: 'America/Chicago', country: 'US', phone: (d) => `+1312${d}` }, 3],
    [{ zone: 'America/Los_Angeles', country: 'US', phone: (d) => `+1310${d}` }, 4],
    [{ zone: 'America/Toronto', country: 'CA', phone: (d) => `+1416${d}` }, 2],
    [{ zone: 'Europe/London', country: 'GB', phone: (d) => `+44791${d}` }, 4],
    [{ zone: 'Europe/Berlin', country: 'DE', phone: (d) => `+49151${d}` }, 2],
    [{ zone: 'Asia/Kolkata', country: 'IN', phone: (d) => `+91981${d}` }, 4],
    [{ zone: 'Australia/Sydney', country: 'AU', phone: (d) => `+61412${d.slice(1)}` }, 2],
  ],
  ar: [
    [{ zone: 'Asia/Riyadh', country: 'SA', phone: (d) => `+96650${d}` }, 5],
    [{ zone: 'Asia/Dubai', country: 'AE', phone: (d) => `+97150${d}` }, 3],
    [{ zone: 'Africa/Cairo', country: 'EG', phone: (d) => `+20100${d}` }, 3],
    [{ zone: 'Europe/Paris', country: 'FR', phone: (d) => `+33612${d.slice(1)}` }, 1],
  ],
  fa: [
    [{ zone: 'Asia/Tehran', country: 'IR', phone: (d) => `+98912${d}` }, 7],
    [{ zone: 'Europe/Berlin', country: 'DE', phone: (d) => `+49152${d}` }, 1],
    [{ zone: 'America/Los_Angeles', country: 'US', phone: (d) => `+1818${d}` }, 2],
    [{ zone: 'America/Toronto', country: 'CA', phone: (d) => `+1647${d}` }, 1],
  ],
};

const NAMES: Record<DemoCustomer['locale'], { first: readonly string[]; last: readonly string[] }> = {
  en: {
    first: [
      'Olivia',
      'Liam',
      'Emma',
      'Noah',
      'Ava',
      'Ethan',
      'Mia',
      'Lucas',
      'Priya',
      'Arjun',
      'Chloe',
      'Jack',
    ],
    last: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Patel', 'Singh', 'Martin', 'Clarke', 'Lee'],
  },
  ar: {
    first: ['محمد', 'فاطمة', 'أحمد', 'نور', 'عمر', 'ليلى', 'يوسف', 'مريم', 'خالد', 'سارة'],
    last: ['العتيبي', 'القحطاني', 'الحربي', 'منصور', 'حسن', 'السيد', 'الشمري', 'إبراهيم'],
  },
  fa: {
    first: ['سارا', 'علی', 'مریم', 'رضا', 'زهرا', 'امیر', 'نازنین', 'حسین', 'پریسا', 'کاوه'],
    last: ['محمدی', 'حسینی', 'احمدی', 'رضایی', 'کریمی', 'موسوی', 'جعفری', 'صادقی'],
  },
};

const LATIN: Record<DemoCustomer['locale'], readonly string[]> = {
  en: ['olivia', 'liam', 'emma', 'noah', 'ava', 'ethan', 'mia', 'lucas', 'priya', 'arjun', 'chloe', 'jack'],
  ar: ['mohammed', 'fatima', 'ahmed', 'noor', 'omar', 'layla', 'yousef', 'maryam', 'khaled', 'sara'],
  fa: ['sara', 'ali', 'maryam', 'reza', 'zahra', 'amir', 'nazanin', 'hossein', 'parisa', 'kaveh'],
};

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export function createAudience(options: DemoWorldOptions): DemoCustomer[] {
  const audience: DemoCustomer[] = [];
  const width = Math.max(4, String(options.customers).length);
  for (let i = 1; i <= options.customers; i++) {
    const id = `cust-${String(i).padStart(width, '0')}`;
    const r = stream(options.seed, id, 'profile');
    const locale = r.weighted([
      ['en', 5],
      ['ar', 3],
      ['fa', 3],
    ] as const);
    const place = r.weighted(PLACES[locale]);
    const firstIndex = r.int(0, NAMES[locale].first.length - 1);
    const firstName = NAMES[locale].first[firstIndex]!;
    const lastName = r.pick(NAMES[locale].last);
    const handle = `${LATIN[locale][firstIndex % LATIN[locale].length]}.${i}`;

    // Time zone: mostly right, a few missing or invalid (the policy falls back and records why).
    const zoneRoll = r.next();
    const timeZone = zoneRoll < 0.03 ? undefined : zoneRoll < 0.05 ? 'Mars/Olympus_Mons' : place.zone;

    // Addresses: some broken on purpose; SES's mailbox simulator bounces and complains for real.
    const emailRoll = r.next();
    const email =
      emailRoll < 0.04
        ? undefined
        : emailRoll < 0.07
          ? `${handle}@@example.com`
          : emailRoll < 0.1
            ? 'bounce@simulator.amazonses.com'
            : emailRoll < 0.11
              ? 'complaint@simulator.amazonses.com'
              : `${handle}@example.com`;
    const digits = String(r.int(2_000_000, 9_899_999));
    const phoneRoll = r.next();
    const phone =
      phoneRoll < 0.3 ? undefined : phoneRoll < 0.35 ? `0${digits.slice(0, 4)}` : place.phone(digits);
    const hasApp = r.next() < 0.45;
    const pushToken: PushToken | undefined = hasApp
      ? {
          platform: r.next() < 0.5 ? 'APNS' : 'GCM',
          token: `${r.next() < 0.08 ? 'stale-' : ''}tok-${id}-${Math.floor(r.next() * 1e9).toString(36)}`,
        }
      : undefined;
    const preferredChannel = r.weighted([
      ['email', 4],
      ['sms', 2],
      ['push', 2],
      [undefined, 3],
    ] as const);
    const consent: DemoCustomer['consent'] = {
      email: r.next() < 0.93,
      ...(phone ? { sms: r.next() < 0.6 } : {}),
      ...(pushToken ? { push: r.next() < 0.85 } : {}),
    };
    const signsUp = r.next() < 0.65;
    const joinedAt = signsUp
      ? new Date(options.start.getTime() + Math.floor(r.next() * Math.min(options.days, 24) * DAY))
      : new Date(options.start.getTime() - Math.floor((1 + r.next() * 300) * DAY));
    const birthday = signsUp ? undefined : birthdayOf(options, id);
    audience.push({
      id,
      locale,
      ...(birthday ? { birthday } : {}),
      ...(timeZone ? { timeZone } : {}),
      country: place.country,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(pushToken ? { pushToken } : {}),
      ...(preferredChannel ? { preferredChannel } : {}),
      consent,
      firstName,
      lastName,
      signsUp,
      joinedAt,
      temper: {
        open: 0.2 + r.next() * 0.5,
        click: 0.1 + r.next() * 0.3,
        unsubscribe: r.next() < 0.1 ? 0.5 : 0.01,
      },
    });
  }
  return audience;
}

/**
 * Three in five customers from before the demo told us their birthday; two in five of those fall
 * within the demo's days (from its fourth day on, so an order can come first), the rest anywhere
 * in the year. Born 1960–2005, on a real date (29 February only in leap years).
 */
function birthdayOf(options: DemoWorldOptions, id: string): string | undefined {
  const r = stream(options.seed, id, 'birthday');
  if (r.next() >= 0.6) return undefined;
  const day =
    r.next() < 0.4
      ? new Date(options.start.getTime() + r.int(3, Math.max(3, options.days - 1)) * DAY)
      : new Date(Date.UTC(2024, 0, 1) + r.int(0, 365) * DAY); // 2024 has a 29 February
  const year = r.int(1960, 2005);
  const isLeap = (y: number) => new Date(Date.UTC(y, 1, 29)).getUTCMonth() === 1;
  const month = day.getUTCMonth() + 1;
  const date = day.getUTCDate();
  const bornYear = month === 2 && date === 29 && !isLeap(year) ? year - (year % 4) : year;
  return `${bornYear}-${String(month).padStart(2, '0')}-${String(date).padStart(2, '0')}`;
}

// ── Behaviour ─────────────────────────────────────────────────────────────────────────────────

/** Some minutes to hours after `from`: shoppers come back at any hour, the policy guards the night. */
function wakingTime(from: Date, r: ReturnType<typeof stream>): Date {
  return new Date(from.getTime() + r.int(20, 12 * 60) * MINUTE + r.int(0, 59) * 1000);
}

export function planEvents(
  audience: DemoCustomer[],
  catalog: Product[],
  options: DemoWorldOptions,
): { events: ScheduledEvent[]; imports: ScheduledEvent[]; history: ScheduledEvent[] } {
  const end = options.start.getTime() + options.days * DAY;
  const events: ScheduledEvent[] = [];
  const imports: ScheduledEvent[] = [];
  const history: ScheduledEvent[] = [];
  const add = (
    at: Date,
    customerId: string,
    type: string,
    id: string,
    properties: Record<string, unknown>,
  ) => {
    if (at.getTime() >= end) return;
    events.push({ at, event: { id, type, customerId, time: at.toISOString(), properties } });
  };
  const replenishable = catalog.filter((p) => p.replenishmentDays);

  for (const c of audience) {
    const r = stream(options.seed, c.id, 'behaviour');
    const traits = {
      ...(c.email ? { email: c.email } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      firstName: c.firstName,
      lastName: c.lastName,
      locale: c.locale,
      ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      country: c.country,
      ...(c.preferredChannel ? { preferredChannel: c.preferredChannel } : {}),
      ...(c.pushToken ? { pushToken: c.pushToken } : {}),
      consent: c.consent,
    };
    if (c.signsUp) {
      add(c.joinedAt, c.id, 'signed_up', `${c.id}-signup`, {
        source: r.pick(['web', 'app', 'checkout'] as const),
        profile: traits,
      });
    } else {
      // Customers from before the demo: their profiles are imported (no journey starts on an import).
      imports.push({
        at: c.joinedAt,
        event: {
          id: `${c.id}-import`,
          type: 'profile_updated',
          customerId: c.id,
          time: c.joinedAt.toISOString(),
          properties: {
            profile: { ...traits, ...(c.birthday ? { attributes: { birthday: c.birthday } } : {}) },
          },
        },
      });
      const past = stream(options.seed, c.id, 'history');
      if (past.next() < 0.5) {
        const orders = past.int(1, 3);
        for (let k = 1; k <= orders; k++) {
          const at = new Date(options.start.getTime() - past.int(65, 240) * DAY - past.int(0, 23) * HOUR);
          const product = past.pick(catalog);
          if (at.getTime() <= c.joinedAt.getTime()) continue;
          const items = [{ productId: product.id, quantity: 1, price: product.price }];
          history.push({
            at,
            event: {
              id: `${c.id}-past-order-${k}`,
              type: 'order_placed',
              customerId: c.id,
              time: at.toISOString(),
              properties: { orderId: `${c.id}-p${k}`, items, total: product.price, currency: 'USD' },
            },
          });
        }
      }
    }

    let orderSeq = 0;
    const order = (at: Date, items: { productId: string; quantity: number; price: number }[]) => {
      if (at.getTime() >= end) return;
      orderSeq += 1;
      add(at, c.id, 'order_placed', `${c.id}-order-${orderSeq}`, {
        orderId: `${c.id}-o${orderSeq}`,
        items,
        total: items.reduce((sum, item) => sum + item.price * item.quantity, 0),
        currency: 'USD',
      });
      // Re-orders of consumables: some early (before the reminder), many after it, some never.
      for (const item of items) {
        const product = catalog.find((p) => p.id === item.productId);
        if (!product?.replenishmentDays) continue;
        const roll = r.next();
        const cycle = product.replenishmentDays * DAY;
        if (roll < 0.2)
          reorders.push({ at: new Date(at.getTime() + cycle - 6 * DAY + r.int(0, 36) * HOUR), item });
        else if (roll < 0.55)
          reorders.push({ at: new Date(at.getTime() + cycle - 2 * DAY + r.int(0, 72) * HOUR), item });
      }
    };
    const reorders: { at: Date; item: { productId: string; quantity: number; price: number } }[] = [];
    const basket = (n: number) =>
      Array.from({ length: n }, () => {
        const product = r.next() < 0.75 ? r.pick(replenishable) : r.pick(catalog);
        return { productId: product.id, quantity: r.int(1, 2), price: product.price };
      }).filter((item, i, all) => all.findIndex((x) => x.productId === item.productId) === i);

    // Shopping sessions: a cart, then an order (soon, after a reminder, or never).
    const sessions = r.weighted([
      [0, 3],
      [1, 4],
      [2, 2],
      [3, 1],
    ] as const);
    let cursor = Math.max(c.joinedAt.getTime(), options.start.getTime()) + r.int(1, 72) * HOUR;
    for (let s = 1; s <= sessions; s++) {
      const at = wakingTime(new Date(cursor), r);
      const items = basket(r.int(1, 3));
      // Browsing is mostly noise to journeys; a few views keep ingest honest about non-entry events.
      if (r.next() < 0.2)
        add(at, c.id, 'product_viewed', `${c.id}-view-${s}`, { productId: items[0]!.productId });
      const cartAt = new Date(at.getTime() + r.int(2, 15) * MINUTE);
      const cartId = `${c.id}-cart-${s}`;
      add(cartAt, c.id, 'cart_updated', `${cartId}-v1`, {
        cartId,
        items,
        total: items.reduce((sum, item) => sum + item.price * item.quantity, 0),
        currency: 'USD',
        cartUrl: `https://shop.example.com/cart/${cartId}`,
      });
      // Without any message: a third check out at once, a few come back later on their own, the
      // rest abandon. Orders caused by reminders and offers are the customers' reactions (shard.ts),
      // which is what the holdout and the A/B test measure.
      const outcome = r.weighted([
        ['quick', 35],
        ['later', 10],
        ['abandoned', 55],
      ] as const);
      if (outcome === 'quick') order(new Date(cartAt.getTime() + r.int(5, 50) * MINUTE), items);
      else if (outcome === 'later') order(new Date(cartAt.getTime() + r.int(90, 72 * 60) * MINUTE), items);
      cursor = cartAt.getTime() + r.int(3, 10) * DAY;
    }
    for (const { at, item } of reorders) order(at, [item]);
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.event.id < b.event.id ? -1 : 1));
  history.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.event.id < b.event.id ? -1 : 1));
  return { events, imports, history };
}

/**
 * The world, or one shard of it: customers are dealt round-robin to `shard.count` shards. A
 * customer's story does not depend on the shard (see `chance`), and customers never affect each
 * other, so the shards together are exactly the whole world.
 */
export function createWorld(options: DemoWorldOptions, shard = { index: 0, count: 1 }): DemoWorld {
  const catalog = createCatalog();
  const audience = createAudience(options).filter((_, i) => i % shard.count === shard.index);
  return { options, catalog, audience, ...planEvents(audience, catalog, options) };
}
