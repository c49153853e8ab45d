/**
 * Ports: what the handlers need from the outside world. Adapters in functions/adapters implement
 * them over injected AWS SDK v3 clients; local/ and tests bind the same adapters to stand-ins.
 */
import type { Conversion } from '../engine/attribution.ts';
import type { Enrollment, SegmentInput } from '../engine/contract.ts';
import type { CustomerEvent, Product, Profile, PushToken } from '../engine/data.ts';
import type { ControlState, JourneyControl } from '../engine/journey-control.ts';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { CapEntry } from '../engine/policy/caps.ts';
import type { MessageEngagement } from '../engine/policy/engagement.ts';
import type { Admission, ErasureState } from '../engine/privacy/erasure.ts';
import type { RunRecord, RunTransition } from '../engine/run-protocol.ts';
import type { Journey } from '../engine/schema.ts';
import type { StepRecord, StepTransition } from '../engine/send-protocol.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// ── Store ─────────────────────────────────────────────────────────────────────────────────────

export type EnrollmentStatus = 'active' | 'exited' | 'stopped';

export interface EnrollmentRecord {
  enrollment: Enrollment;
  status: EnrollmentStatus;
  updatedAt: string;
  reason?: string;
}

/** A `waitForEvent` task waiting for the customer's next event of a type. */
export interface WaitTokenRecord {
  customerId: string;
  eventType: string;
  executionId: string;
  stepId: string;
  /** Step to continue at when the event arrives (the journey step's `onEvent`). */
  onEvent: string;
  taskToken: string;
  createdAt: string;
  /** ISO; after it the task has timed out and the token is useless. */
  expiresAt: string;
}

/** Where a provider message id came from, for attributing delivery feedback. */
export interface MessageIndexRecord {
  providerMessageId: string;
  customerId: string;
  channel: 'email' | 'sms' | 'push';
  journeyId: string;
  journeyVersion: number;
  stepId: string;
  executionId: string;
  at: string;
  /** For push: which device token the message went to (stored, never logged). */
  pushToken?: string;
}

/**
 * The first open or click the provider reported for one message, recorded by the feedback Lambda
 * for engagement conditions (engine/policy/engagement.ts), under the customer's own partition.
 */
export interface EngagementRecord {
  customerId: string;
  executionId: string;
  stepId: string;
  kind: 'opened' | 'clicked';
  /** When the customer opened or clicked (the provider's time). */
  at: string;
  /** When the message went out (the message index's `at`). */
  sentAt: string;
  channel: 'email' | 'sms' | 'push';
  providerMessageId: string;
}

/**
 * The content of one message as it was sent (no address): kept for the customer's export only,
 * under its own retention (policy.json `retention.messages`). Email keeps its subject and text part
 * (the HTML part's content without its markup), so the write per send stays a few KB.
 */
export interface SentMessageRecord {
  customerId: string;
  executionId: string;
  stepId: string;
  journeyId: string;
  journeyVersion: number;
  channel: 'email' | 'sms' | 'push';
  locale: string;
  at: string;
  providerMessageId: string;
  subject?: string;
  title?: string;
  body: string;
}

/** What the store answers a step transition (engine/send-protocol.ts). */
export type StepTransitionOutcome =
  | { applied: true; record: StepRecord }
  /** The guard did not hold; `current` is the record as stored now (read consistently). */
  | { applied: false; current: StepRecord | undefined };

/**
 * The customer's cap window as one handler call last saw it: read with the decision's other items
 * (`readDecisionItems`), kept current by `reserveCap` after each of its writes, so a send reserves,
 * releases and holds its slot without reading the window again. Stale (another writer got there
 * first) costs one refused conditional write and a fresh read.
 */
export interface CapWindow {
  entries: CapEntry[];
  /** The stored version (0: no window stored yet). */
  version: number;
}

