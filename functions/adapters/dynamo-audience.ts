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
import type { AudienceReader, ScanPage, ScanPageRequest } from '../ports.ts';

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
    const profiles = (out.Items ?? []).flatMap((item) => {
      const profile = profileOfItem(item);
      return profile ? [profile] : [];
    });
    return out.LastEvaluatedKey ? { profiles, nextKey: out.LastEvaluatedKey } : { profiles };
  }
}

/**
 * The profile an item of the table holds, if it is a profile item (`sk = PROFILE` with a `profile`
 * that has an id): what the Scan's filter keeps, and what an export's reader keeps of every item.
 */
export function profileOfItem(item: Record<string, unknown>): Profile | undefined {
  if (item.sk !== 'PROFILE') return undefined;
  const profile = item.profile as Profile | undefined;
  return profile && typeof profile === 'object' && typeof profile.id === 'string' ? profile : undefined;
}
