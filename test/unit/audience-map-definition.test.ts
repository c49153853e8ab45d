/**
 * The audience enrolment definition's choice between a parallel scan and an export to S3
 * (engine/audience/map-definition.ts), run under aws-local-stepfunctions with each Task bound to an
 * in-process function that answers as the AWS API would (DescribeTable's TableSizeBytes,
 * ExportTableToPointInTime's and DescribeExport's ExportDescription, listObjectsV2's objects).
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  AUDIENCE_EXPORT_BUCKET_PLACEHOLDER,
  AUDIENCE_EXPORT_THRESHOLD_BYTES,
  AUDIENCE_MAP_DEFAULTS,
  AUDIENCE_TABLE_ARN_PLACEHOLDER,
  audienceMapDefinition,
} from '../../engine/audience/index.ts';
import { runLocalMap } from '../../local/audience-map.ts';

const EXPORT_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/herald/export/01764842400000-a1b2c3d4';
const TICK = { scheduledTime: '2026-03-02T09:00:00Z' };

type Calls = { state: string; input: unknown }[];

/** Binds every Task; the export completes after `pollsUntilDone` DescribeExport calls (or ends `finalStatus`). */
function world(
  sizeBytes: number,
  options: { pollsUntilDone?: number; finalStatus?: 'COMPLETED' | 'FAILED'; files?: number } = {},
) {
  const calls: Calls = [];
  let describes = 0;
  const record = (state: string, answer: (input: unknown) => unknown) => async (input: unknown) => {
    calls.push({ state, input });
    return answer(input);
  };
  const description = (status: string) => ({
    ExportDescription: { ExportArn: EXPORT_ARN, ExportStatus: status },
  });
  const tasks = {
    'Size the table': record('Size the table', () => ({
      Table: { TableName: 'herald', TableSizeBytes: sizeBytes },
    })),
    'Scan and enrol': record('Scan and enrol', () => ({ evaluated: 1 })),
    'Export the table': record('Export the table', () => description('IN_PROGRESS')),
    'Describe the export': record('Describe the export', () => {
      describes++;
      return description(
        describes >= (options.pollsUntilDone ?? 1) ? (options.finalStatus ?? 'COMPLETED') : 'IN_PROGRESS',
      );
    }),
    'Enrol from the export.read': record('Enrol from the export.read', (input) => {
      const { Prefix } = input as { Prefix: string };
      return Array.from({ length: options.files ?? 3 }, (_, i) => ({
        Key: `${Prefix}file${i}.json.gz`,
        Size: 100,
        Etag: `"e${i}"`,
      }));
    }),
    'Read and enrol': record('Read and enrol', () => ({ evaluated: 1 })),
  };
  return { calls, tasks };
}

const definition = (overrides: Partial<Parameters<typeof audienceMapDefinition>[0]> = {}) =>
  audienceMapDefinition({
    journeyId: 'win-back',
    scanSegments: 4,
    segmentsPerBatch: 2,
    maxConcurrency: 2,
    exportPollSeconds: 0,
    ...overrides,
  });

/** The Fail state's Error and Cause (aws-local-stepfunctions wraps them in an ExecutionError). */
async function failureOf(run: Promise<unknown>): Promise<{ error: string; cause: string } | 'succeeded'> {
  try {
    await run;
    return 'succeeded';
  } catch (e) {
    const failed = (e as { cause?: { name: string; message: string } }).cause;
    return { error: String(failed?.name), cause: String(failed?.message) };
  }
}

const statesCalled = (calls: Calls) => [...new Set(calls.map((c) => c.state))];

