/**
 * Retention in the store (real SDK against dynalite, which ignores TTL, as DynamoDB does until its
 * background deletion gets round to an item): each kind's `expiresAt` comes from its own retention,
 * and reads drop what has expired although the item is still there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { type DynaliteStandIn, startDynalite } from '../../local/standins/index.ts';

const DAY_S = 86_400;
const RECEIVED = new Date('2026-01-10T12:00:00.000Z');
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

describe('retention in the store', () => {
  let dynamo: DynaliteStandIn;
  const at = { now: new Date(RECEIVED) };
  let store: DynamoStore;
  beforeAll(async () => {
    dynamo = await startDynalite();
    store = new DynamoStore({
      client: dynamo.client,
      tableName: dynamo.tableName,
      retention: { events: 30, ledger: 60, messages: 7 },
      clock: { now: () => at.now },
    });
    await store.putEvent(
      {
        id: 'e1',
        type: 'product_viewed',
        customerId: 'c1',
        time: RECEIVED.toISOString(),
        properties: { productId: 'p' },
      },
      RECEIVED,
    );
    await store.putLedger({
      id: 'l1',
      kind: 'profile',
      at: RECEIVED.toISOString(),
      customerId: 'c1',
      outcome: 'next',
      reasons: [],
    });
    await store.putSentMessage({
      customerId: 'c1',
      executionId: 'x',
      stepId: 's',
      journeyId: 'j',
      journeyVersion: 1,
      channel: 'sms',
      locale: 'en',
      at: RECEIVED.toISOString(),
      providerMessageId: 'm1',
      body: 'hello',
    });
  });
  afterAll(async () => dynamo?.stop());

  it('sets each kind’s expiresAt (epoch seconds) from its own retention', async () => {
    const { Items } = await dynamo.client.send(
      new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: dynamo.tableName }),
    );
    const expiry = Object.fromEntries(
      (Items ?? []).map((i) => [i.sk!.S!.split('#')[0], Number(i.expiresAt!.N)]),
    );
    expect(expiry).toEqual({
      EVENT: epoch(RECEIVED) + 30 * DAY_S,
      LEDGER: epoch(RECEIVED) + 60 * DAY_S,
      MESSAGE: epoch(RECEIVED) + 7 * DAY_S,
    });
  });

  it('drops expired items from reads while they still exist, kind by kind', async () => {
    at.now = new Date(RECEIVED.getTime() + 8 * DAY_S * 1000);
    expect(await store.listSentMessages('c1')).toEqual([]);
    expect((await store.listEvents('c1')).map((e) => e.id)).toEqual(['e1']);
    at.now = new Date(RECEIVED.getTime() + 31 * DAY_S * 1000);
    expect(await store.listEvents('c1')).toEqual([]);
    expect((await store.listLedger('c1')).map((r) => r.id)).toEqual(['l1']);
    at.now = new Date(RECEIVED.getTime() + 61 * DAY_S * 1000);
    expect(await store.listLedger('c1')).toEqual([]);
  });
});
