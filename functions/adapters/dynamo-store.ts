/**
 * The Store port over one DynamoDB table (see dynamo-table.ts). Conditional single-item writes
 * only: dynalite (local) has no transactions, and none are needed:
 * - a profile and a customer's cap window carry a `version`; writers retry on conflict;
 * - events are inserted once per (customer, event id);
 * - a step's idempotency item is claimed with a condition and fenced by a random token.
 * TTL attributes (`expiresAt`, epoch seconds) are set for AWS; dynalite ignores them. AWS deletes
 * an item some time after its expiry (typically within two days) and returns it until then, so
 * every expiry lies past the last moment its item can matter, and readers check times themselves.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Enrollment, StepResult } from '../../engine/contract.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { CapEntry } from '../../engine/policy/caps.ts';
import type {
  CapReservation,
  EnrollmentRecord,
  EnrollmentStatus,
  MessageIndexRecord,
  StepClaim,
  StepClaimTiming,
  StepFinish,
  Store,
  WaitTokenRecord,
} from '../ports.ts';
import { DynamoTable } from './dynamo-ops.ts';
import { productItem, productKey } from './dynamo-table.ts';

export { StoreContentionError } from './dynamo-ops.ts';

const DAY_S = 86_400;
/** How many applied event ids a profile remembers for `onceFor`. */
const APPLIED_MEMORY = 50;

const customerPk = (customerId: string) => `C#${customerId}`;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export interface DynamoStoreOptions {
  client: DynamoDBClient | DynamoDBDocumentClient;
  tableName: string;
  /** Retention of ledger and step items, in days (TTL). */
  retentionDays?: number;
}

export class DynamoStore implements Store {
  private readonly table: DynamoTable;
  private readonly retentionS: number;

  constructor(options: DynamoStoreOptions) {
    this.table = new DynamoTable(options.client, options.tableName);
    this.retentionS = (options.retentionDays ?? 400) * DAY_S;
  }

  // ── Profiles ────────────────────────────────────────────────────────────────────────────────

  async getProfile(customerId: string): Promise<Profile | undefined> {
    const item = await this.table.get(customerPk(customerId), 'PROFILE');
    return item?.profile as Profile | undefined;
  }

