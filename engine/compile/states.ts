/**
 * Building blocks shared by the lean compiler and the naive baseline: state names, the step
 * Lambda's Task states and the retry policy.
 */
import { STEP_FUNCTION_ARN_PLACEHOLDER, type StepOp } from '../contract.ts';
import type { Journey } from '../schema.ts';
import type { AslJson, AslRetrier, AslTaskState } from './asl.ts';

/**
 * Helper states are named `<step>.<role>`. Step ids cannot contain `.` (see `Identifier`), and
 * `Exited` starts with a capital letter, so no helper name can collide with a step's.
 */
export const stateNames = {
  /** The Choice after a Task that can go more than one way. */
  route: (stepId: string) => `${stepId}.route`,
  /** The Wait a deferred send sleeps in before running again. */
  deferred: (stepId: string) => `${stepId}.deferred`,
  /** The Task that computes a wait's timestamp when no step Lambda ran just before it. */
  schedule: (stepId: string) => `${stepId}.schedule`,
  /** The Choice in front of a date wait that ends the journey when the date is missing. */
  dateCheck: (stepId: string) => `${stepId}.date-check`,
  /** Where a Task's `exit` outcome ends the execution. */
  exited: 'Exited',
  /** Audience journeys: the first state, waiting for `$.enrollment.notBefore`. */
  notBefore: 'entry.not-before',
} as const;

export const WAIT_FOR_TASK_TOKEN_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Transient Lambda service errors, retried with exponential backoff and full jitter. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The error the step Lambda throws when a branch, split, update or schedule decision failed for a
 * fault (DynamoDB unavailable, say), so that the Task decides again rather than take an answer that
 * would end the run, drop the update or skip the wait. A Task's Retry matches the error by name, the
 * thrown error's `name` ("Handling error conditions in a Step Functions state machine",
 * https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-handling-error-conditions.html).
 */
export const STEP_RETRY_ERROR = 'Herald.StepRetry';

export function lambdaRetry(): AslRetrier[] {
  return [
    {
      ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
      IntervalSeconds: 2,
      MaxAttempts: 6,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    },
    // At most 5 + 15 + 45 + 120 s of waiting: inside an Express segment's five minutes. After the
    // last, the execution fails (the journey's failed-executions alarm); a scale-mode run stays
    // claimed and the reconciler starts its segment again once the lease has passed.
    {
      ErrorEquals: [STEP_RETRY_ERROR],
      IntervalSeconds: 5,
      MaxAttempts: 4,
      BackoffRate: 3,
      MaxDelaySeconds: 120,
      JitterStrategy: 'FULL',
    },
  ];
}

/** The `StepRequest` (engine/contract.ts) as a Parameters template. */
export function stepRequest(journey: Journey, op: StepOp, stepId: string): { [key: string]: AslJson } {
  return {
    op,
    journeyId: journey.id,
    journeyVersion: journey.version,
    stepId,
    'executionId.$': '$$.Execution.Id',
    'enrollment.$': '$.enrollment',
  };
}

/** A plain Task calling the step Lambda; its answer (a `StepResult`) replaces `$.result`. */
export function lambdaTask(journey: Journey, op: StepOp, stepId: string, comment?: string): AslTaskState {
  return {
    Type: 'Task',
    ...(comment ? { Comment: comment } : {}),
    Resource: STEP_FUNCTION_ARN_PLACEHOLDER,
    Parameters: stepRequest(journey, op, stepId),
    ResultPath: '$.result',
    Retry: lambdaRetry(),
  };
}

/**
 * A `.waitForTaskToken` Task: the step Lambda stores the token with the customer; ingest calls
 * SendTaskSuccess (an `EventArrivedOutput`) when the event arrives; `TimeoutSeconds` ends the wait
 * with `States.Timeout`.
 */
export function waitForTokenTask(
  journey: Journey,
  stepId: string,
  timeoutSeconds: number,
  comment?: string,
): AslTaskState {
  return {
    Type: 'Task',
    ...(comment ? { Comment: comment } : {}),
    Resource: WAIT_FOR_TASK_TOKEN_RESOURCE,
    Parameters: {
      FunctionName: STEP_FUNCTION_ARN_PLACEHOLDER,
      Payload: { ...stepRequest(journey, 'waitForEvent', stepId), 'taskToken.$': '$$.Task.Token' },
    },
    ResultPath: '$.result',
    TimeoutSeconds: Math.max(1, timeoutSeconds),
    Retry: lambdaRetry(),
  };
}

export function journeyComment(journey: Journey, flavour: string): string {
  return `Herald journey ${journey.id} v${journey.version}: ${journey.name} (${flavour})`;
}
