/**
 * Engagement items (dynamo-table.ts `engagementKey`): the first open and the first click of the
 * message a run's send step sent, under the customer's own partition, which the feedback Lambda
 * may write (PutItem) and the step Lambda reads by key, in its decision's BatchGetItem. The step's
 * claim, under `SEND#`, says whether and when the step sent; only the step Lambda reads it.
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
import { stepKey } from '../../engine/ledger.ts';
import type { MessageEngagement } from '../../engine/policy/engagement.ts';
import type { ChannelName } from '../../engine/schema.ts';
import type { StepRecord } from '../../engine/send-protocol.ts';
import type { EngagementRecord } from '../ports.ts';
import type { DynamoTable } from './dynamo-ops.ts';
import { engagementKey, stepClaimKey } from './dynamo-table.ts';

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

/**
 * The keys of what one send step's engagement is read from: its claim (under `SEND#`, which says
 * whether and when it sent) and its first open and first click (under `C#`). All three are known
 * exactly, so they travel in the decision's BatchGetItem with the profile (dynamo-store.ts
 * `readDecisionItems`) instead of a GetItem and a Query of their own.
 */
export function engagementKeys(
  customerId: string,
  executionId: string,
  stepId: string,
): {
  claim: { pk: string; sk: string };
  opened: { pk: string; sk: string };
  clicked: { pk: string; sk: string };
} {
  return {
    claim: stepClaimKey(customerId, stepKey(executionId, stepId)),
    opened: engagementKey(customerId, executionId, stepId, 'opened'),
    clicked: engagementKey(customerId, executionId, stepId, 'clicked'),
  };
}

/** What the step's claim and its engagement items (as `engagementKeys` names them) say of its message. */
export function engagementOf(
  claim: StepRecord | undefined,
  items: { opened?: Record<string, unknown>; clicked?: Record<string, unknown> },
): MessageEngagement {
  const sent = sentMessage(claim);
  if (!sent) return {};
  const engagement: MessageEngagement = { sentAt: new Date(sent.at).toISOString() };
  if (sent.channel) engagement.channel = sent.channel;
  for (const kind of ['opened', 'clicked'] as const) {
    const item = items[kind];
    // A record about the message of a loop's earlier round is not about this one.
    if (typeof item?.sentAt !== 'string' || typeof item.at !== 'string') continue;
    if (Date.parse(item.sentAt) < sent.from) continue;
    if (kind === 'opened') engagement.openedAt = item.at;
    else engagement.clickedAt = item.at;
  }
  return engagement;
}

/**
 * When a send step sent, on which channel; undefined when it sent nothing. A send that went out
 * writes no finish (engine/send-protocol.ts `SentProof`): its record stays `sending`, at the
 * provider call's start. A later step of the same run reads it only once the send step returned,
 * and a send step returns with its record `sending` only after a call the provider accepted (every
 * other answer writes a finish; a holder that died leaves the run on the send step, whose retry
 * resolves it). So a `sending` record read here is a message sent. A `done` one is a record written
 * before that change, or a retry's answer (`result.detail.sent`).
 */
function sentMessage(
  record: StepRecord | undefined,
): { at: number; from: number; channel?: ChannelName } | undefined {
  const result = record?.result;
  const finished = record?.state === 'done' && result?.outcome === 'next' && result.detail?.sent === true;
  if (!record || (record.state !== 'sending' && !finished)) return undefined;
  const channel =
    record.state === 'sending'
      ? record.channel
      : result?.outcome === 'next'
        ? result.detail?.channel
        : undefined;
  return {
    // A `sending` record may still carry the finish of a loop's earlier pass: its call started at claimedAt.
    at: record.state === 'sending' ? record.claimedAt : (record.finishedAt ?? record.claimedAt),
    from: record.claimedAt - ROUND_SLACK_MS,
    ...(channel === 'email' || channel === 'sms' || channel === 'push' ? { channel } : {}),
  };
}
