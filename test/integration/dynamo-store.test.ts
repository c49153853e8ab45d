import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import type { WaitTokenRecord } from '../../functions/ports.ts';
import type { DynaliteStandIn } from '../../local/standins/index.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import { cartEvent } from './support/harness.ts';

const t0 = new Date('2025-06-02T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const timing = { leaseMs: 60_000, reopenDoneAfterMs: 30 * 60_000 };
const next: StepResult = { outcome: 'next', next: 'done' };

describe.each(DYNAMO_BACKENDS)('DynamoStore contract ($name)', (backend) => {
  let dynamo: DynaliteStandIn;
  let store: DynamoStore;
  beforeAll(async () => {
    dynamo = await backend.start();
    store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
  });
  afterAll(async () => dynamo?.stop());

  describe('step claims', () => {
    it('lets one invocation decide; a concurrent one is busy; a crashed claim is taken over after its lease', async () => {
      const first = await store.claimStep('c1', 'x#s1', t0, timing);
      expect(first).toMatchObject({ kind: 'claimed', attempt: 1 });
      expect(await store.claimStep('c1', 'x#s1', at(1000), timing)).toEqual({ kind: 'busy' });
      const takeover = await store.claimStep('c1', 'x#s1', at(61_000), timing);
      expect(takeover).toMatchObject({ kind: 'claimed', attempt: 2 });
      // The first holder is fenced out.
      if (first.kind !== 'claimed' || takeover.kind !== 'claimed') throw new Error('unreachable');
      expect(await store.markSending('c1', 'x#s1', first.token, 'email')).toBe(false);
      expect(await store.markSending('c1', 'x#s1', takeover.token, 'email')).toBe(true);
    });

    it('answers with the recorded result after success, and reopens only for a loop much later', async () => {
      const claim = await store.claimStep('c1', 'x#s2', t0, timing);
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      await store.finishStep('c1', 'x#s2', claim.token, { state: 'done', result: next }, t0);
      expect(await store.claimStep('c1', 'x#s2', at(5 * 60_000), timing)).toEqual({
        kind: 'decided',
        result: next,
        attempt: 1,
      });
      expect(await store.claimStep('c1', 'x#s2', at(31 * 60_000), timing)).toMatchObject({
        kind: 'claimed',
        attempt: 2,
      });
    });

    it('keeps a deferral until it is due, then opens a new attempt', async () => {
      const claim = await store.claimStep('c1', 'x#s3', t0, timing);
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      const until = at(3_600_000).toISOString();
      const deferred: StepResult = { outcome: 'defer', until, reason: 'quiet_hours' };
      await store.finishStep('c1', 'x#s3', claim.token, { state: 'deferred', result: deferred, until }, t0);
      expect(await store.claimStep('c1', 'x#s3', at(60_000), timing)).toMatchObject({
        kind: 'decided',
        result: deferred,
      });
      expect(await store.claimStep('c1', 'x#s3', at(3_600_000), timing)).toMatchObject({
        kind: 'claimed',
        attempt: 2,
      });
    });

    it('reports a provider call that never finished as in doubt once its lease is over', async () => {
      const claim = await store.claimStep('c1', 'x#s4', t0, timing);
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      await store.markSending('c1', 'x#s4', claim.token, 'sms');
      expect(await store.claimStep('c1', 'x#s4', at(1000), timing)).toEqual({ kind: 'busy' });
      expect(await store.claimStep('c1', 'x#s4', at(61_000), timing)).toMatchObject({
        kind: 'in_doubt',
        channel: 'sms',
        attempt: 1,
      });
    });
  });

  describe('profiles', () => {
    it('applies concurrent read-modify-writes without losing any', async () => {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.updateProfile('c-count', (p) => ({
            ...(p ?? { id: 'c-count' }),
            attributes: { ordersCount: (p?.attributes?.ordersCount ?? 0) + 1 },
          })),
        ),
      );
      expect((await store.getProfile('c-count'))?.attributes?.ordersCount).toBe(20);
    });

    it('applies a change keyed by an event id at most once', async () => {
      const bump = (p: { id: string; attributes?: { ordersCount?: number } } | undefined) => ({
        ...(p ?? { id: 'c-once' }),
        attributes: { ordersCount: (p?.attributes?.ordersCount ?? 0) + 1 },
      });
      await store.updateProfile('c-once', bump, { onceFor: 'order-1' });
      await store.updateProfile('c-once', bump, { onceFor: 'order-1' });
      await store.updateProfile('c-once', bump, { onceFor: 'order-2' });
      expect((await store.getProfile('c-once'))?.attributes?.ordersCount).toBe(2);
    });

    it('finds a customer by E.164 phone number', async () => {
      await store.updateProfile('c-phone', () => ({ id: 'c-phone', phone: '+442079460958' }));
      expect(await store.findCustomerByPhone('+442079460958')).toBe('c-phone');
      expect(await store.findCustomerByPhone('+15550000000')).toBeUndefined();
    });
  });

  describe('events and waits', () => {
    it('inserts an event once and tells a replay from an unfinished first attempt', async () => {
      const event = cartEvent('c-ev', 'ev-1');
      expect(await store.putEvent(event, t0)).toEqual({ inserted: true, processed: false });
      expect(await store.putEvent(event, t0)).toEqual({ inserted: false, processed: false });
      await store.markEventProcessed('c-ev', 'ev-1');
      expect(await store.putEvent(event, t0)).toEqual({ inserted: false, processed: true });
    });

    it('lists events newest first within the look-back', async () => {
      await store.putEvent(cartEvent('c-hist', 'old', '2024-01-01T00:00:00Z'), t0);
      await store.putEvent(cartEvent('c-hist', 'mid', '2025-05-01T00:00:00Z'), t0);
      await store.putEvent(cartEvent('c-hist', 'new', '2025-06-01T00:00:00Z'), t0);
      const ids = (await store.listEvents('c-hist', { since: new Date('2025-01-01T00:00:00Z') })).map(
        (e) => e.id,
      );
      expect(ids).toEqual(['new', 'mid']);
    });

    it('lets exactly one of several concurrent ingests resume a waiting task', async () => {
      const wait: WaitTokenRecord = {
        customerId: 'c-wait',
        eventType: 'order_placed',
        executionId: 'exec-1',
        stepId: 'wait',
        onEvent: 'thanks',
        taskToken: 'tok',
        createdAt: t0.toISOString(),
        expiresAt: at(3_600_000).toISOString(),
      };
      await store.putWaitToken(wait);
      expect(await store.listWaitTokens('c-wait', 'order_placed')).toEqual([wait]);
      const winners = await Promise.all(Array.from({ length: 5 }, () => store.deleteWaitToken(wait)));
      expect(winners.filter(Boolean)).toHaveLength(1);
      expect(await store.listWaitTokens('c-wait', 'order_placed')).toEqual([]);
    });
  });
});
