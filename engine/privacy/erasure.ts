/**
 * Erasing a customer (GDPR art. 17, CCPA deletion), as a pure, resumable state machine. The
 * adapter (functions/adapters/dynamo-privacy.ts) performs one step at a time and then persists
 * the state this module returns, in the customer's tombstone item; a crash at any point leaves
 * the tombstone naming the steps done, and the next request resumes at the first step not done.
 * Every step is idempotent (deleting what is gone, stopping what has stopped and rewriting what was
 * rewritten change nothing), so a step performed but not yet recorded is simply performed again.
 *
 * Steps, in order (a step runs only when every step before it is done):
 *   tombstone   write the tombstone under the pseudonym and one per hashed address: from here on
 *               ingest refuses the customer's events (`customer_erased`, 409) and never re-creates them
 *   <kind>…     one step per live row of CUSTOMER_DATA (./customer-data.ts), in its order: stop the
 *               open runs, delete wait tokens, send claims, caps, events, engagement, messages,
 *               indexes; pseudonymise the ledger; delete the profile
 *   sweep       list the customer's partitions again and erase anything an invocation already in
 *               flight wrote meanwhile (a step Lambda finishing a send it had begun)
 *   audit       write the audit record: pseudonym, when requested and finished, counts per kind
 *
 * States:  (none) ──request──▶ erasing ──audit──▶ erased ──re-consent──▶ lifted
 *                                 ▲                 │ request again: sweep + audit once more
 *                                 └─────────────────┘ (lifted ──request──▶ a new erasing)
 */
import { CUSTOMER_DATA, type DataKind } from './customer-data.ts';

export type ErasureStep = 'tombstone' | DataKind | 'sweep' | 'audit';

/** Every step, in order; pending rows (not yet implemented by their feature) are left out. */
export const ERASURE_STEPS: readonly ErasureStep[] = [
  'tombstone',
  ...CUSTOMER_DATA.filter((k) => k.status === 'live').map((k) => k.kind),
  'sweep',
  'audit',
];

export type ErasureStatus = 'erasing' | 'erased' | 'lifted';

/** What the tombstone holds: no customer id, no address — only their keyed hashes. */
export interface ErasureState {
  /** The one-way pseudonym of the customer id (keyed HMAC; functions/app/pseudonym.ts). */
  pseudonym: string;
  /** Keyed hashes of the addresses the profile held when the erasure began. */
  addressHashes: string[];
  status: ErasureStatus;
  requestedAt: string;
  /** Steps done, in order. */
  done: ErasureStep[];
  /**
   * Items erased per kind by steps whose completion was recorded (the audit record carries them): a
   * crash between a step's effect and its record loses that step's count, never inflates it.
   */
  counts: Record<string, number>;
  finishedAt?: string;
  liftedAt?: string;
  /** Erasure requests answered (a repeated request sweeps again). */
  requests: number;
}

export interface ErasureRequest {
  pseudonym: string;
  addressHashes: string[];
  now: Date;
}

/**
 * The state to work from for a new request: resume an unfinished erasure as it is, sweep again
 * after a finished one (anything written since is erased; nothing else changes), start afresh
 * after a re-consent lifted the last one.
 */
export function beginErasure(existing: ErasureState | undefined, request: ErasureRequest): ErasureState {
  if (existing?.status === 'erasing') return existing;
  if (existing?.status === 'erased') {
    return {
      ...existing,
      status: 'erasing',
      done: existing.done.filter((s) => s !== 'sweep' && s !== 'audit'),
      requests: existing.requests + 1,
    };
  }
  return {
    pseudonym: request.pseudonym,
    addressHashes: [...new Set([...(existing?.addressHashes ?? []), ...request.addressHashes])].sort(),
    status: 'erasing',
    requestedAt: request.now.toISOString(),
    done: [],
    counts: {},
    requests: (existing?.requests ?? 0) + 1,
  };
}

/** The step to perform next, or undefined when there is none. */
export function nextStep(state: ErasureState): ErasureStep | undefined {
  if (state.status !== 'erasing') return undefined;
  return ERASURE_STEPS.find((step) => !state.done.includes(step));
}

/**
 * Records `step` as done with the number of items it erased. Only the next step moves the state:
 * a step completed twice (a crash before its record, then a resume) or out of order changes nothing.
 */
export function completeStep(
  state: ErasureState,
  step: ErasureStep,
  erased: number,
  now: Date,
): ErasureState {
  if (nextStep(state) !== step) return state;
  const next: ErasureState = {
    ...state,
    done: [...state.done, step],
    counts: erased > 0 ? { ...state.counts, [step]: (state.counts[step] ?? 0) + erased } : state.counts,
  };
  if (step === 'audit') return { ...next, status: 'erased', finishedAt: now.toISOString() };
  return next;
}

/** The event type that says the customer consents again (after an erasure). */
export const RECONSENT_EVENT = 'consent_renewed';

export type Admission =
  | { ok: true; lift?: false }
  /** The event is an explicit re-consent: lift the tombstone, then process the event. */
  | { ok: true; lift: true }
  | { ok: false; status: 409; code: 'customer_erased'; message: string };

/**
 * Whether ingest may process an event whose customer id or address matches this tombstone. A
 * tombstone blocks from its first step on, so an event racing the erasure cannot re-create data.
 */
export function admitEvent(tombstone: ErasureState | undefined, eventType: string): Admission {
  if (!tombstone || tombstone.status === 'lifted') return { ok: true };
  if (eventType === RECONSENT_EVENT && tombstone.status === 'erased') return { ok: true, lift: true };
  return {
    ok: false,
    status: 409,
    code: 'customer_erased',
    message:
      tombstone.status === 'erasing'
        ? 'this customer is being erased; their events are refused'
        : `this customer was erased; their events are refused until a \`${RECONSENT_EVENT}\` event says they consent again`,
  };
}

export function liftErasure(state: ErasureState, now: Date): ErasureState {
  if (state.status !== 'erased') return state;
  return { ...state, status: 'lifted', liftedAt: now.toISOString() };
}

/** The audit record: what was done, when, how much; the pseudonym, never the customer. */
export interface ErasureAudit {
  pseudonym: string;
  requestedAt: string;
  finishedAt: string;
  requests: number;
  counts: Record<string, number>;
  steps: ErasureStep[];
  /** Rows of CUSTOMER_DATA that are pending (nothing of them exists yet). */
  pending: string[];
}

export function auditOf(state: ErasureState, now: Date): ErasureAudit {
  return {
    pseudonym: state.pseudonym,
    requestedAt: state.requestedAt,
    finishedAt: now.toISOString(),
    requests: state.requests,
    counts: state.counts,
    steps: [...state.done],
    pending: CUSTOMER_DATA.filter((k) => k.status === 'pending').map((k) => k.kind),
  };
}
