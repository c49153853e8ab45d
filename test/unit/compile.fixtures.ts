/** Journeys for the compiler tests: every step kind and every way into a wait, plus the reference journeys. */
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { Enrollment, ExecutionInput } from '../../engine/contract.ts';
import { Journey } from '../../engine/schema.ts';

export const REFERENCE_IDS = ['welcome', 'replenishment-reminder', 'cart-abandonment'] as const;

export function loadReference(id: string): Journey {
  const value: unknown = JSON.parse(
    readFileSync(new URL(`../../workflows/${id}.journey.json`, import.meta.url), 'utf8'),
  );
  if (!Value.Check(Journey, value)) throw new Error(`workflows/${id}.journey.json does not match the schema`);
  return value;
}

const base = {
  version: 3,
  priority: 50,
  defaultLocale: 'en',
  entry: { event: 'signed_up', reentry: { mode: 'never' as const } },
  messages: {
    hello: { locales: { en: { sms: { body: 'Hello' } } } },
  },
};

/**
 * Every step kind: a timestamp wait at the start (needs its own schedule Task), timestamp waits
 * entered from a Lambda (no schedule Task) and from a wait-for-event timeout (schedule Task), a
 * wait in months, an update, a split, a branch whose every branch goes to the same step.
 */
export const KITCHEN_SINK: Journey = {
  ...base,
  id: 'kitchen-sink',
  name: 'Kitchen sink',
  start: 'at-ten',
  steps: {
    'at-ten': { type: 'wait', until: { localTime: '10:00' }, next: 'greet' },
    greet: { type: 'send', message: 'hello', channels: ['preferred', 'sms'], next: 'wait-reply' },
    'wait-reply': {
      type: 'waitForEvent',
      event: 'replied',
      timeout: 'P1D',
      onEvent: 'tag-replied',
      onTimeout: 'next-morning',
    },
    'tag-replied': { type: 'update', attribute: 'replied', value: true, next: 'after-update' },
    'after-update': { type: 'wait', until: { localTime: '09:00' }, next: 'pick' },
    'next-morning': { type: 'wait', until: { localTime: '09:00' }, next: 'pick' },
    pick: {
      type: 'split',
      arms: [
        { name: 'a', weight: 50, next: 'offer-a' },
        { name: 'b', weight: 50, next: 'offer-b' },
      ],
    },
    'offer-a': { type: 'send', message: 'hello', channels: ['sms'], next: 'monthly' },
    'offer-b': { type: 'send', message: 'hello', channels: ['sms'], next: 'same-target' },
    'same-target': {
      type: 'branch',
      branches: [{ when: { field: 'profile.locale', op: 'eq', value: 'en' }, next: 'pause' }],
      otherwise: 'pause',
    },
    pause: { type: 'wait', duration: 'PT30M', next: 'done' },
    monthly: { type: 'wait', duration: 'P1M', next: 'done' },
    done: { type: 'exit', reason: 'finished' },
  },
};

/** A journey that comes back to an earlier step after a wait. */
export const WEEKLY_LOOP: Journey = {
  ...base,
  id: 'weekly-loop',
  name: 'Weekly loop',
  start: 'nudge',
  steps: {
    nudge: { type: 'send', message: 'hello', channels: ['sms'], next: 'a-week' },
    'a-week': { type: 'wait', duration: 'P7D', next: 'again' },
    again: {
      type: 'branch',
      branches: [{ when: { did: 'order_placed', since: 'entry' }, next: 'done' }],
      otherwise: 'nudge',
    },
    done: { type: 'exit' },
  },
};

export const FIXTURES: readonly Journey[] = [KITCHEN_SINK, WEEKLY_LOOP];

export function executionInput(journey: Journey): ExecutionInput {
  const enrollment: Enrollment = {
    id: `${journey.id}-v${journey.version}-cust-1-evt-1`,
    customerId: 'cust-1',
    journeyId: journey.id,
    journeyVersion: journey.version,
    enteredAt: '2026-03-02T08:00:00.000Z',
    event: {
      id: 'evt-1',
      type: journey.entry.event ?? 'audience_entered',
      customerId: 'cust-1',
      time: '2026-03-02T08:00:00.000Z',
      properties: {},
    },
  };
  return { enrollment };
}
