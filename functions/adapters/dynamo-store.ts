/**
 * The Store port over one DynamoDB table (see dynamo-table.ts). Conditional single-item writes
 * only: dynalite (local) has no transactions, and none are needed:
 * - a profile and a customer's cap window carry a `version`; writers retry on conflict;
 * - events are inserted once per (customer, event id);
 * - a step's idempotency item moves through engine/send-protocol.ts's transitions, each one
 *   conditional write whose condition and update the engine hands over (`stepExpression`).
 * TTL attributes (`expiresAt`, epoch seconds) are set for AWS; dynalite ignores them. AWS deletes
 * an item some time after its expiry (typically within two days) and returns it until then, so
 * every expiry lies past the last moment its item can matter, and readers check times themselves.
 */
import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Conversion } from '../../engine/attribution.ts';
import type { Enrollment, StepResult } from '../../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { CapEntry } from '../../engine/policy/caps.ts';
import type { MessageEngagement } from '../../engine/policy/engagement.ts';
import type { StepRecord, StepTransition } from '../../engine/send-protocol.ts';
import type {
  CapReservation,
  CapWindow,
  CustomerActivity,
  DecisionItems,
  EngagementRecord,
  EnrollmentRecord,
  EnrollmentStatus,
  EntryItems,
  KeyedRead,
  MessageIndexRecord,
  ProfileRead,
  SentMessageRecord,
  SentWrites,
  StepTransitionOutcome,
  Store,
  WaitTokenRecord,
} from '../ports.ts';
import { readControl } from './dynamo-controls.ts';
import { engagementKeys, engagementOf, putEngagement } from './dynamo-engagement.ts';
import { DynamoTable, itemId } from './dynamo-ops.ts';
import {
  CONVERSION_SK_PREFIX,
  capWindowKey,
  customerPartition,
  journeyControlKey,
  LEDGER_SK_PREFIX,
  ledgerItem,
  ledgerRecordOf,
  ledgerSk,
  productItem,
  productKey,
  stepClaimKey,
} from './dynamo-table.ts';

export { StoreContentionError } from './dynamo-ops.ts';

const DAY_S = 86_400;
/** How many applied event ids a profile remembers for `onceFor`. */
const APPLIED_MEMORY = 50;

/**
 * What a profile remembers of an applied event: 64 bits of its id's SHA-256 (11 base64url
 * characters) instead of the id (a Segment messageId is a 36-character UUID). Fifty of them keep the
 * profile item well inside one 1 KB write unit more often; two of a customer's last 50 event ids
 * share a key with a chance of about 50² / 2⁶⁵.
 */
export function appliedKey(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, 11);
}

const customerPk = customerPartition;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export interface DynamoStoreOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** Retention of ledger and step items, in days (TTL), when `retention` does not say. */
  retentionDays?: number;
  /** Per kind (policy.json `retention`, engine/privacy/retention.ts), in days. */
  retention?: Partial<Record<'events' | 'ledger' | 'messages', number>>;
  /**
   * When given, reads of retained kinds drop items whose `expiresAt` has passed by this clock (the
   * Lambdas: the system clock). Without it nothing is dropped (tests that write items in the past).
   */
  clock?: { now(): Date };
}

/**
 * DynamoDB deletes an expired item only eventually ("typically within a few days", "Using time to
 * live (TTL) in DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html)
 * and reads return it until then, so reads of retained kinds drop what has expired themselves.
 */
const unexpiredAt = (clock: { now(): Date } | undefined) => (item: Record<string, unknown>) =>
  clock === undefined || typeof item.expiresAt !== 'number' || item.expiresAt > clock.now().getTime() / 1000;

const MESSAGE_SK_PREFIX = 'MESSAGE#';

const eventSk = (eventId: string) => `EVENT#${eventId}`;

/** The most items one BatchWriteItem takes (dynamo-ops.ts `batchPut` enforces it). */
const BATCH_PUT_MAX = 25;

function enrollmentItem(record: EnrollmentRecord): Record<string, unknown> {
  const { enrollment } = record;
  return { pk: customerPk(enrollment.customerId), sk: enrollmentSk(enrollment), ...record };
}

