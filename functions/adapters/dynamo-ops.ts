/**
 * The few single-item operations the store is built from: consistent reads, conditional puts,
 * optimistic version checks, paged prefix queries, and a bounded retry loop for conflicts.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

const MAX_CONFLICT_RETRIES = 30;

export class StoreContentionError extends Error {
  override readonly name = 'StoreContentionError';
  readonly code = 'store_contention';
}

export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient | DynamoDBDocumentClient,
    readonly name: string,
  ) {
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.name, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item;
  }

  async put(item: Record<string, unknown>): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.name, Item: item }));
  }

  async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Writes `attributes` with `version + 1` if the stored version is still `version`. */
  async putIfVersion(pk: string, sk: string, version: number, attributes: Record<string, unknown>) {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.name,
          Item: { ...attributes, pk, sk, version: version + 1 },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
          ...(version === 0
            ? {}
            : {
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': version },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async queryPrefix(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: QueryCommandInput['ExclusiveStartKey'];
    // Bounded: a customer's items fit in far fewer pages than this.
    for (let page = 0; page < 1000; page++) {
      const response = await this.doc.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
      if (!startKey) break;
    }
    return items;
  }

  /** Runs an optimistic read-modify-write until it commits (`{ done }`) or retries run out. */
  async withRetries<T>(attempt: () => Promise<{ done: T } | undefined>): Promise<T> {
    for (let i = 0; i < MAX_CONFLICT_RETRIES; i++) {
      const outcome = await attempt();
      if (outcome) return outcome.done;
      // Full jitter, growing with the attempt: concurrent writers spread out instead of colliding again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** i)));
    }
    throw new StoreContentionError('too many concurrent writers; giving up');
  }
}