/** What a decision reads by key, in one request: the profile, the product, the cap window. */
export interface DecisionItems {
  profile?: Profile;
  product?: Product;
  /** Only when asked for (`caps: true`). */
  caps?: CapWindow;
  /** The profile item as read, for an `updateProfile` that follows (a flow `update` step). */
  profileRead?: ProfileRead;
  /** Only when asked for (`controlOf`): that journey's control, undefined when none is stored. */
  controls?: ReadonlyMap<string, JourneyControl | undefined>;
  /** Only when asked for (`engaged`): each step's `getMessageEngagement`, by step id. */
  engagement?: Record<string, MessageEngagement>;
  /** Only when asked for (`stepKey`): the step record, undefined when none is stored. */
  step?: StepRecord;
}

/**
 * The profile item as one read saw it, for `updateProfile`'s first attempt: read together with
 * ingest's other items (`readEntryItems`), it saves the GetItem the update would begin with. A
 * write in between makes the version check fail, and the retry reads again.
 */
export interface ProfileRead {
  profile?: Profile;
  /** The stored version (0: no profile stored yet). */
  version: number;
  /** What the profile remembers of the events already applied (`updateProfile`'s `onceFor`; opaque). */
  applied: readonly string[];
}

/** What ingest reads by key before it plans, in one request (`readEntryItems`). */
export interface EntryItems<T = undefined> {
  profile: ProfileRead;
  /** Every product asked for; undefined: not in the catalog. */
  products: ReadonlyMap<string, Product | undefined>;
  /** Every journey asked for; undefined: no control stored (active). */
  controls: ReadonlyMap<string, JourneyControl | undefined>;
  /** What the ride-along read (`readEntryItems`' `with`) made of its items. */
  with: T;
  /** The event asked for (`eventId`), as stored: undefined when it is not. */
  event?: { processed: boolean };
}

/** A table item's key, and an item as a batch read answers it (keyed by `itemId` in dynamo-ops.ts). */
export interface TableKey {
  pk: string;
  sk: string;
}
export type TableItems = ReadonlyMap<string, Record<string, unknown>>;

/**
 * Items another adapter reads by key, riding along in a store batch (one request instead of two):
 * the keys it needs, and what it makes of the items found. Only the adapter that wrote the items
 * knows their shape, so it parses them (dynamo-privacy.ts `tombstoneRead`).
 */
export interface KeyedRead<T> {
  keys: readonly TableKey[];
  parse(items: TableItems): T;
}

/** A customer's events and enrollments, read together (ingest's one Query). */
export interface CustomerActivity {
  /** Newest first, from `since` on. */
  events: CustomerEvent[];
  enrollments: EnrollmentRecord[];
}

/** What a send that went out writes beside its ledger entry (the ledger's own batch). */
export interface SentWrites {
  index: MessageIndexRecord;
  message: SentMessageRecord;
}

export interface CapReservation<R> {
  /** The entries to store (undefined: no change). */
  entries?: CapEntry[];
  result: R;
}

export interface Store {
  getProfile(customerId: string): Promise<Profile | undefined>;
  /**
   * The profile, the product (when given), the cap window, a journey's control and the engagement
   * of a run's send steps (when asked), in one request.
   */
  readDecisionItems(
    customerId: string,
    options?: {
      productId?: string;
      caps?: boolean;
      controlOf?: string;
      engaged?: { executionId: string; steps: readonly string[] };
      /** A send's step record, by its `stepKey` (the lazy claim: engine/send-protocol.ts `readView`). */
      stepKey?: string;
    },
  ): Promise<DecisionItems>;
  /**
   * The profile, the event's products and the journeys' controls, in one request (ingest), and the
   * items of `with` in the same request (the erasure gate's tombstones).
   */
  readEntryItems<T = undefined>(
    customerId: string,
    options: {
      productIds: readonly string[];
      controlsOf: readonly string[];
      with?: KeyedRead<T>;
      /** Also reads this event's item: whether it is stored, and processed. */
      eventId?: string;
    },
  ): Promise<EntryItems<T>>;
  /**
   * Read-modify-write with optimistic concurrency (retried on conflict). `mutate` returns the new
   * profile, or undefined for no change. With `onceFor` (an event id) the change is applied at most
   * once per key, so a retried ingest does not count an order twice. With `read` (the profile as
   * `readEntryItems` saw it) the first attempt starts from it instead of reading.
   */
  updateProfile(
    customerId: string,
    mutate: (current: Profile | undefined) => Profile | undefined,
    options?: { onceFor?: string; read?: ProfileRead },
  ): Promise<Profile | undefined>;
  findCustomerByPhone(e164: string): Promise<string | undefined>;

