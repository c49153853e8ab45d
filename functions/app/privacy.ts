/**
 * Erasing a customer and refusing their later events. engine/privacy/erasure.ts decides the
 * protocol (which step, in which order, what a resumed request does); this performs each step
 * through the adapters and stores the state after it, so a crash anywhere resumes on the next
 * request. `herald customer erase`, `DELETE /customers/{id}` and `herald serve` all call `eraseCustomer`.
 */
import { assertUnreachable } from '../../engine/assert.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import { pendingKinds } from '../../engine/privacy/customer-data.ts';
import {
  type Admission,
  admitEvent,
  auditOf,
  beginErasure,
  completeStep,
  ERASURE_STEPS,
  type ErasureState,
  type ErasureStep,
  liftErasure,
  nextStep,
} from '../../engine/privacy/erasure.ts';
import type { DynamoPrivacy } from '../adapters/dynamo-privacy.ts';
import type { ObservedDeps } from '../deps.ts';
import { errorFacts } from '../observability.ts';
import type {
  ErasureCheck,
  ErasureGate,
  ExecutionStarter,
  Store,
  TimerScheduler,
  Tombstones,
} from '../ports.ts';
import { type Pseudonymiser, profileAddresses } from './pseudonym.ts';
import type { Resolved } from './runtime.ts';

export interface PrivacyDeps extends ObservedDeps {
  store: Store;
  privacy: DynamoPrivacy;
  executions: ExecutionStarter;
  /** Resolved once (Secrets Manager on AWS: the PrivacyKey secret). */
  pseudonymiser: () => Promise<Pseudonymiser>;
  /**
   * Scale mode: deletes an erased run's pending EventBridge Scheduler schedule (SCHEDULE_GROUP set).
   * Without it the run is still ended and deleted; its timer then fires into a failed claim.
   */
  timers?: Pick<TimerScheduler, 'disarm'>;
}

export interface ErasureSummary {
  /** The customer's pseudonym: the audit record and the pseudonymised ledger are under it. */
  pseudonym: string;
  status: ErasureState['status'];
  requests: number;
  counts: Record<string, number>;
  /** Kinds of customer data whose feature has not landed (nothing of them exists to erase). */
  pending: string[];
}

export async function eraseCustomer(rt: Resolved<PrivacyDeps>, customerId: string): Promise<ErasureSummary> {
  const pseudonymiser = await rt.pseudonymiser();
  const keys = pseudonymiser.keysFor(customerId);
  const [existing, profile] = await Promise.all([
    rt.privacy.getTombstone(keys.pseudonym),
    rt.store.getProfile(customerId),
  ]);
  const now = rt.clock.now();
  let state = beginErasure(existing, {
    pseudonym: keys.pseudonym,
    addressHashes: pseudonymiser.addressHashes(profileAddresses(profile)),
    now,
  });
  // Bounded by the protocol's length: each round completes one step.
  for (let round = 0; round < ERASURE_STEPS.length; round++) {
    const step = nextStep(state);
    if (!step) break;
    const erased = await performStep(rt, { customerId, state, step, keys });
    state = completeStep(state, step, erased, rt.clock.now());
    await rt.privacy.putTombstone(state);
  }
  rt.metrics.addMetric('CustomersErased', 'Count', 1);
  return {
    pseudonym: state.pseudonym,
    status: state.status,
    requests: state.requests,
    counts: state.counts,
    pending: pendingKinds().map((k) => k.kind),
  };
}

interface StepContext {
  customerId: string;
  state: ErasureState;
  step: ErasureStep;
  keys: ReturnType<Pseudonymiser['keysFor']>;
}

/** Performs one step; the number of items it erased. Idempotent (see dynamo-privacy.ts). */
async function performStep(rt: Resolved<PrivacyDeps>, sc: StepContext): Promise<number> {
  const { customerId, state, step, keys } = sc;
  switch (step) {
    case 'tombstone':
      await rt.privacy.putTombstone(state);
      await rt.privacy.putAddressTombstones(state.addressHashes, state.pseudonym);
      return 0;
    case 'enrolments':
      await stopOpenRuns(rt, customerId);
      return rt.privacy.pseudonymiseEnrolments(customerId, keys);
    case 'runs':
      return eraseRuns(rt, customerId);
    case 'conversions':
      return rt.privacy.pseudonymiseConversions(customerId, keys);
    case 'messageIndex': {
      const ledger = await rt.store.listLedger(customerId);
      const ids = ledger.flatMap((r) => [
        ...(r.providerMessageId ? [r.providerMessageId] : []),
        ...(r.attempts ?? []).flatMap((a) => (a.providerMessageId ? [a.providerMessageId] : [])),
      ]);
      return rt.privacy.deleteMessageIndex([...new Set(ids)]);
    }
    case 'phoneIndex': {
      const phone = (await rt.store.getProfile(customerId))?.phone;
      return phone ? rt.privacy.deletePhoneIndex(phone, customerId) : 0;
    }
    case 'ledger':
      return rt.privacy.pseudonymiseLedger(customerId, keys);
    case 'sweep': {
      // An invocation in flight when the runs were stopped may have written since: erase that too.
      const left = await rt.privacy.remaining(customerId);
      const runs = left.runs > 0 ? await eraseRuns(rt, customerId) : 0;
      for (const item of left.other) await rt.privacy.delete(item.pk, item.sk);
      const conversions =
        left.conversions > 0 ? await rt.privacy.pseudonymiseConversions(customerId, keys) : 0;
      const ledger = left.ledger > 0 ? await rt.privacy.pseudonymiseLedger(customerId, keys) : 0;
      return runs + left.other.length + conversions + ledger;
    }
    case 'audit':
      await rt.privacy.putAudit(auditOf(state, rt.clock.now()));
      return 0;
    case 'waitTokens':
    case 'sendClaims':
    case 'caps':
    case 'events':
    case 'engagement':
    case 'messages':
    case 'profile':
      return rt.privacy.deleteOwn(customerId, step);
    default:
      return assertUnreachable(step);
  }
}

