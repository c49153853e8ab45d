/**
 * Ingest: a validated event is stored once (its id dedupes), applied to the profile once, then
 * drives journeys — start the entries the policy plans, record holdouts, record the conversions it
 * is (conversions.ts), stop enrollments the event ends, and resume executions waiting for it. Every effect is idempotent, so an event whose first
 * processing crashed half-way is simply processed again; a fully processed replay changes nothing.
 */
import type { Enrollment, EventArrivedOutput } from '../../engine/contract.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { entryAllowed } from '../../engine/journey-control.ts';
import {
  type EntrySkip,
  exitsTriggeredBy,
  historySince,
  itemProductIds,
  planEntries,
  reactsWhileRunning,
} from '../../engine/policy/index.ts';
import type { Admission } from '../../engine/privacy/erasure.ts';
import { applyEventToProfile, changesProfile, type ProfileNote } from '../../engine/profile-events.ts';
import { executionMode } from '../../engine/run-protocol.ts';
import type { Journey } from '../../engine/schema.ts';
import type { IngestDeps, ScaleDeps } from '../deps.ts';
import { errorFacts } from '../observability.ts';
import type { EntryItems } from '../ports.ts';
import { publishEntrant, recordConversions } from './conversions.ts';
import { claimEventWaits, enterRun, exitRunOf, type RunRuntime, ScaleNotConfiguredError } from './runs.ts';
import { ARRIVAL_SLACK_MS, type Resolved, recordHoldout } from './runtime.ts';

export interface IngestSummary {
  eventId: string;
  duplicate: boolean;
  started: number;
  heldOut: number;
  stopped: number;
  resumed: number;
  /** Conversions this event recorded (engine/attribution.ts), held-out runs included. */
  converted: number;
  /** Journeys listening for this event that it did not start, and why (`unknown_product` + the id). */
  skipped: EntrySkip[];
}

/** An event the erasure gate refused: nothing of it was stored. */
export type RefusedEvent = Extract<Admission, { ok: false }>;