  /** Conditional insert by (customer, event id). `processed` tells a replay from a crashed first try. */
  putEvent(event: CustomerEvent, receivedAt: Date): Promise<{ inserted: boolean; processed: boolean }>;
  markEventProcessed(customerId: string, eventId: string): Promise<void>;
  /** Stores the event already processed, in one write (ingest's last, when no run can wait for it). */
  putProcessedEvent(event: CustomerEvent, receivedAt: Date): Promise<void>;
  /** Newest first; `since` bounds the look-back. */
  listEvents(customerId: string, options?: { since?: Date }): Promise<CustomerEvent[]>;
  /** `listEvents` and `listEnrollments` in one Query: their sort keys are neighbours. */
  readActivity(customerId: string, options?: { since?: Date }): Promise<CustomerActivity>;

  getProduct(productId: string): Promise<Product | undefined>;
  putProduct(product: Product): Promise<void>;

  putEnrollment(record: EnrollmentRecord): Promise<void>;
  /** Several enrollments of one customer: one request per 25 (BatchWriteItem), a PutItem for one. */
  putEnrollments(records: readonly EnrollmentRecord[]): Promise<void>;
  listEnrollments(customerId: string): Promise<EnrollmentRecord[]>;
  setEnrollmentStatus(
    enrollment: Enrollment,
    status: EnrollmentStatus,
    at: Date,
    reason?: string,
  ): Promise<void>;

  putWaitToken(record: WaitTokenRecord): Promise<void>;
  listWaitTokens(customerId: string, eventType: string): Promise<WaitTokenRecord[]>;
  /** True when this call removed it: only one ingest resumes a waiting task. */
  deleteWaitToken(record: WaitTokenRecord): Promise<boolean>;

  /**
   * Applies one transition of the send protocol to the (execution, step) record as one conditional
   * write: the guard and the update are the engine's; `now` only refreshes the record's TTL.
   */
  transitionStep(
    customerId: string,
    key: string,
    transition: StepTransition,
    now: Date,
  ): Promise<StepTransitionOutcome>;

  /**
   * Atomically decides against, and updates, the customer's recent cap entries (optimistic
   * concurrency on a version attribute, retried with jitter). `decide` may run several times.
   */
  reserveCap<R>(
    customerId: string,
    decide: (entries: CapEntry[]) => CapReservation<R>,
    known?: CapWindow,
  ): Promise<R>;

  /**
   * The ledger entry, with what it decided written beside it in one BatchWriteItem: with `sent`,
   * the message index and the sent content; with `ended`, the enrollment's final record (the whole
   * item, as `setEnrollmentStatus` would leave it).
   */
  putLedger(record: LedgerRecord, also?: { sent?: SentWrites; ended?: EnrollmentRecord }): Promise<void>;
  /** The entry of one decision, by its time and id (its key): strongly consistent, one GetItem. */
  getLedgerEntry(customerId: string, at: string, id: string): Promise<LedgerRecord | undefined>;
  /** Oldest first; with `since`, only the entries at or after it (a key range, not a filter). */
  listLedger(customerId: string, options?: { since?: Date }): Promise<LedgerRecord[]>;

  /**
   * Keeps the earliest open (click) of the newest message of a run's send step: a repeated open
   * changes nothing, a later round of a journey loop replaces the record of the round before.
   */
  recordEngagement(record: EngagementRecord): Promise<void>;
  /**
   * What the send step `stepId` of this execution last sent (from its claim: when, which channel)
   * and the engagement recorded for that message. `{}` when the step sent nothing.
   */
  getMessageEngagement(customerId: string, executionId: string, stepId: string): Promise<MessageEngagement>;

  /** Conditional insert by the conversion's deterministic id: true when this call recorded it. */
  putConversion(conversion: Conversion): Promise<boolean>;
  /** Oldest first. */
  listConversions(customerId: string): Promise<Conversion[]>;

