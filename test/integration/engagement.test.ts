/**
 * Engagement conditions end to end on the real handlers: the step Lambda sends, SES or End User
 * Messaging report an open or click to the feedback Lambda, and a later branch of the same run
 * reads it. Every AWS call is checked against the functions' IAM roles when the runtime stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journey } from '../../engine/schema.ts';
import {
  enrollmentFor,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

function engagementJourney(id: string, channels: ('email' | 'push')[]): Journey {
  const base = sendJourney(id, { channels });
  return {
    ...base,
    steps: {
      send: { type: 'send', message: 'hello', channels, next: 'wait' },
      wait: { type: 'wait', duration: 'P1D', next: 'check' },
      check: {
        type: 'branch',
        branches: [
          { name: 'clicked', when: { engaged: 'send', with: 'click', within: 'P1D' }, next: 'done' },
          { name: 'opened', when: { engaged: 'send', with: 'open', within: 'P1D' }, next: 'done' },
        ],
        otherwise: 'nudge',
      },
      nudge: { type: 'send', message: 'hello', channels: ['sms'], next: 'done' },
      done: { type: 'exit' },
    },
  };
}

const emailJourney = engagementJourney('eng-email', ['email']);
const pushJourney = engagementJourney('eng-push', ['push']);

function sesEvent(eventType: 'Open' | 'Click', messageId: string, at: string) {
  const key = eventType.toLowerCase();
  return {
    version: '0',
    'detail-type': `Email ${eventType}`,
    source: 'aws.ses',
    detail: {
      eventType,
      mail: { messageId, timestamp: '2025-06-02T12:00:00.000Z', tags: {} },
      [key]: { timestamp: at, ...(eventType === 'Click' ? { link: 'https://shop.test/' } : {}) },
    },
  };
}

describe('engagement conditions on the runtime', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [emailJourney, pushJourney] });
  });
  afterAll(async () => rt?.stop());

  async function send(journey: Journey, customerId: string, eventId = 'e1'): Promise<string | undefined> {
    rt.clock.set('2025-06-02T12:00:00Z');
    const enrollment = enrollmentFor(journey, customerId, eventId);
    await rt.step(stepRequest(journey, enrollment));
    const sent = (await rt.store.listLedger(customerId)).find(
      (r) => r.kind === 'decision' && r.outcome === 'sent' && r.executionId?.endsWith(enrollment.id),
    );
    return sent?.providerMessageId;
  }

  async function branch(journey: Journey, customerId: string, eventId = 'e1') {
    rt.clock.set('2025-06-03T12:00:00Z');
    return rt.step(stepRequest(journey, enrollmentFor(journey, customerId, eventId), 'check', 'branch'));
  }

  it('takes the “opened” branch after SES reports an open of that run’s email', async () => {
    await rt.seedProfile(reachableProfile('c-open'));
    const messageId = await send(emailJourney, 'c-open');
    expect(messageId).toBeDefined();
    await rt.feedback(sesEvent('Open', messageId!, '2025-06-02T13:00:00.000Z'));

    expect(await branch(emailJourney, 'c-open')).toMatchObject({
      outcome: 'next',
      next: 'done',
      detail: { branch: 'opened' },
    });
  });

  it('takes “otherwise” when nobody opened it, and when the open came after the window', async () => {
    await rt.seedProfile(reachableProfile('c-none'));
    await send(emailJourney, 'c-none');
    expect(await branch(emailJourney, 'c-none')).toMatchObject({
      next: 'nudge',
      detail: { branch: 'otherwise' },
    });

    await rt.seedProfile(reachableProfile('c-late'));
    const messageId = await send(emailJourney, 'c-late');
    // The open is reported, but 25 hours after the email: outside `within: P1D`.
    await rt.feedback(sesEvent('Open', messageId!, '2025-06-03T13:00:00.000Z'));
    rt.clock.set('2025-06-03T14:00:00Z');
    const late = await rt.step(
      stepRequest(emailJourney, enrollmentFor(emailJourney, 'c-late'), 'check', 'branch'),
    );
    expect(late).toMatchObject({ next: 'nudge', detail: { branch: 'otherwise' } });
  });

  it('reads only the open of this run’s message, not another run’s of the same step', async () => {
    await rt.seedProfile(reachableProfile('c-runs'));
    const first = await send(emailJourney, 'c-runs', 'e1');
    await send(emailJourney, 'c-runs', 'e2');
    await rt.feedback(sesEvent('Open', first!, '2025-06-02T13:00:00.000Z'));

    expect(await branch(emailJourney, 'c-runs', 'e1')).toMatchObject({ detail: { branch: 'opened' } });
    expect(await branch(emailJourney, 'c-runs', 'e2')).toMatchObject({ detail: { branch: 'otherwise' } });
  });

  it('takes “clicked” on a click, and keeps the earliest of several opens', async () => {
    await rt.seedProfile(reachableProfile('c-click'));
    const messageId = await send(emailJourney, 'c-click');
    await rt.feedback(sesEvent('Open', messageId!, '2025-06-02T15:00:00.000Z'));
    await rt.feedback(sesEvent('Open', messageId!, '2025-06-02T13:00:00.000Z'));
    await rt.feedback(sesEvent('Open', messageId!, '2025-06-02T18:00:00.000Z'));
    await rt.feedback(sesEvent('Click', messageId!, '2025-06-02T15:01:00.000Z'));

    expect(await branch(emailJourney, 'c-click')).toMatchObject({ detail: { branch: 'clicked' } });
    const executionId = stepRequest(emailJourney, enrollmentFor(emailJourney, 'c-click')).executionId;
    expect(await rt.store.getMessageEngagement('c-click', executionId, 'send')).toEqual({
      sentAt: expect.stringMatching(/^2025-06-02T12:00/),
      channel: 'email',
      openedAt: '2025-06-02T13:00:00.000Z',
      clickedAt: '2025-06-02T15:01:00.000Z',
    });
  });

  it('counts a push notification opened (End User Messaging event stream)', async () => {
    await rt.seedProfile(reachableProfile('c-push'));
    const messageId = await send(pushJourney, 'c-push');
    expect(messageId).toBeDefined();
    await rt.feedback({
      event_type: '_push.open',
      event_timestamp: Date.parse('2025-06-02T12:30:00Z'),
      attributes: { message_id: messageId },
    });
    expect(await branch(pushJourney, 'c-push')).toMatchObject({ detail: { branch: 'opened' } });
  });

  it('is not engaged when the send step sent nothing (no consent): the branch goes on to “otherwise”', async () => {
    await rt.seedProfile(
      reachableProfile('c-optout', {
        consent: { email: { status: 'opted_out', at: '2025-01-01T00:00:00Z', source: 'preference_center' } },
      }),
    );
    expect(await send(emailJourney, 'c-optout')).toBeUndefined();
    expect(await branch(emailJourney, 'c-optout')).toMatchObject({ detail: { branch: 'otherwise' } });
  });
});
