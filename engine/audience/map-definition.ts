/**
 * The audience enrolment state machine of one audience journey, in Amazon States Language
 * (JSONPath), started by its EventBridge Scheduler schedule with
 * `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`. It first sizes the table and then reads
 * the candidates one of two ways:
 *
 *   Size the table (Task: DynamoDB DescribeTable, AWS SDK integration)
 *   Scan or export (Choice: Table.TableSizeBytes ≥ exportThresholdBytes?)
 *   ├─ small: Scan segments (Pass: `States.ArrayRange` makes the parallel-scan segment numbers 0…N-1)
 *   │    → Enrol (Map, DISTRIBUTED, EXPRESS children; ItemBatcher hands each child K segments as
 *   │      `{ "Items": [...], "BatchInput": {...} }`; MaxConcurrency bounds the children at once)
 *   │        → Scan and enrol (Task: the audience Lambda, functions/handlers/audience.ts)
 *   └─ large: Plan the export (Pass: the S3 prefix, unique per execution; the poll count)
 *        → Export the table (Task: DynamoDB ExportTableToPointInTime, DYNAMODB_JSON, as of the tick)
 *        → Describe the export (Task: DescribeExport) → Export done? (Choice)
 *             COMPLETED → List the export files; FAILED → Export failed (Fail);
 *             too many polls → Export timed out (Fail); else Wait for the export → Count the poll → Describe
 *        → List the export files (Pass: `<prefix>/AWSDynamoDB/<ExportId>/data/`)
 *        → Enrol from the export (Map, DISTRIBUTED, EXPRESS; ItemReader S3 listObjectsV2 over the data
 *          files, ItemBatcher F files per child)
 *            → Read and enrol (Task: the same audience Lambda, its export op)
 *   → Enrolled (Succeed)
 *
 * - `States.ArrayRange` makes at most 1,000 items, hence N ≤ 1,000 scan segments (DynamoDB allows
 *   up to 1,000,000 TotalSegments); at 1M profiles that is 1,000 per segment.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-arrays
 * - ItemBatcher's `{ Items, BatchInput }` envelope:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 * - Express child workflows run at most five minutes, so the Lambda's timeout stays below that and
 *   a batch is sized to finish well inside it.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 * - The Tasks are retried as a whole: enrolment is idempotent (deterministic enrolment keys,
 *   engine/audience/enrol.ts), so a retried or re-run batch starts nobody twice, whichever way the
 *   candidates were read.
 * - AWS SDK integrations (`arn:aws:states:::aws-sdk:dynamodb:<apiAction>`): parameters in PascalCase,
 *   errors named `DynamoDb.<Error>Exception`.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 * - TableSizeBytes: "DynamoDB updates this value approximately every six hours. Recent changes might
 *   not be reflected in this value" (DescribeTable, TableDescription), so the choice follows the size
 *   as of up to six hours ago; near the threshold a tick may go either way, and both ways enrol the
 *   same members.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
 * - ExportTableToPointInTime needs point-in-time recovery on the table (infra/herald-stack.ts enables
 *   it) and an ExportTime inside the PITR window; the latest restorable time trails the present by a
 *   few minutes, so an export as of the tick started right at the tick is retried on
 *   InvalidExportTimeException until the window reaches it. ExportTime is passed as the tick's
 *   ISO 8601 string; AWS's docs found here do not say how the SDK integration reads a timestamp
 *   parameter, but a public state machine (benbpyle/dynamodb-incremental-export-sf) passes
 *   `$$.Execution.StartTime`, an ISO string, to the same API's ExportFromTime/ExportToTime. Not
 *   verified against AWS from here.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport_Requesting.html
 * - The export's layout: `<prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json`,
 *   `manifest-files.json` (JSON lines, one `dataFileS3Key` per data file) and
 *   `<prefix>/AWSDynamoDB/<ExportId>/data/<name>.json.gz` (gzip'd JSON lines, one `{"Item": {...}}`
 *   in DynamoDB JSON each); ExportId is the last part of the ExportArn
 *   (`…:table/<name>/export/<ExportId>`).
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html
 * - ItemReader `arn:aws:states:::s3:listObjectsV2` hands the Map one item per object
 *   (`{ Key, Etag, LastModified, Size, StorageClass }`) under the Prefix.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 *
 * Pure: the Lambda ARN, the table and the export bucket are `${...}` placeholders, filled by
 * CloudFormation `DefinitionSubstitutions` (infra/constructs/audience.ts) or bound in-process by the
 * local tests.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const AUDIENCE_FUNCTION_ARN_PLACEHOLDER = '${AudienceFunctionArn}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const AUDIENCE_TABLE_NAME_PLACEHOLDER = '${AudienceTableName}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const AUDIENCE_TABLE_ARN_PLACEHOLDER = '${AudienceTableArn}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const AUDIENCE_EXPORT_BUCKET_PLACEHOLDER = '${AudienceExportBucket}';

/** Where a tick's exports go in the export bucket: `audience/<journey>/<execution name>`. */
export const AUDIENCE_EXPORT_ROOT = 'audience';

