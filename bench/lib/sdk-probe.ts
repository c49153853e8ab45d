/**
 * Counts every AWS SDK v3 call made in this process, by command, and the DynamoDB capacity units
 * each one consumed, without touching the code under measurement.
 *
 * All v3 clients (and lib-dynamodb's document client) share smithy's `Client.prototype.send`, so
 * one wrapper there sees them all. DynamoDB commands get `ReturnConsumedCapacity: 'TOTAL'` (which
 * dynalite honours, item sizes included) so reads and writes are counted in the request units
 * on-demand bills, not merely in calls. A conditional write that fails still bills a write unit
 * on AWS; it is counted as 1 WRU (dynalite reports nothing for it).
 *
 * Calls are attributed to the innermost `probe.scope(name, fn)` they run under (AsyncLocalStorage),
 * e.g. `step:send`, or to `other`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const DYNAMO_READS = new Set([
  'Get',
  'Query',
  'Scan',
  'BatchGet',
  'TransactGet',
  'GetItem',
  'BatchGetItem',
  'TransactGetItems',
]);
const DYNAMO_WRITES = new Set([
  'Put',
  'Update',
  'Delete',
  'BatchWrite',
  'TransactWrite',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export interface ScopeCounts {
  calls: Record<string, number>;
  readRequests: number;
  writeRequests: number;
  readUnits: number;
  writeUnits: number;
  failedConditionalWrites: number;
  /** Messages handed to SES (SendEmail) and Pinpoint (SendMessages, per address), by channel. */
  messages: { email: number; sms: number; push: number };
  /**
   * DynamoDB requests by command and the kinds of item they name (`itemKinds`), e.g.
   * `Put C#/EVENT#`, `BatchGet C#/PROFILE + SEND#/CAPS`: where a handler's requests go.
   */
  items: Record<string, number>;
}

/**
 * DynamoDB requests the handlers made (every probe scope but `other`: seeding the world and reading
 * it back are not the system's work), failed conditional writes included: issue 19's count.
 */
export function handlerRequests(scopes: Readonly<Record<string, ScopeCounts>>): number {
  return Object.entries(scopes)
    .filter(([scope]) => scope !== 'other')
    .reduce((sum, [, c]) => sum + c.readRequests + c.writeRequests, 0);
}

export interface ProbeFrame {
  scope: string;
  /** hrtime ms when the invocation began (for durations measured at its end). */
  t0?: number;
  ended?: boolean;
}

interface Command {
  constructor: { name: string };
  input?: Record<string, unknown>;
}

/** A scope with no calls yet. */
export const emptyCounts = (): ScopeCounts => ({
  calls: {},
  readRequests: 0,
  writeRequests: 0,
  readUnits: 0,
  writeUnits: 0,
  failedConditionalWrites: 0,
  messages: { email: 0, sms: 0, push: 0 },
  items: {},
});

/** An item's kind: its keys up to the first `#` of each (`C#/EVENT#`, `SEND#/CAPS`). */
function kindOf(key: unknown): string {
  const k = (key ?? {}) as Record<string, unknown>;
  const part = (v: unknown) => {
    const text = String((v as { S?: unknown } | undefined)?.S ?? v);
    const hash = text.indexOf('#');
    return hash < 0 ? text : text.slice(0, hash + 1);
  };
  return `${part(k.pk)}/${part(k.sk)}`;
}

/**
 * The kinds of item a DynamoDB request names: the item or key of a single-item call, the distinct
 * kinds of a batch (by table, in order), the partition and sort-key bounds of a query.
 */
export function itemKinds(input: Record<string, unknown> | undefined): string {
  if (!input) return '';
  if (input.Item) return kindOf(input.Item);
  if (input.Key) return kindOf(input.Key);
  const batch = input.RequestItems as Record<string, unknown> | undefined;
  if (batch) {
    const kinds = Object.values(batch).flatMap((requests) =>
      Array.isArray(requests)
        ? requests.map((r: Record<string, { Item?: unknown; Key?: unknown }>) =>
            kindOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key),
          )
        : (((requests as { Keys?: unknown[] }).Keys ?? []) as unknown[]).map(kindOf),
    );
    return [...new Set(kinds)].join(' + ');
  }
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (values)
    return Object.values(values)
      .map((v) => kindOf({ pk: v }).split('/')[0])
      .join(' ');
  return '';
}

