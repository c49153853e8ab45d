import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../engine/run-protocol.ts';
import { scheduleName } from '../../functions/adapters/scheduler-timers.ts';
import { createPseudonymiser } from '../../functions/app/pseudonym.ts';
import { type AwsCall, AwsCallRecorder } from '../../local/aws-calls.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { LOCAL_FROM, LOCAL_PINPOINT_APP } from '../../local/stack.ts';
import {
  LOCAL_PRIVACY_KEY,
  LOCAL_SCHEDULE_GROUP,
  type LocalSystem,
  startLocalSystem,
} from '../../local/system.ts';
import { assertAllowed, type DeployOptions, deployedRoles } from '../iam/support/deployed.ts';
import { signedUpEvent } from './support/events.ts';
import { twoStepJourney } from './support/journeys.ts';
import { emailSubjects, scanTable } from './support/local-system.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (ms: number) => new Date(START.getTime() + ms);

/** hello, an hour's wait (a Scheduler timer), follow-up. */
const twoStep = twoStepJourney('PT1H', 'scale');

const erased = 'zed-scale-erased';
const kept = 'kay-scale-kept';

describe('erasing a customer during a scale-mode wait', () => {
  let system: LocalSystem;
  const recorder = new AwsCallRecorder();
  let runBefore: RunRecord | undefined;
  let pendingBefore: string[] = [];
  let pendingAfter: string[] = [];
  let answer: { statusCode: number; body?: string } | undefined;
  let fired: unknown;
  let items: Record<string, unknown>[] = [];

  beforeAll(async () => {
    system = await startLocalSystem({
      start: START,
      journeys: [twoStep],
      awsCalls: { recorder, stateMachineArn: (id) => id },
    });
    const sys = system;
    await sys.stack.ses?.clear();
    for (const id of [erased, kept])
      sys.clock.at(at(MINUTE), () => sys.ingest(signedUpEvent(id, at(MINUTE))), id);
    sys.clock.at(at(20 * MINUTE), async () => {
      [runBefore] = await sys.scale.runs.listRuns(erased);
      pendingBefore = sys.scale.scheduler.pending().map((s) => s.name);
      answer = (await sys.erase(erased)) as never;
      pendingAfter = sys.scale.scheduler.pending().map((s) => s.name);
    });
    // The erased run's timer fires anyway (due at +1h01): Scheduler had begun to invoke it.
    sys.clock.at(at(HOUR + MINUTE), async () => {
      fired = await sys.scale.fire({ customerId: erased, runId: runBefore!.runId, seq: runBefore!.seq });
    });
    await sys.clock.run({ until: at(3 * HOUR) });
    items = await scanTable(sys);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  const subjects = (customerId: string) => emailSubjects(system, customerId);

  it('erases the run: ended, its pending schedule deleted, the run item gone', () => {
    expect(runBefore).toMatchObject({ status: 'waiting', seq: 1, waitKind: 'timer' });
    const name = scheduleName(runBefore!.runId, runBefore!.seq);
    expect(pendingBefore).toContain(name);
    expect(pendingAfter).not.toContain(name);
    expect(answer?.statusCode).toBe(200);
    const summary = JSON.parse(answer!.body!);
    expect(summary).toMatchObject({ status: 'erased', counts: { runs: 1 }, pending: [] });
  });

  it('lets the timer fire into nothing: the claim finds no run, and no follow-up reaches the customer (SES store)', async () => {
    expect(fired).toEqual({ status: 'refused', reason: 'missing' });
    expect(await subjects(erased)).toEqual(['Hello']);
    // The control: the customer not erased gets the follow-up an hour later.
    expect(await subjects(kept)).toEqual(['Hello', 'Follow-up']);
  });

  it('leaves no run, due-index entry, address or id of the erased customer in the table', () => {
    const found = items.filter((item) => JSON.stringify(item).includes(erased));
    expect(found.map((i) => `${i.pk} ${i.sk}`)).toEqual([]);
    expect(items.some((i) => String(i.pk) === `RUN#${kept}`)).toBe(true);
    // The erased run's decisions survive under the pseudonym.
    const pseudonym = createPseudonymiser(LOCAL_PRIVACY_KEY).pseudonym(erased);
    expect(items.filter((i) => i.pk === `ANON#${pseudonym}`).length).toBeGreaterThan(0);
  });

  it('makes only calls the deployed privacy role allows (UpdateItem and DeleteItem on RUN#, DeleteSchedule)', async () => {
    const privacyCalls = recorder.calls.filter((c) => c.fn === 'privacy');
    expect(new Set(privacyCalls.map((c) => c.operation))).toEqual(
      new Set(['GetItem', 'PutItem', 'Query', 'DeleteItem', 'UpdateItem', 'DeleteSchedule']),
    );
    const deploy: DeployOptions = {
      journeys: loadJourneys().map((journey) => ({ ...journey, execution: 'scale' as const })),
      fromAddress: LOCAL_FROM,
      tableName: system.stack.dynamo.tableName,
      configurationSetName: 'herald',
      pinpointAppId: LOCAL_PINPOINT_APP,
    };
    // The local timer group has its own name; the deployed one is the stack's (SCHEDULE_GROUP).
    const group = deployedRoles(deploy).find((r) => r.fn === 'privacy')!.environment.SCHEDULE_GROUP!;
    const asDeployed = privacyCalls.map(
      (c): AwsCall =>
        c.input.GroupName === LOCAL_SCHEDULE_GROUP ? { ...c, input: { ...c.input, GroupName: group } } : c,
    );
    await assertAllowed(asDeployed, deploy);
  });
});
