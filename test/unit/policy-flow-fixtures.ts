/** Small builders for policy unit tests: plain data, no mocks. */
import type { Enrollment } from '../../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import type { DecisionContext } from '../../engine/policy/context.ts';
import type { Journey } from '../../engine/schema.ts';

export const NOW = new Date('2024-06-10T12:00:00.000Z');
export const CUSTOMER = 'cust-1';

export function journey(overrides: Partial<Journey> = {}): Journey {
  return {
    id: 'test-journey',
    version: 1,
    name: 'Test journey',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    start: 'done',
    steps: { done: { type: 'exit' } },
    messages: {},
    ...overrides,
  };
}

let counter = 0;
export function event(
  type: string,
  time: string | Date,
  properties: Record<string, unknown> = {},
  extra: Partial<CustomerEvent> = {},
): CustomerEvent {
  counter += 1;
  return {
    id: `evt-${counter}`,
    type,
    customerId: CUSTOMER,
    time: typeof time === 'string' ? time : time.toISOString(),
    properties,
    ...extra,
  };
}

export function hoursBefore(hours: number, from: Date = NOW): string {
  return new Date(from.getTime() - hours * 3_600_000).toISOString();
}

export function daysBefore(days: number, from: Date = NOW): string {
  return hoursBefore(days * 24, from);
}

export function enrollment(overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    id: 'test-journey-v1-abc',
    customerId: CUSTOMER,
    journeyId: 'test-journey',
    journeyVersion: 1,
    enteredAt: daysBefore(2),
    event: event('signed_up', daysBefore(2), {}, { id: 'trigger' }),
    ...overrides,
  };
}

export function profile(overrides: Partial<Profile> = {}): Profile {
  return { id: CUSTOMER, ...overrides };
}

export const SHAMPOO: Product = {
  id: 'prod-shampoo',
  name: 'Shampoo',
  price: 12,
  currency: 'EUR',
  imageUrl: 'https://example.com/s.png',
  url: 'https://example.com/s',
  replenishmentDays: 30,
};

export const MUG: Product = {
  id: 'prod-mug',
  name: 'Mug',
  price: 8,
  currency: 'EUR',
  imageUrl: 'https://example.com/m.png',
  url: 'https://example.com/m',
};

export function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    journey: journey(),
    enrollment: enrollment(),
    profile: profile(),
    history: [],
    now: NOW,
    config: DEFAULT_POLICY,
    ...overrides,
  };
}
