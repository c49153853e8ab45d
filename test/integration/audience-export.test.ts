/**
 * The audience Map's export branch end to end on stand-ins: a seeded table (dynalite) is exported in
 * DynamoDB's own S3 layout (local/standins/dynamo-export.ts: gzip'd DYNAMODB_JSON data files,
 * manifest-files.json, manifest-summary.json) into s3rver on loopback; the real audience handler's
 * export op reads those files through the real @aws-sdk/client-s3 (functions/adapters/s3-export.ts)
 * and enrols the members — the same customers the scan op enrols from the same table, nobody twice
 * on a re-run. Then the whole enrolment definition runs its export branch under
 * aws-local-stepfunctions (local/audience-map.ts), each AWS integration bound to the stand-ins.
 */

import { gzipSync } from 'node:zlib';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceMapDefinition, type Segment } from '../../engine/audience/index.ts';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { DynamoAudience } from '../../functions/adapters/dynamo-audience.ts';
import { journeyRegistryOf } from '../../functions/adapters/journey-registry.ts';
import { ExportFileError, S3ExportReader } from '../../functions/adapters/s3-export.ts';
import type { AudienceBatchSummary } from '../../functions/app/audience.ts';
import { createAudienceHandler } from '../../functions/handlers/audience.ts';
import { localContext } from '../../functions/handlers/lambda.ts';
import { runLocalMap, substitute } from '../../local/audience-map.ts';
import { exportTableToS3 } from '../../local/standins/dynamo-export.ts';
import { type S3StandIn, startS3StandIn } from '../../local/standins/s3.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { orderPlacedEvent } from './support/events.ts';
import { reachableProfile, sendJourney } from './support/harness.ts';

// Lapsed buyers: an order count (a number in the profile map), no order in 60 days (behaviour: the
// events in the table), email consent (a nested map).
const lapsed: Segment = {
  id: 'lapsed',
  name: 'Lapsed',
  condition: {
    all: [
      { field: 'profile.attributes.ordersCount', op: 'gte', value: 1 },
      { not: { did: 'order_placed', within: 'P60D' } },
      { field: 'profile.consent.email.status', op: 'eq', value: 'opted_in' },
    ],
  },
};
const audienceJourney = (id: string): Journey => ({
  ...sendJourney(id, { priority: 30 }),
  entry: { segment: 'lapsed', schedule: { at: '2026-03-02T09:00', zone: 'UTC' }, reentry: { mode: 'never' } },
});
const byScan = audienceJourney('lapsed-scan');
const byExport = audienceJourney('lapsed-export');
const byMachine = audienceJourney('lapsed-machine');
// One entrant a minute: every entrant's pacing slot (notBefore) must be a minute of its own.
const paced: Journey = {
  ...audienceJourney('lapsed-paced'),
  entry: { ...audienceJourney('lapsed-paced').entry, pacing: { perMinute: 1 } },
};
const SCHEDULED = '2026-03-02T09:00:00Z';
const ids = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);

/** Who should be in the segment: ordered (i % 4 ≠ 0), not recently (i % 3 ≠ 0), opted in (i % 5 ≠ 0). */
const expectedMembers = ids.filter((_, i) => i % 4 !== 0 && i % 3 !== 0 && i % 5 !== 0);

let s: LocalSystem;
let s3: S3StandIn;
let handler: (event: unknown) => Promise<AudienceBatchSummary>;

beforeAll(async () => {
  s = await startLocalSystem({
    start: new Date('2026-03-02T08:00:00Z'),
    journeys: [byScan, byExport, byMachine, paced],
    config: { ...DEFAULT_POLICY, caps: [] },
    segments: new Map([[lapsed.id, lapsed]]),
  });
  s3 = await startS3StandIn({ bucket: 'herald-audience-exports' });
  await s.clock.track(async () => {
    for (const [i, id] of ids.entries()) {
      const profile = reachableProfile(id, {
        attributes: { ordersCount: i % 4 === 0 ? 0 : 2, vip: i % 2 === 1, city: 'Dubai' },
      });
      if (i % 5 === 0 && profile.consent)
        profile.consent.email = { status: 'opted_out', at: '2025-06-01T00:00:00Z', source: 'link' };
      await s.stack.store.updateProfile(id, () => profile);
      if (i % 4 !== 0) {
        // Recent buyers (i % 3 = 0) ordered in February; the others in November.
        const time = i % 3 === 0 ? '2026-02-20T10:00:00Z' : '2025-11-02T10:00:00Z';
        await s.stack.store.putEvent(orderPlacedEvent(id, time), new Date(time));
      }
    }
  });
  const fn = createAudienceHandler({
    store: s.stack.store,
    journeys: journeyRegistryOf([byScan, byExport, byMachine, paced]),
    executions: s.workflows,
    config: { ...DEFAULT_POLICY, caps: [] },
    segments: new Map([[lapsed.id, lapsed]]),
    reader: new DynamoAudience(s.stack.dynamo.client, s.stack.dynamo.tableName),
    exports: new S3ExportReader(s3.client, s3.bucket),
    clock: { now: () => s.clock.now() },
  });
  handler = (event) => s.clock.track(() => fn(event as never, localContext('audience')));
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  await s?.stop();
});

