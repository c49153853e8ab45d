/**
 * The RunStore port (scale mode, docs/scale-mode.md §3) over the single table.
 *
 * - Run item: `RUN#<customer>` → `RUN#<run id>`; each engine/run-protocol.ts transition is one
 *   conditional write (PutItem for `enter`, UpdateItem otherwise). No TransactWriteItems.
 * - A refused write answers with the item as it is, from the refusal itself:
 *   `ReturnValuesOnConditionCheckFailure: ALL_OLD` returns it with the ConditionalCheckFailedException
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html#DDB-UpdateItem-request-ReturnValuesOnConditionCheckFailure),
 *   so AWS costs no read after a conflict. dynalite does not implement it
 *   (test/integration/dynamo-aws-behaviour.test.ts): there, and only there, the adapter reads.
 * - Due index: `DUE#<5-minute bucket>#<shard>` → `<customer>#<run>#<seq>`, no GSI (no index write
 *   on the hot path beyond this one small item per armed timer).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RunRecord, RunTransition } from '../../engine/run-protocol.ts';
import type { DueEntry, RunStore, RunTransitionOutcome } from '../ports.ts';
import { DynamoTable } from './dynamo-ops.ts';

export const RUN_KEY_PREFIX = 'RUN#';
export const DUE_KEY_PREFIX = 'DUE#';
export const DUE_BUCKET_MS = 5 * 60_000;
export const DUE_SHARDS = 16;
const ENDED_RETENTION_S = 30 * 86_400;
const DUE_RETENTION_S = 2 * 86_400;

export function runKey(customerId: string, runId: string): { pk: string; sk: string } {
  return { pk: `${RUN_KEY_PREFIX}${customerId}`, sk: `${RUN_KEY_PREFIX}${runId}` };
}

/** FNV-1a: a stable, cheap spread of runs over the due index's shards. */
export function dueShard(runId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % DUE_SHARDS;
}

export function dueBucket(ms: number): string {
  return new Date(Math.floor(ms / DUE_BUCKET_MS) * DUE_BUCKET_MS).toISOString().slice(0, 16);
}

export function duePartition(ms: number, shard: number): string {
  return `${DUE_KEY_PREFIX}${dueBucket(ms)}#${shard}`;
}

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export class DynamoRuns implements RunStore {
  private readonly table: DynamoTable;

  constructor(options: { client: DynamoDBClient | DynamoDBDocumentClient; tableName: string }) {
    this.table = new DynamoTable(options.client, options.tableName);
  }

  async transitionRun(
    customerId: string,
    runId: string,
    transition: RunTransition,
    now: Date,
  ): Promise<RunTransitionOutcome> {
    const key = runKey(customerId, runId);
    try {
      if (transition.update.put) {
        const record = transition.update.put;
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { ...key, kind: 'run', ...record },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { applied: true, record };
      }
      const expression = runExpression(transition, now);
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: expression.update,
          ConditionExpression: expression.condition,
          ExpressionAttributeNames: expression.names,
          ExpressionAttributeValues: expression.values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, record: runRecordOf(Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (error.Item) return { applied: false, current: runRecordOf(unmarshall(error.Item)) };
      // Only a backend without ReturnValuesOnConditionCheckFailure (dynalite) gets here.
      const item = await this.table.get(key.pk, key.sk);
      return { applied: false, current: item ? runRecordOf(item) : undefined };
    }
  }

  async getRun(customerId: string, runId: string): Promise<RunRecord | undefined> {
    const key = runKey(customerId, runId);
    const item = await this.table.get(key.pk, key.sk);
    return item ? runRecordOf(item) : undefined;
  }

  async listRuns(customerId: string): Promise<RunRecord[]> {
    const items = await this.table.queryPrefix(`${RUN_KEY_PREFIX}${customerId}`, RUN_KEY_PREFIX);
    return items.map(runRecordOf);
  }

  async putDue(entry: DueEntry): Promise<void> {
    await this.table.put({
      pk: duePartition(entry.dueMs, dueShard(entry.runId)),
      sk: `${entry.customerId}#${entry.runId}#${entry.seq}`,
      kind: 'due',
      ...entry,
      expiresAt: epochSeconds(entry.dueMs) + DUE_RETENTION_S,
    });
  }

  async listDue(fromMs: number, toMs: number): Promise<DueEntry[]> {
    const out: DueEntry[] = [];
    for (
      let bucket = Math.floor(fromMs / DUE_BUCKET_MS) * DUE_BUCKET_MS;
      bucket < toMs;
      bucket += DUE_BUCKET_MS
    ) {
      for (let shard = 0; shard < DUE_SHARDS; shard++) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.table.doc.send(
            new QueryCommand({
              TableName: this.table.name,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': duePartition(bucket, shard) },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            const entry = item as unknown as DueEntry;
            if (entry.dueMs >= fromMs && entry.dueMs < toMs)
              out.push({
                customerId: entry.customerId,
                runId: entry.runId,
                seq: entry.seq,
                dueMs: entry.dueMs,
              });
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
    }
    return out;
  }
}

/** One run transition as DynamoDB expressions: the guard's clauses OR-ed, the update SET / REMOVE. */
export function runExpression(
  transition: RunTransition,
  now: Date,
): { condition: string; update: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const name = (field: string) => {
    names[`#${field}`] = field;
    return `#${field}`;
  };
  const clauses = transition.guard.map((clause, i) => {
    if ('absent' in clause) return 'attribute_not_exists(pk)';
    const parts: string[] = [];
    const eq = (field: string, value: unknown) => {
      values[`:g${i}${field}`] = value;
      parts.push(`${name(field)} = :g${i}${field}`);
    };
    eq('status', clause.status);
    if (clause.seq !== undefined) eq('seq', clause.seq);
    if (clause.token !== undefined) eq('token', clause.token);
    if (clause.waitKind !== undefined) eq('waitKind', clause.waitKind);
    if (clause.awaitEvent !== undefined) eq('awaitEvent', clause.awaitEvent);
    if (clause.before) {
      values[`:g${i}before`] = clause.before.ms;
      parts.push(`${name(clause.before.field)} < :g${i}before`);
    }
    if (clause.after) {
      values[`:g${i}after`] = clause.after.ms;
      parts.push(`${name(clause.after.field)} > :g${i}after`);
    }
    return `(${parts.join(' AND ')})`;
  });
  const { set = {}, remove = [] } = transition.update;
  const assignments = Object.entries(set).map(([field, value]) => {
    values[`:u${field}`] = value;
    return `${name(field)} = :u${field}`;
  });
  const ended = set.status === 'done' || set.status === 'exited';
  if (ended) {
    values[':exp'] = epochSeconds(now.getTime()) + ENDED_RETENTION_S;
    assignments.push('expiresAt = :exp');
  }
  const removals = remove.map(name);
  return {
    condition: clauses.join(' OR '),
    update: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
    names,
    values,
  };
}

function runRecordOf(item: Record<string, unknown>): RunRecord {
  const { pk: _pk, sk: _sk, kind: _kind, expiresAt: _exp, ...rest } = item;
  return rest as unknown as RunRecord;
}
