/**
 * `herald simulate` says when the customer converts, which message earns the credit, and whether the
 * customer was held out (the conversion ingest recorded, engine/attribution.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { simulate, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));
const products = read<Product[]>('examples/products.json');
const journey = read<Journey>('workflows/cart-abandonment.journey.json');

describe('simulate: conversions', () => {
  it('credits the order to the last message before it and says the goal ends the run', async () => {
    const { timeline, records } = await simulate({
      journey,
      profile: read<Profile>('examples/cart-abandonment.profile.json'),
      events: read<CustomerEvent[]>('examples/cart-abandonment.events.json'),
      products,
      config,
    });
    const [conversion] = records.conversions;
    expect(conversion?.heldOut).toBe(false);
    const order = timeline.entries.find((e) => e.summary.endsWith('(evt-c-0002)'));
    const credited = conversion?.attributed
      ? `credited to ${conversion.attributed.stepId} (${conversion.attributed.channel}`
      : 'before any message went out';
    expect(
      order?.details.some(
        (d) => d.startsWith('reaches the goal (order placed within P7D of entry)') && d.includes(credited),
      ),
    ).toBe(true);
    expect(order?.details).toContain('84 SAR counted as revenue');
    expect(order?.details).toContain('reaching the goal ends the run');
    expect(timelineText(timeline)).toContain('reaches the goal');
  });

  it('says a held-out customer’s order is a conversion of the control group, credited to no message', async () => {
    const customerId = 'cust-control-1';
    const events: CustomerEvent[] = [
      {
        id: 'evt-h-cart',
        type: 'cart_updated',
        customerId,
        time: '2026-03-10T12:00:00Z',
        properties: { cartId: 'c', items: [], total: 30, currency: 'EUR', cartUrl: 'https://shop.example/c' },
      },
      {
        id: 'evt-h-order',
        type: 'order_placed',
        customerId,
        time: '2026-03-11T12:00:00Z',
        properties: {
          orderId: 'o',
          items: [{ productId: 'argan-shampoo-400ml', quantity: 1, price: 30 }],
          total: 30,
          currency: 'EUR',
        },
      },
    ];
    const { timeline, records } = await simulate({
      journey,
      profile: { id: customerId },
      events,
      products,
      config,
    });
    expect(records.conversions).toMatchObject([{ heldOut: true, touches: [] }]);
    const order = timeline.entries.find((e) => e.summary.endsWith('(evt-h-order)'));
    expect(order?.details[0]).toMatch(
      /^reaches the goal .*: a conversion of the held-out control group \(no message to credit/,
    );
  });
});