/**
 * Standard mode: each active enrolment is one execution named by the enrolment id
 * (adapters/sfn-executions.ts), stopped with StopExecution; one already ended is not an error.
 */
async function stopOpenRuns(rt: Resolved<PrivacyDeps>, customerId: string): Promise<void> {
  const [enrolments, runs] = await Promise.all([
    rt.store.listEnrollments(customerId),
    rt.privacy.listRuns(customerId),
  ]);
  // A scale-mode enrolment is a run (run id = enrolment id), with no execution to stop: the runs step ends it.
  const scale = new Set(runs.map((r) => r.runId));
  for (const { enrollment } of enrolments.filter(
    (r) => r.status === 'active' && !scale.has(r.enrollment.id),
  )) {
    try {
      await rt.executions.stop(enrollment, 'customer erased');
    } catch (error) {
      // A retired journey version has no state machine to stop on; its step finds no profile.
      rt.logger.warn('could not stop an execution of an erased customer', {
        journeyId: enrollment.journeyId,
        ...errorFacts(error),
      });
      if (!(error instanceof Error && error.name === 'UnknownStateMachineError')) throw error;
    }
  }
}

/**
 * Scale mode (docs/scale-mode.md §3–4), per run:
 * 1. its due-index entries are deleted (they hold the customer id; the current one is keyed by the
 *    run's due time, which the exit removes, so this comes first);
 * 2. the run is ended (`exit`, reason customer_erased): a timer firing now fails its claim, a
 *    segment in flight fails its next fenced write (arm, finish);
 * 3. its pending schedule is deleted (DeleteSchedule; one that fired and deleted itself answers
 *    ResourceNotFoundException, which counts as done: functions/adapters/scheduler-timers.ts);
 * 4. the run item is deleted: a fire still under way finds no run and starts nothing.
 * Each is idempotent; a resumed erasure repeats them. The number of runs erased.
 */
async function eraseRuns(rt: Resolved<PrivacyDeps>, customerId: string): Promise<number> {
  let erased = 0;
  for (const run of await rt.privacy.listRuns(customerId)) {
    await rt.privacy.deleteDueEntries(run, rt.clock.now());
    const ended = await rt.privacy.exitRun(run, rt.clock.now());
    // Not quietly: a schedule left behind would fire (into nothing, but still); the request is retried.
    await rt.timers?.disarm({ runId: ended.runId, seq: ended.seq });
    await rt.privacy.deleteRun(ended);
    erased++;
  }
  return erased;
}

// ── Refusing the events of erased customers (ingest) ──────────────────────────────────────────

export interface ErasureGateDeps {
  privacy: DynamoPrivacy;
  pseudonymiser: () => Promise<Pseudonymiser>;
  clock: { now(): Date };
}

/**
 * A tombstone is found by the event's customer id, and by the addresses a trait-carrying event
 * (signed_up, profile_updated, consent_renewed) brings: an erased person does not come back under
 * a new customer id either. A re-consent lifts the customer's own tombstone; an address's
 * tombstone follows the customer it belongs to.
 */
export function createErasureGate(deps: ErasureGateDeps): ErasureGate {
  return {
    async check(event: CustomerEvent): Promise<ErasureCheck> {
      const pseudonymiser = await deps.pseudonymiser();
      const pseudonym = pseudonymiser.pseudonym(event.customerId);
      const traits = (event.properties.profile ?? {}) as { email?: unknown; phone?: unknown };
      const hashes = pseudonymiser.addressHashes({
        ...(typeof traits.email === 'string' ? { email: traits.email } : {}),
        ...(typeof traits.phone === 'string' ? { phone: traits.phone } : {}),
      });
      return {
        read: deps.privacy.tombstoneRead(pseudonym, hashes),
        decide: ({ own, owners }) => decideAdmission(deps, event, pseudonym, hashes, own, owners),
      };
    },
  };
}

async function decideAdmission(
  deps: ErasureGateDeps,
  event: CustomerEvent,
  pseudonym: string,
  hashes: readonly string[],
  own: ErasureState | undefined,
  owners: Tombstones['owners'],
): Promise<Admission> {
  const admission = admitEvent(own, event.type);
  if (!admission.ok) return admission;
  if (admission.lift && own) await deps.privacy.putTombstone(liftErasure(own, deps.clock.now()));
  for (const hash of hashes) {
    const owner = owners.get(hash);
    if (!owner || owner === pseudonym) continue;
    const theirs = admitEvent(await deps.privacy.getTombstone(owner), 'address');
    if (!theirs.ok) {
      return {
        ...theirs,
        message: 'an address in this event belongs to an erased customer; it is refused',
      };
    }
  }
  return { ok: true };
}
