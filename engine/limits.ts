/**
 * What AWS enforces on a journey run, as numbers the engine, the validator and the tests share.
 * The stand-ins are more lenient than AWS, so these are checked before deploy, not discovered
 * after it (docs/writing-journeys.md "Limits", functions/README.md "Known limits").
 *
 * Sources (AWS Step Functions Developer Guide, "Step Functions service quotas",
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html; Step Functions API
 * Reference, StartExecution, https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html;
 * AWS Lambda API Reference, Invoke, https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html).
 */

// ── Execution names ───────────────────────────────────────────────────────────────────────────

/** StartExecution `name`: 1 to 80 characters. */
export const EXECUTION_NAME_MAX_CHARS = 80;

/**
 * StartExecution `name` must not contain white space, brackets `< > { } [ ]`, wildcards `? *`,
 * the special characters `" # % \ ^ | ~ \` $ & , ; : /`, control characters (U+0000–001F,
 * U+007F–009F), U+FFFE–FFFF, or surrogates (U+D800–DFFF).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters AWS forbids are the point.
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff]/u;

/**
 * StartExecution accepts other non-ASCII names, but "to enable logging with CloudWatch Logs, the
 * name should only contain 0-9, A-Z, a-z, - and _" (and the quotas page: non-ASCII names do not
 * work with CloudWatch metrics). Herald's names keep to this subset.
 */
export const CLOUDWATCH_SAFE_NAME = /^[A-Za-z0-9_-]+$/;

/** Why AWS would refuse `name` as an execution name, or undefined when it would accept it. */
export function executionNameProblem(name: string): string | undefined {
  // Characters are counted as code points; a lone surrogate is refused by FORBIDDEN_IN_NAME.
  const length = [...name].length;
  if (length < 1) return 'empty';
  if (length > EXECUTION_NAME_MAX_CHARS) return `longer than ${EXECUTION_NAME_MAX_CHARS} characters`;
  const bad = FORBIDDEN_IN_NAME.exec(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, 'x'));
  if (bad) return `contains ${JSON.stringify(bad[0])}`;
  return undefined;
}

// ── Payloads ──────────────────────────────────────────────────────────────────────────────────

/**
 * "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8
 * encoded string" — the history events' `input`/`output` are "Maximum length of 262144", in bytes
 * of UTF-8 (API Reference, e.g. LambdaFunctionScheduledEventDetails, StateEnteredEventDetails).
 */
export const STATE_PAYLOAD_MAX_BYTES = 262_144;

/** Lambda Invoke: "For synchronous invocations, the maximum payload size is 6 MB" (request and response). */
export const LAMBDA_SYNC_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

// ── History and duration ──────────────────────────────────────────────────────────────────────

/** "Maximum execution history size: 25,000 events in a single state machine execution history." */
export const HISTORY_MAX_EVENTS = 25_000;

/**
 * "Maximum execution time (Standard): 1 year"; an execution that runs longer fails with
 * `States.Timeout`. Counted as 365 days, the shorter reading.
 */
export const STANDARD_MAX_RUN_MS = 365 * 24 * 3600 * 1000;

// ── Herald's own bounds, which keep every run inside the limits above ─────────────────────────

/**
 * A send step (per execution) may defer while its claim's attempt number is below this: every
 * claim of (execution, step) counts, whether it follows a deferral, a takeover or a loop's next
 * round. At the bound, a send that would defer again is skipped with the reason `deferral_limit`.
 */
export const MAX_SEND_ATTEMPTS = 10;

/**
 * Deferral rounds (`<step>.deferred` → the Task → its Choice) one attempt can cause: the deferral
 * its claim holder decides, plus at most two `busy` answers while another invocation's lease is
 * live (the lease is shorter than a round), plus one for the invocation that lost its claim.
 */
export const DEFERRAL_ROUNDS_PER_ATTEMPT = 4;

/**
 * A run ends itself this long before Standard's one-year maximum: room for the last steps (a
 * Lambda of up to 15 minutes, its retries) to exit cleanly instead of failing with `States.Timeout`.
 */
export const RUN_MARGIN_MS = 24 * 3600 * 1000;

/** The reason recorded when a run reaches its deadline, and when a send reaches MAX_SEND_ATTEMPTS. */
export const RUN_DEADLINE_REASON = 'run_deadline';
export const DEFERRAL_LIMIT_REASON = 'deferral_limit';