  putMessageIndex(record: MessageIndexRecord): Promise<void>;
  /** The content of a message as sent (for the export; its own retention). */
  putSentMessage(record: SentMessageRecord): Promise<void>;
  /** Oldest first, unexpired only. */
  listSentMessages(customerId: string): Promise<SentMessageRecord[]>;
  getMessageIndex(providerMessageId: string): Promise<MessageIndexRecord | undefined>;
}

// ── Catalog ───────────────────────────────────────────────────────────────────────────────────

export interface CatalogWriteSummary {
  /** Products written (each a full replacement of its item). */
  written: number;
  /** BatchWriteItem requests made, retries of unprocessed items included. */
  requests: number;
}

/** Journey controls (engine/journey-control.ts): one record per journey; no record = active. */
export interface JourneyControls {
  get(journeyId: string): Promise<JourneyControl | undefined>;
  /** The state ingest and the step function act on (may be a few seconds stale: adapters/dynamo-controls.ts). */
  stateOf(journeyId: string): Promise<ControlState>;
  /** The journeys among `ids` whose control a `stateOf` now would read from the table (not cached). */
  uncached(ids: readonly string[]): string[];
  /** Controls read elsewhere just now (ingest's `readEntryItems`): cached as if `get` had read them. */
  remember(controls: ReadonlyMap<string, JourneyControl | undefined>): void;
  /** Writes version `expectedVersion + 1` if the stored version is still `expectedVersion` (0: none stored). */
  put(control: Omit<JourneyControl, 'version'>, expectedVersion: number): Promise<boolean>;
}

/** Writes catalog products in batches (the `PUT /products` Lambda, `herald catalog import`). */
export interface CatalogWriter {
  putProducts(products: readonly Product[]): Promise<CatalogWriteSummary>;
}

/**
 * Some products were still unprocessed after the last retry. What was written stays written; the
 * writes are idempotent, so sending the same catalog again finishes the job.
 */
export class CatalogWriteError extends Error {
  override readonly name = 'CatalogWriteError';
  readonly code = 'catalog_incomplete';
  readonly retryable = true;
  constructor(
    message: string,
    readonly written: number,
    readonly remaining: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ── Channels ──────────────────────────────────────────────────────────────────────────────────

/**
 * One provider call's result, classified by what it proves (adapters/provider-errors.ts; the
 * protocol's ProviderVerdict): `permanent_failure` took nothing and never will (next channel);
 * `retry_later` took nothing for now (throttled, unreachable: same channel, later); `in_doubt`
 * may have been taken (5xx, reset or timeout after the request was written: never resent).
 */
export type SendOutcome =
  /** `invalidTokens`: push tokens that failed permanently although another device received it. */
  | { status: 'sent'; providerMessageId: string; invalidTokens?: string[] }
  | { status: 'permanent_failure'; reason: string; invalidTokens?: string[] }
  | { status: 'retry_later'; reason: string }
  | { status: 'in_doubt'; reason: string };

export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** https one-click URL (RFC 8058) and mailto fallback for `List-Unsubscribe`. */
  unsubscribeUrl: string;
  unsubscribeMailto?: string;
  tags: Record<string, string>;
}

export interface EmailSender {
  sendEmail(message: EmailMessage): Promise<SendOutcome>;
}

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
  /** Transactional messages go out as TRANSACTIONAL SMS; everything else as PROMOTIONAL. */
  category?: 'marketing' | 'transactional';
  tags?: Record<string, string>;
}

export interface PushMessage {
  tokens: PushToken[];
  title: string;
  body: string;
  deepLink?: string;
  tags?: Record<string, string>;
}

export interface MessagingSender {
  sendSms(message: SmsMessage): Promise<SendOutcome>;
  sendPush(message: PushMessage): Promise<SendOutcome>;
}

// ── Workflows ─────────────────────────────────────────────────────────────────────────────────

export interface ExecutionStarter {
  /** Deterministic name ⇒ a second start of the same enrollment reports `already_started`. */
  start(enrollment: Enrollment): Promise<{ status: 'started' | 'already_started'; executionArn: string }>;
  stop(enrollment: Enrollment, cause: string): Promise<void>;
  /** Resumes a `waitForEvent` task. False when the task is gone (timed out, execution stopped). */
  sendTaskSuccess(taskToken: string, output: unknown): Promise<boolean>;
}

