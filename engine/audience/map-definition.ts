/**
 * The audience enrolment state machine of one audience journey, in Amazon States Language
 * (JSONPath), started by its EventBridge Scheduler schedule with
 * `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`:
 *
 *   Scan segments (Pass: `States.ArrayRange` makes the parallel-scan segment numbers 0…N-1)
 *     → Enrol (Map, DISTRIBUTED, EXPRESS children; ItemBatcher hands each child K segments as
 *       `{ "Items": [...], "BatchInput": {...} }`; MaxConcurrency bounds the children at once)
 *         → Scan and enrol (Task: the audience Lambda, functions/handlers/audience.ts)
 *     → Enrolled (Succeed)
 *
 * - `States.ArrayRange` makes at most 1,000 items, hence N ≤ 1,000 scan segments (DynamoDB allows
 *   up to 1,000,000 TotalSegments); at 1M profiles that is 1,000 per segment.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-arrays
 * - ItemBatcher's `{ Items, BatchInput }` envelope:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 * - Express child workflows run at most five minutes, so the Lambda's timeout stays below that and
 *   a batch is sized to finish well inside it.
 *   https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 * - The Task is retried as a whole: enrolment is idempotent (deterministic enrolment keys,
 *   engine/audience/enrol.ts), so a retried or re-run batch starts nobody twice.
 *
 * Pure: the Lambda ARN is the `${AudienceFunctionArn}` placeholder, filled by CloudFormation
 * `DefinitionSubstitutions` (infra/constructs/audience.ts) or bound in-process by the local test.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const AUDIENCE_FUNCTION_ARN_PLACEHOLDER = '${AudienceFunctionArn}';

export interface AudienceMapOptions {
  journeyId: string;
  /** DynamoDB parallel-scan segments (1…1,000). */
  scanSegments: number;
  /** Scan segments per child execution (ItemBatcher MaxItemsPerBatch). */
  segmentsPerBatch: number;
  /** Child executions at once: bounds the StartExecution rate of the journey runs (see docs/audience.md). */
  maxConcurrency: number;
}

export const AUDIENCE_MAP_DEFAULTS = { scanSegments: 1000, segmentsPerBatch: 4, maxConcurrency: 8 } as const;

/** What the audience Lambda is given per child execution (the ItemBatcher envelope). */
export interface AudienceBatchInput {
  Items: { segment: number; scheduledTime: string }[];
  BatchInput: { journeyId: string; totalSegments: number };
}

export function audienceMapDefinition(options: AudienceMapOptions): Record<string, unknown> {
  const n = options.scanSegments;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError(`scanSegments ${n}: 1 to 1,000`);
  return {
    Comment: `Audience enrolment of journey ${options.journeyId}: ${n} parallel-scan segments, ${options.segmentsPerBatch} per child execution`,
    QueryLanguage: 'JSONPath',
    StartAt: 'Scan segments',
    States: {
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
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Scan and enrol',
          States: {
            'Scan and enrol': {
              Type: 'Task',
              Comment:
                'Scan these segments of the table, judge each profile with the segment, enrol and start',
              Resource: AUDIENCE_FUNCTION_ARN_PLACEHOLDER,
              Retry: [
                {
                  ErrorEquals: ['States.ALL'],
                  IntervalSeconds: 2,
                  MaxAttempts: 3,
                  BackoffRate: 2,
                  JitterStrategy: 'FULL',
                },
              ],
              End: true,
            },
          },
        },
        ResultPath: '$.batches',
        Next: 'Enrolled',
      },
      Enrolled: { Type: 'Succeed' },
    },
  };
}
