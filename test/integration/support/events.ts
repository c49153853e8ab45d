import type { CustomerEvent } from '../../../engine/data.ts';

/** A sign-up of an English-speaking London customer who consents to email, at `time`. */
export function signedUpEvent(customerId: string, time: Date): CustomerEvent {
  return {
    id: `signup-${customerId}`,
    type: 'signed_up',
    customerId,
    time: time.toISOString(),
    properties: {
      profile: {
        email: `${customerId}@example.com`,
        firstName: 'Ada',
        locale: 'en',
        timeZone: 'Europe/London',
        consent: { email: true },
      },
    },
  };
}
