/**
 * The erasure protocol's and the export's items in the table (engine/privacy/ decides; this
 * persists). What each kind of CUSTOMER_DATA is, physically:
 * - `C#<customer>`: PROFILE, EVENT#, ENROLL#, WAIT#, ENGAGED#, MESSAGE#, LEDGER#, CONV#;
 * - `SEND#<customer>`: STEP# (send claims), CAPS;
 * - `RUN#<customer>` / `RUN#<run>` (scale mode) and its due-index entries
 *   `DUE#<5-minute bucket>#<shard>` / `<customer>#<run>#<seq>` (dynamo-runs.ts);
 * - `MSG#<provider message id>` (found from the ledger's provider message ids), `PHONE#<E.164>`
 *   (found from the profile, deleted only while it still names this customer).
 * Written here: `ERASED#<pseudonym>` / `TOMBSTONE` (the protocol state), `ERASED#A#<address hash>` /
 * `TOMBSTONE` (the pseudonym it belongs to), `ANON#<pseudonym>` / `LEDGER#…`, `CONV#…`, `ENROLL#…`
 * (pseudonymised ledger, conversions and enrolment rows: what `herald report` counts),
 * `AUDIT#erasure` / `<requested at>#<pseudonym>` (the audit record).
 *
 * Every operation is idempotent: DeleteItem of a missing item succeeds ("DeleteItem",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html: "Unless you
 * specify conditions, the DeleteItem is an idempotent operation; running it multiple times on the
 * same item or attribute does not result in an error response"), the ledger copy is a put under a
 * deterministic key, made before its original is deleted.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrollmentRow } from '../../engine/analytics/report-model.ts';
import type { Conversion } from '../../engine/attribution.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { ErasureAudit, ErasureState } from '../../engine/privacy/erasure.ts';
import {
  type PseudonymKeys,
  pseudonymiseConversion,
  pseudonymiseEnrollmentRow,
  pseudonymiseLedger,
} from '../../engine/privacy/pseudonymise.ts';
import { exitRun, type RunRecord } from '../../engine/run-protocol.ts';
import type { KeyedRead, Tombstones } from '../ports.ts';
import { DynamoTable, itemId } from './dynamo-ops.ts';
import { DUE_BUCKET_MS, DynamoRuns, duePartition, dueShard, RUN_KEY_PREFIX, runKey } from './dynamo-runs.ts';
import {
  CONVERSION_SK_PREFIX,
  customerPartition,
  ledgerItem,
  ledgerRecordOf,
  sendPartition,
} from './dynamo-table.ts';

export const ERASED_KEY_PREFIX = 'ERASED#';
export const ANON_KEY_PREFIX = 'ANON#';
export const AUDIT_KEY_PREFIX = 'AUDIT#';

const tombstoneKey = (pseudonym: string) => ({ pk: `${ERASED_KEY_PREFIX}${pseudonym}`, sk: 'TOMBSTONE' });
const addressKey = (hash: string) => ({ pk: `${ERASED_KEY_PREFIX}A#${hash}`, sk: 'TOMBSTONE' });

/** The items of the customer's own partitions each simple kind is, by sort key prefix. */
const OWN_ITEMS: Record<string, { partition: 'customer' | 'send'; prefix: string }> = {
  enrolments: { partition: 'customer', prefix: 'ENROLL#' },
  waitTokens: { partition: 'customer', prefix: 'WAIT#' },
  sendClaims: { partition: 'send', prefix: 'STEP#' },
  caps: { partition: 'send', prefix: 'CAPS' },
  events: { partition: 'customer', prefix: 'EVENT#' },
  engagement: { partition: 'customer', prefix: 'ENGAGED#' },
  messages: { partition: 'customer', prefix: 'MESSAGE#' },
  profile: { partition: 'customer', prefix: 'PROFILE' },
};

export interface DynamoPrivacyOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
}

