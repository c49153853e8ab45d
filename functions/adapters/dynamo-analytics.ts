/**
 * Reads what the analytics report needs — every customer's ledger, enrollments and conversions, and
 * those of erased customers under their pseudonyms —
 * from the table, with Scan: the report is an operator's read of the whole table, not a per-customer
 * lookup, and the table has no index by journey (dynamo-table.ts). Read-only: the one IAM action is
 * `dynamodb:Scan` on the table ARN (docs/iam.md, "herald report").
 *
 * Scan pages hold at most 1 MB each and carry `LastEvaluatedKey` until the last; the filter runs
 * after the read, so a page may come back with no items yet still a key to continue from
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html). Parallel segments
 * (`Segment`/`TotalSegments`, same page) split the read for large tables.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EnrollmentRow } from '../../engine/analytics/report-model.ts';
import type { Conversion } from '../../engine/attribution.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { ANON_KEY_PREFIX } from './dynamo-privacy.ts';
import { CONVERSION_SK_PREFIX, CUSTOMER_KEY_PREFIX, ledgerRecordOf } from './dynamo-table.ts';

export interface AnalyticsRecords {
  ledger: LedgerRecord[];
  enrollments: EnrollmentRow[];
  conversions: Conversion[];
  /** Scan pages read (all segments), for the operator's sense of cost. */
  pages: number;
}

export interface AnalyticsReadOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** Parallel scan segments (default 1). */
  segments?: number;
}

export async function readAnalyticsRecords(options: AnalyticsReadOptions): Promise<AnalyticsRecords> {
  const doc =
    options.client instanceof DynamoDBDocumentClient
      ? options.client
      : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  const segments = Math.max(1, Math.floor(options.segments ?? 1));
  const out: AnalyticsRecords = { ledger: [], enrollments: [], conversions: [], pages: 0 };
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: ScanCommandInput['ExclusiveStartKey'];
      do {
        const page = await doc.send(
          new ScanCommand({
            TableName: options.tableName,
            // `ANON#<pseudonym>`: the rows of erased customers, rewritten without personal data
            // (dynamo-privacy.ts), so the aggregates are the same before and after an erasure.
            FilterExpression:
              '(begins_with(pk, :customer) OR begins_with(pk, :anon)) AND (begins_with(sk, :ledger) OR begins_with(sk, :enroll) OR begins_with(sk, :conversion))',
            ExpressionAttributeValues: {
              ':customer': CUSTOMER_KEY_PREFIX,
              ':anon': ANON_KEY_PREFIX,
              ':ledger': 'LEDGER#',
              ':enroll': 'ENROLL#',
              ':conversion': CONVERSION_SK_PREFIX,
            },
            ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
            ExclusiveStartKey: startKey,
          }),
        );
        out.pages++;
        for (const item of page.Items ?? []) {
          const sk = String(item.sk);
          if (sk.startsWith('LEDGER#')) out.ledger.push(ledgerRecordOf(item));
          else if (sk.startsWith(CONVERSION_SK_PREFIX)) out.conversions.push(item.conversion as Conversion);
          else
            out.enrollments.push({
              enrollment: item.enrollment as EnrollmentRow['enrollment'],
              status: String(item.status),
              ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
            });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  out.ledger.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  out.conversions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  return out;
}
