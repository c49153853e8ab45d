/**
 * How long enrolling N customers takes in each execution mode, and what stops it, from the
 * documented default quotas (bench/quotas.json) and what one enrolment calls (counted in a local
 * run, or given by hand).
 *
 * An enrolment is one customer entering a journey whose first step waits (replenishment): ingest
 * starts the journey, the first segment runs up to the wait and the customer then waits for days.
 * - Standard: one StartExecution (300/s refill in the big Regions, a 1,300 burst), the states
 *   entered before the Wait (the state-transition bucket), and an execution that stays open while
 *   the customer waits: at most 1,000,000 open per account and Region.
 * - Scale: one Express StartExecution (6,000/s), one CreateSchedule (5,000/s in the primary
 *   Regions; older copies of the quota page say 1,000) and the run item write; nothing stays open,
 *   but every waiting customer holds one schedule (10,000,000 per Region) and the timers fire no
 *   faster than the Scheduler's invocation throttle (1,000/s): a burst enrolled faster than that
 *   comes due faster than it can fire, so its last timer fires late.
 * Both: DynamoDB writes (a new on-demand table: 4,000 WRU/s at once), Lambda concurrency (1,000).
 *
 * The sustained rate is the smallest of the rates each quota allows; the initial token bucket is
 * spent first. Bursts beyond 30 minutes of doubling DynamoDB's peak are not modelled.
 */
import quotasJson from './quotas.json' with { type: 'json' };

export type Quotas = typeof quotasJson;
export const QUOTAS: Quotas = quotasJson;

/** What enrolling one customer calls. */
export interface EnrolmentCalls {
  startExecutions: number;
  /** Standard only: states entered up to and including the first Wait. */
  stateTransitions: number;
  createSchedules: number;
  writeUnits: number;
  lambdaInvocations: number;
  /** Mean Lambda duration per invocation (ms): concurrency = rate × invocations × duration. */
  lambdaMeanMs: number;
}

export interface EnrolmentInput {
  mode: 'standard' | 'scale';
  customers: number;
  calls: EnrolmentCalls;
  /** Use the older 1,000/s CreateSchedule figure instead of today's 5,000/s. */
  conservativeCreateSchedule?: boolean;
  /**
   * A table already scaled out (or pre-warmed) to the default table maximum, 40,000 WRU/s, instead
   * of a new on-demand table's 4,000.
   */
  warmTable?: boolean;
}

export interface Limit {
  name: string;
  /** Enrolments per second this quota allows on its own. */
  perSecond: number;
  source: string;
}

export interface EnrolmentResult {
  mode: 'standard' | 'scale';
  customers: number;
  limits: Limit[];
  binding: Limit;
  /** Seconds to enrol everyone at the binding rate (the start-execution burst spent first). */
  seconds: number;
  /** Customers that can be waiting at once before a quota refuses more; undefined: not a limit. */
  waitingCeiling?: { customers: number; quota: string; source: string };
  /** Scale: when all timers come due at the enrolment rate, how late the last one fires. */
  lastFireLateSeconds?: number;
  /** Scale: enrolment rate at which timers fire on time (the invocation throttle). */
  onTimeRatePerSecond?: number;
}

const per = (quota: number, calls: number): number => (calls > 0 ? quota / calls : Number.POSITIVE_INFINITY);

export function enrolmentTime(input: EnrolmentInput, quotas: Quotas = QUOTAS): EnrolmentResult {
  const { calls, customers } = input;
  const sf = quotas.stepFunctions;
  const lambdaConcurrency = (calls.lambdaInvocations * calls.lambdaMeanMs) / 1000;
  const table = quotas.dynamodb.onDemandNewTable;
  const common: Limit[] = [
    {
      name: input.warmTable ? 'DynamoDB writes, table maximum' : 'DynamoDB writes, new on-demand table',
      perSecond: per(
        input.warmTable ? table.tableMaximumUnitsPerSecond : table.writeUnitsPerSecond,
        calls.writeUnits,
      ),
      source: table.source,
    },
    {
      name: 'Lambda account concurrency',
      perSecond: per(quotas.lambda.concurrentExecutions.limit, lambdaConcurrency),
      source: quotas.lambda.concurrentExecutions.source,
    },
  ];
  if (input.mode === 'standard') {
    const start = sf.standardStartExecution;
    const limits: Limit[] = [
      {
        name: 'StartExecution (Standard)',
        perSecond: per(start.refillPerSecond, calls.startExecutions),
        source: start.source,
      },
      {
        name: 'state transitions (Standard)',
        perSecond: per(sf.standardStateTransitions.refillPerSecond, calls.stateTransitions),
        source: sf.standardStateTransitions.source,
      },
      ...common,
    ];
    const binding = minimum(limits);
    const burst = Math.min(customers, start.bucket / Math.max(1, calls.startExecutions));
    return {
      mode: 'standard',
      customers,
      limits,
      binding,
      seconds: (customers - burst) / binding.perSecond,
      waitingCeiling: {
        customers: sf.standardOpenExecutions.limit,
        quota: 'open executions (Standard)',
        source: sf.standardOpenExecutions.source,
      },
    };
  }
  const create = quotas.scheduler.createScheduleTps;
  const createTps = input.conservativeCreateSchedule ? create.conservative : create.limit;
  const limits: Limit[] = [
    {
      name: 'StartExecution (Express)',
      perSecond: per(sf.expressStartExecution.refillPerSecond, calls.startExecutions),
      source: sf.expressStartExecution.source,
    },
    {
      name: `CreateSchedule (${createTps.toLocaleString('en-US')}/s)`,
      perSecond: per(createTps, calls.createSchedules),
      source: create.source,
    },
    ...common,
  ];
  const binding = minimum(limits);
  const fires = quotas.scheduler.invocationsTps.limit;
  const seconds = customers / binding.perSecond;
  return {
    mode: 'scale',
    customers,
    limits,
    binding,
    seconds,
    waitingCeiling: {
      customers: quotas.scheduler.schedules.limit,
      quota: 'schedules per Region (one per waiting customer)',
      source: quotas.scheduler.schedules.source,
    },
    lastFireLateSeconds: Math.max(0, customers / fires - seconds),
    onTimeRatePerSecond: Math.min(binding.perSecond, fires),
  };
}

function minimum(limits: Limit[]): Limit {
  return limits.reduce((a, b) => (b.perSecond < a.perSecond ? b : a));
}
