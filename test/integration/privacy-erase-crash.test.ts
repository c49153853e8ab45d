/**
 * An erasure that crashes half-way resumes on the next request (functions/app/privacy.ts): the
 * real privacy handler against dynalite, with the privacy Lambda "dying" at its first, fourth or
 * ninth write to the table (an error thrown before the request leaves the SDK, so nothing of that
 * write lands and the SDK's retries never see it). Between the crash and the retry the customer is
 * already refused; after the retry nothing of theirs is left in the table and nothing reaches them,
 * counted from the SES stand-in's own store.
 */
import type { DynamoDBClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type { InitializeMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../functions/app/pseudonym.ts';
import { LOCAL_PRIVACY_KEY, type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';
import { twoStepJourney } from './support/journeys.ts';
import { emailSubjects, scanTable } from './support/local-system.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (ms: number) => new Date(START.getTime() + ms);

/** hello, a two-hour wait (an open Standard execution), follow-up. */
const twoStep = twoStepJourney('PT2H');

/** The write at which each customer's first erasure request crashes (1 = the tombstone itself). */
const CRASH_AT_WRITE = { 'cara-crash-1': 1, 'cara-crash-4': 4, 'cara-crash-9': 9 } as const;
type Crashed = keyof typeof CRASH_AT_WRITE;
const crashed = Object.keys(CRASH_AT_WRITE) as Crashed[];
const kept = 'kay-not-erased';
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** Throws at the `n`th write command sent through `client` while armed; counts every write. */
function crashAtWrite(client: DynamoDBClient) {
  const state = { armed: 0, writes: 0, crashed: false };
  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      if (state.armed > 0 && WRITES.has(String(context.commandName).replace(/Command$/, ''))) {
        state.writes++;
        if (state.writes === state.armed) {
          state.crashed = true;
          throw new Error('simulated crash of the privacy Lambda');
        }
      }
      return next(args);
    };
  client.middlewareStack.add(middleware, { step: 'initialize', name: 'crashAtWrite' });
  return {
    arm(n: number) {
      Object.assign(state, { armed: n, writes: 0, crashed: false });
    },
    disarm() {
      const { crashed, writes } = state;
      state.armed = 0;
      return { crashed, writes };
    },
  };
}

type Answer = { statusCode: number; body?: string };

describe('an erasure that crashes half-way, then is asked again', () => {
  let system: LocalSystem;
  const first: Record<string, Answer & { crashed: boolean }> = {};
  const between: Record<string, Answer> = {};
  const second: Record<string, Answer> = {};
  let items: Record<string, unknown>[] = [];

  beforeAll(async () => {
    system = await startLocalSystem({ start: START, journeys: [twoStep], validateDefinitions: false });
    const sys = system;
    await sys.stack.ses?.clear();
    const crash = crashAtWrite(sys.stack.dynamo.client);
    for (const id of [...crashed, kept])
      sys.clock.at(at(MINUTE), () => sys.ingest(signedUpEvent(id, at(MINUTE))), id);
    // In the two-hour wait: each erasure crashes at its write, a late event arrives, the retry.
    crashed.forEach((id, i) => {
      sys.clock.at(at(20 * MINUTE + i * MINUTE), async () => {
        crash.arm(CRASH_AT_WRITE[id]);
        const answer = (await sys.erase(id)) as Answer;
        first[id] = { ...answer, crashed: crash.disarm().crashed };
        between[id] = (await sys.ingestHttp({
          version: '2.0',
          rawPath: '/events',
          requestContext: { http: { method: 'POST' } },
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...signedUpEvent(id, at(20 * MINUTE + i * MINUTE)), id: `again-${id}` }),
          isBase64Encoded: false,
        })) as Answer;
      });
      sys.clock.at(at(40 * MINUTE + i * MINUTE), async () => {
        second[id] = (await sys.erase(id)) as Answer;
      });
    });
    await sys.clock.run({ until: at(6 * HOUR) });
    items = await scanTable(sys);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  const subjects = (customerId: string) => emailSubjects(system, customerId);

  it('fails the crashed request with a 500 that names no customer data', () => {
    for (const id of crashed) {
      expect(first[id], id).toMatchObject({ statusCode: 500, crashed: true });
      expect(first[id]!.body ?? '', id).not.toContain(id);
    }
  });

  it('refuses the customer’s events from the first write on, even before the erasure is finished', () => {
    // A crash at the very first write (the tombstone) leaves nothing: that event is still accepted,
    // and the retry erases it with the rest.
    expect(between['cara-crash-1'], between['cara-crash-1']?.body).toMatchObject({ statusCode: 202 });
    for (const id of ['cara-crash-4', 'cara-crash-9'] as const) {
      expect(between[id]!.statusCode, id).toBe(409);
      expect(JSON.parse(between[id]!.body!).problems[0].code, id).toBe('customer_erased');
    }
  });

  it('finishes on the second request: status erased', () => {
    for (const id of crashed) {
      expect(second[id]!.statusCode, id).toBe(200);
      expect(JSON.parse(second[id]!.body!).status, id).toBe('erased');
    }
  });

  it('sends nothing after the erasure: the follow-up never reaches them (SES store)', async () => {
    for (const id of crashed) expect(await subjects(id), id).toEqual(['Hello']);
    expect(await subjects(kept)).toEqual(['Hello', 'Follow-up']);
  });

  it('leaves nothing of theirs in the table but their decisions under the pseudonym and one audit record each', () => {
    const pseudonymiser = createPseudonymiser(LOCAL_PRIVACY_KEY);
    for (const id of crashed) {
      const found = items.filter((item) => JSON.stringify(item).includes(id));
      expect(
        found.map((i) => `${i.pk} ${i.sk}`),
        id,
      ).toEqual([]);
      expect(JSON.stringify(items)).not.toContain(`${id}@example.com`);
      const pseudonym = pseudonymiser.pseudonym(id);
      expect(items.filter((i) => i.pk === `ANON#${pseudonym}`).length, id).toBeGreaterThan(0);
    }
    expect(items.some((i) => JSON.stringify(i).includes(kept))).toBe(true);
  });
});