export async function ingestEvent(
  rt: Resolved<IngestDeps>,
  event: CustomerEvent,
): Promise<IngestSummary | RefusedEvent> {
  const now = rt.clock.now();
  const summary: IngestSummary = {
    eventId: event.id,
    duplicate: false,
    started: 0,
    heldOut: 0,
    stopped: 0,
    resumed: 0,
    converted: 0,
    skipped: [],
  };

  // One BatchGetItem before anything is written: the erasure gate's tombstones, the profile, the
  // event's products and the controls of the journeys it may start (those not cached).
  const erasure = rt.erasures ? await rt.erasures.check(event) : undefined;
  const listening = rt.journeys
    .active()
    .filter((j) => j.entry.event === event.type)
    .map((j) => j.id);
  const read = await rt.store.readEntryItems(event.customerId, {
    productIds: itemProductIds(event),
    controlsOf: rt.controls ? rt.controls.uncached(listening) : [],
    eventId: event.id,
    ...(erasure ? { with: erasure.read } : {}),
  });
  // Never re-creates an erased customer: a refused event stores nothing (engine/privacy/erasure.ts).
  const admission = erasure ? await erasure.decide(read.with) : undefined;
  if (admission && !admission.ok) return admission;
  rt.controls?.remember(read.controls);
  if (read.event?.processed) return { ...summary, duplicate: true };

  // When the event is stored. One a run may react to (`reactsWhileRunning`: an exit, a goal, a
  // wait) is stored before the enrollments are read, and marked processed at the end: a wait step
  // stores its token and then reads the events, ingest stores the event and then reads the tokens,
  // so one of the two always sees the other (`awaitsEvent`), and a step's exit check sees the
  // event at once. The journeys new runs enter are the active ones; the enrollments read below add
  // the versions this customer's runs are on. An event no run reacts to is stored once, processed,
  // as ingest's last write: until then only conditions over history could read it, as if it had
  // arrived a few milliseconds later. A crash before that write stores nothing; the retry redoes
  // every step, each idempotent (an unprocessed event is redone the same way).
  let stored = read.event !== undefined;
  const storeEvent = async (): Promise<boolean> => {
    if (stored) return true;
    stored = true;
    const put = await rt.store.putEvent(event, now);
    return put.inserted || !put.processed;
  };
  if (rt.journeys.active().some((j) => reactsWhileRunning(j, event.type)) && !(await storeEvent()))
    return { ...summary, duplicate: true };

  let notes: ProfileNote[] = [];
  // An event that cannot change a stored profile's data leaves it unwritten (`changesProfile`).
  const unchanged =
    read.profile.profile && !changesProfile(event.type, rt.vocabulary) ? read.profile.profile : undefined;
  const profile: Profile = unchanged ??
    (await rt.store.updateProfile(
      event.customerId,
      (current) => {
        const change = applyEventToProfile(current, event, now, rt.vocabulary);
        notes = change.notes;
        return change.profile;
      },
      { onceFor: event.id, read: read.profile },
    )) ?? { id: event.customerId };
  for (const note of notes) rt.metrics.addMetric(`Profile_${note}`, 'Count', 1);

  const since = historySince(rt.config, now);
  // One Query: the events and enrollments are neighbours in the customer's partition.
  const activity = await rt.store.readActivity(event.customerId, since ? { since } : {});
  const { enrollments } = activity;
  const active = enrollments.filter((r) => r.status === 'active').map((r) => r.enrollment);
  if (!stored && active.some((e) => runReacts(rt, e, event.type)) && !(await storeEvent()))
    return { ...summary, duplicate: true };
  // Planned with the event in its history, however it was stored (or is yet to be).
  const history = withEvent(activity.events, event, since);
  const products = read.products;
  const plan = planEntries({
    journeys: rt.journeys.active(),
    event,
    profile,
    history,
    products: (id) => products.get(id),
    priorEnrollments: enrollments.map(({ enrollment: e }) => ({
      id: e.id,
      journeyId: e.journeyId,
      enteredAt: e.enteredAt,
      ...(e.productId ? { productId: e.productId } : {}),
    })),
    now,
    config: rt.config,
    ...(rt.segments ? { segments: rt.segments } : {}),
  });

  const refused = await refusedByControls(rt, [...plan.start, ...plan.heldOut], read.controls);
  for (const enrollment of [...plan.start, ...plan.heldOut]) {
    const reason = refused.get(enrollment.journeyId);
    if (reason) await recordRefusedEntry(rt, event, enrollment, reason, now, summary);
  }
  const starting = plan.start.filter((e) => !refused.has(e.journeyId));
  // Every enrollment is stored before its run starts (`awaitsEvent`), all in one request.
  await rt.store.putEnrollments(
    starting.map((enrollment) => ({ enrollment, status: 'active' as const, updatedAt: now.toISOString() })),
  );
  for (const enrollment of starting) {
    const scale = scaleJourney(rt, enrollment);
    const started = scale
      ? await enterRun(scale.rt, enrollment, scale.journey)
      : (await rt.executions.start(enrollment)).status;
    if (started === 'started') {
      summary.started++;
      publishEntrant(rt.metrics, enrollment.journeyId, 'treated');
    }
  }
  for (const enrollment of plan.heldOut.filter((e) => !refused.has(e.journeyId))) {
    await recordHoldout(rt.store, enrollment, now, { eventId: event.id });
    summary.heldOut++;
    publishEntrant(rt.metrics, enrollment.journeyId, 'holdout');
  }

  summary.skipped.push(...plan.skipped);
  if (plan.skipped.some((s) => s.reason === 'backfill')) rt.metrics.addMetric('EventsBackfilled', 'Count', 1);
  for (const skip of plan.skipped.filter((s) => s.reason === 'unknown_product')) {
    await recordUnknownProduct(rt, event, skip, now);
  }

  // Before the exits: a goal that also ends the run is recorded as a conversion first.
  summary.converted = await recordConversions(rt, event, enrollments);

  // Each enrollment is judged by the version it entered: the deployed config keeps every version
  // still in use (infra/journeys.ts), so a missing one was retired while executions were open.
  const versions: Journey[] = [];
  for (const e of active) {
    const journey = rt.journeys.get(e.journeyId, e.journeyVersion);
    if (journey) versions.push(journey);
    else {
      rt.logger.error('enrollment on a journey version this deploy does not carry', {
        enrollmentId: e.id,
        journeyId: e.journeyId,
        journeyVersion: e.journeyVersion,
      });
      rt.metrics.addMetric('UnknownJourneyVersion', 'Count', 1);
    }
  }
  for (const enrollment of exitsTriggeredBy(event, active, versions)) {
    try {
      const scale = scaleJourney(rt, enrollment);
      if (scale) await exitRunOf(scale.rt, enrollment, `exit_event:${event.type}`);
      else await rt.executions.stop(enrollment, `exit event ${event.type}`);
    } catch (error) {
      // The execution may have finished on its own; the next step's exit check still ends it.
      rt.logger.warn('could not stop execution', { enrollmentId: enrollment.id, ...errorFacts(error) });
    }
    await rt.store.setEnrollmentStatus(enrollment, 'stopped', now, `exit_event:${event.type}`);
    summary.stopped++;
  }

  // Standard mode: the wait tokens for this event (one Query, only when a run may wait for it).
  const mayWait = [...active, ...plan.start];
  const tokens = awaitsEvent(rt, mayWait, event.type, 'standard')
    ? await rt.store.listWaitTokens(event.customerId, event.type)
    : [];
  for (const wait of tokens) {
    if (
      Date.parse(wait.expiresAt) < now.getTime() ||
      Date.parse(event.time) < Date.parse(wait.createdAt) - ARRIVAL_SLACK_MS
    )
      continue;
    if (!(await rt.store.deleteWaitToken(wait))) continue;
    const output: EventArrivedOutput = { outcome: 'next', next: wait.onEvent, eventId: event.id };
    if (await rt.executions.sendTaskSuccess(wait.taskToken, output)) summary.resumed++;
  }

  // Scale mode: a run waiting for this event claims its wait (one Query, only when one may wait).
  if (awaitsEvent(rt, active, event.type, 'scale')) {
    if (!rt.scale) throw new ScaleNotConfiguredError();
    summary.resumed += await claimEventWaits(runRuntime(rt, rt.scale), event);
  }

  if (stored) await rt.store.markEventProcessed(event.customerId, event.id);
  else await rt.store.putProcessedEvent(event, now);
  return summary;
}