describe('audience enrolment: scan or export by table size', () => {
  it('defaults the threshold to the documented 50 GiB', () => {
    expect(AUDIENCE_EXPORT_THRESHOLD_BYTES).toBe(53_687_091_200);
    expect(AUDIENCE_MAP_DEFAULTS.exportThresholdBytes).toBe(AUDIENCE_EXPORT_THRESHOLD_BYTES);
    const choice = (audienceMapDefinition({ journeyId: 'x', ...AUDIENCE_MAP_DEFAULTS }).States as never)[
      'Scan or export'
    ] as { Choices: { NumericGreaterThanEquals: number }[] };
    expect(choice.Choices[0]?.NumericGreaterThanEquals).toBe(53_687_091_200);
  });

  it('scans a table one byte under the threshold, and never touches S3', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES - 1);
    await runLocalMap(definition(), TICK, tasks);
    expect(statesCalled(calls)).toEqual(['Size the table', 'Scan and enrol']);
    expect(calls.filter((c) => c.state === 'Scan and enrol')).toHaveLength(2);
  });

  it('exports a table at the threshold: as of the tick, in DynamoDB JSON, under a prefix of the execution', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES);
    await runLocalMap(definition(), TICK, tasks, { executionName: 'tick-0900' });
    expect(statesCalled(calls)).toEqual([
      'Size the table',
      'Export the table',
      'Describe the export',
      'Enrol from the export.read',
      'Read and enrol',
    ]);
    expect(calls.find((c) => c.state === 'Export the table')?.input).toEqual({
      TableArn: AUDIENCE_TABLE_ARN_PLACEHOLDER,
      S3Bucket: AUDIENCE_EXPORT_BUCKET_PLACEHOLDER,
      S3Prefix: 'audience/win-back/tick-0900',
      ExportFormat: 'DYNAMODB_JSON',
      ExportType: 'FULL_EXPORT',
      ExportTime: '2026-03-02T09:00:00Z',
    });
    expect(calls.find((c) => c.state === 'Describe the export')?.input).toEqual({ ExportArn: EXPORT_ARN });
    // The data files of this export only: <prefix>/AWSDynamoDB/<ExportId>/data/.
    expect(calls.find((c) => c.state === 'Enrol from the export.read')?.input).toEqual({
      Bucket: AUDIENCE_EXPORT_BUCKET_PLACEHOLDER,
      Prefix: 'audience/win-back/tick-0900/AWSDynamoDB/01764842400000-a1b2c3d4/data/',
    });
  });

  it('hands each child the export envelope: several files per child, every file once', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES + 1, { files: 5 });
    await runLocalMap(definition({ filesPerBatch: 2 }), TICK, tasks, { executionName: 'e1' });
    const batches = calls.filter((c) => c.state === 'Read and enrol').map((c) => c.input);
    const data = 'audience/win-back/e1/AWSDynamoDB/01764842400000-a1b2c3d4/data/';
    expect(batches).toEqual([
      {
        Items: [0, 1].map((i) => ({ key: `${data}file${i}.json.gz`, scheduledTime: TICK.scheduledTime })),
        BatchInput: { journeyId: 'win-back', source: 'export' },
      },
      {
        Items: [2, 3].map((i) => ({ key: `${data}file${i}.json.gz`, scheduledTime: TICK.scheduledTime })),
        BatchInput: { journeyId: 'win-back', source: 'export' },
      },
      {
        Items: [{ key: `${data}file4.json.gz`, scheduledTime: TICK.scheduledTime }],
        BatchInput: { journeyId: 'win-back', source: 'export' },
      },
    ]);
  });

  it('honours a threshold option, both sides of it', async () => {
    const small = world(999);
    await runLocalMap(definition({ exportThresholdBytes: 1000 }), TICK, small.tasks);
    expect(statesCalled(small.calls)).toContain('Scan and enrol');
    expect(statesCalled(small.calls)).not.toContain('Export the table');
    const large = world(1000);
    await runLocalMap(definition({ exportThresholdBytes: 1000 }), TICK, large.tasks);
    expect(statesCalled(large.calls)).toContain('Read and enrol');
    expect(statesCalled(large.calls)).not.toContain('Scan and enrol');
  });

  it('polls DescribeExport until COMPLETED before reading any file', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES, { pollsUntilDone: 3 });
    await runLocalMap(definition(), TICK, tasks);
    const order = calls.map((c) => c.state);
    expect(order.filter((s) => s === 'Describe the export')).toHaveLength(3);
    expect(order.indexOf('Enrol from the export.read')).toBeGreaterThan(
      order.lastIndexOf('Describe the export'),
    );
  });

  it('fails with AudienceExportFailed when the export FAILED, enrolling nobody', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES, { finalStatus: 'FAILED' });
    const failure = await failureOf(runLocalMap(definition(), TICK, tasks));
    expect(failure).toEqual({ error: 'AudienceExportFailed', cause: expect.stringMatching(/export FAILED/) });
    expect(statesCalled(calls)).not.toContain('Read and enrol');
  });

  it('fails with AudienceExportTimedOut after the last poll, enrolling nobody', async () => {
    const { calls, tasks } = world(AUDIENCE_EXPORT_THRESHOLD_BYTES, { pollsUntilDone: 100 });
    const failure = await failureOf(runLocalMap(definition({ exportMaxPolls: 2 }), TICK, tasks));
    expect(failure).toEqual({ error: 'AudienceExportTimedOut', cause: expect.stringMatching(/2 polls/) });
    expect(calls.filter((c) => c.state === 'Describe the export')).toHaveLength(3);
    expect(statesCalled(calls)).not.toContain('Read and enrol');
  });

  it('deploys a definition the ASL validator accepts, Distributed Maps, ItemReader and all', () => {
    // aws-local-stepfunctions validates with asl-validator on construction (and refuses, e.g., an
    // ItemReader without a Resource); this is the definition as infra deploys it, not emulated.
    const deployed = audienceMapDefinition({ journeyId: 'win-back', ...AUDIENCE_MAP_DEFAULTS });
    expect(() => new StateMachine(deployed as never)).not.toThrow();
    const broken = structuredClone(deployed) as { States: Record<string, Record<string, unknown>> };
    broken.States['Enrol from the export']!.ItemReader = { Parameters: {} };
    expect(() => new StateMachine(broken as never)).toThrow(/invalid/);
  });

  it('refuses a negative threshold', () => {
    expect(() => definition({ exportThresholdBytes: -1 })).toThrow(RangeError);
  });
});
