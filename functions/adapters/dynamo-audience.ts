/**
 * Reads the audience: one page of one parallel-scan segment of the table, profiles only
 * (`sk = PROFILE`), projected to the keys and the profile. Read-only; `herald segment count
 * --table` and the audience Map's scan Lambda both read through it.
 *
 * Parallel scan: `Segment` / `TotalSegments` split the table into disjoint parts read
 * independently; `Limit` bounds the items evaluated per call (before the filter), and
 * `LastEvaluatedKey` continues the segment.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Profile } from '../../engine/data.ts';

export interface ScanPageRequest {
  segment: number;
  totalSegments: number;
  startKey?: Record<string, unknown>;
  /** Items read per page (1 MB is DynamoDB's own cap per page). */
  limit?: number;
}

export interface ScanPage {
  profiles: Profile[];
  nextKey?: Record<string, unknown>;
}

export interface AudienceReader {
  scanPage(request: ScanPageRequest): Promise<ScanPage>;
}

export class DynamoAudience implements AudienceReader {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient | DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async scanPage(request: ScanPageRequest): Promise<ScanPage> {
    const out = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: request.segment,
        TotalSegments: request.totalSegments,
        FilterExpression: '#sk = :profile',
        ProjectionExpression: '#pk, #sk, #profile',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#profile': 'profile' },
        ExpressionAttributeValues: { ':profile': 'PROFILE' },
        ...(request.startKey ? { ExclusiveStartKey: request.startKey } : {}),
        ...(request.limit ? { Limit: request.limit } : {}),
      }),
    );
    const profiles = (out.Items ?? []).map((item) => item.profile as Profile).filter((p) => p?.id);
    return out.LastEvaluatedKey ? { profiles, nextKey: out.LastEvaluatedKey } : { profiles };
  }
}

/** Every profile of one scan segment, page by page (bounded by `maxPages`). */
export async function* scanSegment(
  reader: AudienceReader,
  segment: number,
  totalSegments: number,
  options: { limit?: number; maxPages?: number } = {},
): AsyncGenerator<Profile[]> {
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < (options.maxPages ?? 1_000_000); page++) {
    const result = await reader.scanPage({
      segment,
      totalSegments,
      ...(startKey ? { startKey } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    yield result.profiles;
    if (!result.nextKey) return;
    startKey = result.nextKey;
  }
}
