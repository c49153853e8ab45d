/**
 * The contract between a compiled workflow (engine/compile) and the Lambda it calls (functions/step).
 *
 * The state machine owns control flow (Wait, Choice); the step Lambda owns every decision that
 * needs fresh data. A workflow's state is always `{ enrollment, result? }`: the execution input is
 * `{ enrollment }`, and every Task writes its answer to `$.result` (ResultPath), replacing the last.
 */

import type { CustomerEvent } from './data.ts';
import type { SendTimeChoice } from './policy/send-time.ts';

/** Who is in which journey, and why: the execution input, written by ingest. */
export interface Enrollment {
  /** Deterministic: the execution name. A replayed event maps to the same id and starts nothing. */
  id: string;
  customerId: string;
  journeyId: string;
  journeyVersion: number;
  /** ISO timestamp: when the customer entered (the triggering event's arrival). */
  enteredAt: string;
  /** The event that started the journey, validated and stored by ingest. */
  event: CustomerEvent;
  /** For `entry.forEachItem` journeys: the catalog product this run is about. */
  productId?: string;
  /**
   * Audience journeys (engine/audience/): the run waits until then before its first step (the
   * compiled `entry.not-before` Wait): the customer's local time of the tick, plus their pacing slot.
   */
  notBefore?: string;
}

export interface ExecutionInput {
  enrollment: Enrollment;
}

/**
 * What the step Lambda is asked to do. `send`, `branch`, `split`, `update` mirror the journey step
 * types; `schedule` computes the timestamp a `wait` step with `until` waits for; `waitForEvent`
 * registers the task token so ingest can resume the execution when the event arrives.
 */
export type StepOp = 'send' | 'branch' | 'split' | 'update' | 'schedule' | 'waitForEvent' | 'arm';

/**
 * Scale mode (docs/scale-mode.md): which run a segment belongs to and the claim it holds. Every
 * Task of a scale-mode definition passes it (`$.run`), and `executionId` is the run id, stable
 * across the run's segments, so a send's ledger key is the same whichever execution sends it.
 */
export interface RunRef {
  id: string;
  /** The seq the segment claimed. */
  seq: number;
  /** The step the segment started at. */
  entry: string;
  /** The claim's fencing token. */
  token: string;
}

/** A scale-mode execution's input: `{ enrollment, run, result: {} }`. */
export interface SegmentInput {
  enrollment: Enrollment;
  run: RunRef;
  result: Record<string, never>;
}

/** The Task state's Parameters: static journey coordinates plus the enrollment from the state. */
export interface StepRequest {
  op: StepOp;
  journeyId: string;
  /** Static in the compiled definition: a customer finishes on the version they entered. */
  journeyVersion: number;
  stepId: string;
  /** `$$.Execution.Id`: with stepId, the idempotency key of a send. */
  executionId: string;
  enrollment: Enrollment;
  /** Only for `waitForEvent`: `$$.Task.Token`. */
  taskToken?: string;
  /** Scale mode only: the run and its claim. */
  run?: RunRef;
  /** Only for `arm` of a deferred send: `$.result.until`, when the send may run again. */
  until?: string;
  /**
   * Scale mode only, set by the compiler on a Task whose route Choice takes `armed`: when the step
   * answers `next` into a wait (or a wait for an event), the same invocation arms that wait and
   * answers `armed`, instead of a second invocation of the wait's own `arm` Task. The result's
   * `until` (computed as `schedule` would, see below) is the due time, so nothing is read twice.
   */
  armNext?: boolean;
}

/**
 * What the state machine routes on (`$.result.outcome`, then `$.result.next`):
 * - `next`: go to step `next` (for send/update it is the step's own `next`; for branch/split the
 *   chosen target);
 * - `defer`: quiet hours or a full cap: wait until `until`, then run the same step again;
 * - `wait`: answer to `schedule`: the wait step waits until `until` (already in the past ⇒ now);
 * - `exit`: leave the journey (converted, exit event, unsubscribed from everything, holdout…).
 *
 * What the compiled workflow routes on, per op (engine/compile, docs/transitions.md):
 * - `send`: `next`, `defer`, `exit`;
 * - `branch`, `split`: `next` (any of the step's targets) and `exit` (a branch or split whose
 *   targets are all the same step goes straight on, like `update`);
 * - `update`: nothing — the workflow goes straight on to its `next`, so answer `next` even when
 *   the policy says exit (skip the change): the next send re-checks and exits;
 * - `schedule`: nothing — the Wait reads `until`, so always answer `wait` (when the policy says
 *   exit, `until` = now: the next send re-checks and exits);
 * - `waitForEvent`: nothing — the Lambda's answer is discarded; the Task ends with ingest's
 *   `EventArrivedOutput` (→ `onEvent`) or with `States.Timeout` (→ `onTimeout`).
 *
 * A `next` result whose `next` step is a wait that needs a timestamp (`waitNeedsTimestamp` in
 * engine/compile: a wait with `until`, or a duration in months/years) MUST carry `until`, computed
 * exactly as `schedule` would for that step: the workflow goes straight to that Wait, which reads
 * `$.result.until`. This saves a Lambda call and a transition per such wait.
 *
 * A wait that can end the journey (`waitCanExit`: a date wait whose `ifMissing` is `exit`) is
 * entered through its `<step>.date-check` Choice. There a `schedule` answer of `exit`, or a `next`
 * result carrying `exit` (the reason) instead of `until`, goes to `Exited`: the customer has no
 * such date. The step that ran keeps its own outcome (a send that sent stays `sent`).
 */
export type StepResult =
  | {
      outcome: 'next';
      next: string;
      until?: string;
      exit?: string;
      detail?: StepDetail;
      /** With `until` for a `time: "best"` wait: the time chosen and its evidence. */
      sendTime?: SendTimeChoice;
    }
  | { outcome: 'defer'; until: string; reason: DeferReason; detail?: StepDetail }
  | { outcome: 'wait'; until: string; sendTime?: SendTimeChoice }
  | { outcome: 'exit'; reason: string; detail?: StepDetail }
  /** Answer to `arm` (scale mode): the run waits for its timer or event; the segment ends. */
  | { outcome: 'armed'; until: string; seq: number };

/**
 * `retry`: the step could not be decided now and must run again at `until` (the provider proved it
 * took nothing for now — throttled, unreachable — or another invocation of the same step holds it).
 * `journey_paused`: an operator paused the journey (engine/journey-control.ts); the send looks again at `until`.
 */
export type DeferReason = 'quiet_hours' | 'capped' | 'retry' | 'journey_paused';

/** Small, personal-data-free facts about the decision, for logs and simulate. */
export interface StepDetail {
  channel?: string;
  sent?: boolean;
  skipped?: string;
  arm?: string;
  branch?: string;
}

/** What SendTaskSuccess returns to a `waitForEvent` task when the awaited event arrives. */
export interface EventArrivedOutput {
  outcome: 'next';
  next: string;
  eventId: string;
}

/**
 * Placeholders in compiled definitions, replaced by CloudFormation `DefinitionSubstitutions`
 * in infra/ and by the local runner's resource bindings in local/.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, not a template string.
export const STEP_FUNCTION_ARN_PLACEHOLDER = '${StepFunctionArn}';