/** A sent-message item back to its record: the execution id from between the sort key's time and step. */
function sentMessageOf(item: Record<string, unknown>, customerId: string): SentMessageRecord {
  const message = item.message as Omit<SentMessageRecord, 'customerId' | 'executionId'> &
    Partial<Pick<SentMessageRecord, 'customerId' | 'executionId'>>;
  const sk = String(item.sk);
  const executionId =
    message.executionId ??
    sk.slice(`${MESSAGE_SK_PREFIX}${message.at}#`.length, sk.length - `#${message.stepId}`.length);
  return { ...message, customerId: message.customerId ?? customerId, executionId } as SentMessageRecord;
}

/** The profile item as `updateProfile` reads it (no item: version 0, nothing applied). */
function profileRead(item: Record<string, unknown> | undefined): ProfileRead {
  return {
    ...(item?.profile ? { profile: item.profile as Profile } : {}),
    version: (item?.version as number | undefined) ?? 0,
    applied: (item?.applied as string[] | undefined) ?? [],
  };
}

export class DynamoStore implements Store {
  private readonly table: DynamoTable;
  private readonly retentionS: number;
  private readonly eventsS: number;
  private readonly ledgerS: number;
  private readonly messagesS: number;
  private readonly unexpired: (item: Record<string, unknown>) => boolean;

  constructor(options: DynamoStoreOptions) {
    this.unexpired = unexpiredAt(options.clock);
    this.table = new DynamoTable(options.client, options.tableName);
    this.retentionS = (options.retentionDays ?? 400) * DAY_S;
    this.eventsS = (options.retention?.events ?? options.retentionDays ?? 400) * DAY_S;
    this.ledgerS = (options.retention?.ledger ?? options.retentionDays ?? 400) * DAY_S;
    this.messagesS = (options.retention?.messages ?? 90) * DAY_S;
  }

  // ── Profiles ────────────────────────────────────────────────────────────────────────────────

  async getProfile(customerId: string): Promise<Profile | undefined> {
    const item = await this.table.get(customerPk(customerId), 'PROFILE');
    return item?.profile as Profile | undefined;
  }

  async readDecisionItems(
    customerId: string,
    options: {
      productId?: string;
      caps?: boolean;
      controlOf?: string;
      engaged?: { executionId: string; steps: readonly string[] };
      stepKey?: string;
    } = {},
  ): Promise<DecisionItems> {
    const profileKey = { pk: customerPk(customerId), sk: 'PROFILE' };
    const product = options.productId === undefined ? undefined : productKey(options.productId);
    const caps = options.caps ? capWindowKey(customerId) : undefined;
    const control = options.controlOf === undefined ? undefined : journeyControlKey(options.controlOf);
    const engaged = options.engaged;
    const engagedKeys = engaged
      ? engaged.steps.map((step) => ({ step, keys: engagementKeys(customerId, engaged.executionId, step) }))
      : [];
    const claimKey = options.stepKey === undefined ? undefined : stepClaimKey(customerId, options.stepKey);
    // Only the profile: a GetItem reads the same unit without the batch's envelope.
    if (!product && !caps && !control && !claimKey && engagedKeys.length === 0) {
      const read = profileRead(await this.table.get(profileKey.pk, profileKey.sk));
      return read.profile ? { profile: read.profile, profileRead: read } : { profileRead: read };
    }
    const items = await this.table.batchGetAll([
      profileKey,
      ...(product ? [product] : []),
      ...(caps ? [caps] : []),
      ...(control ? [control] : []),
      ...(claimKey ? [claimKey] : []),
      ...engagedKeys.flatMap(({ keys }) => [keys.claim, keys.opened, keys.clicked]),
    ]);
    const at = (key: { pk: string; sk: string } | undefined) =>
      key ? items.get(itemId(key.pk, key.sk)) : undefined;
    const found: DecisionItems = { profileRead: profileRead(at(profileKey)) };
    const profile = found.profileRead?.profile;
    if (profile) found.profile = profile;
    const productItem = at(product)?.product as Product | undefined;
    if (productItem) found.product = productItem;
    if (caps) found.caps = capWindowOf(at(caps));
    if (control && options.controlOf !== undefined)
      found.controls = new Map([[options.controlOf, readControl(at(control))]]);
    const stepItem = at(claimKey);
    if (stepItem) found.step = stepRecordOf(stepItem);
    if (engaged)
      found.engagement = Object.fromEntries(
        engagedKeys.map(({ step, keys }) => [step, engagementFrom(at, keys)]),
      );
    return found;
  }