  async updateProfile(
    customerId: string,
    mutate: (current: Profile | undefined) => Profile | undefined,
    options: { onceFor?: string } = {},
  ): Promise<Profile | undefined> {
    return this.table.withRetries(async () => {
      const item = await this.table.get(customerPk(customerId), 'PROFILE');
      const current = item?.profile as Profile | undefined;
      const applied = (item?.applied as string[] | undefined) ?? [];
      if (options.onceFor !== undefined && applied.includes(options.onceFor)) return { done: current };
      const next = mutate(current === undefined ? undefined : structuredClone(current));
      if (next === undefined) return { done: current };
      const version = (item?.version as number | undefined) ?? 0;
      const written = await this.table.putIfVersion(customerPk(customerId), 'PROFILE', version, {
        profile: next,
        applied:
          options.onceFor === undefined ? applied : [...applied, options.onceFor].slice(-APPLIED_MEMORY),
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
    const pk = customerPk(event.customerId);
    const sk = `EVENT#${event.id}`;
    const item = {
      pk,
      sk,
      event,
      receivedAt: receivedAt.toISOString(),
      processed: false,
      expiresAt: epochSeconds(receivedAt.getTime()) + this.retentionS,
    };
    if (await this.table.putIfAbsent(item)) return { inserted: true, processed: false };
    const existing = await this.table.get(pk, sk);
    return { inserted: false, processed: existing?.processed === true };
  }

  async markEventProcessed(customerId: string, eventId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: customerPk(customerId), sk: `EVENT#${eventId}` },
        UpdateExpression: 'SET #processed = :true',
        ExpressionAttributeNames: { '#processed': 'processed' },
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async listEvents(customerId: string, options: { since?: Date } = {}): Promise<CustomerEvent[]> {
    const items = await this.table.queryPrefix(customerPk(customerId), 'EVENT#');
    const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    return items
      .map((item) => item.event as CustomerEvent)
      .filter((event) => Date.parse(event.time) >= since)
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
    const { enrollment } = record;
    await this.table.put({ pk: customerPk(enrollment.customerId), sk: enrollmentSk(enrollment), ...record });
  }

  async listEnrollments(customerId: string): Promise<EnrollmentRecord[]> {
    const items = await this.table.queryPrefix(customerPk(customerId), 'ENROLL#');
    return items.map(({ enrollment, status, updatedAt, reason }) =>
      reason === undefined
        ? ({ enrollment, status, updatedAt } as EnrollmentRecord)
        : ({ enrollment, status, updatedAt, reason } as EnrollmentRecord),
    );
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

  // ── Step idempotency ────────────────────────────────────────────────────────────────────────

  async claimStep(customerId: string, key: string, now: Date, timing: StepClaimTiming): Promise<StepClaim> {
    const { leaseMs, reopenDoneAfterMs } = timing;
    const pk = customerPk(customerId);
    const sk = `STEP#${key}`;
    const token = randomUUID();
    const nowMs = now.getTime();
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk, sk },
          UpdateExpression:
            'SET #state = :claimed, claimedAt = :now, #token = :token, attempt = if_not_exists(attempt, :zero) + :one, expiresAt = :exp',
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state = :deferred AND untilMs <= :now) OR (#state = :claimed AND claimedAt < :stale) OR (#state = :done AND finishedAt < :reopen)',
          ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
          ExpressionAttributeValues: {
            ':claimed': 'claimed',
            ':deferred': 'deferred',
            ':done': 'done',
            ':reopen': nowMs - reopenDoneAfterMs,
            ':now': nowMs,
            ':stale': nowMs - leaseMs,
            ':token': token,
            ':zero': 0,
            ':one': 1,
            ':exp': epochSeconds(nowMs) + this.retentionS,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'claimed', attempt: Attributes?.attempt as number, token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const item = await this.table.get(pk, sk);
    const attempt = (item?.attempt as number | undefined) ?? 0;
    if (item?.state === 'done' || item?.state === 'deferred') {
      return { kind: 'decided', result: item.result as StepResult, attempt };
    }
    if (item?.state === 'sending' && (item.claimedAt as number) < nowMs - leaseMs) {
      return { kind: 'in_doubt', attempt, channel: item.channel as string, token: item.token as string };
    }
    return { kind: 'busy' };
  }

  async markSending(customerId: string, key: string, token: string, channel: string): Promise<boolean> {
    return this.fencedUpdate(customerId, key, token, 'SET #state = :sending, channel = :channel', {
      ':sending': 'sending',
      ':channel': channel,
    });
  }

  async finishStep(
    customerId: string,
    key: string,
    token: string,
    finish: StepFinish,
    now: Date,
  ): Promise<void> {
    const untilMs = finish.until === undefined ? 0 : Date.parse(finish.until);
    await this.fencedUpdate(
      customerId,
      key,
      token,
      'SET #state = :state, #result = :result, untilMs = :untilMs, finishedAt = :now',
      { ':state': finish.state, ':result': finish.result, ':untilMs': untilMs, ':now': now.getTime() },
    );
  }

  // ── Caps ────────────────────────────────────────────────────────────────────────────────────

  async reserveCap<R>(customerId: string, decide: (entries: CapEntry[]) => CapReservation<R>): Promise<R> {
    return this.table.withRetries(async () => {
      const item = await this.table.get(customerPk(customerId), 'CAPS');
      const { entries, result } = decide((item?.entries as CapEntry[] | undefined) ?? []);
      if (entries === undefined) return { done: result };
      const version = (item?.version as number | undefined) ?? 0;
      // No TTL: which sends still count depends on the longest cap in the policy, which the store
      // does not know (a P60D cap counts a send 40 days old); the engine prunes what can no longer
      // count on every write, so the one item per customer stays small.
      const written = await this.table.putIfVersion(customerPk(customerId), 'CAPS', version, { entries });
      return written ? { done: result } : undefined;
    });
  }

  // ── Ledger and message index ────────────────────────────────────────────────────────────────

  async putLedger(record: LedgerRecord): Promise<void> {
    await this.table.put({
      pk: customerPk(record.customerId),
      sk: `LEDGER#${record.at}#${record.id}`,
      record,
      expiresAt: epochSeconds(Date.parse(record.at)) + this.retentionS,
    });
  }

  async listLedger(customerId: string): Promise<LedgerRecord[]> {
    return (await this.table.queryPrefix(customerPk(customerId), 'LEDGER#')).map(
      (item) => item.record as LedgerRecord,
    );
  }

  async putMessageIndex(record: MessageIndexRecord): Promise<void> {
    await this.table.put({
      pk: `MSG#${record.providerMessageId}`,
      sk: 'MSG',
      ...record,
      expiresAt: epochSeconds(Date.parse(record.at)) + 90 * DAY_S,
    });
  }

  async getMessageIndex(providerMessageId: string): Promise<MessageIndexRecord | undefined> {
    const item = await this.table.get(`MSG#${providerMessageId}`, 'MSG');
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = item;
    return record as unknown as MessageIndexRecord;
  }

  // ── Step claim fencing ──────────────────────────────────────────────────────────────────────

  private async fencedUpdate(
    customerId: string,
    key: string,
    token: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: customerPk(customerId), sk: `STEP#${key}` },
          UpdateExpression: update,
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: {
            '#token': 'token',
            '#state': 'state',
            ...(update.includes('#result') ? { '#result': 'result' } : {}),
          },
          ExpressionAttributeValues: { ...values, ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function enrollmentSk(enrollment: Enrollment): string {
  return `ENROLL#${enrollment.journeyId}#${enrollment.id}`;
}

function waitSk(record: Pick<WaitTokenRecord, 'eventType' | 'executionId' | 'stepId'>): string {
  return `WAIT#${record.eventType}#${record.executionId}#${record.stepId}`;
}
