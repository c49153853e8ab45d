/**
 * The deployed audience enrolment state machine (engine/audience/map-definition.ts) run under
 * aws-local-stepfunctions, its ItemBatcher emulated (local/audience-map.ts: the runner has no
 * Distributed mode), its Task bound to the audience Lambda's real handler, which scans dynalite
 * through the real DynamoDB client and starts journey runs in the local workflows runner.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { audienceMapDefinition, type Segment } from '../../engine/audience/index.ts';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { journeyRegistryOf } from '../../functions/adapters/journey-registry.ts';
import { createAudienceHandler } from '../../functions/handlers/audience.ts';
import { localContext } from '../../functions/handlers/lambda.ts';
import { emulateItemBatcher, runLocalMap } from '../../local/audience-map.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { reachableProfile, sendJourney } from './support/harness.ts';

const vip: Segment = {
  id: 'vip',
  name: 'VIPs',
  condition: { field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 },
};
const broadcast: Journey = {
  ...sendJourney('vip-broadcast', { priority: 30 }),
  entry: { segment: 'vip', schedule: { at: '2026-03-02T09:00', zone: 'UTC' }, reentry: { mode: 'never' } },
};

let sys: LocalSystem | undefined;
afterEach(async () => {
  await sys?.stop();
  sys = undefined;
});

describe('the audience Distributed Map definition, run locally with the batching Lambda', () => {
  it('hands each child the ItemBatcher envelope, covers every scan segment once, and a re-run enrols nobody twice', async () => {
    const s = await startLocalSystem({
      start: new Date('2026-03-02T08:00:00Z'),
      journeys: [broadcast],
      config: { ...DEFAULT_POLICY, caps: [] },
      segments: new Map([[vip.id, vip]]),
    });
    sys = s;
    const ids = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, '0')}`);
    await s.clock.track(async () => {
      for (const [i, id] of ids.entries()) {
        const profile = reachableProfile(id, { attributes: { lifetimeValue: i % 3 === 0 ? 100 : 800 } });
        await s.stack.store.updateProfile(id, () => profile);
      }
    });
    const handler = createAudienceHandler({
      store: s.stack.store,
      journeys: journeyRegistryOf([broadcast]),
      executions: s.workflows,
      config: { ...DEFAULT_POLICY, caps: [] },
      segments: new Map([[vip.id, vip]]),
      reader: new DynamoAudience(s.stack.dynamo.client, s.stack.dynamo.tableName),
      clock: { now: () => s.clock.now() },
    });
    const seen: unknown[] = [];
    const tasks = {
      // The AWS SDK integration's call, made by the real client against dynalite.
      'Size the table': () =>
        s.stack.dynamo.client.send(new DescribeTableCommand({ TableName: s.stack.dynamo.tableName })),
      'Scan and enrol': async (input: unknown) => {
        seen.push(input);
        return handler(input as never, localContext('audience'));
      },
    };
    const definition = audienceMapDefinition({
      journeyId: broadcast.id,
      scanSegments: 5,
      segmentsPerBatch: 2,
      maxConcurrency: 2,
    });
    const input = { scheduledTime: '2026-03-02T09:00:00Z' };
    const first = (await s.clock.track(() => runLocalMap(definition, input, tasks))) as {
      batches: { evaluated: number; started: number }[];
    };

    // Five segments in batches of two: three children, each with the envelope AWS builds.
    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({
      Items: [
        { segment: 0, scheduledTime: '2026-03-02T09:00:00Z' },
        { segment: 1, scheduledTime: '2026-03-02T09:00:00Z' },
      ],
      BatchInput: { journeyId: 'vip-broadcast', totalSegments: 5 },
    });
    expect(first.batches.reduce((n, b) => n + b.evaluated, 0)).toBe(30);
    expect(first.batches.reduce((n, b) => n + b.started, 0)).toBe(20);

    const again = (await s.clock.track(() => runLocalMap(definition, input, tasks))) as {
      batches: { started: number; skipped: { already_enrolled?: number } }[];
    };
    expect(again.batches.reduce((n, b) => n + b.started, 0)).toBe(0);
    expect(again.batches.reduce((n, b) => n + (b.skipped.already_enrolled ?? 0), 0)).toBe(20);

    // The members' runs send at 09:00 (the tick), as the SES stand-in received them.
    await s.clock.run({ until: new Date('2026-03-02T12:00:00Z') });
    const receivedBy = new Set(s.stack.emailReceipts().flatMap((r) => r.recipients));
    expect(ids.filter((id) => receivedBy.has(`${id}@example.com`))).toEqual(
      ids.filter((_, i) => i % 3 !== 0),
    );
    expect(new Set(s.stack.emailReceipts().map((r) => r.at))).toEqual(new Set(['2026-03-02T09:00:00.000Z']));
  });

  it('keeps the deployed definition distributed and batched (only the local copy is rewritten)', () => {
    const definition = audienceMapDefinition({
      journeyId: 'x',
      scanSegments: 1000,
      segmentsPerBatch: 4,
      maxConcurrency: 8,
    });
    const map = (definition.States as Record<string, Record<string, unknown>>).Enrol!;
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 4,
      BatchInput: { journeyId: 'x', totalSegments: 1000 },
    });
    expect((map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'EXPRESS',
    });
    const local = emulateItemBatcher(definition).States as Record<string, Record<string, unknown>>;
    expect(local.Enrol?.ItemBatcher).toBeUndefined();
    expect(Object.keys(local)).toEqual(
      expect.arrayContaining(['Scan segments', 'Enrol', 'Enrol.select', 'Enrol.batch']),
    );
    expect(local['Scan segments']?.Next).toBe('Enrol.select');
  });
});