/** The channel and number of recipients of a provider call, or undefined for other calls. */
function messagesOf(name: string, input: Record<string, unknown> | undefined) {
  if (name === 'SendEmail') return { channel: 'email' as const, count: 1 };
  if (name !== 'SendMessages') return undefined;
  const request = (input?.MessageRequest ?? {}) as { Addresses?: object; MessageConfiguration?: object };
  const config = request.MessageConfiguration ?? {};
  const count = Math.max(1, Object.keys(request.Addresses ?? {}).length);
  return { channel: 'SMSMessage' in config ? ('sms' as const) : ('push' as const), count };
}

function capacityUnits(consumed: unknown): number | undefined {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  if (list.length === 0) return undefined;
  return list.reduce((sum, c) => sum + (typeof c?.CapacityUnits === 'number' ? c.CapacityUnits : 0), 0);
}

export class SdkProbe {
  private readonly als = new AsyncLocalStorage<ProbeFrame>();
  readonly scopes = new Map<string, ScopeCounts>();
  private original: ((...args: unknown[]) => Promise<unknown>) | undefined;
  private base: { send: (...args: unknown[]) => Promise<unknown> } | undefined;

  install(): this {
    if (this.original) return this;
    const base = Object.getPrototypeOf(DynamoDBClient.prototype) as {
      send: (...args: unknown[]) => Promise<unknown>;
    };
    const original = base.send;
    const probe = this;
    base.send = async function send(this: unknown, command: Command, ...rest: unknown[]) {
      const name = command.constructor.name.replace(/Command$/, '');
      const isRead = DYNAMO_READS.has(name);
      const isWrite = DYNAMO_WRITES.has(name);
      if ((isRead || isWrite) && command.input && command.input.ReturnConsumedCapacity === undefined) {
        command.input.ReturnConsumedCapacity = 'TOTAL';
      }
      // A frame whose invocation has ended no longer claims calls that inherited it.
      const frame = probe.als.getStore();
      const counts = probe.counts(frame && !frame.ended ? frame.scope : 'other');
      counts.calls[name] = (counts.calls[name] ?? 0) + 1;
      if (isRead || isWrite) {
        const kind = `${name} ${itemKinds(command.input)}`;
        counts.items[kind] = (counts.items[kind] ?? 0) + 1;
      }
      if (isRead) counts.readRequests++;
      if (isWrite) counts.writeRequests++;
      try {
        const output = (await original.call(this, command, ...rest)) as { ConsumedCapacity?: unknown };
        const units = capacityUnits(output?.ConsumedCapacity);
        if (isRead) counts.readUnits += units ?? (command.input?.ConsistentRead ? 1 : 0.5);
        if (isWrite) counts.writeUnits += units ?? 1;
        const sent = messagesOf(name, command.input);
        if (sent) counts.messages[sent.channel] += sent.count;
        return output;
      } catch (error) {
        if (isWrite) {
          counts.writeUnits += 1;
          if ((error as { name?: string }).name === 'ConditionalCheckFailedException')
            counts.failedConditionalWrites++;
        }
        if (isRead) counts.readUnits += command.input?.ConsistentRead ? 1 : 0.5;
        throw error;
      }
    } as typeof base.send;
    this.original = original;
    this.base = base;
    return this;
  }

  uninstall(): void {
    if (this.base && this.original) this.base.send = this.original;
    this.original = undefined;
  }

  scope<T>(name: string, fn: () => T): T {
    return this.als.run({ scope: name }, fn);
  }

  /**
   * Attributes what follows in the current async context to `name` (AsyncLocalStorage#enterWith),
   * for code that cannot be wrapped, e.g. a handler entered from a middy `before` hook.
   */
  enter(frame: ProbeFrame): void {
    this.als.enterWith(frame);
  }

  current(): ProbeFrame | undefined {
    return this.als.getStore();
  }

  counts(scope: string): ScopeCounts {
    let c = this.scopes.get(scope);
    if (!c) {
      c = emptyCounts();
      this.scopes.set(scope, c);
    }
    return c;
  }

  snapshot(): Record<string, ScopeCounts> {
    return Object.fromEntries([...this.scopes.entries()].map(([k, v]) => [k, structuredClone(v)]));
  }

  reset(): void {
    this.scopes.clear();
  }
}
