/**
 * `herald report --table <name> [--region r] [--endpoint url] [--out dir]`: reads the ledger, the
 * enrollments and the conversions from a Herald table — the deployed one (the stack output
 * TableName; credentials and region from the default chain, as the AWS CLI finds them) or a local
 * stand-in by `--endpoint` — and writes `<out>/analytics.html` and `<out>/analytics.json`: per
 * journey the funnel, uplift against the holdout and the A/B tests with their intervals and verdicts,
 * revenue per recipient, and the breakdown by step, channel, variant, locale and day.
 *
 * Read-only: the one permission it needs is `dynamodb:Scan` on the table (docs/iam.md, "herald report").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AnalyticsOptions, buildAnalytics } from '../../engine/analytics/report-model.ts';
import { redactPersonal } from '../../engine/privacy/redact.ts';
import { readAnalyticsRecords } from '../../functions/adapters/dynamo-analytics.ts';
import { loadJourneys, loadWorkflowsVocabulary } from '../../local/journeys.ts';
import { writeReport } from '../../tools/report/write.ts';

export interface ReportOptions {
  table: string;
  region?: string;
  endpoint?: string;
  out: string;
  workflows?: string;
  segments?: string;
  alpha?: string;
  minimumEffect?: string;
}

export { registerReport } from '../program.ts';

/**
 * The operator's whole permission for `herald report`: Scan on the one table (docs/iam.md). Scan's
 * resource type is the table ARN ("Actions, resources, and condition keys for Amazon DynamoDB",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html);
 * it carries no `dynamodb:LeadingKeys`, so a scope by partition key cannot narrow it.
 */
export function reportPolicy(tableArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'HeraldReportRead', Effect: 'Allow' as const, Action: 'dynamodb:Scan', Resource: tableArn },
    ],
  };
}

/** `herald report` (cli/program.ts). */
export async function reportCommand(options: ReportOptions): Promise<void> {
  const analytics = parseOptions(options);
  if (typeof analytics === 'string') {
    process.stderr.write(`✗ ${analytics}\n`);
    process.exitCode = 1;
    return;
  }
  const client = new DynamoDBClient({
    maxAttempts: 5,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    const journeys = loadJourneys(options.workflows);
    // Attributes the data dictionary flags `pii` never reach the report (engine/privacy/redact.ts).
    const personal = loadWorkflowsVocabulary(options.workflows).piiAttributes;
    const records = redactPersonal(
      await readAnalyticsRecords({
        client,
        tableName: options.table,
        ...(options.segments ? { segments: Number(options.segments) } : {}),
      }),
      personal,
    );
    const report = buildAnalytics({ journeys, ...records, options: analytics });
    const files = writeReport(report, options.out, {
      table: options.table,
      ...(options.region ? { region: options.region } : {}),
      'scan pages': String(records.pages),
    });
    process.stdout.write(
      `✓ ${records.ledger.length} ledger records, ${records.enrollments.length} enrollments, ${records.conversions.length} conversions from table ${options.table}\n` +
        report.journeys
          .map((j) => `  ${j.id}: ${j.uplift?.verdict ?? j.noGoal ?? j.upliftNote ?? ''}`)
          .join('\n') +
        `\n  wrote ${files.html} and ${files.json}\n`,
    );
  } catch (error) {
    const { name, message } = error as Error;
    process.stderr.write(
      `✗ could not read table ${options.table}: ${name}: ${message}\n  needs dynamodb:Scan on the table (docs/iam.md); credentials and region from AWS_PROFILE / AWS_REGION or --region\n`,
    );
    process.exitCode = 1;
  } finally {
    client.destroy();
  }
}

function parseOptions(options: ReportOptions): AnalyticsOptions | string {
  const out: AnalyticsOptions = {};
  if (options.alpha !== undefined) {
    const alpha = Number(options.alpha);
    if (!(alpha > 0 && alpha < 0.5))
      return `--alpha ${options.alpha}: give an error rate between 0 and 0.5, e.g. 0.05`;
    out.alpha = alpha;
  }
  if (options.minimumEffect !== undefined) {
    const effect = Number(options.minimumEffect);
    if (!(effect > 0 && effect < 1))
      return `--minimum-effect ${options.minimumEffect}: give an absolute change in rate between 0 and 1, e.g. 0.05 for five points`;
    out.minimumEffect = effect;
  }
  if (
    options.segments !== undefined &&
    !(Number.isInteger(Number(options.segments)) && Number(options.segments) >= 1)
  )
    return `--segments ${options.segments}: give a whole number of parallel scan segments, e.g. 4`;
  return out;
}