/**
 * The documented size at which a tick exports instead of scanning: 50 GiB, a chosen figure. A full
 * Scan reads every item of the table (not just profiles), takes hours at the Map's concurrency and
 * spends the table's read capacity while live traffic runs; an export spends none of it
 * (docs/writing-journeys.md, "Scan vs export to S3").
 */
export const AUDIENCE_EXPORT_THRESHOLD_BYTES = 50 * 1024 ** 3;

export interface AudienceMapOptions {
  journeyId: string;
  /** DynamoDB parallel-scan segments (1…1,000). */
  scanSegments: number;
  /** Scan segments per child execution (ItemBatcher MaxItemsPerBatch). */
  segmentsPerBatch: number;
  /** Child executions at once: bounds the StartExecution rate of the journey runs (see docs/audience.md). */
  maxConcurrency: number;
  /** A table of at least this many bytes (DescribeTable's TableSizeBytes) is exported, not scanned. */
  exportThresholdBytes?: number;
  /** Export data files per child execution (ItemBatcher MaxItemsPerBatch). */
  filesPerBatch?: number;
  /** Seconds between DescribeExport polls. */
  exportPollSeconds?: number;
  /** Polls before the execution fails as timed out (bounds the loop and the execution history). */
  exportMaxPolls?: number;
}

export const AUDIENCE_MAP_DEFAULTS = {
  scanSegments: 1000,
  segmentsPerBatch: 4,
  maxConcurrency: 8,
  exportThresholdBytes: AUDIENCE_EXPORT_THRESHOLD_BYTES,
  filesPerBatch: 2,
  exportPollSeconds: 60,
  // 24 hours of one-minute polls; each loop is 4 state transitions, far inside the 25,000-event history.
  exportMaxPolls: 1440,
} as const;

/** What the audience Lambda is given per child execution of the scan Map (the ItemBatcher envelope). */
export interface AudienceBatchInput {
  Items: { segment: number; scheduledTime: string }[];
  BatchInput: { journeyId: string; totalSegments: number };
}

/** What the audience Lambda is given per child execution of the export Map: S3 keys of data files. */
export interface AudienceExportBatchInput {
  Items: { key: string; scheduledTime: string }[];
  BatchInput: { journeyId: string; source: 'export' };
}