/** The reason an erased customer's runs end with (the run item's `reason`, until it is deleted). */
export const ERASED_RUN_REASON = 'customer_erased';

/**
 * How far back an erased run's earlier due-index entries are looked for. Each expires (TTL) two days
 * after its due time (dynamo-runs.ts), and "DynamoDB typically deletes expired items within two days
 * of expiration … Items that have expired and not been deleted will still show up in reads, queries,
 * and scans" (UpdateTimeToLive, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html):
 * four days covers both. An entry is due no later than the fire that moved the run past it, so every
 * earlier entry lies between the run's entry and now; the current one is found from the run itself.
 */
export const DUE_LOOKBACK_MS = 4 * 86_400_000;

export class DynamoPrivacy {
  private readonly table: DynamoTable;
  private readonly runs: DynamoRuns;

  constructor(options: DynamoPrivacyOptions) {
    this.table = new DynamoTable(options.client, options.tableName);
    this.runs = new DynamoRuns(options);
  }

  // ── Tombstones ──────────────────────────────────────────────────────────────────────────────

  async getTombstone(pseudonym: string): Promise<ErasureState | undefined> {
    const { pk, sk } = tombstoneKey(pseudonym);
    return (await this.table.get(pk, sk))?.state as ErasureState | undefined;
  }

  /**
   * The keys of the customer's own tombstone and of the owners of the given address hashes, for
   * ingest to read in the BatchGetItem of its other items (dynamo-store.ts `readEntryItems`).
   */
  tombstoneRead(pseudonym: string, hashes: readonly string[]): KeyedRead<Tombstones> {
    const unique = [...new Set(hashes)];
    const own = tombstoneKey(pseudonym);
    return {
      keys: [own, ...unique.map(addressKey)],
      parse(items) {
        const at = (key: { pk: string; sk: string }) => items.get(itemId(key.pk, key.sk));
        const state = at(own)?.state as ErasureState | undefined;
        return {
          ...(state ? { own: state } : {}),
          owners: new Map(
            unique.map((hash) => [hash, at(addressKey(hash))?.pseudonym as string | undefined]),
          ),
        };
      },
    };
  }

  async putTombstone(state: ErasureState): Promise<void> {
    await this.table.put({ ...tombstoneKey(state.pseudonym), state });
  }

  async putAddressTombstones(hashes: readonly string[], pseudonym: string): Promise<void> {
    for (const hash of hashes) await this.table.put({ ...addressKey(hash), pseudonym });
  }

  async putAudit(audit: ErasureAudit): Promise<void> {
    await this.table.put({
      pk: `${AUDIT_KEY_PREFIX}erasure`,
      sk: `${audit.requestedAt}#${audit.pseudonym}`,
      audit,
    });
  }

  // ── Erasing ─────────────────────────────────────────────────────────────────────────────────

  /** Deletes the items of one simple kind; the number deleted. */
  async deleteOwn(customerId: string, kind: string): Promise<number> {
    const where = OWN_ITEMS[kind];
    if (!where) throw new Error(`no items known for kind ${kind}`);
    const items = await this.ownItems(customerId, where.partition, where.prefix);
    for (const item of items) await this.delete(item.pk as string, item.sk as string);
    return items.length;
  }

  /** The customer's items of a kind, whole (the export and the erasure read them). */
  ownItems(customerId: string, partition: 'customer' | 'send', prefix: string) {
    const pk = partition === 'customer' ? customerPartition(customerId) : sendPartition(customerId);
    return this.table.queryPrefix(pk, prefix);
  }

  /** Deletes the feedback index items of these provider message ids (they hold push tokens). */
  async deleteMessageIndex(providerMessageIds: readonly string[]): Promise<number> {
    for (const id of providerMessageIds) await this.delete(`MSG#${id}`, 'MSG');
    return providerMessageIds.length;
  }

