/**
 * Which item kinds hold a customer's data, and how each is erased, exported and retained: the one
 * description the erasure protocol (./erasure.ts), the export (./export.ts), the retention check
 * (./retention.ts) and the table adapter (functions/adapters/dynamo-privacy.ts) all read.
 *
 * A feature that stores something about a customer adds a row here. A row marked `pending` describes
 * items of a feature not yet landed: the protocol skips it until its adapter implements the row.
 */

/** How a kind is erased. */
export type EraseAction =
  /** Stop what is running for the customer (Step Functions executions), then delete the items. */
  | 'stop_and_delete'
  /** Delete every item. */
  | 'delete'
  /**
   * Rewrite each item without personal data under the customer's pseudonym, then delete the
   * original: aggregates (sends per journey, step, variant, outcome) survive.
   */
  | 'pseudonymise';

/** Which section of the export document (./export.ts) a kind fills; `none`: not exported (why in `note`). */
export type ExportSection =
  | 'profile'
  | 'consentHistory'
  | 'events'
  | 'journeys'
  | 'messages'
  | 'decisions'
  | 'engagement'
  | 'none';

/** Which `retention` entry of policy.json sets the items' TTL (`expiresAt`), or why there is none. */
export type RetentionRule = 'events' | 'ledger' | 'messages' | 'conversions' | 'fixed' | 'lifetime';

export type DataKind =
  | 'enrolments'
  | 'runs'
  | 'waitTokens'
  | 'sendClaims'
  | 'caps'
  | 'events'
  | 'engagement'
  | 'messages'
  | 'messageIndex'
  | 'phoneIndex'
  | 'conversions'
  | 'ledger'
  | 'profile';

export interface CustomerDataKind {
  kind: DataKind;
  /** Where the items live (functions/adapters/dynamo-table.ts). */
  items: string;
  erase: EraseAction;
  export: ExportSection;
  retention: RetentionRule;
  /** `pending`: the feature that writes these items has not landed; nothing to erase yet. */
  status: 'live' | 'pending';
  note: string;
}

/**
 * In erasure order: what can still act on the customer first (runs, their wait tokens, send
 * claims), then what describes them, then the ledger (pseudonymised), and the profile last, so a
 * crash part-way leaves a profile the next attempt can still read the phone index from.
 */
export const CUSTOMER_DATA: readonly CustomerDataKind[] = [
  {
    kind: 'enrolments',
    items: 'C#<customer> ENROLL#<journey>#<enrolment> → ANON#<pseudonym> ENROLL#<journey>#<hash>',
    erase: 'stop_and_delete',
    export: 'journeys',
    retention: 'lifetime',
    status: 'live',
    note: 'Standard mode: each active enrolment is one execution named by its id; StopExecution ends it. The report counts entrants from enrolments: a pseudonymised row (journey, version, entered at, status, reason) is kept under the pseudonym.',
  },
  {
    kind: 'runs',
    items: 'RUN#<customer> RUN#<run>; DUE#<5-minute bucket>#<shard> <customer>#<run>#<seq>',
    erase: 'stop_and_delete',
    export: 'journeys',
    retention: 'lifetime',
    status: 'live',
    note: 'Scale mode: the run is marked exited (reason customer_erased), its pending EventBridge Scheduler schedule deleted, then its due-index entries and the run item are deleted; a timer that still fires finds no run and starts nothing.',
  },
  {
    kind: 'waitTokens',
    items: 'C#<customer> WAIT#<event type>#<execution>#<step>',
    erase: 'delete',
    export: 'none',
    retention: 'fixed',
    status: 'live',
    note: 'Task tokens are credentials, not facts about the customer: deleted, never exported. TTL: one day past the wait.',
  },
  {
    kind: 'sendClaims',
    items: 'SEND#<customer> STEP#<execution>#<step>',
    erase: 'delete',
    export: 'none',
    retention: 'ledger',
    status: 'live',
    note: 'The send protocol state; what it decided is in the ledger, which is exported.',
  },
  {
    kind: 'caps',
    items: 'SEND#<customer> CAPS',
    erase: 'delete',
    export: 'none',
    retention: 'lifetime',
    status: 'live',
    note: 'Recent send times per cap; pruned on every write.',
  },
  {
    kind: 'events',
    items: 'C#<customer> EVENT#<event id>',
    erase: 'delete',
    export: 'events',
    retention: 'events',
    status: 'live',
    note: 'Every event as received.',
  },
  {
    kind: 'engagement',
    items: 'C#<customer> ENGAGED#<execution>#<step>#<opened|clicked>',
    erase: 'delete',
    export: 'engagement',
    retention: 'ledger',
    status: 'live',
    note: 'First open / click per message; the ledger keeps the feedback decision.',
  },
  {
    kind: 'messages',
    items: 'C#<customer> MESSAGE#<at>#<execution>#<step>',
    erase: 'delete',
    export: 'messages',
    retention: 'messages',
    status: 'live',
    note: 'The content of each message as sent (subject, body), no address: kept only for the export.',
  },
  {
    kind: 'messageIndex',
    items: 'MSG#<provider message id> MSG',
    erase: 'delete',
    export: 'none',
    retention: 'fixed',
    status: 'live',
    note: 'Feedback attribution (holds the push token): found through the provider message ids in the ledger. TTL 90 days.',
  },
  {
    kind: 'phoneIndex',
    items: 'PHONE#<E.164> PHONE',
    erase: 'delete',
    export: 'none',
    retention: 'lifetime',
    status: 'live',
    note: 'Inbound STOP attribution; found through the profile phone.',
  },
  {
    kind: 'conversions',
    items: 'C#<customer> CONV#<at>#<journey>#<run>#<event> → ANON#<pseudonym> CONV#<at>#<hash>',
    erase: 'pseudonymise',
    export: 'decisions',
    retention: 'conversions',
    status: 'live',
    note: 'Attributed conversions: rewritten under the pseudonym (ids hashed, fields in ./pseudonymise.ts), so the report keeps its counts and revenue.',
  },
  {
    kind: 'ledger',
    items: 'C#<customer> LEDGER#<at>#<record> → ANON#<pseudonym> LEDGER#<at>#<hash>',
    erase: 'pseudonymise',
    export: 'decisions',
    retention: 'ledger',
    status: 'live',
    note: 'One item per decision; rewritten under the pseudonym with the fields in ./pseudonymise.ts.',
  },
  {
    kind: 'profile',
    items: 'C#<customer> PROFILE',
    erase: 'delete',
    export: 'profile',
    retention: 'lifetime',
    status: 'live',
    note: 'Addresses, name, push tokens, locale, zone, attributes, consent (exported as consentHistory too).',
  },
];

export const liveKinds = (): CustomerDataKind[] => CUSTOMER_DATA.filter((k) => k.status === 'live');
export const pendingKinds = (): CustomerDataKind[] => CUSTOMER_DATA.filter((k) => k.status === 'pending');