/** An intrinsic-function string literal: `'`, `{`, `}` and `\` escaped. */
function literal(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

const RETRY_TRANSIENT = {
  ErrorEquals: ['States.ALL'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

export function audienceMapDefinition(options: AudienceMapOptions): Record<string, unknown> {
  const n = options.scanSegments;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError(`scanSegments ${n}: 1 to 1,000`);
  const threshold = options.exportThresholdBytes ?? AUDIENCE_MAP_DEFAULTS.exportThresholdBytes;
  if (!Number.isFinite(threshold) || threshold < 0)
    throw new RangeError(`exportThresholdBytes ${threshold}: a size in bytes`);
  const filesPerBatch = options.filesPerBatch ?? AUDIENCE_MAP_DEFAULTS.filesPerBatch;
  const pollSeconds = options.exportPollSeconds ?? AUDIENCE_MAP_DEFAULTS.exportPollSeconds;
  const maxPolls = options.exportMaxPolls ?? AUDIENCE_MAP_DEFAULTS.exportMaxPolls;
  const journey = literal(options.journeyId);
  const children = (startAt: string, comment: string) => ({
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
    StartAt: startAt,
    States: {
      [startAt]: {
        Type: 'Task',
        Comment: comment,
        Resource: AUDIENCE_FUNCTION_ARN_PLACEHOLDER,
        Retry: [RETRY_TRANSIENT],
        End: true,
      },
    },
  });
  return {
    Comment: `Audience enrolment of journey ${options.journeyId}: ${n} parallel-scan segments, ${options.segmentsPerBatch} per child execution; an export to S3 from ${threshold} bytes, ${filesPerBatch} files per child execution`,
    QueryLanguage: 'JSONPath',
    StartAt: 'Size the table',
    States: {
      'Size the table': {
        Type: 'Task',
        Comment: 'TableSizeBytes, as DynamoDB last updated it (about every six hours)',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable',
        Parameters: { TableName: AUDIENCE_TABLE_NAME_PLACEHOLDER },
        ResultSelector: { 'sizeBytes.$': '$.Table.TableSizeBytes' },
        ResultPath: '$.table',
        Retry: [RETRY_TRANSIENT],
        Next: 'Scan or export',
      },
      'Scan or export': {
        Type: 'Choice',
        Comment: `Export from ${threshold} bytes, else scan`,
        Choices: [
          { Variable: '$.table.sizeBytes', NumericGreaterThanEquals: threshold, Next: 'Plan the export' },
        ],
        Default: 'Scan segments',
      },

      // ── Small: a parallel scan ─────────────────────────────────────────────────────────────
      'Scan segments': {
        Type: 'Pass',
        Comment: 'The parallel-scan segment numbers 0…N-1',
        Parameters: {
          'scheduledTime.$': '$.scheduledTime',
          'segments.$': `States.ArrayRange(0, ${n - 1}, 1)`,
        },
        Next: 'Enrol',
      },
      Enrol: {
        Type: 'Map',
        Label: 'Enrol',
        ItemsPath: '$.segments',
        ItemSelector: { 'segment.$': '$$.Map.Item.Value', 'scheduledTime.$': '$.scheduledTime' },
        ItemBatcher: {
          MaxItemsPerBatch: options.segmentsPerBatch,
          BatchInput: { journeyId: options.journeyId, totalSegments: n },
        },
        MaxConcurrency: options.maxConcurrency,
        ToleratedFailurePercentage: 0,
        ItemProcessor: children(
          'Scan and enrol',
          'Scan these segments of the table, judge each profile with the segment, enrol and start',
        ),
        ResultPath: '$.batches',
        Next: 'Enrolled',
      },

      // ── Large: an export to S3 ─────────────────────────────────────────────────────────────
      'Plan the export': {
        Type: 'Pass',
        Comment: 'A prefix of its own per execution, so two runs of a tick never share files',
        Parameters: {
          'scheduledTime.$': '$.scheduledTime',
          'prefix.$': `States.Format('${AUDIENCE_EXPORT_ROOT}/${journey}/{}', $$.Execution.Name)`,
          polls: 0,
        },
        Next: 'Export the table',
      },
      'Export the table': {
        Type: 'Task',
        Comment: 'A full export as of the tick, in DynamoDB JSON (needs point-in-time recovery)',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:exportTableToPointInTime',
        Parameters: {
          TableArn: AUDIENCE_TABLE_ARN_PLACEHOLDER,
          S3Bucket: AUDIENCE_EXPORT_BUCKET_PLACEHOLDER,
          'S3Prefix.$': '$.prefix',
          ExportFormat: 'DYNAMODB_JSON',
          ExportType: 'FULL_EXPORT',
          'ExportTime.$': '$.scheduledTime',
        },
        ResultSelector: {
          'arn.$': '$.ExportDescription.ExportArn',
          'status.$': '$.ExportDescription.ExportStatus',
        },
        ResultPath: '$.export',
        Retry: [
          {
            // The PITR window trails the present by minutes: wait until it covers the tick.
            ErrorEquals: ['DynamoDb.InvalidExportTimeException'],
            IntervalSeconds: 60,
            MaxAttempts: 15,
            BackoffRate: 1,
          },
          {
            ErrorEquals: ['DynamoDb.LimitExceededException', 'DynamoDb.InternalServerErrorException'],
            IntervalSeconds: 30,
            MaxAttempts: 5,
            BackoffRate: 2,
            JitterStrategy: 'FULL',
          },
        ],
        Next: 'Describe the export',
      },
      'Describe the export': {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeExport',
        Parameters: { 'ExportArn.$': '$.export.arn' },
        ResultSelector: {
          'arn.$': '$.ExportDescription.ExportArn',
          'status.$': '$.ExportDescription.ExportStatus',
        },
        ResultPath: '$.export',
        Retry: [RETRY_TRANSIENT],
        Next: 'Export done?',
      },
      'Export done?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.export.status', StringEquals: 'COMPLETED', Next: 'List the export files' },
          { Variable: '$.export.status', StringEquals: 'FAILED', Next: 'Export failed' },
          { Variable: '$.polls', NumericGreaterThanEquals: maxPolls, Next: 'Export timed out' },
        ],
        Default: 'Wait for the export',
      },
      'Wait for the export': { Type: 'Wait', Seconds: pollSeconds, Next: 'Count the poll' },
      'Count the poll': {
        Type: 'Pass',
        Parameters: {
          'scheduledTime.$': '$.scheduledTime',
          'prefix.$': '$.prefix',
          'export.$': '$.export',
          'polls.$': 'States.MathAdd($.polls, 1)',
        },
        Next: 'Describe the export',
      },
      'Export failed': {
        Type: 'Fail',
        Error: 'AudienceExportFailed',
        Cause:
          'DynamoDB reported the export FAILED: nobody was enrolled from it. DescribeExport of the export ARN in this execution gives FailureCode and FailureMessage; the next tick tries again.',
      },
      'Export timed out': {
        Type: 'Fail',
        Error: 'AudienceExportTimedOut',
        Cause: `The export did not complete within ${maxPolls} polls ${pollSeconds} s apart: nobody was enrolled from it.`,
      },
      'List the export files': {
        Type: 'Pass',
        Comment: 'The data files of this export: <prefix>/AWSDynamoDB/<ExportId>/data/',
        Parameters: {
          'scheduledTime.$': '$.scheduledTime',
          'dataPrefix.$':
            "States.Format('{}/AWSDynamoDB/{}/data/', $.prefix, States.ArrayGetItem(States.StringSplit($.export.arn, '/'), 3))",
        },
        Next: 'Enrol from the export',
      },
      'Enrol from the export': {
        Type: 'Map',
        Label: 'EnrolFromExport',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { Bucket: AUDIENCE_EXPORT_BUCKET_PLACEHOLDER, 'Prefix.$': '$.dataPrefix' },
        },
        ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'scheduledTime.$': '$.scheduledTime' },
        ItemBatcher: {
          MaxItemsPerBatch: filesPerBatch,
          BatchInput: { journeyId: options.journeyId, source: 'export' },
        },
        MaxConcurrency: options.maxConcurrency,
        ToleratedFailurePercentage: 0,
        ItemProcessor: children(
          'Read and enrol',
          'Read these export files, judge each profile with the segment, enrol and start',
        ),
        ResultPath: '$.batches',
        Next: 'Enrolled',
      },
      Enrolled: { Type: 'Succeed' },
    },
  };
}