  /** Deletes the phone index item, if it still names this customer (another may own the number now). */
  async deletePhoneIndex(phone: string, customerId: string): Promise<number> {
    try {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: `PHONE#${phone}`, sk: 'PHONE' },
          ConditionExpression: 'customerId = :c',
          ExpressionAttributeValues: { ':c': customerId },
        }),
      );
      return 1;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 0;
      throw error;
    }
  }

  /** Copies each ledger item under the pseudonym without personal data, then deletes the original. */
  async pseudonymiseLedger(customerId: string, keys: PseudonymKeys): Promise<number> {
    const items = await this.ownItems(customerId, 'customer', 'LEDGER#');
    for (const item of items) {
      const record = pseudonymiseLedger(ledgerRecordOf(item), keys);
      await this.table.put(
        ledgerItem(
          `${ANON_KEY_PREFIX}${keys.pseudonym}`,
          record,
          typeof item.expiresAt === 'number' ? item.expiresAt : undefined,
        ),
      );
      await this.delete(item.pk as string, item.sk as string);
    }
    return items.length;
  }

  /**
   * Copies each enrolment under the pseudonym as the row the report counts (no event, no customer
   * id), then deletes the original; the number of enrolments erased.
   */
  async pseudonymiseEnrolments(customerId: string, keys: PseudonymKeys): Promise<number> {
    const items = await this.ownItems(customerId, 'customer', 'ENROLL#');
    for (const item of items) {
      const row = pseudonymiseEnrollmentRow(
        {
          enrollment: item.enrollment as EnrollmentRow['enrollment'],
          status: String(item.status),
          ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
        },
        keys,
      );
      await this.table.put({
        pk: `${ANON_KEY_PREFIX}${keys.pseudonym}`,
        sk: `ENROLL#${row.enrollment.journeyId}#${row.enrollment.id}`,
        enrollment: row.enrollment,
        status: row.status,
        ...(row.reason !== undefined ? { reason: row.reason } : {}),
      });
      await this.delete(item.pk as string, item.sk as string);
    }
    return items.length;
  }

  /** Copies each conversion under the pseudonym without personal data, then deletes the original. */
  async pseudonymiseConversions(customerId: string, keys: PseudonymKeys): Promise<number> {
    const items = await this.ownItems(customerId, 'customer', CONVERSION_SK_PREFIX);
    for (const item of items) {
      const conversion = pseudonymiseConversion(item.conversion as Conversion, keys);
      await this.table.put({
        pk: `${ANON_KEY_PREFIX}${keys.pseudonym}`,
        sk: `${CONVERSION_SK_PREFIX}${conversion.at}#${conversion.id}`,
        conversion,
        ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
      });
      await this.delete(item.pk as string, item.sk as string);
    }
    return items.length;
  }

  // ── Scale-mode runs ─────────────────────────────────────────────────────────────────────────

  /** The customer's run items (one Query of `RUN#<customer>`). */
  listRuns(customerId: string): Promise<RunRecord[]> {
    return this.runs.listRuns(customerId);
  }

  /**
   * Ends a waiting or claimed run (engine/run-protocol.ts `exit`, one conditional UpdateItem): a
   * timer that fires now fails its claim, a segment in flight fails its next fenced write. The run
   * as it is afterwards (or as it was, when it had ended already).
   */
  async exitRun(run: RunRecord, now: Date): Promise<RunRecord> {
    const outcome = await this.runs.transitionRun(
      run.customerId,
      run.runId,
      exitRun({ reason: ERASED_RUN_REASON, nowMs: now.getTime() }),
      now,
    );
    return outcome.applied ? outcome.record : (outcome.current ?? run);
  }

  /**
   * Deletes a run's due-index entries (they hold the customer id); the number found. The current
   * entry is keyed by the run's own due time (read it before `exitRun`, which removes it); the
   * earlier ones are queried on the run's shard, bucket by bucket, back to its entry (at most
   * DUE_LOOKBACK_MS).
   */
  async deleteDueEntries(run: RunRecord, now: Date): Promise<number> {
    const shard = dueShard(run.runId);
    const prefix = `${run.customerId}#${run.runId}#`;
    const keys = new Map<string, { pk: string; sk: string }>();
    if (run.dueMs !== undefined) {
      const pk = duePartition(run.dueMs, shard);
      keys.set(`${pk}|${prefix}${run.seq}`, { pk, sk: `${prefix}${run.seq}` });
    }
    const entered = Date.parse(run.enrollment.enteredAt);
    const from = Math.max(
      Number.isNaN(entered) ? now.getTime() - DUE_LOOKBACK_MS : entered - DUE_BUCKET_MS,
      now.getTime() - DUE_LOOKBACK_MS,
    );
    const buckets: number[] = [];
    for (let b = Math.floor(from / DUE_BUCKET_MS) * DUE_BUCKET_MS; b <= now.getTime(); b += DUE_BUCKET_MS)
      buckets.push(b);
    // Sixteen Queries at a time: one erasure must not hog the table's or the Lambda's throughput.
    for (let i = 0; i < buckets.length; i += 16) {
      const found = await Promise.all(
        buckets.slice(i, i + 16).map((b) => this.table.queryPrefix(duePartition(b, shard), prefix)),
      );
      for (const item of found.flat()) {
        const key = { pk: item.pk as string, sk: item.sk as string };
        keys.set(`${key.pk}|${key.sk}`, key);
      }
    }
    // A missing item deletes without error (DeleteItem is idempotent without a condition).
    for (const key of keys.values()) await this.delete(key.pk, key.sk);
    return keys.size;
  }

  /** Deletes the run item (after `exitRun`: a fire then finds no run and starts nothing). */
  async deleteRun(run: Pick<RunRecord, 'customerId' | 'runId'>): Promise<void> {
    const { pk, sk } = runKey(run.customerId, run.runId);
    await this.delete(pk, sk);
  }

  /** What is left in the customer's partitions (the sweep erases it). */
  async remaining(customerId: string): Promise<{
    ledger: number;
    conversions: number;
    runs: number;
    other: { pk: string; sk: string }[];
  }> {
    const [own, send, runs] = await Promise.all([
      this.partition(customerPartition(customerId)),
      this.partition(sendPartition(customerId)),
      this.partition(`${RUN_KEY_PREFIX}${customerId}`),
    ]);
    const all = [...own, ...send].map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
    // Rewritten, not deleted: the ledger and the conversions (an enrolment written this late is deleted).
    const rewritten = (k: { sk: string }) =>
      k.sk.startsWith('LEDGER#') || k.sk.startsWith(CONVERSION_SK_PREFIX);
    return {
      ledger: all.filter((k) => k.sk.startsWith('LEDGER#')).length,
      conversions: all.filter((k) => k.sk.startsWith(CONVERSION_SK_PREFIX)).length,
      runs: runs.length,
      other: all.filter((k) => !rewritten(k)),
    };
  }

  /** Every item of a partition (keys only). */
  private async partition(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Bounded: one customer's partition fits in far fewer pages than this.
    for (let page = 0; page < 1000; page++) {
      const response = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
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

  async delete(pk: string, sk: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk, sk } }));
  }

  /** The pseudonymised conversions of an erased customer (analytics; tests). */
  async anonymousConversions(pseudonym: string): Promise<Conversion[]> {
    return (await this.table.queryPrefix(`${ANON_KEY_PREFIX}${pseudonym}`, CONVERSION_SK_PREFIX)).map(
      (item) => item.conversion as Conversion,
    );
  }

  /** The pseudonymised ledger of an erased customer (analytics; tests). */
  async anonymousLedger(pseudonym: string): Promise<LedgerRecord[]> {
    return (await this.table.queryPrefix(`${ANON_KEY_PREFIX}${pseudonym}`, 'LEDGER#')).map(ledgerRecordOf);
  }
}
