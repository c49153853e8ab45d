import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  type PriorSend,
  simulate,
  type Timeline,
  type TimelineEntry,
  timelineText,
} from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));
const products = read<Product[]>('examples/products.json');

async function run(
  journeyId: string,
  scenario: { profile: string; events?: string; sent?: PriorSend[]; at?: string },
): Promise<Timeline> {
  const { timeline } = await simulate({
    journey: read<Journey>(`workflows/${journeyId}.journey.json`),
    profile: read<Profile>(scenario.profile),
    events: scenario.events ? read<CustomerEvent[]>(scenario.events) : [],
    products,
    config,
    ...(scenario.sent ? { sent: scenario.sent } : {}),
    ...(scenario.at ? { at: new Date(scenario.at) } : {}),
  });
  return timeline;
}

const at = (timeline: Timeline, stepId: string) => timeline.entries.filter((e) => e.stepId === stepId);
const only = (entries: TimelineEntry[]) => {
  expect(entries).toHaveLength(1);
  return entries[0] as TimelineEntry;
};

describe('herald simulate: timelines from the real runtime', () => {
  it('holds a push due at 00:30 in Tehran until 08:00 local time, then sends it', async () => {
    const timeline = await run('cart-abandonment', {
      profile: 'examples/cart-abandonment.tehran-night.profile.json',
      events: 'examples/cart-abandonment.tehran-night.events.json',
    });

    expect(timeline.customer.zone).toBe('Asia/Tehran');
    const [held, sent] = at(timeline, 'send-cart-reminder');
    expect(held?.kind).toBe('defer');
    expect(held?.at).toBe('2026-03-10T21:00:00.000Z');
    expect(held?.local).toBe('2026-03-11T00:30:00.000+03:30');
    expect(held?.until).toBe('2026-03-11T04:30:00.000Z'); // 08:00 in Tehran (UTC+03:30)
    expect(held?.reasons).toContain('push:quiet_hours');
    expect(held?.summary).toContain('08:00 local (quiet hours for push)');

    expect(sent?.kind).toBe('send');
    expect(sent?.local).toBe('2026-03-11T08:00:00.000+03:30');
    expect(sent?.channel).toBe('push');
    expect(sent?.content?.locale).toBe('fa');
    expect(sent?.content?.push?.title).toBe('سبد خریدتان منتظر شماست');
  });

  it('falls back to email, and says why, when the preferred push has no token', async () => {
    const timeline = await run('welcome', {
      profile: 'examples/welcome.no-push-token.profile.json',
      events: 'examples/welcome.no-push-token.events.json',
    });

    const welcome = only(at(timeline, 'send-welcome'));
    expect(welcome.kind).toBe('send');
    expect(welcome.channel).toBe('email');
    expect(welcome.reasons).toEqual(['push:no_push_token']);
    expect(welcome.details).toContain('skipped push: no push token (the app is not installed)');
    expect(welcome.content?.email?.subject).toBe('Welcome to Herald Shop');
    expect(welcome.content?.email?.html).toContain('Hi Oliver');
  });

  it('skips a low-priority send when the customer’s weekly marketing cap is full', async () => {
    const timeline = await run('welcome', {
      profile: 'examples/welcome.capped.profile.json',
      events: 'examples/welcome.capped.events.json',
      sent: read<PriorSend[]>('examples/welcome.capped.sent.json'),
    });

    for (const stepId of ['send-welcome', 'send-first-order-offer']) {
      const entry = only(at(timeline, stepId));
      expect(entry.kind).toBe('skip');
      expect(entry.summary).toContain('frequency cap full');
      expect(entry.reasons).toContain('email:capped:marketing-7d');
    }
    expect(timeline.sent).toBe(0);
  });

  it('defers a high-priority send until the cap frees up instead of skipping it', async () => {
    const sent: PriorSend[] = ['2026-03-08T10:00:00Z', '2026-03-09T10:00:00Z', '2026-03-10T10:00:00Z'].map(
      (time) => ({ at: time, channel: 'email', journeyId: 'welcome', priority: 40 }),
    );
    const timeline = await run('cart-abandonment', {
      profile: 'examples/cart-abandonment.profile.json',
      events: 'examples/cart-abandonment.events.json',
      sent,
    });

    const [capped] = at(timeline, 'send-cart-reminder');
    expect(capped?.kind).toBe('defer');
    expect(capped?.summary).toContain('a frequency cap is full');
    // The oldest counted send leaves the 7-day window at 2026-03-15T10:00Z; priority 80 waits 20 s more.
    expect(capped?.until).toBe('2026-03-15T10:00:20.000Z');
  });

  it('stops the journey when the customer unsubscribes before the next message', async () => {
    const timeline = await run('welcome', {
      profile: 'examples/welcome.profile.json',
      events: 'examples/welcome.unsubscribed.events.json',
    });

    expect(only(at(timeline, 'send-welcome')).kind).toBe('send');
    const stopped = timeline.entries.find((e) => e.kind === 'stopped');
    expect(stopped?.at).toBe('2026-03-03T07:10:00.000Z');
    expect(stopped?.summary).toBe('stopped: exit event: unsubscribed');
    expect(at(timeline, 'check-first-order')).toHaveLength(0);
    expect(timeline.sent).toBe(1);
    expect(timeline.runs.map((r) => r.status)).toEqual(['ABORTED']);
  });

  it('sends nothing to a customer who opted out of every channel, and lists each refusal', async () => {
    const timeline = await run('replenishment-reminder', {
      profile: 'examples/replenishment-reminder.unsubscribed.profile.json',
      events: 'examples/replenishment-reminder.unsubscribed.events.json',
    });

    const first = only(at(timeline, 'send-first-reminder'));
    expect(first.kind).toBe('skip');
    expect(first.reasons).toEqual(['email:opted_out', 'push:opted_out', 'sms:opted_out']);
    expect(first.local).toBe('2026-04-12T10:00:00.000+04:00'); // order + 45 days − 3, at 10:00 Dubai
    expect(timeline.sent).toBe(0);
  });

  it('runs the welcome example: greeting now, first-order offer two days later at 10:00 local', async () => {
    const timeline = await run('welcome', {
      profile: 'examples/welcome.profile.json',
      events: 'examples/welcome.events.json',
    });

    const wait = only(at(timeline, 'wait-two-days'));
    expect(wait.until).toBe('2026-03-05T10:00:00.000Z'); // London is on UTC in March
    const branch = only(at(timeline, 'check-first-order'));
    expect(branch.summary).toBe('takes “otherwise” → send-first-order-offer');
    expect(branch.details).toEqual(['ordered: ordered since entry — no (0 found)']);
    const offer = only(at(timeline, 'send-first-order-offer'));
    expect(offer.content?.email?.text).toContain('WELCOME-EMMA10');
    expect(timeline.entries.at(-1)?.summary).toBe('leaves the journey: welcome series complete');
  });

  it('runs one replenishment per product, and a re-order ends the earlier run', async () => {
    const timeline = await run('replenishment-reminder', {
      profile: 'examples/replenishment-reminder.profile.json',
      events: 'examples/replenishment-reminder.events.json',
    });

    expect(timeline.runs.map((r) => [r.productId, r.status])).toEqual([
      ['arabica-coffee-1kg', 'ABORTED'],
      ['arabica-coffee-1kg', 'SUCCEEDED'],
    ]);
    const reminders = at(timeline, 'send-first-reminder');
    expect(reminders.map((r) => [r.run, r.local, r.channel])).toEqual([
      [1, '2026-03-28T10:00:00.000+03:00', 'push'],
      [2, '2026-04-25T10:00:00.000+03:00', 'push'],
    ]);
    expect(reminders[0]?.content?.push?.title).toContain('حبوب قهوة أرابيكا');
  });

  it('shows the split arm and the attribute the journey records', async () => {
    const timeline = await run('cart-abandonment', {
      profile: 'examples/cart-abandonment.tehran-night.profile.json',
      events: 'examples/cart-abandonment.tehran-night.events.json',
    });
    const split = only(at(timeline, 'choose-incentive'));
    expect(split.summary).toMatch(/^A\/B arm “(discount|free-shipping)” \(50%\) → record-/);
    const arm = split.summary.includes('discount') ? 'discount' : 'free-shipping';
    expect(only(at(timeline, `record-${arm}-arm`)).summary).toBe(`set cartReminderVariant = “${arm}”`);
    expect(only(at(timeline, `send-${arm}-offer`)).kind).toBe('send');
  });

  it('moves the whole script with --at: the same cart left at 15:30 in Tehran is not held', async () => {
    const timeline = await run('cart-abandonment', {
      profile: 'examples/cart-abandonment.tehran-night.profile.json',
      events: 'examples/cart-abandonment.tehran-night.events.json',
      at: '2026-03-10T15:30:00+03:30',
    });
    const reminder = only(at(timeline, 'send-cart-reminder'));
    expect(reminder.kind).toBe('send');
    expect(reminder.local).toBe('2026-03-10T16:30:00.000+03:30');
  });

  it('adds a sample entry event when the script has none, and is deterministic', async () => {
    const scenario = { profile: 'examples/welcome.profile.json', at: '2026-03-02T12:00:00Z' };
    const first = await run('welcome', scenario);
    const second = await run('welcome', scenario);
    expect(first.entries[0]?.summary).toBe('signed up (sample-signed_up)');
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('explains a customer who is held out, and one whose cart does not qualify', async () => {
    const journey = read<Journey>('workflows/cart-abandonment.journey.json');
    const cart = (customerId: string, total: number): CustomerEvent => ({
      id: `evt-${customerId}`,
      type: 'cart_updated',
      customerId,
      time: '2026-03-10T12:00:00Z',
      properties: { cartId: 'c', items: [], total, currency: 'EUR', cartUrl: 'https://shop.example/c' },
    });
    // `cust-control-1` falls in the journey's 10% control group (stable hash of journey and customer).
    const heldOut = await simulate({
      journey,
      profile: { id: 'cust-control-1' },
      events: [cart('cust-control-1', 30)],
      products,
      config,
    });
    expect(heldOut.timeline.runs).toEqual([]);
    expect(heldOut.timeline.entries[0]?.details).toEqual([
      'held out: this customer is in the control group and receives nothing',
    ]);

    const empty = await simulate({
      journey,
      profile: { id: 'c-2' },
      events: [cart('c-2', 0)],
      products,
      config,
    });
    expect(empty.timeline.runs).toEqual([]);
    expect(empty.timeline.entries[0]?.details[0]).toMatch(/^does not enter the journey/);
  });

  it('takes the “ordered” branch, with what the policy found, when the customer ordered after signing up', async () => {
    const events = read<CustomerEvent[]>('examples/welcome.events.json');
    events.push({
      id: 'evt-w-0003',
      type: 'order_placed',
      customerId: 'cust-emma-1001',
      time: '2026-03-04T12:00:00Z',
      properties: {
        orderId: 'o-1',
        items: [{ productId: 'ceramic-mug', quantity: 1 }],
        total: 35,
        currency: 'GBP',
      },
    });
    const { timeline } = await simulate({
      journey: read<Journey>('workflows/welcome.journey.json'),
      profile: read<Profile>('examples/welcome.profile.json'),
      events,
      products,
      config,
    });
    const branch = only(at(timeline, 'check-first-order'));
    expect(branch.summary).toBe('takes branch “ordered” → send-thank-you');
    expect(branch.details).toEqual(['ordered: ordered since entry — yes (1 found)']);
    expect(only(at(timeline, 'send-thank-you')).content?.email?.subject).toContain('Thanks for your order');
  });

  it('resumes a wait for an event when the event arrives in time, and times out when it does not', async () => {
    const welcome = read<Journey>('workflows/welcome.journey.json');
    const journey = {
      ...welcome,
      id: 'browse',
      exit: [],
      start: 'wait-view',
      steps: {
        'wait-view': {
          type: 'waitForEvent',
          event: 'product_viewed',
          timeout: 'P1D',
          onEvent: 'send-welcome',
          onTimeout: 'done',
        },
        'send-welcome': { type: 'send', message: 'welcome', channels: ['email'], next: 'done' },
        done: { type: 'exit', reason: 'end' },
      },
      messages: { welcome: welcome.messages.welcome },
    } as Journey;
    const events = (viewedAt: string) => {
      const script = read<CustomerEvent[]>('examples/welcome.events.json');
      return script.map((e) => (e.type === 'product_viewed' ? { ...e, time: viewedAt } : e));
    };
    const profile = read<Profile>('examples/welcome.profile.json');

    const inTime = await simulate({
      journey,
      profile,
      events: events('2026-03-03T10:00:00Z'),
      products,
      config,
    });
    expect(only(at(inTime.timeline, 'wait-view')).details).toEqual([
      'product viewed arrived Tue 3 Mar 10:00 local → send-welcome',
    ]);
    expect(only(at(inTime.timeline, 'send-welcome')).at).toBe('2026-03-03T10:00:00.000Z');

    const late = await simulate({
      journey,
      profile,
      events: events('2026-03-03T20:15:00Z'),
      products,
      config,
    });
    expect(only(at(late.timeline, 'wait-view')).details).toEqual(['no product viewed within 1 day → done']);
    expect(only(at(late.timeline, 'done')).at).toBe('2026-03-03T18:40:00.000Z');
    expect(late.timeline.sent).toBe(0);
  });
});

describe('herald simulate: local time follows the customer’s zone', () => {
  it('reads times after a profile update that moves the customer to Tehran on Tehran’s clock', async () => {
    const moved: CustomerEvent = {
      id: 'evt-w-move',
      type: 'profile_updated',
      customerId: 'cust-emma-1001',
      time: '2026-03-03T12:00:00Z',
      properties: { profile: { timeZone: 'Asia/Tehran' } },
    };
    const { timeline } = await simulate({
      journey: read<Journey>('workflows/welcome.journey.json'),
      profile: read<Profile>('examples/welcome.profile.json'),
      events: [...read<CustomerEvent[]>('examples/welcome.events.json'), moved],
      products,
      config,
    });

    const welcome = only(at(timeline, 'send-welcome'));
    expect([welcome.local, welcome.zone]).toEqual(['2026-03-02T18:40:00.000+00:00', 'Europe/London']);
    // The two-day wait was timed in London (10:00 there); the customer reads it in Tehran.
    const branch = only(at(timeline, 'check-first-order'));
    expect(branch.at).toBe('2026-03-05T10:00:00.000Z');
    expect([branch.local, branch.zone]).toEqual(['2026-03-05T13:30:00.000+03:30', 'Asia/Tehran']);
    expect(timeline.customer.zone).toBe('Europe/London');
    expect(timeline.customer.zoneChanges).toEqual([{ at: '2026-03-03T12:00:00.000Z', zone: 'Asia/Tehran' }]);
    const text = timelineText(timeline);
    expect(text).toContain('from Tue 3 Mar 2026 15:30 local: Asia/Tehran (changed by an event)');
    expect(text).toMatch(/Thu 5 Mar 2026 13:30\s+10:00 UTC\s+check-first-order/);
  });
});

describe('herald simulate: a wait on a date the customer does not have', () => {
  const welcome = read<Journey>('workflows/welcome.journey.json');
  /** "We miss you" a month after the last order, at 10:00: Emma never ordered. */
  const missYou = (ifMissing?: 'exit' | 'skip'): Journey => ({
    ...welcome,
    id: 'we-miss-you',
    start: 'a-month-after-last-order',
    steps: {
      'a-month-after-last-order': {
        type: 'wait',
        until: {
          date: 'profile.attributes.lastOrderAt',
          offset: 'P30D',
          localTime: '10:00',
          ...(ifMissing ? { ifMissing } : {}),
        },
        next: 'send-miss-you',
      },
      'send-miss-you': { type: 'send', message: 'welcome', channels: ['email'], next: 'done' },
      done: { type: 'exit', reason: 'sent' },
    },
  });
  const simulateFor = (journey: Journey) =>
    simulate({
      journey,
      profile: read<Profile>('examples/welcome.profile.json'),
      events: read<CustomerEvent[]>('examples/welcome.events.json'),
      products,
      config,
    });

  it('leaves the journey, sending nothing, when the step leaves ifMissing at its default (exit)', async () => {
    const { timeline } = await simulateFor(missYou());

    expect(timeline.sent).toBe(0);
    expect(at(timeline, 'send-miss-you')).toEqual([]);
    const left = timeline.entries.filter((e) => e.kind === 'exit').map((e) => [e.at, e.summary]);
    expect(left).toEqual([
      [
        '2026-03-02T18:40:00.000Z',
        'leaves the journey: the customer has no date for a wait to count from (ifMissing: exit)',
      ],
    ]);
  });

  it('goes on at the next 10:00 local, not at once, when the step says skip', async () => {
    const { timeline } = await simulateFor(missYou('skip'));

    const sent = only(at(timeline, 'send-miss-you'));
    expect(sent.kind).toBe('send');
    expect(sent.local).toBe('2026-03-03T10:00:00.000+00:00'); // signed up 18:40 London on the 2nd
  });
});