/** Whether a run on this enrollment's version reacts to the event type (one this deploy does not carry may). */
function runReacts(rt: Resolved<IngestDeps>, enrollment: Enrollment, eventType: string): boolean {
  const journey = rt.journeys.get(enrollment.journeyId, enrollment.journeyVersion);
  return journey === undefined || reactsWhileRunning(journey, eventType);
}

/** The history as `readActivity` would have read it with the event stored (newest first, within `since`). */
function withEvent(history: readonly CustomerEvent[], event: CustomerEvent, since: Date | undefined) {
  if (since && Date.parse(event.time) < since.getTime()) return [...history];
  if (history.some((e) => e.id === event.id)) return [...history];
  const at = Date.parse(event.time);
  const index = history.findIndex(
    (e) => Date.parse(e.time) < at || (Date.parse(e.time) === at && e.id < event.id),
  );
  return index < 0 ? [...history, event] : [...history.slice(0, index), event, ...history.slice(index)];
}

function runRuntime(rt: Resolved<IngestDeps>, scale: ScaleDeps): RunRuntime {
  return { clock: rt.clock, logger: rt.logger, metrics: rt.metrics, journeys: rt.journeys, scale };
}

/**
 * Whether one of these enrollments runs, in `mode`, a journey version with a wait for this event
 * type: only then can a wait be pending for it. In Standard mode a version this deploy does not
 * carry may wait.
 *
 * Why reading the wait tokens only then loses no wake-up (Standard mode): a waitForEvent step stores
 * its token, then reads the customer's events (step.ts `resumeIfAlreadyArrived`); ingest stores the
 * event, then reads the enrollments (`readActivity`, strongly consistent) and then the tokens. The
 * enrollment item is written before its execution starts (here and in audience.ts). So a step whose
 * event read missed this event stored its token before this event was stored, after its
 * enrollment: that enrollment is among those read here, active, on a version that waits for this
 * type. The enrollments this call starts count too: their first steps may already be waiting.
 */
