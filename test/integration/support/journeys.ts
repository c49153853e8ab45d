import { readFileSync } from 'node:fs';
import type { Journey } from '../../../engine/schema.ts';

/** The reference journeys marketers see in workflows/. */
export function referenceJourneys(): Journey[] {
  return ['welcome', 'cart-abandonment', 'replenishment-reminder'].map(
    (name) =>
      JSON.parse(
        readFileSync(new URL(`../../../workflows/${name}.journey.json`, import.meta.url), 'utf8'),
      ) as Journey,
  );
}

/** An English email with its unsubscribe link, as the validator requires of marketing email. */
export function unsubscribableEmail(subject: string) {
  return {
    locales: {
      en: {
        email: {
          subject,
          html: `<p>${subject}</p><p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>`,
          text: `${subject} Unsubscribe: {{ links.unsubscribe }}`,
        },
      },
    },
  };
}

/** `hello`, a wait of `wait`, `follow-up`: on sign-up, once per customer. */
export function twoStepJourney(wait: string, execution?: 'standard' | 'scale'): Journey {
  return {
    id: 'two-step',
    version: 1,
    name: 'Two step',
    priority: 50,
    defaultLocale: 'en',
    ...(execution ? { execution } : {}),
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    start: 'hello',
    steps: {
      hello: { type: 'send', message: 'hello', channels: ['email'], next: 'pause' },
      pause: { type: 'wait', duration: wait, next: 'follow-up' },
      'follow-up': { type: 'send', message: 'follow-up', channels: ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: { hello: unsubscribableEmail('Hello'), 'follow-up': unsubscribableEmail('Follow-up') },
  };
}
