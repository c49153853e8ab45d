/**
 * The CatalogWriter port over the single table: products go in with BatchWriteItem, as full-item
 * puts (`productItem`), so writing the same catalog twice leaves the same table.
 *
 * What AWS documents for BatchWriteItem (API Reference, "BatchWriteItem",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html):
 * - one call carries at most 25 put or delete requests and at most 16 MB; items up to 400 KB;
 * - the batch is not atomic: items DynamoDB could not process (throttling, internal errors) come
 *   back in `UnprocessedItems`, to be sent again — "we strongly recommend that you use an
 *   exponential backoff algorithm";
 * - a request naming the same key twice is refused (engine/catalog.ts refuses duplicate ids first).
 * The SDK's own retries (maxAttempts) cover whole-request errors such as throttling exceptions; the
 * loop here covers the items a successful response left unprocessed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Product } from '../../engine/data.ts';
import { CatalogWriteError, type CatalogWriter, type CatalogWriteSummary } from '../ports.ts';
import { productItem } from './dynamo-table.ts';

/** BatchWriteItem's documented limits. */
export const BATCH_WRITE_MAX_ITEMS = 25;
export const BATCH_WRITE_MAX_BYTES = 16 * 1024 * 1024;

export interface Backoff {
  /** Sends of one chunk's unprocessed items before giving up (the first send not counted). */
  retries: number;
  baseMs: number;
  maxMs: number;
}

/** About 6 s of waiting in all, in reach of the catalog Lambda's 25 s and the HTTP API's 30 s. */
export const DEFAULT_BACKOFF: Backoff = { retries: 8, baseMs: 50, maxMs: 2_000 };

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

export interface DynamoCatalogOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  backoff?: Backoff;
  /** Injected by tests to see the delays without waiting them out. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class DynamoCatalog implements CatalogWriter {
  private readonly doc: DynamoDBDocumentClient;
  private readonly backoff: Backoff;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: DynamoCatalogOptions) {
    this.doc =
      options.client instanceof DynamoDBDocumentClient
        ? options.client
        : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async putProducts(products: readonly Product[]): Promise<CatalogWriteSummary> {
    const summary: CatalogWriteSummary = { written: 0, requests: 0 };
    for (const chunk of chunks(products.map((p) => ({ PutRequest: { Item: productItem(p) } })))) {
      let pending: WriteRequest[] = chunk;
      for (let retry = 0; pending.length > 0; retry++) {
        if (retry > this.backoff.retries) {
          throw new CatalogWriteError(
            `${pending.length} products were still unprocessed after ${this.backoff.retries} retries`,
            summary.written,
            products.length - summary.written,
          );
        }
        // Full jitter: concurrent writers spread out instead of meeting the same throttle again.
        if (retry > 0) {
          const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (retry - 1));
          await this.sleep(Math.round(this.random() * ceiling));
        }
        const sent = pending.length;
        const response = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.options.tableName]: pending } }),
        );
        summary.requests++;
        pending = (response.UnprocessedItems?.[this.options.tableName] ?? []) as WriteRequest[];
        summary.written += sent - pending.length;
      }
    }
    return summary;
  }
}

/** Groups of at most 25 requests and 16 MB (an item's JSON size stands in for its wire size). */
export function* chunks(requests: readonly WriteRequest[]): Generator<WriteRequest[]> {
  let chunk: WriteRequest[] = [];
  let bytes = 0;
  for (const request of requests) {
    const size = Buffer.byteLength(JSON.stringify(request), 'utf8');
    if (
      chunk.length === BATCH_WRITE_MAX_ITEMS ||
      (chunk.length > 0 && bytes + size > BATCH_WRITE_MAX_BYTES)
    ) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(request);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