function awaitsEvent(
  rt: Resolved<IngestDeps>,
  enrollments: readonly Enrollment[],
  eventType: string,
  mode: 'standard' | 'scale',
): boolean {
  return enrollments.some((e) => {
    const journey = rt.journeys.get(e.journeyId, e.journeyVersion);
    // Scale mode's runs are found by their journey's version; an unknown one has none here.
    if (!journey) return mode === 'standard';
    if (executionMode(journey, rt.config) !== mode) return false;
    return Object.values(journey.steps).some((st) => st.type === 'waitForEvent' && st.event === eventType);
  });
}

/** The enrollment's journey version when it runs in scale mode (and scale mode is wired). */
function scaleJourney(
  rt: Resolved<IngestDeps>,
  enrollment: Enrollment,
): { journey: Journey; rt: RunRuntime } | undefined {
  const journey = rt.journeys.get(enrollment.journeyId, enrollment.journeyVersion);
  if (!journey || executionMode(journey, rt.config) !== 'scale') return undefined;
  if (!rt.scale) throw new ScaleNotConfiguredError();
  return { journey, rt: runRuntime(rt, rt.scale) };
}

/**
 * An order for a product the catalog does not have is an operator's problem (the catalog was not
 * loaded, or is behind the shop), not the customer's: it is logged and counted, and kept in the
 * customer's ledger with the product id. Deterministic id: a re-processed event rewrites it.
 */
async function recordUnknownProduct(
  rt: Resolved<IngestDeps>,
  event: CustomerEvent,
  skip: EntrySkip,
  now: Date,
): Promise<void> {
  const productId = skip.productId ?? '';
  rt.metrics.addMetric('EntrySkipped_unknown_product', 'Count', 1);
  rt.logger.warn('entry skipped: product not in the catalog', {
    journeyId: skip.journeyId,
    productId,
    eventId: event.id,
  });
  const version = rt.journeys.active().find((j) => j.id === skip.journeyId)?.version;
  await rt.store.putLedger({
    id: `entry#${skip.journeyId}#${event.id}#${productId}`,
    kind: 'entry',
    at: now.toISOString(),
    customerId: event.customerId,
    outcome: 'skipped',
    reasons: ['unknown_product'],
    journeyId: skip.journeyId,
    ...(version !== undefined ? { journeyVersion: version } : {}),
    facts: { eventId: event.id, productId },
  });
}

/** The journeys among these entries that refuse new entrants now (drained or stopped), with the reason. */
async function refusedByControls(
  rt: Resolved<IngestDeps>,
  entries: readonly Enrollment[],
  read: EntryItems['controls'],
): Promise<Map<string, 'journey_draining' | 'journey_stopped'>> {
  const refused = new Map<string, 'journey_draining' | 'journey_stopped'>();
  const controls = rt.controls;
  if (!controls) return refused;
  const ids = [...new Set(entries.map((e) => e.journeyId))];
  // Read with the profile, or cached: `stateOf` reads only what neither holds.
  const states = await Promise.all(
    ids.map((id) => (read.has(id) ? (read.get(id)?.state ?? 'active') : controls.stateOf(id))),
  );
  ids.forEach((id, i) => {
    const allowed = entryAllowed(states[i] ?? 'active');
    if (!allowed.ok) refused.set(id, allowed.reason);
  });
  return refused;
}

/** A refused entrant is kept in the customer's ledger with the reason (deterministic id: a replay rewrites it). */
async function recordRefusedEntry(
  rt: Resolved<IngestDeps>,
  event: CustomerEvent,
  enrollment: Enrollment,
  reason: 'journey_draining' | 'journey_stopped',
  now: Date,
  summary: IngestSummary,
): Promise<void> {
  rt.metrics.addMetric(`EntrySkipped_${reason}`, 'Count', 1);
  summary.skipped.push({ journeyId: enrollment.journeyId, reason });
  await rt.store.putLedger({
    id: `entry#${enrollment.journeyId}#${event.id}#${enrollment.productId ?? ''}`,
    kind: 'entry',
    at: now.toISOString(),
    customerId: event.customerId,
    outcome: 'skipped',
    reasons: [reason],
    journeyId: enrollment.journeyId,
    journeyVersion: enrollment.journeyVersion,
    facts: { eventId: event.id },
  });
}