  async readEntryItems<T = undefined>(
    customerId: string,
    options: {
      productIds: readonly string[];
      controlsOf: readonly string[];
      with?: KeyedRead<T>;
      eventId?: string;
    },
  ): Promise<EntryItems<T>> {
    const profileKey = { pk: customerPk(customerId), sk: 'PROFILE' };
    const eventKey =
      options.eventId === undefined
        ? undefined
        : { pk: customerPk(customerId), sk: eventSk(options.eventId) };
    const productIds = [...new Set(options.productIds)];
    const journeyIds = [...new Set(options.controlsOf)];
    const items = await this.table.batchGetAll([
      profileKey,
      ...(eventKey ? [eventKey] : []),
      ...productIds.map(productKey),
      ...journeyIds.map(journeyControlKey),
      ...(options.with?.keys ?? []),
    ]);
    const at = (key: { pk: string; sk: string }) => items.get(itemId(key.pk, key.sk));
    const stored = eventKey ? at(eventKey) : undefined;
    return {
      profile: profileRead(at(profileKey)),
      products: new Map(productIds.map((id) => [id, at(productKey(id))?.product as Product | undefined])),
      controls: new Map(journeyIds.map((id) => [id, readControl(at(journeyControlKey(id)))])),
      with: options.with ? options.with.parse(items) : (undefined as T),
      ...(stored ? { event: { processed: stored.processed === true } } : {}),
    };
  }

  async updateProfile(
    customerId: string,
    mutate: (current: Profile | undefined) => Profile | undefined,
    options: { onceFor?: string; read?: ProfileRead } = {},
  ): Promise<Profile | undefined> {
    let seen = options.read;
    return this.table.withRetries(async () => {
      // The first attempt may start from the caller's read; a retry (a conflict) always reads again.
      const read = seen ?? profileRead(await this.table.get(customerPk(customerId), 'PROFILE'));
      seen = undefined;
      const current = read.profile;
      const applied = read.applied;
      const once = options.onceFor === undefined ? undefined : appliedKey(options.onceFor);
      // Profiles written before the ids were hashed remember them whole.
      if (once !== undefined && (applied.includes(once) || applied.includes(options.onceFor!)))
        return { done: current };
      const next = mutate(current === undefined ? undefined : structuredClone(current));
      if (next === undefined) return { done: current };
      const version = read.version;
      const written = await this.table.putIfVersion(customerPk(customerId), 'PROFILE', version, {
        profile: next,
        applied: once === undefined ? applied : [...applied, once].slice(-APPLIED_MEMORY),
      });
      if (!written) return undefined;
      if (next.phone && next.phone !== current?.phone && next.phone.startsWith('+')) {
        await this.table.put({ pk: `PHONE#${next.phone}`, sk: 'PHONE', customerId });
      }
      return { done: next };
    });
  }

  async findCustomerByPhone(e164: string): Promise<string | undefined> {
    const item = await this.table.get(`PHONE#${e164}`, 'PHONE');
    return item?.customerId as string | undefined;
  }

  // ── Events ──────────────────────────────────────────────────────────────────────────────────

  async putEvent(event: CustomerEvent, receivedAt: Date): Promise<{ inserted: boolean; processed: boolean }> {
    const item = this.eventItem(event, receivedAt, false);
    if (await this.table.putIfAbsent(item)) return { inserted: true, processed: false };
    const existing = await this.table.get(item.pk, item.sk);
    return { inserted: false, processed: existing?.processed === true };
  }

  async putProcessedEvent(event: CustomerEvent, receivedAt: Date): Promise<void> {
    // Unconditional: the same event, whether a crashed try stored it unprocessed or a concurrent one processed it.
    await this.table.put(this.eventItem(event, receivedAt, true));
  }

  private eventItem(event: CustomerEvent, receivedAt: Date, processed: boolean) {
    return {
      pk: customerPk(event.customerId),
      sk: eventSk(event.id),
      event,
      receivedAt: receivedAt.toISOString(),
      processed,
      expiresAt: epochSeconds(receivedAt.getTime()) + this.eventsS,
    };
  }

