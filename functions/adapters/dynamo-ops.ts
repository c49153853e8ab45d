/**
 * The few single-item operations the store is built from: consistent reads, conditional puts,
 * optimistic version checks, paged prefix queries, and a bounded retry loop for conflicts.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

const MAX_CONFLICT_RETRIES = 30;
/** Rounds of retrying a batch's unprocessed keys or items before giving up (each one backs off). */
const MAX_BATCH_ROUNDS = 8;
/**
 * BatchGetItem takes at most 100 keys and BatchWriteItem at most 25 put or delete requests
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 */
const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;

/** The map key of an item in `batchGet`'s answer. */
export const itemId = (pk: string, sk: string) => `${pk}\u0000${sk}`;

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

  /**
   * Strongly consistent reads of several items in one BatchGetItem request (`ConsistentRead` per
   * table; API_BatchGetItem above). A partial answer's `UnprocessedKeys` are asked again, backing
   * off. Answers the items found, by `itemId(pk, sk)`; a key with no item is simply absent.
   */
  async batchGet(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    if (keys.length > BATCH_GET_MAX) throw new RangeError(`batchGet takes at most ${BATCH_GET_MAX} keys`);
    const found = new Map<string, Record<string, unknown>>();
    let pending: BatchGetCommandInput['RequestItems'] = {
      [this.name]: { Keys: keys.map(({ pk, sk }) => ({ pk, sk })), ConsistentRead: true },
    };
    for (let round = 0; round < MAX_BATCH_ROUNDS && pending && keys.length > 0; round++) {
      if (round > 0) await backoff(round);
      const answer: BatchGetCommandOutput = await this.doc.send(
        new BatchGetCommand({ RequestItems: pending }),
      );
      const { Responses, UnprocessedKeys } = answer;
      for (const item of Responses?.[this.name] ?? [])
        found.set(itemId(String(item.pk), String(item.sk)), item);
      pending = UnprocessedKeys && Object.keys(UnprocessedKeys).length > 0 ? UnprocessedKeys : undefined;
    }
    if (pending) throw new StoreContentionError('BatchGetItem left keys unprocessed; giving up');
    return found;
  }

  /** `batchGet` of any number of keys: one request per 100. */
  async batchGetAll(
    keys: readonly { pk: string; sk: string }[],
  ): Promise<Map<string, Record<string, unknown>>> {
    if (keys.length <= BATCH_GET_MAX) return this.batchGet(keys);
    const found = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      for (const [id, item] of await this.batchGet(keys.slice(i, i + BATCH_GET_MAX))) found.set(id, item);
    }
    return found;
  }

  /**
   * Unconditional puts of several items in one BatchWriteItem request; `UnprocessedItems` are
   * written again, backing off. Only for items no condition guards (BatchWriteItem takes none).
   */
  async batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
    if (items.length > BATCH_WRITE_MAX)
      throw new RangeError(`batchPut takes at most ${BATCH_WRITE_MAX} items`);
    let pending: BatchWriteCommandInput['RequestItems'] = {
      [this.name]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    for (let round = 0; round < MAX_BATCH_ROUNDS && pending && items.length > 0; round++) {
      if (round > 0) await backoff(round);
      const answer: BatchWriteCommandOutput = await this.doc.send(
        new BatchWriteCommand({ RequestItems: pending }),
      );
      const { UnprocessedItems } = answer;
      pending = UnprocessedItems && Object.keys(UnprocessedItems).length > 0 ? UnprocessedItems : undefined;
    }
    if (pending) throw new StoreContentionError('BatchWriteItem left items unprocessed; giving up');
  }

  async queryPrefix(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.queryKeys(pk, 'begins_with(sk, :prefix)', { ':prefix': prefix });
  }

  /** Every item of `pk` whose sort key lies in [from, to] (one Query for neighbouring kinds). */
  async queryBetween(pk: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    return this.queryKeys(pk, 'sk BETWEEN :from AND :to', { ':from': from, ':to': to });
  }

  private async queryKeys(
    pk: string,
    skCondition: string,
    values: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: QueryCommandInput['ExclusiveStartKey'];
    // Bounded: a customer's items fit in far fewer pages than this.
    for (let page = 0; page < 1000; page++) {
      const response = await this.doc.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: `pk = :pk AND ${skCondition}`,
          ExpressionAttributeValues: { ':pk': pk, ...values },
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
      await backoff(i);
    }
    throw new StoreContentionError('too many concurrent writers; giving up');
  }
}

/** Full jitter, growing with the attempt: concurrent writers spread out instead of colliding again. */
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