async function enrolledIn(journeyId: string): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const records = await s.clock.track(() => s.stack.store.listEnrollments(id));
    if (records.some((r) => r.enrollment.journeyId === journeyId)) out.push(id);
  }
  return out;
}

/** The stand-ins' SDK calls run as tracked work: the simulated clock stands still while they are in flight. */
const put = (Key: string, Body: Buffer) =>
  s.clock.track(() => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body })));

/** What the ItemReader hands the Map: every object under the data prefix, via the real ListObjectsV2. */
async function listDataFiles(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(
      new ListObjectsV2Command({
        Bucket: s3.bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

const sum = (batches: AudienceBatchSummary[], field: 'started' | 'evaluated' | 'heldOut') =>
  batches.reduce((n, b) => n + b[field], 0);

describe('the audience export op: enrolment from a DynamoDB export in S3', () => {
  const prefix = 'audience/lapsed-export/exec-1';
  const exportId = '01772442000000-a1b2c3d4';
  const dataPrefix = `${prefix}/AWSDynamoDB/${exportId}/data/`;
  const exportBatches = (keys: string[]) =>
    Array.from({ length: Math.ceil(keys.length / 2) }, (_, b) => ({
      Items: keys.slice(b * 2, b * 2 + 2).map((key) => ({ key, scheduledTime: SCHEDULED })),
      BatchInput: { journeyId: byExport.id, source: 'export' },
    }));

  it('enrols exactly the customers the scan enrols from the same table, and a re-run enrols nobody twice', async () => {
    // The export as of the tick: profiles, their events, nothing enrolled yet. 48 files for 40
    // customers: some partitions are empty, and DynamoDB may leave those as zero-byte files.
    const exported = await s.clock.track(() =>
      exportTableToS3({
        dynamo: s.stack.dynamo.client,
        tableName: s.stack.dynamo.tableName,
        s3: s3.client,
        bucket: s3.bucket,
        prefix,
        exportId,
        exportTime: SCHEDULED,
        files: 48,
        emptyFilesAsZeroBytes: true,
      }),
    );
    const keys = await s.clock.track(() => listDataFiles(dataPrefix));
    expect(keys.sort()).toEqual([...exported.dataFileKeys].sort());
    expect(exported.ItemCount).toBeGreaterThan(ids.length); // events and profiles alike

    // The scan op on the same table.
    const scanned = await handler({
      Items: [0, 1, 2].map((segment) => ({ segment, scheduledTime: SCHEDULED })),
      BatchInput: { journeyId: byScan.id, totalSegments: 3 },
    });
    expect(scanned.evaluated).toBe(ids.length);

    // The export op: two data files per child, as the ItemBatcher hands them.
    const first: AudienceBatchSummary[] = [];
    for (const batch of exportBatches(keys)) first.push(await handler(batch));
    expect(sum(first, 'evaluated')).toBe(ids.length);

    const viaScan = await enrolledIn(byScan.id);
    const viaExport = await enrolledIn(byExport.id);
    expect(viaScan).toEqual(expectedMembers);
    expect(viaExport).toEqual(viaScan);
    expect(sum(first, 'started') + sum(first, 'heldOut')).toBe(expectedMembers.length);
    expect(sum(first, 'started')).toBe(scanned.started);

    // A re-run of the tick (a retried child, a Scheduler retry, a re-run by hand).
    const again: AudienceBatchSummary[] = [];
    for (const batch of exportBatches(keys)) again.push(await handler(batch));
    expect(sum(again, 'started')).toBe(0);
    expect(again.reduce((n, b) => n + (b.skipped.already_enrolled ?? 0), 0)).toBe(expectedMembers.length);
    expect(await enrolledIn(byExport.id)).toEqual(expectedMembers);
  });

  it('paces entrants across data files as across scan segments: no two share a slot', async () => {
    // The export the first test wrote (as of the tick, before anyone was enrolled).
    const keys = await s.clock.track(() => listDataFiles(dataPrefix));
    const batches = exportBatches(keys).map((b) => ({
      ...b,
      BatchInput: { ...b.BatchInput, journeyId: paced.id },
    }));
    for (const batch of batches) await handler(batch);
    const slots: string[] = [];
    for (const id of ids) {
      const records = await s.clock.track(() => s.stack.store.listEnrollments(id));
      for (const r of records)
        if (r.enrollment.journeyId === paced.id) slots.push(String(r.enrollment.notBefore));
    }
    expect(slots).toHaveLength(expectedMembers.length);
    expect(new Set(slots).size).toBe(slots.length);
    // Slots are n × files + file index minutes after the tick, all inside files × (largest file) minutes.
    const minutes = slots.map((t) => (Date.parse(t) - Date.parse(SCHEDULED)) / 60_000);
    expect(Math.min(...minutes)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...minutes)).toBeLessThan(keys.length * expectedMembers.length);
  });

  it('refuses a key its export’s manifest does not list, and a file that is not DynamoDB JSON, naming the line but not its content', async () => {
    const stray = `${dataPrefix}not-in-the-manifest.json.gz`;
    await put(stray, gzipSync('{"Item":{}}\n'));
    await expect(
      handler({
        Items: [{ key: stray, scheduledTime: SCHEDULED }],
        BatchInput: { journeyId: byExport.id, source: 'export' },
      }),
    ).rejects.toMatchObject({ code: 'unknown_export_file' });

    const bad = `audience/x/e/AWSDynamoDB/${exportId}/data/bad.json.gz`;
    await put(
      bad,
      gzipSync('{"Item":{"pk":{"S":"C#c1"},"sk":{"S":"PROFILE"}}}\n{"email":"someone@example.com"\n'),
    );
    const reader = new S3ExportReader(s3.client, s3.bucket);
    const read = async () => {
      for await (const _ of reader.profiles(bad)) {
        /* drain */
      }
    };
    const error = await s.clock.track(() => read()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportFileError);
    expect(error).toMatchObject({ code: 'malformed_export_line' });
    expect((error as Error).message).toContain('line 2');
    expect((error as Error).message).not.toContain('someone@example.com');
  });
});

describe('the enrolment definition’s export branch, run locally on the stand-ins', () => {
  it('sizes the table, exports it, lists the data files and enrols the same members through the Lambda', async () => {
    const definition = substitute(
      audienceMapDefinition({
        journeyId: byMachine.id,
        scanSegments: 4,
        segmentsPerBatch: 2,
        maxConcurrency: 2,
        // dynalite's table is small: a zero threshold sends it down the export branch.
        exportThresholdBytes: 0,
        filesPerBatch: 3,
        exportPollSeconds: 0,
      }),
      {
        AudienceTableName: s.stack.dynamo.tableName,
        AudienceTableArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${s.stack.dynamo.tableName}`,
        AudienceExportBucket: s3.bucket,
      },
    );
    const seen: string[] = [];
    let exported: { ExportArn: string } | undefined;
    const tasks = {
      'Size the table': (input: unknown) => {
        seen.push('describeTable');
        return s.stack.dynamo.client.send(new DescribeTableCommand(input as { TableName: string }));
      },
      'Export the table': async (input: unknown) => {
        seen.push('exportTableToPointInTime');
        const { S3Bucket, S3Prefix, ExportTime, TableArn } = input as Record<string, string>;
        exported = await exportTableToS3({
          dynamo: s.stack.dynamo.client,
          tableName: s.stack.dynamo.tableName,
          s3: s3.client,
          bucket: String(S3Bucket),
          prefix: String(S3Prefix),
          exportId: '01772442000001-b2c3d4e5',
          exportTime: String(ExportTime),
          tableArn: String(TableArn),
          files: 7,
        });
        return { ExportDescription: { ExportArn: exported.ExportArn, ExportStatus: 'IN_PROGRESS' } };
      },
      'Describe the export': async (input: unknown) => {
        seen.push('describeExport');
        return {
          ExportDescription: {
            ExportArn: (input as { ExportArn: string }).ExportArn,
            ExportStatus: 'COMPLETED',
          },
        };
      },
      'Enrol from the export.read': async (input: unknown) => {
        seen.push('listObjectsV2');
        const { Bucket, Prefix } = input as { Bucket: string; Prefix: string };
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix }));
        return (page.Contents ?? []).map((o) => ({ Key: o.Key, Size: o.Size, Etag: o.ETag }));
      },
      'Read and enrol': (input: unknown) => {
        seen.push('lambda');
        return handler(input);
      },
    };
    const result = (await s.clock.track(() =>
      runLocalMap(definition, { scheduledTime: SCHEDULED }, tasks, { executionName: 'tick-1' }),
    )) as { batches: AudienceBatchSummary[] };

    expect(exported?.ExportArn).toMatch(/table\/herald\/export\/01772442000001-b2c3d4e5$/);
    // 7 files, 3 per child: three children.
    expect(seen).toEqual([
      'describeTable',
      'exportTableToPointInTime',
      'describeExport',
      'listObjectsV2',
      'lambda',
      'lambda',
      'lambda',
    ]);
    expect(sum(result.batches, 'evaluated')).toBe(ids.length);
    expect(await enrolledIn(byMachine.id)).toEqual(expectedMembers);
  });
});