  async markEventProcessed(customerId: string, eventId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: customerPk(customerId), sk: eventSk(eventId) },
        UpdateExpression: 'SET #processed = :true',
        ExpressionAttributeNames: { '#processed': 'processed' },
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async listEvents(customerId: string, options: { since?: Date } = {}): Promise<CustomerEvent[]> {
    return this.eventsOf(await this.table.queryPrefix(customerPk(customerId), 'EVENT#'), options.since);
  }

  async readActivity(customerId: string, options: { since?: Date } = {}): Promise<CustomerActivity> {
    // `ENROLL#…` and `EVENT#…` are neighbours among a customer's sort keys (CONV#, ENGAGED#,
    // ENROLL#, EVENT#, LEDGER#, …; `$` sorts right after `#`), so one range holds exactly both.
    const items = await this.table.queryBetween(customerPk(customerId), 'ENROLL#', 'EVENT$');
    const sk = (item: Record<string, unknown>) => String(item.sk);
    return {
      events: this.eventsOf(
        items.filter((item) => sk(item).startsWith('EVENT#')),
        options.since,
      ),
      enrollments: enrollmentsOf(items.filter((item) => sk(item).startsWith('ENROLL#'))),
    };
  }

  private eventsOf(items: Record<string, unknown>[], since: Date | undefined): CustomerEvent[] {
    const from = since?.getTime() ?? Number.NEGATIVE_INFINITY;
    return items
      .filter(this.unexpired)
      .map((item) => item.event as CustomerEvent)
      .filter((event) => Date.parse(event.time) >= from)
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || (a.id < b.id ? 1 : -1));
  }

  // ── Catalog ─────────────────────────────────────────────────────────────────────────────────

  async getProduct(productId: string): Promise<Product | undefined> {
    const { pk, sk } = productKey(productId);
    return (await this.table.get(pk, sk))?.product as Product | undefined;
  }

  async putProduct(product: Product): Promise<void> {
    await this.table.put(productItem(product));
  }

  // ── Enrollments and waits ───────────────────────────────────────────────────────────────────

  async putEnrollment(record: EnrollmentRecord): Promise<void> {
    await this.table.put(enrollmentItem(record));
  }

  async putEnrollments(records: readonly EnrollmentRecord[]): Promise<void> {
    if (records.length === 1 && records[0]) return this.putEnrollment(records[0]);
    // Unconditional puts (a replay rewrites the same items): BatchWriteItem takes up to 25 ("BatchWriteItem",
    // Amazon DynamoDB API Reference, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
    for (let i = 0; i < records.length; i += BATCH_PUT_MAX)
      await this.table.batchPut(records.slice(i, i + BATCH_PUT_MAX).map(enrollmentItem));
  }

  async listEnrollments(customerId: string): Promise<EnrollmentRecord[]> {
    return enrollmentsOf(await this.table.queryPrefix(customerPk(customerId), 'ENROLL#'));
  }

  async setEnrollmentStatus(enrollment: Enrollment, status: EnrollmentStatus, at: Date, reason?: string) {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: customerPk(enrollment.customerId), sk: enrollmentSk(enrollment) },
        UpdateExpression:
          'SET #status = :status, updatedAt = :at, reason = :reason, enrollment = :enrollment',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at.toISOString(),
          ':reason': reason ?? status,
          ':enrollment': enrollment,
        },
      }),
    );
  }

  async putWaitToken(record: WaitTokenRecord): Promise<void> {
    await this.table.put({
      pk: customerPk(record.customerId),
      sk: waitSk(record),
      ...record,
      expiresAt: epochSeconds(Date.parse(record.expiresAt)) + DAY_S,
      expiresAtIso: record.expiresAt,
    });
  }

  async listWaitTokens(customerId: string, eventType: string): Promise<WaitTokenRecord[]> {
    const items = await this.table.queryPrefix(customerPk(customerId), `WAIT#${eventType}#`);
    return items
      .filter((item) => item.resumed !== true)
      .map((item) => ({
        customerId: item.customerId as string,
        eventType: item.eventType as string,
        executionId: item.executionId as string,
        stepId: item.stepId as string,
        onEvent: item.onEvent as string,
        taskToken: item.taskToken as string,
        createdAt: item.createdAt as string,
        expiresAt: item.expiresAtIso as string,
      }));
  }

  async deleteWaitToken(record: WaitTokenRecord): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: customerPk(record.customerId), sk: waitSk(record) },
          // A tombstone rather than a delete: the conditional makes exactly one caller the winner.
          UpdateExpression: 'SET resumed = :true',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(resumed)',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // ── Step idempotency (engine/send-protocol.ts decides; this persists) ───────────────────────

  async transitionStep(
    customerId: string,
    key: string,
    transition: StepTransition,
    now: Date,
  ): Promise<StepTransitionOutcome> {
    const { pk, sk } = stepClaimKey(customerId, key);
    const expression = stepExpression(transition);
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk, sk },
          UpdateExpression: expression.update,
          ConditionExpression: expression.condition,
          ExpressionAttributeNames: expression.names,
          ExpressionAttributeValues: {
            ...expression.values,
            ':exp': epochSeconds(now.getTime()) + this.retentionS,
          },
          ReturnValues: 'ALL_NEW',
          // A refused write answers the item as it is (no read after the conflict): "ReturnValuesOnConditionCheckFailure",
          // UpdateItem, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, record: stepRecordOf(Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The item is marshalled (the document client does not translate errors). A refusal with no
      // Item either found no item, or came from a backend without the parameter (dynalite 4): only
      // then is a consistent read needed to tell the two apart.
      if (error.Item) return { applied: false, current: stepRecordOf(unmarshallItem(error.Item)) };
    }
    const item = await this.table.get(pk, sk);
    return { applied: false, current: item ? stepRecordOf(item) : undefined };
  }

  // ── Caps ────────────────────────────────────────────────────────────────────────────────────

  async reserveCap<R>(
    customerId: string,
    decide: (entries: CapEntry[]) => CapReservation<R>,
    known?: CapWindow,
  ): Promise<R> {
    const { pk, sk } = capWindowKey(customerId);
    // The first attempt trusts what the caller saw; after a refused write, read what is there.
    let seen = known;
    return this.table.withRetries(async () => {
      const window = seen ?? capWindowOf(await this.table.get(pk, sk));
      seen = undefined;
      const { entries, result } = decide(structuredClone(window.entries));
      if (entries === undefined) {
        if (known) Object.assign(known, window);
        return { done: result };
      }
      // No TTL: which sends still count depends on the longest cap in the policy, which the store
      // does not know (a P60D cap counts a send 40 days old); the engine prunes what can no longer
      // count on every write, so the one item per customer stays small.
      const written = await this.table.putIfVersion(pk, sk, window.version, { entries });
      if (!written) return undefined;
      if (known) Object.assign(known, { entries, version: window.version + 1 });
      return { done: result };
    });
  }

  // ── Ledger and message index ────────────────────────────────────────────────────────────────

  async putLedger(
    record: LedgerRecord,
    also: { sent?: SentWrites; ended?: EnrollmentRecord } = {},
  ): Promise<void> {
    const item = ledgerItem(
      customerPk(record.customerId),
      record,
      epochSeconds(Date.parse(record.at)) + this.ledgerS,
    );
    const { sent, ended } = also;
    const items = [
      ...(sent ? [this.sentMessageItem(sent.message), messageIndexItem(sent.index)] : []),
      item,
      // The enrollment item is its record and nothing else (`enrollmentItem`), so this put leaves
      // it exactly as `setEnrollmentStatus`'s update would.
      ...(ended ? [enrollmentItem(ended)] : []),
    ];
    if (items.length === 1) return this.table.put(item);
    // Unconditional puts, one request: BatchWriteItem (dynamo-ops.ts `batchPut`).
    await this.table.batchPut(items);
  }

  async getLedgerEntry(customerId: string, at: string, id: string): Promise<LedgerRecord | undefined> {
    const item = await this.table.get(customerPk(customerId), ledgerSk(at, id));
    return item ? ledgerRecordOf(item) : undefined;
  }

  async listLedger(customerId: string, options: { since?: Date } = {}): Promise<LedgerRecord[]> {
    const pk = customerPk(customerId);
    // `LEDGER#<at>#<id>`: from `since` to the end of the prefix (`$` sorts right after `#`).
    const items = options.since
      ? await this.table.queryBetween(pk, `${LEDGER_SK_PREFIX}${options.since.toISOString()}`, 'LEDGER$')
      : await this.table.queryPrefix(pk, LEDGER_SK_PREFIX);
    return items.filter(this.unexpired).map(ledgerRecordOf);
  }

  async putSentMessage(record: SentMessageRecord): Promise<void> {
    await this.table.put(this.sentMessageItem(record));
  }

  /**
   * The content without the customer id and the execution ARN, which its keys already hold (about
   * 130 bytes): a message body near 1 KB then costs one write unit less.
   */
  private sentMessageItem(record: SentMessageRecord): Record<string, unknown> {
    const { customerId, executionId, ...message } = record;
    return {
      pk: customerPk(customerId),
      sk: `${MESSAGE_SK_PREFIX}${record.at}#${executionId}#${record.stepId}`,
      message,
      expiresAt: epochSeconds(Date.parse(record.at)) + this.messagesS,
    };
  }

  async listSentMessages(customerId: string): Promise<SentMessageRecord[]> {
    return (await this.table.queryPrefix(customerPk(customerId), MESSAGE_SK_PREFIX))
      .filter(this.unexpired)
      .map((item) => sentMessageOf(item, customerId));
  }

  // ── Conversions (engine/attribution.ts decides; one item per run and goal event) ──────────

  async putConversion(conversion: Conversion): Promise<boolean> {
    // `attribute_not_exists(pk)` on the deterministic key: a re-processed goal event records nothing
    // new. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html#Expressions.ConditionExpressions.PreventingOverwrites
    return this.table.putIfAbsent({
      pk: customerPk(conversion.customerId),
      sk: conversionSk(conversion),
      conversion,
      expiresAt: epochSeconds(Date.parse(conversion.at)) + this.retentionS,
    });
  }

  async listConversions(customerId: string): Promise<Conversion[]> {
    return (await this.table.queryPrefix(customerPk(customerId), CONVERSION_SK_PREFIX)).map(
      (item) => item.conversion as Conversion,
    );
  }

  // ── Engagement (engagement conditions: dynamo-engagement.ts) ─────────────────────────────

  recordEngagement(record: EngagementRecord): Promise<void> {
    return putEngagement(this.table, record, this.retentionS);
  }

  async getMessageEngagement(
    customerId: string,
    executionId: string,
    stepId: string,
  ): Promise<MessageEngagement> {
    const keys = engagementKeys(customerId, executionId, stepId);
    const items = await this.table.batchGet([keys.claim, keys.opened, keys.clicked]);
    return engagementFrom((key) => items.get(itemId(key.pk, key.sk)), keys);
  }

  async putMessageIndex(record: MessageIndexRecord): Promise<void> {
    await this.table.put(messageIndexItem(record));
  }

  async getMessageIndex(providerMessageId: string): Promise<MessageIndexRecord | undefined> {
    const item = await this.table.get(`MSG#${providerMessageId}`, 'MSG');
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = item;
    return record as unknown as MessageIndexRecord;
  }
}

