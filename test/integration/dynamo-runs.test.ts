/**
 * The run store (functions/adapters/dynamo-runs.ts) on dynalite and on DynamoDB Local: each run
 * transition is one conditional write, and a refused one says why from the record as it is — on
 * DynamoDB Local (as on AWS) from the refusal itself (ReturnValuesOnConditionCheckFailure), on
 * dynalite from a read, the only backend that needs one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../engine/contract.ts';
import { arm, claim, enter, exitRun, refusal } from '../../engine/run-protocol.ts';
import { DynamoRuns, dueBucket, dueShard } from '../../functions/adapters/dynamo-runs.ts';
import type { DynaliteStandIn } from '../../local/standins/index.ts';
import { DYNAMO_BACKENDS } from '../helpers/dynamo-backends.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const enrollment = (id: string): Enrollment => ({
  id,
  customerId: 'c-1',
  journeyId: 'welcome',
  journeyVersion: 2,
  enteredAt: new Date(T0).toISOString(),
  event: {
    id: 'e-1',
    type: 'signed_up',
    customerId: 'c-1',
    time: new Date(T0).toISOString(),
    properties: {},
  },
});

describe.each(DYNAMO_BACKENDS)('run store ($name)', (backend) => {
  let dynamo: DynaliteStandIn;
  let runs: DynamoRuns;
  beforeAll(async () => {
    dynamo = await backend.start();
    runs = new DynamoRuns({ client: dynamo.client, tableName: dynamo.tableName });
  });
  afterAll(async () => dynamo?.stop());

  it('enters once, arms by its holder, refuses a duplicate fire and a fire after exit, with the reason', async () => {
    const now = new Date(T0);
    const first = await runs.transitionRun(
      'c-1',
      'r-1',
      enter({ enrollment: enrollment('r-1'), entry: 'hello', token: 'a', nowMs: T0 }),
      now,
    );
    const replay = await runs.transitionRun(
      'c-1',
      'r-1',
      enter({ enrollment: enrollment('r-1'), entry: 'hello', token: 'b', nowMs: T0 }),
      now,
    );
    const armed = await runs.transitionRun(
      'c-1',
      'r-1',
      arm({
        seq: 0,
        token: 'a',
        nowMs: T0,
        wait: { kind: 'timer', entry: 'next', dueMs: T0 + 3_600_000, waitStep: 'pause' },
      }),
      now,
    );
    const fire = claim({ seq: 1, token: 'f1', nowMs: T0 + 3_600_000 });
    const claimed = await runs.transitionRun('c-1', 'r-1', fire, new Date(T0 + 3_600_000));
    const duplicate = await runs.transitionRun(
      'c-1',
      'r-1',
      claim({ seq: 1, token: 'f2', nowMs: T0 + 3_600_001 }),
      now,
    );
    await runs.transitionRun(
      'c-1',
      'r-1',
      exitRun({ reason: 'exit_event:order_placed', nowMs: T0 + 3_600_002 }),
      now,
    );
    const afterExit = await runs.transitionRun(
      'c-1',
      'r-1',
      claim({ seq: 1, token: 'f3', nowMs: T0 + 3_600_003 }),
      now,
    );

    expect(first.applied).toBe(true);
    expect(replay).toMatchObject({ applied: false, current: { status: 'claimed', token: 'a' } });
    expect(armed).toMatchObject({
      applied: true,
      record: { status: 'waiting', seq: 1, dueMs: T0 + 3_600_000, entry: 'next' },
    });
    expect(armed.applied && armed.record.token).toBeUndefined();
    expect(claimed).toMatchObject({
      applied: true,
      record: { status: 'claimed', token: 'f1', journeyVersion: 2 },
    });
    expect(duplicate.applied).toBe(false);
    expect(refusal(fire, duplicate.applied ? undefined : duplicate.current)).toBe('busy');
    expect(afterExit).toMatchObject({
      applied: false,
      current: { status: 'exited', reason: 'exit_event:order_placed' },
    });
    expect(await runs.listRuns('c-1')).toMatchObject([
      { runId: 'r-1', status: 'exited', enrollment: enrollment('r-1') },
    ]);
  });

  it('indexes timers by due time across buckets and shards, for the reconciler', async () => {
    for (const [runId, dueMs] of [
      ['r-a', T0],
      ['r-b', T0 + 4 * 60_000],
      ['r-c', T0 + 11 * 60_000],
      ['r-d', T0 + 60 * 60_000],
    ] as const) {
      await runs.putDue({ customerId: 'c-2', runId, seq: 1, dueMs });
    }
    const due = await runs.listDue(T0, T0 + 30 * 60_000);
    expect(due.map((d) => d.runId).sort()).toEqual(['r-a', 'r-b', 'r-c']);
    expect(dueBucket(T0 + 4 * 60_000)).toBe('2026-03-02T09:00');
    expect(dueShard('r-a')).toBe(dueShard('r-a'));
  });
});
