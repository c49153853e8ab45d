/**
 * Engagement items (dynamo-table.ts `engagementKey`): the first open and the first click of the
 * message a run's send step sent, under the customer's own partition, which the feedback Lambda
 * may write (PutItem) and the step Lambda may read (Query). The step's claim, under `SEND#`, says
 * whether and when the step sent; only the step Lambda reads it.
 *
 * The write is a conditional PutItem (the feedback role has PutItem, not UpdateItem, on `C#`): it
 * replaces the item only when the condition holds, else fails with ConditionalCheckFailedException,
 * which here means "an earlier report is already kept" ("Condition expressions", Conditional put,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 * Strings compare by their UTF-8 bytes, so ISO timestamps of one format order as times
 * ("Comparison operator and function reference",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
 * test/integration/dynamo-store.test.ts holds dynalite and DynamoDB Local to it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageEngagement } from '../../engine/policy/engagement.ts';
import type { ChannelName } from '../../engine/schema.ts';
import type { StepRecord } from '../../engine/send-protocol.ts';
import type { EngagementRecord } from '../ports.ts';
import type { DynamoTable } from './dynamo-ops.ts';
import { customerPartition, engagementKey, engagementPrefix } from './dynamo-table.ts';

/**
 * How long before a send's last claim write its message index may be stamped (the index carries
 * the attempt's start, the claim the provider call's): longer than any step's lease, shorter than
 * a round of a journey loop, which waits between rounds.
 */
const ROUND_SLACK_MS = 15 * 60_000;

export async function putEngagement(
  table: DynamoTable,
  record: EngagementRecord,
  retentionS: number,
): Promise<void> {
  const { customerId, executionId, stepId, kind, ...facts } = record;
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...engagementKey(customerId, executionId, stepId, kind),
          ...facts,
          expiresAt: Math.floor(Date.parse(record.sentAt) / 1000) + retentionS,
        },
        // Absent, about an older message (a loop's earlier round), or a later report of the same
        // open: the earliest engagement with the newest message stays.
        ConditionExpression:
          'attribute_not_exists(pk) OR sentAt < :sentAt OR (sentAt = :sentAt AND #at > :at)',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':sentAt': record.sentAt, ':at': record.at },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function readEngagement(
  table: DynamoTable,
  claim: StepRecord | undefined,
  of: { customerId: string; executionId: string; stepId: string },
): Promise<MessageEngagement> {
  const sent = sentMessage(claim);
  if (!sent) return {};
  const items = await table.queryPrefix(
    customerPartition(of.customerId),
    engagementPrefix(of.executionId, of.stepId),
  );
  const engagement: MessageEngagement = { sentAt: new Date(sent.at).toISOString() };
  if (sent.channel) engagement.channel = sent.channel;
  for (const item of items) {
    // A record about the message of a loop's earlier round is not about this one.
    if (typeof item.sentAt !== 'string' || typeof item.at !== 'string') continue;
    if (Date.parse(item.sentAt) < sent.from) continue;
    const kind = String(item.sk).slice(engagementPrefix(of.executionId, of.stepId).length);
    if (kind === 'opened') engagement.openedAt = item.at;
    if (kind === 'clicked') engagement.clickedAt = item.at;
  }
  return engagement;
}

/** When a done send step sent (its finish), on which channel; undefined when it sent nothing. */
function sentMessage(
  record: StepRecord | undefined,
): { at: number; from: number; channel?: ChannelName } | undefined {
  const result = record?.result;
  if (record?.state !== 'done' || result?.outcome !== 'next' || result.detail?.sent !== true)
    return undefined;
  const channel = result.detail.channel;
  return {
    at: record.finishedAt ?? record.claimedAt,
    from: record.claimedAt - ROUND_SLACK_MS,
    ...(channel === 'email' || channel === 'sms' || channel === 'push' ? { channel } : {}),
  };
}
