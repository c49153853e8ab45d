import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import { beginErasure } from '../../engine/privacy/erasure.ts';
import {
  applyTransition,
  type ClaimView,
  claim,
  claimAndFinish,
  claimAndSend,
  claimView,
  finish,
  resolveInDoubt,
  type StepRecord,
  type StepTransition,
  settle,
  startSending,
} from '../../engine/send-protocol.ts';
import { DynamoJourneyControls } from '../../functions/adapters/dynamo-controls.ts';
import { DynamoTable } from '../../functions/adapters/dynamo-ops.ts';
import { DynamoPrivacy } from '../../functions/adapters/dynamo-privacy.ts';
import { appliedKey, DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { productKey } from '../../functions/adapters/dynamo-table.ts';
import type { EngagementRecord, EntryItems, Tombstones, WaitTokenRecord } from '../../functions/ports.ts';
import type { DynaliteStandIn } from '../../local/standins/index.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';
import { cartEvent } from './support/harness.ts';

const t0 = new Date('2025-06-02T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const timing = { leaseMs: 60_000, reopenDoneAfterMs: 30 * 60_000 };
const next: StepResult = { outcome: 'next', next: 'done' };
const capEntry = (key: string) => ({
  key,
  at: t0.toISOString(),
  channel: 'email' as const,
  category: 'marketing' as const,
  priority: 50,
  journeyId: 'j',
});

/** The DynamoDB operations a client sends while `fn` runs, by name (a middleware on the real client). */
async function operationsDuring(client: DynaliteStandIn['client'], fn: () => Promise<unknown>) {
  const names: string[] = [];
  const name = `count-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => (args) => {
      names.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await fn();
  } finally {
    client.middlewareStack.remove(name);
  }
  return names;
}

describe.each(DYNAMO_BACKENDS)('DynamoStore contract ($name)', (backend) => {
  let dynamo: DynaliteStandIn;
  let store: DynamoStore;
  beforeAll(async () => {
    dynamo = await backend.start();
    store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
  });
  afterAll(async () => dynamo?.stop());

  describe('access patterns: as few requests per decision as the layout allows', () => {
    it('answers a refused transition with the stored record, reading it again only where the backend cannot return it', async () => {
      const token = 'rv-token';
      await store.transitionStep('c-rv', 'x#rv', claim({ nowMs: t0.getTime(), token, timing }), t0);
      let refused: Awaited<ReturnType<DynamoStore['transitionStep']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        refused = await store.transitionStep(
          'c-rv',
          'x#rv',
          claim({ nowMs: t0.getTime(), token: 'other', timing }),
          t0,
        );
      });
      expect(refused).toMatchObject({ applied: false, current: { state: 'claimed', token, attempt: 1 } });
      // DynamoDB Local (as AWS) returns the item with the ConditionalCheckFailedException; dynalite 4 does not.
      expect(ops).toEqual(backend.name === 'DynamoDB Local' ? ['UpdateItem'] : ['UpdateItem', 'GetItem']);
    });

    it('reads the profile, the product and the cap window in one BatchGetItem', async () => {
      await store.updateProfile('c-batch', () => ({ id: 'c-batch', locale: 'fa-IR' }));
      await store.putProduct({ id: 'p-batch', name: 'Beans', price: 12, replenishmentDays: 30 } as never);
      await store.reserveCap('c-batch', () => ({ entries: [capEntry('k1')], result: undefined }));
      let items: Awaited<ReturnType<DynamoStore['readDecisionItems']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        items = await store.readDecisionItems('c-batch', { productId: 'p-batch', caps: true });
      });
      expect(ops).toEqual(['BatchGetItem']);
      expect(items?.profile).toEqual({ id: 'c-batch', locale: 'fa-IR' });
      expect(items?.product?.id).toBe('p-batch');
      expect(items?.caps).toEqual({ entries: [capEntry('k1')], version: 1 });
      expect(items?.profileRead).toEqual({
        profile: { id: 'c-batch', locale: 'fa-IR' },
        version: 1,
        applied: [],
      });
      expect(await store.readDecisionItems('c-none', { productId: 'p-none', caps: true })).toEqual({
        caps: { entries: [], version: 0 },
        profileRead: { version: 0, applied: [] },
      });
      expect(productKey('p-batch').pk).toBe('PRODUCT#p-batch');
    });

    it('reads a send’s step record with its profile and cap window, in one BatchGetItem (the lazy claim)', async () => {
      await store.updateProfile('c-lazy', () => ({ id: 'c-lazy', locale: 'ar-SA' }));
      const written = await store.transitionStep(
        'c-lazy',
        'x#lazy',
        claimAndFinish({
          observed: undefined,
          token: 'lz',
          result: next,
          nowMs: t0.getTime(),
          reachedAt: t0.getTime(),
        }),
        t0,
      );
      expect(written).toMatchObject({ applied: true, record: { state: 'done', token: 'lz', attempt: 1 } });
      let items: Awaited<ReturnType<DynamoStore['readDecisionItems']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        items = await store.readDecisionItems('c-lazy', { caps: true, stepKey: 'x#lazy' });
      });
      expect(ops).toEqual(['BatchGetItem']);
      expect(items?.step).toEqual(written.applied ? written.record : undefined);
      expect(items?.profile).toEqual({ id: 'c-lazy', locale: 'ar-SA' });
      expect((await store.readDecisionItems('c-lazy', { stepKey: 'x#none' })).step).toBeUndefined();
      // A second claim from the same (now stale) read is refused: the record is no longer absent.
      const again = await store.transitionStep(
        'c-lazy',
        'x#lazy',
        claimAndSend({
          observed: undefined,
          token: 'late',
          channel: 'email',
          nowMs: t0.getTime(),
          ledgerAt: t0.getTime(),
          reachedAt: t0.getTime(),
        }),
        t0,
      );
      expect(again).toMatchObject({ applied: false, current: { state: 'done', token: 'lz' } });
    });

    it('reads ingest’s profile, products and controls in one BatchGetItem, and updates the profile from that read', async () => {
      await store.updateProfile('c-entry', () => ({ id: 'c-entry', locale: 'ar-SA' }));
      await store.putProduct({ id: 'p-entry', name: 'Beans', price: 12, replenishmentDays: 30 } as never);
      await new DynamoJourneyControls({ client: dynamo.client, tableName: dynamo.tableName }).put(
        { journeyId: 'j-drained', state: 'draining', updatedAt: t0.toISOString() },
        0,
      );
      let read: Awaited<ReturnType<DynamoStore['readEntryItems']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        read = await store.readEntryItems('c-entry', {
          productIds: ['p-entry', 'p-missing', 'p-entry'],
          controlsOf: ['j-drained', 'j-none'],
        });
      });
      expect(ops).toEqual(['BatchGetItem']);
      expect(read?.profile).toEqual({ profile: { id: 'c-entry', locale: 'ar-SA' }, version: 1, applied: [] });
      expect([...read!.products.keys()]).toEqual(['p-entry', 'p-missing']);
      expect(read?.products.get('p-entry')?.name).toBe('Beans');
      expect(read?.products.get('p-missing')).toBeUndefined();
      expect(read?.controls.get('j-drained')?.state).toBe('draining');
      expect(read?.controls.has('j-none')).toBe(true);
      expect(read?.controls.get('j-none')).toBeUndefined();

      // The event asked for rides along: absent, stored, then stored processed.
      const event = {
        id: 'ev-entry',
        type: 'product_viewed',
        customerId: 'c-entry',
        time: t0.toISOString(),
        properties: { productId: 'p-entry' },
      };
      const eventRead = async () =>
        (await store.readEntryItems('c-entry', { productIds: [], controlsOf: [], eventId: event.id })).event;
      expect(await eventRead()).toBeUndefined();
      await store.putEvent(event, t0);
      expect(await eventRead()).toEqual({ processed: false });
      expect(await operationsDuring(dynamo.client, () => store.putProcessedEvent(event, t0))).toEqual([
        'PutItem',
      ]);
      expect(await eventRead()).toEqual({ processed: true });
      expect(await store.listEvents('c-entry')).toEqual([event]);

      // From the read, the update writes without reading first.
      const writes = await operationsDuring(dynamo.client, () =>
        store.updateProfile('c-entry', (p) => ({ ...p!, timeZone: 'Asia/Riyadh' }), {
          onceFor: 'e1',
          read: read!.profile,
        }),
      );
      expect(writes).toEqual(['PutItem']);
      // A read gone stale (another write since) loses nothing: the version check refuses it, and
      // the retry reads the profile again and applies the change on top.
      const stale = read!.profile;
      const retried = await operationsDuring(dynamo.client, () =>
        store.updateProfile('c-entry', (p) => ({ ...p!, attributes: { city: 'Riyadh' } }), {
          onceFor: 'e2',
          read: stale,
        }),
      );
      expect(retried).toEqual(['PutItem', 'GetItem', 'PutItem']);
      expect(await store.getProfile('c-entry')).toEqual({
        id: 'c-entry',
        locale: 'ar-SA',
        timeZone: 'Asia/Riyadh',
        attributes: { city: 'Riyadh' },
      });
    });

    it('reads the erasure gate’s tombstones in ingest’s BatchGetItem, parsed by the privacy adapter', async () => {
      const privacy = new DynamoPrivacy({ client: dynamo.client, tableName: dynamo.tableName });
      const erasing = beginErasure(undefined, { pseudonym: 'ps-1', addressHashes: ['h-1'], now: t0 });
      await privacy.putTombstone(erasing);
      await privacy.putAddressTombstones(['h-1'], 'ps-1');
      let read: EntryItems<Tombstones> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        read = await store.readEntryItems('c-gate', {
          productIds: [],
          controlsOf: [],
          with: privacy.tombstoneRead('ps-1', ['h-1', 'h-2', 'h-1']),
        });
      });
      expect(ops).toEqual(['BatchGetItem']);
      expect(read?.with.own).toEqual(erasing);
      expect([...read!.with.owners]).toEqual([
        ['h-1', 'ps-1'],
        ['h-2', undefined],
      ]);
      // Without a ride-along, `with` is undefined.
      expect((await store.readEntryItems('c-gate', { productIds: [], controlsOf: [] })).with).toBeUndefined();
    });

    it('reads an order of 100 line items in two BatchGetItem requests: at most 100 keys each', async () => {
      const productIds = Array.from({ length: 100 }, (_, i) => `p-many-${i}`);
      await store.putProduct({ id: 'p-many-99', name: 'Last', price: 1, replenishmentDays: 30 } as never);
      let read: Awaited<ReturnType<DynamoStore['readEntryItems']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        read = await store.readEntryItems('c-many', { productIds, controlsOf: ['j-many'] });
      });
      expect(ops).toEqual(['BatchGetItem', 'BatchGetItem']);
      expect(read?.products.size).toBe(100);
      expect(read?.products.get('p-many-99')?.name).toBe('Last');
      expect(read?.controls.has('j-many')).toBe(true);
    });

    it('reserves against the window the caller saw, keeps it current, and reads again only after a refused write', async () => {
      await store.reserveCap('c-known', () => ({ entries: [capEntry('a')], result: undefined }));
      const known = (await store.readDecisionItems('c-known', { caps: true, productId: 'none' })).caps!;
      const first = await operationsDuring(dynamo.client, () =>
        store.reserveCap('c-known', (e) => ({ entries: [...e, capEntry('b')], result: undefined }), known),
      );
      expect(first).toEqual(['PutItem']);
      expect(known).toEqual({ entries: [capEntry('a'), capEntry('b')], version: 2 });
      // Another writer moves the window on: the stale view costs one refused put and one read.
      await store.reserveCap('c-known', (e) => ({ entries: [...e, capEntry('c')], result: undefined }));
      const second = await operationsDuring(dynamo.client, () =>
        store.reserveCap('c-known', (e) => ({ entries: [...e, capEntry('d')], result: undefined }), known),
      );
      expect(second).toEqual(['PutItem', 'GetItem', 'PutItem']);
      expect(known.entries.map((e) => e.key)).toEqual(['a', 'b', 'c', 'd']);
      const stored = (await store.readDecisionItems('c-known', { caps: true, productId: 'none' })).caps;
      expect(stored).toEqual(known);
    });

    it('writes a sent message’s ledger entry, content and index, and the run’s end, in one BatchWriteItem', async () => {
      const atIso = t0.toISOString();
      const run = (customerId: string) => ({
        id: 'run-end',
        journeyId: 'j',
        journeyVersion: 1,
        customerId,
        enteredAt: atIso,
        event: cartEvent(customerId, 'e-end'),
      });
      for (const c of ['c-sent', 'c-updated'])
        await store.putEnrollment({ enrollment: run(c), status: 'active', updatedAt: atIso } as never);
      const ended = {
        enrollment: run('c-sent'),
        status: 'exited' as const,
        updatedAt: atIso,
        reason: 'exit:done',
      };
      const ops = await operationsDuring(dynamo.client, () =>
        store.putLedger(
          {
            id: 'd1',
            kind: 'decision',
            at: atIso,
            customerId: 'c-sent',
            outcome: 'sent',
            reasons: [],
            journeyId: 'j',
            journeyVersion: 1,
            stepId: 's',
            executionId: 'x',
          } as never,
          {
            ended,
            sent: {
              index: {
                providerMessageId: 'pm-1',
                customerId: 'c-sent',
                channel: 'email',
                journeyId: 'j',
                journeyVersion: 1,
                stepId: 's',
                executionId: 'x',
                at: atIso,
              },
              message: {
                customerId: 'c-sent',
                executionId: 'x',
                stepId: 's',
                journeyId: 'j',
                journeyVersion: 1,
                channel: 'email',
                locale: 'en',
                at: atIso,
                providerMessageId: 'pm-1',
                subject: 'Hi',
                body: 'Hello',
              },
            },
          },
        ),
      );
      expect(ops).toEqual(['BatchWriteItem']);
      expect((await store.listLedger('c-sent')).map((r) => r.id)).toEqual(['d1']);
      expect((await store.getMessageIndex('pm-1'))?.customerId).toBe('c-sent');
      expect((await store.listSentMessages('c-sent')).map((m) => m.subject)).toEqual(['Hi']);
      // The put leaves the enrollment as the update it replaces would.
      await store.setEnrollmentStatus(run('c-updated'), 'exited', t0, 'exit:done');
      const [put] = await store.listEnrollments('c-sent');
      const [updated] = await store.listEnrollments('c-updated');
      expect(put).toEqual(ended);
      expect(updated).toEqual({ ...ended, enrollment: run('c-updated') });
    });

    it('stores a sent message without the ids its keys hold, and reads them back', async () => {
      const executionId =
        'arn:aws:states:us-east-1:000000000000:execution:herald-welcome:welcome-v2-7331f8d0';
      const message = {
        customerId: 'c-content',
        executionId,
        stepId: 'send-welcome',
        journeyId: 'welcome',
        journeyVersion: 2,
        channel: 'email' as const,
        locale: 'fa',
        at: t0.toISOString(),
        providerMessageId: 'ses-1',
        subject: 'به Herald Shop خوش آمدید',
        body: 'سلام نازنین',
      };
      await store.putSentMessage(message);
      const raw = await new DynamoTable(dynamo.client, dynamo.tableName).get(
        'C#c-content',
        `MESSAGE#${message.at}#${executionId}#send-welcome`,
      );
      expect(raw?.message).not.toHaveProperty('executionId');
      expect(raw?.message).not.toHaveProperty('customerId');
      expect(await store.listSentMessages('c-content')).toEqual([message]);
    });

    it('keeps a ledger entry’s id in its sort key only, and reads it back, old items with their copy too', async () => {
      const executionId = `arn:aws:states:us-east-1:000000000000:execution:herald-replenishment-reminder:replenishment-reminder-v2-${'6e978fcd'.repeat(4)}`;
      const id = `decision#${executionId}#send-first-reminder#2`;
      const record = {
        id,
        kind: 'decision',
        at: t0.toISOString(),
        customerId: 'c-ledger-id',
        outcome: 'skipped',
        reasons: ['email:opted_out'],
        journeyId: 'replenishment-reminder',
        journeyVersion: 2,
        stepId: 'send-first-reminder',
        op: 'send',
        executionId,
        attempt: 2,
      } as const;
      await store.putLedger(record as never);
      const sk = `LEDGER#${record.at}#${id}`;
      const raw = await new DynamoTable(dynamo.client, dynamo.tableName).get('C#c-ledger-id', sk);
      expect(raw?.record).not.toHaveProperty('id');
      expect(await store.listLedger('c-ledger-id')).toEqual([record]);
      // Written before the id left the record: read as it is.
      await new DynamoTable(dynamo.client, dynamo.tableName).put({
        pk: 'C#c-ledger-old',
        sk: 'LEDGER#2025-01-01T00:00:00.000Z#old-id',
        record: { ...record, customerId: 'c-ledger-old', at: '2025-01-01T00:00:00.000Z', id: 'old-id' },
      });
      expect((await store.listLedger('c-ledger-old')).map((r) => r.id)).toEqual(['old-id']);
    });

    it('reads the ledger from a time on: one Query, older entries left out', async () => {
      const c = 'c-ledger-since';
      const entry = (id: string, at: string) =>
        ({ id, kind: 'decision', at, customerId: c, outcome: 'next', reasons: [], journeyId: 'j' }) as const;
      for (const [id, at] of [
        ['old', '2024-01-01T00:00:00.000Z'],
        ['edge', '2025-06-01T00:00:00.000Z'],
        ['new', '2025-06-03T12:00:00.000Z'],
      ] as const)
        await store.putLedger(entry(id, at) as never);
      let read: Awaited<ReturnType<DynamoStore['listLedger']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        read = await store.listLedger(c, { since: new Date('2025-06-01T00:00:00Z') });
      });
      expect(ops).toEqual(['Query']);
      expect(read?.map((r) => r.id)).toEqual(['edge', 'new']);
      expect((await store.listLedger(c)).map((r) => r.id)).toEqual(['old', 'edge', 'new']);
    });

    it('reads a customer’s events and enrollments in one Query, and nothing of the partition’s other kinds', async () => {
      const c = 'c-activity';
      await store.putEvent(cartEvent(c, 'e-old', '2024-01-01T00:00:00Z'), t0);
      await store.putEvent(cartEvent(c, 'e-new', '2025-06-01T00:00:00Z'), t0);
      const enrollment = {
        id: 'run-1',
        journeyId: 'j',
        journeyVersion: 1,
        customerId: c,
        enteredAt: t0.toISOString(),
        event: cartEvent(c, 'e-new'),
      };
      await store.putEnrollment({ enrollment, status: 'active', updatedAt: t0.toISOString() } as never);
      // Neighbours on both sides: engagement (ENGAGED#) before, the ledger (LEDGER#) after.
      await store.recordEngagement({
        customerId: c,
        executionId: 'x',
        stepId: 's',
        kind: 'opened',
        at: t0.toISOString(),
        sentAt: t0.toISOString(),
        channel: 'email',
        providerMessageId: 'pm',
      });
      await store.putLedger({
        id: 'l1',
        kind: 'decision',
        at: t0.toISOString(),
        customerId: c,
        outcome: 'sent',
        reasons: [],
      } as never);
      let activity: Awaited<ReturnType<DynamoStore['readActivity']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        activity = await store.readActivity(c, { since: new Date('2025-01-01T00:00:00Z') });
      });
      expect(ops).toEqual(['Query']);
      expect(activity?.events.map((e) => e.id)).toEqual(['e-new']);
      expect(activity?.enrollments.map((r) => r.enrollment.id)).toEqual(['run-1']);
      expect(activity?.enrollments).toEqual(await store.listEnrollments(c));
    });
  });

  describe('step claims (engine/send-protocol.ts transitions, persisted as conditional writes)', () => {
    let tokens = 0;
    const claimAt = async (key: string, now: Date) => {
      const token = `token-${++tokens}`;
      const written = await store.transitionStep(
        'c1',
        key,
        claim({ nowMs: now.getTime(), token, timing }),
        now,
      );
      return claimView(written, now.getTime(), timing);
    };
    const held = (view: ClaimView) => {
      if (view.kind !== 'claimed') throw new Error(`expected a claim, got ${view.kind}`);
      return view;
    };
    const apply = (key: string, transition: StepTransition, now = t0) =>
      store.transitionStep('c1', key, transition, now);

    it('lets one invocation decide; a concurrent one is busy; a crashed claim is taken over after its lease', async () => {
      const first = held(await claimAt('x#s1', t0));
      expect(first).toMatchObject({ kind: 'claimed', attempt: 1 });
      expect(await claimAt('x#s1', at(1000))).toEqual({ kind: 'busy' });
      const takeover = held(await claimAt('x#s1', at(61_000)));
      expect(takeover).toMatchObject({ kind: 'claimed', attempt: 2 });
      // The first holder is fenced out.
      const start = (token: string) =>
        startSending({
          token,
          channel: 'email',
          nowMs: at(61_000).getTime(),
          ledgerAt: at(61_000).getTime(),
        });
      expect((await apply('x#s1', start(first.token))).applied).toBe(false);
      expect((await apply('x#s1', start(takeover.token))).applied).toBe(true);
    });

    it('answers with the recorded result after success, and reopens only for a loop much later', async () => {
      const { token } = held(await claimAt('x#s2', t0));
      await apply('x#s2', finish({ token, result: next, nowMs: t0.getTime() }));
      expect(await claimAt('x#s2', at(5 * 60_000))).toEqual({ kind: 'decided', result: next, attempt: 1 });
      expect(await claimAt('x#s2', at(31 * 60_000))).toMatchObject({ kind: 'claimed', attempt: 2 });
    });

    it('keeps a deferral until it is due, then opens a new attempt', async () => {
      const { token } = held(await claimAt('x#s3', t0));
      const untilMs = at(3_600_000).getTime();
      const deferred: StepResult = {
        outcome: 'defer',
        until: new Date(untilMs).toISOString(),
        reason: 'quiet_hours',
      };
      await apply('x#s3', finish({ token, result: deferred, nowMs: t0.getTime(), untilMs }));
      expect(await claimAt('x#s3', at(60_000))).toMatchObject({ kind: 'decided', result: deferred });
      expect(await claimAt('x#s3', at(3_600_000))).toMatchObject({ kind: 'claimed', attempt: 2 });
    });

    it('reports a provider call that never finished as in doubt once its lease is over, and never reopens it', async () => {
      const { token } = held(await claimAt('x#s4', t0));
      await apply(
        'x#s4',
        startSending({ token, channel: 'sms', nowMs: t0.getTime(), ledgerAt: t0.getTime() }),
      );
      expect(await claimAt('x#s4', at(1000))).toEqual({ kind: 'busy' });
      const doubt = await claimAt('x#s4', at(61_000));
      expect(doubt).toMatchObject({ kind: 'in_doubt', channel: 'sms', attempt: 1 });
      if (doubt.kind !== 'in_doubt') throw new Error('unreachable');

      const resolve = resolveInDoubt({
        observed: doubt.record,
        token: 'resolver',
        result: next,
        nowMs: at(61_000).getTime(),
        leaseMs: timing.leaseMs,
      });
      expect((await apply('x#s4', resolve, at(61_000))).applied).toBe(true);
      // The holder, should it come back, is fenced out; the step answers its recorded result.
      expect(
        (await apply('x#s4', finish({ token, result: next, nowMs: at(62_000).getTime() }))).applied,
      ).toBe(false);
      expect(await claimAt('x#s4', at(62_000))).toMatchObject({ kind: 'decided', attempt: 1 });
    });

    it('persists exactly what the engine decides: any sequence of transitions gives the record applyTransition gives', async () => {
      let run = 0;
      // Time steps that land exactly on the lease and deferral boundaries, and anywhere else.
      const dt = fc.oneof(fc.constantFrom(0, 30_000, timing.leaseMs), fc.nat(120_000));
      const transition = fc.oneof(
        fc.record({
          name: fc.constant('claim' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
        }),
        fc.record({
          name: fc.constant('startSending' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
        }),
        fc.record({
          name: fc.constant('settle' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
        }),
        fc.record({
          name: fc.constant('finish' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
          defer: fc.boolean(),
        }),
        fc.record({
          name: fc.constant('resolveInDoubt' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
        }),
        // The lazy claim, from the record as last read or from the one before it (a stale read).
        fc.record({
          name: fc.constant('claimAndSend' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
          stale: fc.boolean(),
        }),
        fc.record({
          name: fc.constant('claimAndFinish' as const),
          token: fc.constantFrom('a', 'b'),
          dt,
          stale: fc.boolean(),
          defer: fc.boolean(),
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(transition, { minLength: 1, maxLength: 8 }), async (steps) => {
          const key = `prop#${run++}`;
          let memory: StepRecord | undefined;
          let previous: StepRecord | undefined;
          let nowMs = t0.getTime();
          for (const s of steps) {
            nowMs += s.dt;
            const t = ((): StepTransition => {
              switch (s.name) {
                case 'claimAndSend':
                  return claimAndSend({
                    observed: s.stale ? previous : memory,
                    token: s.token,
                    channel: 'email',
                    nowMs,
                    ledgerAt: nowMs,
                    reachedAt: (s.stale ? previous : memory)?.reachedAt ?? nowMs,
                  });
                case 'claimAndFinish':
                  return claimAndFinish({
                    observed: s.stale ? previous : memory,
                    token: s.token,
                    result: next,
                    nowMs,
                    reachedAt: (s.stale ? previous : memory)?.reachedAt ?? nowMs,
                    ...(s.defer ? { untilMs: nowMs + 30_000 } : {}),
                  });
                case 'claim':
                  return claim({ nowMs, token: s.token, timing });
                case 'startSending':
                  return startSending({ token: s.token, channel: 'email', nowMs, ledgerAt: nowMs });
                case 'settle':
                  return settle({ token: s.token });
                case 'finish':
                  return s.defer
                    ? finish({ token: s.token, result: next, nowMs, untilMs: nowMs + 30_000 })
                    : finish({ token: s.token, result: next, nowMs });
                case 'resolveInDoubt':
                  return resolveInDoubt({
                    observed: memory ?? { state: 'sending', token: s.token, attempt: 0, claimedAt: 0 },
                    token: 'r',
                    result: next,
                    nowMs,
                    leaseMs: timing.leaseMs,
                  });
              }
            })();
            const expected = applyTransition(memory, t);
            const stored = await store.transitionStep('c1', key, t, new Date(nowMs));
            expect(stored.applied).toBe(expected !== undefined);
            if (expected) {
              previous = memory;
              memory = expected;
            }
            expect(stored.applied ? stored.record : stored.current).toEqual(memory);
          }
        }),
        { numRuns: 40 },
      );
    });

    it('settles a refused channel back to claimed, so the holder may try the next one', async () => {
      const { token } = held(await claimAt('x#s5', t0));
      await apply(
        'x#s5',
        startSending({ token, channel: 'email', nowMs: t0.getTime(), ledgerAt: t0.getTime() }),
      );
      const settled = await apply('x#s5', settle({ token }));
      expect(settled).toMatchObject({ applied: true, record: { state: 'claimed', token, attempt: 1 } });
      expect(settled.applied ? settled.record.channel : 'not applied').toBeUndefined();
      expect(
        (
          await apply(
            'x#s5',
            startSending({ token, channel: 'sms', nowMs: t0.getTime(), ledgerAt: t0.getTime() }),
          )
        ).applied,
      ).toBe(true);
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
      // Remembered as 11-character keys, not as the ids.
      const item = await new DynamoTable(dynamo.client, dynamo.tableName).get('C#c-once', 'PROFILE');
      expect(item?.applied).toEqual([appliedKey('order-1'), appliedKey('order-2')]);
      expect(appliedKey('0d8a9c3e-5b7f-4e2a-9f1c-3a6b8d2e4f70')).toMatch(/^[A-Za-z0-9_-]{11}$/);
      // A profile written before the ids were hashed still knows the event it applied.
      await new DynamoTable(dynamo.client, dynamo.tableName).put({
        ...item,
        applied: ['order-legacy'],
        version: Number(item?.version) + 1,
      });
      await store.updateProfile('c-once', bump, { onceFor: 'order-legacy' });
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

  describe('engagement items (engagement conditions: the claim says what was sent, feedback what was done)', () => {
    const exec = 'arn:aws:states:us-east-1:000000000000:execution:herald-j:run-1';
    const sendAt = async (customerId: string, startMs: number, sent = true) => {
      const key = `${exec}#send`;
      const token = `eng-${startMs}`;
      const now = new Date(startMs);
      await store.transitionStep(customerId, key, claim({ nowMs: startMs, token, timing }), now);
      if (sent)
        await store.transitionStep(
          customerId,
          key,
          startSending({ token, channel: 'email', nowMs: startMs, ledgerAt: startMs }),
          now,
        );
      const result: StepResult = sent
        ? { outcome: 'next', next: 'done', detail: { channel: 'email', sent: true } }
        : { outcome: 'next', next: 'done', detail: { sent: false, skipped: 'no_channel' } };
      await store.transitionStep(customerId, key, finish({ token, result, nowMs: startMs + 500 }), now);
    };
    const feedback = (customerId: string, over: Partial<EngagementRecord>): EngagementRecord => ({
      customerId,
      executionId: exec,
      stepId: 'send',
      kind: 'opened',
      at: at(3_600_000).toISOString(),
      sentAt: t0.toISOString(),
      channel: 'email',
      providerMessageId: 'msg-1',
      ...over,
    });

    it('keeps the earliest open and the earliest click of the step’s message, in whatever order they arrive', async () => {
      await sendAt('c-eng', t0.getTime());
      for (const minutes of [90, 30, 240]) {
        await store.recordEngagement(feedback('c-eng', { at: at(minutes * 60_000).toISOString() }));
      }
      await store.recordEngagement(feedback('c-eng', { kind: 'clicked', at: at(35 * 60_000).toISOString() }));

      expect(await store.getMessageEngagement('c-eng', exec, 'send')).toEqual({
        sentAt: at(500).toISOString(),
        channel: 'email',
        openedAt: at(30 * 60_000).toISOString(),
        clickedAt: at(35 * 60_000).toISOString(),
      });
      // Another step of the same run, and the same step of another run, have none of it.
      expect(await store.getMessageEngagement('c-eng', exec, 'send-2')).toEqual({});
      expect(await store.getMessageEngagement('c-eng', `${exec}-other`, 'send')).toEqual({});
    });

    it('reads the engaged steps’ claims and engagement with the profile, in the decision’s one BatchGetItem', async () => {
      await store.updateProfile('c-eng-batch', () => ({ id: 'c-eng-batch', locale: 'en-US' }));
      await sendAt('c-eng-batch', t0.getTime());
      await store.recordEngagement(
        feedback('c-eng-batch', { kind: 'clicked', at: at(60_000).toISOString() }),
      );
      let items: Awaited<ReturnType<DynamoStore['readDecisionItems']>> | undefined;
      const ops = await operationsDuring(dynamo.client, async () => {
        items = await store.readDecisionItems('c-eng-batch', {
          engaged: { executionId: exec, steps: ['send', 'send-2'] },
        });
      });
      // Before: a GetItem of each step's claim and a Query of its engagement, beside the profile's read.
      expect(ops).toEqual(['BatchGetItem']);
      expect(items?.profile).toEqual({ id: 'c-eng-batch', locale: 'en-US' });
      expect(items?.engagement).toEqual({
        send: { sentAt: at(500).toISOString(), channel: 'email', clickedAt: at(60_000).toISOString() },
        'send-2': {},
      });
      expect(await store.getMessageEngagement('c-eng-batch', exec, 'send')).toEqual(items?.engagement?.send);
    });

    it('answers nothing sent when the step’s claim says it sent nothing, whatever feedback exists', async () => {
      await sendAt('c-eng-none', t0.getTime(), false);
      await store.recordEngagement(feedback('c-eng-none', {}));
      expect(await store.getMessageEngagement('c-eng-none', exec, 'send')).toEqual({});
    });

    it('replaces a loop’s earlier round: the engagement of the older message no longer counts', async () => {
      await sendAt('c-eng-loop', t0.getTime());
      await store.recordEngagement(feedback('c-eng-loop', {}));
      const round2 = at(7 * 24 * 3_600_000);
      await sendAt('c-eng-loop', round2.getTime());
      // The step sent again a week later; nothing was opened yet: the first round's open is not about it.
      expect(await store.getMessageEngagement('c-eng-loop', exec, 'send')).toEqual({
        sentAt: new Date(round2.getTime() + 500).toISOString(),
        channel: 'email',
      });
      const opened = new Date(round2.getTime() + 60_000).toISOString();
      await store.recordEngagement(feedback('c-eng-loop', { sentAt: round2.toISOString(), at: opened }));
      // A late report about the older message does not overwrite the newer one's.
      await store.recordEngagement(feedback('c-eng-loop', { at: at(60_000).toISOString() }));
      expect((await store.getMessageEngagement('c-eng-loop', exec, 'send')).openedAt).toBe(opened);
    });
  });
});