function messageIndexItem(record: MessageIndexRecord): Record<string, unknown> {
  return {
    pk: `MSG#${record.providerMessageId}`,
    sk: 'MSG',
    ...record,
    expiresAt: epochSeconds(Date.parse(record.at)) + 90 * DAY_S,
  };
}

/** `engagementOf` over the three items of `engagementKeys`, as a batch read found them. */
function engagementFrom(
  at: (key: { pk: string; sk: string }) => Record<string, unknown> | undefined,
  keys: ReturnType<typeof engagementKeys>,
): MessageEngagement {
  const claim = at(keys.claim);
  const opened = at(keys.opened);
  const clicked = at(keys.clicked);
  return engagementOf(claim ? stepRecordOf(claim) : undefined, {
    ...(opened ? { opened } : {}),
    ...(clicked ? { clicked } : {}),
  });
}

function capWindowOf(item: Record<string, unknown> | undefined): CapWindow {
  return {
    entries: (item?.entries as CapEntry[] | undefined) ?? [],
    version: (item?.version as number | undefined) ?? 0,
  };
}

function enrollmentsOf(items: Record<string, unknown>[]): EnrollmentRecord[] {
  return items.map(({ enrollment, status, updatedAt, reason }) =>
    reason === undefined
      ? ({ enrollment, status, updatedAt } as EnrollmentRecord)
      : ({ enrollment, status, updatedAt, reason } as EnrollmentRecord),
  );
}

function unmarshallItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(item);
}

/** Sorted by the goal event's time, so a customer's conversions read oldest first. */
function conversionSk(c: Conversion): string {
  return `${CONVERSION_SK_PREFIX}${c.at}#${c.journeyId}#${c.enrollmentId}#${c.eventId}`;
}

function enrollmentSk(enrollment: Enrollment): string {
  return `ENROLL#${enrollment.journeyId}#${enrollment.id}`;
}

function waitSk(record: Pick<WaitTokenRecord, 'eventType' | 'executionId' | 'stepId'>): string {
  return `WAIT#${record.eventType}#${record.executionId}#${record.stepId}`;
}

/**
 * One transition as DynamoDB expressions: the guard's clauses OR-ed (`attribute_not_exists(pk)`
 * for an absent record), the update's fields SET, `attempt` incremented, fields REMOVEd, and the
 * TTL refreshed. Nothing is decided here.
 */
export function stepExpression(transition: StepTransition): {
  condition: string;
  update: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const name = (field: string) => {
    names[`#${field}`] = field;
    return `#${field}`;
  };
  const clauses = transition.guard.map((clause, i) => {
    if ('absent' in clause) return 'attribute_not_exists(pk)';
    values[`:g${i}state`] = clause.state;
    const parts = [`${name('state')} = :g${i}state`];
    if (clause.token !== undefined) {
      values[`:g${i}token`] = clause.token;
      parts.push(`${name('token')} = :g${i}token`);
    }
    if (clause.attempt !== undefined) {
      values[`:g${i}attempt`] = clause.attempt;
      parts.push(`${name('attempt')} = :g${i}attempt`);
    }
    if (clause.before) {
      values[`:g${i}before`] = clause.before.ms;
      parts.push(`${name(clause.before.field)} ${clause.before.inclusive ? '<=' : '<'} :g${i}before`);
    }
    return `(${parts.join(' AND ')})`;
  });
  const { set, setIfAbsent = {}, nextAttempt, remove = [] } = transition.update;
  const assignments = Object.entries(set).map(([field, value]) => {
    values[`:u${field}`] = value;
    return `${name(field)} = :u${field}`;
  });
  // `SET f = if_not_exists(f, :v)` keeps a value already on the item (a step's first-reached time
  // across deferrals): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html#Expressions.UpdateExpressions.SET.PreventingAttributeOverwrites
  // Encoded on both backends by test/integration/arbitration.test.ts (the expiry counts from the first attempt).
  for (const [field, value] of Object.entries(setIfAbsent)) {
    values[`:i${field}`] = value;
    assignments.push(`${name(field)} = if_not_exists(${name(field)}, :i${field})`);
  }
  if (nextAttempt) {
    values[':zero'] = 0;
    values[':one'] = 1;
    assignments.push(`${name('attempt')} = if_not_exists(${name('attempt')}, :zero) + :one`);
  }
  assignments.push('expiresAt = :exp');
  const removals = remove.map(name);
  return {
    condition: clauses.join(' OR '),
    update: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
    names,
    values,
  };
}

function stepRecordOf(item: Record<string, unknown>): StepRecord {
  const record: StepRecord = {
    state: item.state as StepRecord['state'],
    token: item.token as string,
    attempt: (item.attempt as number | undefined) ?? 0,
    claimedAt: (item.claimedAt as number | undefined) ?? 0,
  };
  if (typeof item.channel === 'string') record.channel = item.channel;
  if (typeof item.untilMs === 'number') record.untilMs = item.untilMs;
  if (typeof item.finishedAt === 'number') record.finishedAt = item.finishedAt;
  if (typeof item.reachedAt === 'number') record.reachedAt = item.reachedAt;
  if (typeof item.ledgerAt === 'number') record.ledgerAt = item.ledgerAt;
  if (item.result !== undefined) record.result = item.result as StepResult;
  return record;
}
