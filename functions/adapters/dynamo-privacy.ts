/**
 * The erasure protocol's and the export's items in the table (engine/privacy/ decides; this
 * persists). What each kind of CUSTOMER_DATA is, physically:
 * - `C#<customer>`: PROFILE, EVENT#, ENROLL#, WAIT#, ENGAGED#, MESSAGE#, LEDGER#;
 * - `SEND#<customer>`: STEP# (send claims), CAPS;
 * - `MSG#<provider message id>` (found from the ledger's provider message ids), `PHONE#<E.164>`
 *   (found from the profile, deleted only while it still names this customer).
 * Written here: `ERASED#<pseudonym>` / `TOMBSTONE` (the protocol state), `ERASED#A#<address hash>` /
 * `TOMBSTONE` (the pseudonym it belongs to), `ANON#<pseudonym>` / `LEDGER#…` (pseudonymised ledger),
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
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { ErasureAudit, ErasureState } from '../../engine/privacy/erasure.ts';
import { type PseudonymKeys, pseudonymiseLedger } from '../../engine/privacy/pseudonymise.ts';
import { DynamoTable } from './dynamo-ops.ts';
import { customerPartition, sendPartition } from './dynamo-table.ts';

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

export class DynamoPrivacy {
  private readonly table: DynamoTable;

  constructor(options: DynamoPrivacyOptions) {
    this.table = new DynamoTable(options.client, options.tableName);
  }

  // ── Tombstones ──────────────────────────────────────────────────────────────────────────────

  async getTombstone(pseudonym: string): Promise<ErasureState | undefined> {
    const { pk, sk } = tombstoneKey(pseudonym);
    return (await this.table.get(pk, sk))?.state as ErasureState | undefined;
  }

  async putTombstone(state: ErasureState): Promise<void> {
    await this.table.put({ ...tombstoneKey(state.pseudonym), state });
  }

  /** The pseudonym whose tombstone an address belongs to. */
  async pseudonymOfAddress(hash: string): Promise<string | undefined> {
    const { pk, sk } = addressKey(hash);
    return (await this.table.get(pk, sk))?.pseudonym as string | undefined;
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
      const record = pseudonymiseLedger(item.record as LedgerRecord, keys);
      await this.table.put({
        pk: `${ANON_KEY_PREFIX}${keys.pseudonym}`,
        sk: `LEDGER#${record.at}#${record.id}`,
        record,
        ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
      });
      await this.delete(item.pk as string, item.sk as string);
    }
    return items.length;
  }

  /** What is left in the customer's two partitions (the sweep erases it). */
  async remaining(customerId: string): Promise<{ ledger: number; other: { pk: string; sk: string }[] }> {
    const [own, send] = await Promise.all([
      this.partition(customerPartition(customerId)),
      this.partition(sendPartition(customerId)),
    ]);
    const all = [...own, ...send].map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
    return {
      ledger: all.filter((k) => k.sk.startsWith('LEDGER#')).length,
      other: all.filter((k) => !k.sk.startsWith('LEDGER#')),
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

  /** The pseudonymised ledger of an erased customer (analytics; tests). */
  async anonymousLedger(pseudonym: string): Promise<LedgerRecord[]> {
    return (await this.table.queryPrefix(`${ANON_KEY_PREFIX}${pseudonym}`, 'LEDGER#')).map(
      (item) => item.record as LedgerRecord,
    );
  }
}
