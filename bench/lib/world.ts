/**
 * A deterministic synthetic audience for the engine benchmark: profiles in en/ar/fa (with region
 * variants that exercise the locale fallback), across time zones that are all in daytime at
 * `BENCH_NOW`, with a mix of preferred channels, consent, push tokens and engagement, plus the
 * event that started each journey and a short history.
 *
 * Daytime everywhere is deliberate: a deferred send renders nothing, and the benchmark compares
 * decide+render against rendering the same templates, so every decision here must end in a send.
 */
import { readFileSync } from 'node:fs';
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import type { ChannelName, Journey } from '../../engine/schema.ts';

export const REFERENCE_JOURNEYS = ['welcome', 'replenishment-reminder', 'cart-abandonment'] as const;

/** 15:00 UTC on a Tuesday: 10:00–18:30 in every zone below (no quiet hours). */
export const BENCH_NOW = new Date('2026-03-10T15:00:00Z');

const ROOT = new URL('../../', import.meta.url);

export function readRepoJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as T;
}

export function loadReferenceJourney(id: string): Journey {
  return readRepoJson<Journey>(`workflows/${id}.journey.json`);
}

export function loadCatalog(): Product[] {
  return readRepoJson<Product[]>('examples/products.json');
}

interface Persona {
  locale: string;
  timeZone: string;
  country: string;
  phone: string;
  firstName: string;
}

// Valid numbers per libphonenumber (the policy drops invalid ones).
const PERSONAS: readonly Persona[] = [
  { locale: 'en', timeZone: 'America/New_York', country: 'US', phone: '+12025550123', firstName: 'Emma' },
  { locale: 'en-GB', timeZone: 'Europe/London', country: 'GB', phone: '+447911123456', firstName: 'Oliver' },
  { locale: 'en-US', timeZone: 'America/Chicago', country: 'US', phone: '+13125550147', firstName: 'Ava' },
  { locale: 'ar', timeZone: 'Asia/Riyadh', country: 'SA', phone: '+966501234567', firstName: 'ليلى' },
  { locale: 'ar-SA', timeZone: 'Asia/Riyadh', country: 'SA', phone: '+966551234567', firstName: 'عمر' },
  { locale: 'ar-AE', timeZone: 'Asia/Dubai', country: 'AE', phone: '+971501234567', firstName: 'مريم' },
  { locale: 'fa', timeZone: 'Asia/Tehran', country: 'IR', phone: '+989121234567', firstName: 'سارا' },
  { locale: 'fa-IR', timeZone: 'Asia/Tehran', country: 'IR', phone: '+989351234567', firstName: 'علی' },
  { locale: 'fa', timeZone: 'Europe/Berlin', country: 'DE', phone: '+4915123456789', firstName: 'نگار' },
];

const PREFERENCES: readonly (ChannelName | undefined)[] = ['email', 'push', 'sms', undefined];

const opted = { status: 'opted_in', at: '2026-01-15T09:00:00Z', source: 'signup_form' } as const;

export function syntheticProfiles(count: number): Profile[] {
  const profiles: Profile[] = [];
  for (let i = 0; i < count; i++) {
    const p = PERSONAS[i % PERSONAS.length]!;
    const preferred = PREFERENCES[Math.floor(i / PERSONAS.length) % PREFERENCES.length];
    const hasPush = i % 3 !== 2;
    const profile: Profile = {
      id: `bench-${String(i).padStart(5, '0')}`,
      email: `customer${i}@example.com`,
      phone: p.phone,
      firstName: i % 11 === 0 ? undefined : p.firstName,
      lastName: 'Bench',
      locale: p.locale,
      timeZone: p.timeZone,
      country: p.country,
      consent: {
        email: opted,
        ...(i % 4 !== 3 ? { sms: opted } : {}),
        ...(hasPush ? { push: opted } : {}),
      },
      ...(hasPush ? { pushTokens: [{ platform: i % 2 ? 'APNS' : 'GCM', token: `token-${i}` }] } : {}),
      ...(preferred ? { preferredChannel: preferred } : {}),
      engagement: {
        email: { opens: i % 7, clicks: i % 3 },
        ...(hasPush ? { push: { opens: i % 5, clicks: i % 2 } } : {}),
      },
      attributes: {
        ordersCount: i % 4,
        lifetimeValue: (i * 37) % 900,
        welcomeOfferCode: `WELCOME-${i}`,
        city: 'Riyadh',
      },
      createdAt: '2026-01-15T09:00:00Z',
    };
    if (profile.firstName === undefined) delete profile.firstName;
    profiles.push(profile);
  }
  return profiles;
}

/** The event that starts `journey` for `profile`, entered an hour before BENCH_NOW. */
export function entryEvent(journey: Journey, profile: Profile, product: Product, i: number): CustomerEvent {
  const time = new Date(BENCH_NOW.getTime() - 3_600_000).toISOString();
  const base = { id: `evt-${journey.id}-${i}`, customerId: profile.id, time };
  switch (journey.entry.event) {
    case 'cart_updated':
      return {
        ...base,
        type: 'cart_updated',
        properties: {
          cartId: `cart-${i}`,
          items: [{ productId: product.id, quantity: 1 + (i % 3), price: product.price }],
          total: product.price * (1 + (i % 3)),
          currency: product.currency,
          cartUrl: `https://heraldshop.example/cart/${i}`,
        },
      };
    case 'order_placed':
      return {
        ...base,
        type: 'order_placed',
        properties: {
          orderId: `ord-${i}`,
          items: [{ productId: product.id, quantity: 1, price: product.price }],
          total: product.price,
          currency: product.currency,
        },
      };
    default:
      return {
        ...base,
        type: journey.entry.event ?? 'signed_up',
        properties: { source: 'bench', profile: {} },
      };
  }
}

export function enrollmentFor(journey: Journey, event: CustomerEvent, product?: Product): Enrollment {
  return {
    id: `${journey.id}-${event.id}`,
    customerId: event.customerId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    enteredAt: event.time,
    event,
    ...(product ? { productId: product.id } : {}),
  };
}

/** A short, unrelated history (no exit events): product views over the past month. */
export function historyFor(profile: Profile, entry: CustomerEvent, i: number): CustomerEvent[] {
  const views: CustomerEvent[] = [];
  for (let k = 0; k < 1 + (i % 4); k++) {
    views.push({
      id: `view-${i}-${k}`,
      type: 'product_viewed',
      customerId: profile.id,
      time: new Date(BENCH_NOW.getTime() - (k + 2) * 86_400_000).toISOString(),
      properties: { productId: 'ceramic-mug' },
    });
  }
  return [entry, ...views];
}