// ── Journeys ──────────────────────────────────────────────────────────────────────────────────

export interface JourneyRegistry {
  /** A specific version: a customer finishes on the version they entered. */
  get(journeyId: string, version: number): Journey | undefined;
  /** The newest version of every journey: what new events enter. */
  active(): Journey[];
}

// ── Privacy ───────────────────────────────────────────────────────────────────────────────────

/** Decides whether ingest may process an event of a customer who was (or is being) erased. */
export interface ErasureGate {
  /**
   * The decision in two halves, so that ingest reads the tombstones in its own batch: `read` names
   * them, `decide` judges what was read (and lifts a tombstone on re-consent).
   */
  check(event: CustomerEvent): Promise<ErasureCheck>;
}

export interface ErasureCheck {
  read: KeyedRead<Tombstones>;
  decide(found: Tombstones): Promise<Admission>;
}

/** A customer's own tombstone, and who owns each address hash an event brings. */
export interface Tombstones {
  own?: ErasureState;
  owners: ReadonlyMap<string, string | undefined>;
}

// ── Scale mode: runs, timers, segments (docs/scale-mode.md) ───────────────────────────────────

/** What the store answers a run transition (engine/run-protocol.ts). */
export type RunTransitionOutcome =
  | { applied: true; record: RunRecord }
  /** The guard did not hold; `current` is the record as it is now (from the refused write itself on AWS). */
  | { applied: false; current: RunRecord | undefined };

/** One armed timer (or entry), indexed by its due time for the reconciler. */
export interface DueEntry {
  customerId: string;
  runId: string;
  seq: number;
  dueMs: number;
}

export interface RunStore {
  /** One conditional write: the guard and update are the engine's. */
  transitionRun(
    customerId: string,
    runId: string,
    transition: RunTransition,
    now: Date,
  ): Promise<RunTransitionOutcome>;
  getRun(customerId: string, runId: string): Promise<RunRecord | undefined>;
  /** The customer's runs (one Query of the customer's `RUN#` partition). */
  listRuns(customerId: string): Promise<RunRecord[]>;
  putDue(entry: DueEntry): Promise<void>;
  /** Entries due in [fromMs, toMs). */
  listDue(fromMs: number, toMs: number): Promise<DueEntry[]>;
}

export interface RunTimer {
  customerId: string;
  runId: string;
  seq: number;
  dueMs: number;
}

/** EventBridge Scheduler one-time schedules, one per (run, seq). */
export interface TimerScheduler {
  /** Idempotent: arming the same (run, seq) twice leaves one schedule. */
  arm(timer: RunTimer): Promise<void>;
  /** Best effort: a schedule that already fired (and deleted itself) is not an error. */
  disarm(timer: Pick<RunTimer, 'runId' | 'seq'>): Promise<void>;
}

/** Starts one Express segment execution on the version the run pinned. */
export interface SegmentStarter {
  startSegment(input: SegmentInput): Promise<{ executionArn: string }>;
}

// ── Audience ──────────────────────────────────────────────────────────────────────────────────

/** One page of one parallel-scan segment of the profiles (functions/adapters/dynamo-audience.ts). */
export interface ScanPageRequest {
  segment: number;
  totalSegments: number;
  startKey?: Record<string, unknown>;
  /** Items read per page (1 MB is DynamoDB's own cap per page). */
  limit?: number;
}

export interface ScanPage {
  profiles: Profile[];
  nextKey?: Record<string, unknown>;
}

export interface AudienceReader {
  scanPage(request: ScanPageRequest): Promise<ScanPage>;
}

/**
 * Reads a DynamoDB export to S3 of the table (the audience Map's export branch): the data files an
 * export lists in its manifest, and the profiles of one data file, page by page.
 */
export interface AudienceExportReader {
  /** Every data file key of the export `dataFileKey` belongs to, in its manifest's order. */
  dataFiles(dataFileKey: string): Promise<string[]>;
  /** The profiles of one data file (`sk = PROFILE` items only), at most `pageSize` a page. */
  profiles(dataFileKey: string, options?: { pageSize?: number }): AsyncIterable<Profile[]>;
}
