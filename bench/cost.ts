/**
 * 3. The AWS cost model: dollars per 1M journey runs and per 1M messages sent, from each compiled
 * definition (engine/compile) and, when the demo ran, the handlers' measured call counts.
 *
 * Orchestration = Step Functions transitions + Lambda requests and GB-seconds + DynamoDB request
 * units. Channel fees (SES, SMS, push) are listed apart: they are the same whichever way a journey
 * is compiled. Beside every lean figure is the naive baseline (compileNaive: a Task and a Choice
 * per step, no merging) for the same runs.
 *
 * Two views:
 * - path model: the longest simple path of each definition (the most a run costs without
 *   deferrals) and the shortest; per-Task Lambda and DynamoDB costs from the demo's per-op means
 *   when available;
 * - measured: the demo's own executions (every state entered), invocations, durations and
 *   DynamoDB units; the naive figure replays the same step-by-step routes through the naive
 *   definition.
 */
import {
  type AslDefinition,
  compileJourney,
  compileNaive,
  longestPathTransitions,
  shortestPathTransitions,
} from '../engine/compile/index.ts';
import type { Journey } from '../engine/schema.ts';
import type { ScopeCounts } from './lib/sdk-probe.ts';

export interface Prices {
  asOf: string;
  stepFunctions: { standardPerStateTransition: number };
  lambda: { perRequest: number; arm64PerGbSecond: number };
  dynamodb: { onDemandPerWriteRequestUnit: number; onDemandPerReadRequestUnit: number };
  channels: {
    email: { perMessage: number };
    sms: { perMessagePartByCountry: Record<string, { perMessagePart?: number; carrierFeePerPart?: number }> };
    push: { perMessage: number };
  };
}

/** What one kind of Lambda invocation cost on average in the demo. */
export interface OpMeasure {
  invocations: number;
  meanMs: number;
  readUnits: number;
  writeUnits: number;
  /** DynamoDB requests (reads + writes) per invocation, as the SDK probe counted them. */
  requests?: number;
}

export interface ExecutionTrace {
  journeyId: string;
  states: string[];
  status: string;
  /** Scale mode: `EXPRESS` for a segment (absent: a Standard execution), and its name. */
  type?: string;
  name?: string;
}

/** What the e2e section measured in the demo (undefined while the demo is pending). */
export interface DemoMeasure {
  /** `step:<journeyId>:<op>` → counts of that op's invocations. */
  stepOps: Record<string, OpMeasure>;
  /** Other handlers (ingest, feedback…) per invocation, with totals. */
  handlers: Record<string, OpMeasure>;
  executions: ExecutionTrace[];
  /** Messages sent per journey and channel. */
  messages: Record<string, { email: number; sms: number; push: number }>;
  /** Memory each function is configured with (MB), as infra sets it. */
  memoryMb: Record<string, number>;
}

export interface Money {
  stepFunctions: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamodb: number;
  total: number;
}

export interface PathCost {
  transitions: number;
  lambdaCalls: number;
  sends: number;
  perMillionRuns: Money;
  /** undefined when the path sends nothing. */
  perMillionMessages?: number;
}

export interface JourneyCost {
  journey: string;
  lean: { longest: PathCost; shortest: PathCost; states: number };
  naive: { longest: PathCost; shortest: PathCost; states: number };
  measured?: {
    runs: number;
    finished: number;
    messages: number;
    lean: MeasuredCost;
    naive: MeasuredCost;
    /**
     * Finished runs only (succeeded, or stopped by an exit event): what a run costs once it is
     * over, without the month's still-waiting runs. Each run's own states, priced with the
     * journey's measured per-op means; messages = its send Tasks × the journey's measured share of
     * send invocations that handed a message to a provider.
     */
    finishedRuns?: { lean: MeasuredCost; naive: MeasuredCost; messagesPerRun: number };
  };
}

export interface MeasuredCost {
  transitionsPerRun: number;
  lambdaCallsPerRun: number;
  perMillionRuns: Money;
  perMillionMessages?: number;
}

export interface CostResult {
  pricesAsOf: string;
  journeys: JourneyCost[];
  /** All journeys of the demo together, ingest and feedback included (measured only). */
  overall?: {
    runs: number;
    messages: number;
    lean: { perMillionRuns: Money; perMillionMessages: number };
    naive: { perMillionRuns: Money; perMillionMessages: number };
    /** The same over finished runs only (see JourneyCost.measured.finishedRuns). */
    finishedRuns?: {
      runs: number;
      messages: number;
      lean: { perMillionRuns: Money; perMillionMessages: number };
      naive: { perMillionRuns: Money; perMillionMessages: number };
    };
    channelFeesPerMillionMessages: { email: number; smsUS: number; push: number; mix: number };
    messageMix: { email: number; sms: number; push: number };
  };
  channelFees: { emailPerMillion: number; smsUSPerMillionParts: number; pushPerMillion: number };
  assumptions: string[];
  targets: { orchestrationPerMillionMessages: number };
}

const MB_PER_GB = 1024;

function taskOp(def: AslDefinition, name: string): string | undefined {
  const state = def.States[name];
  if (state?.Type !== 'Task') return undefined;
  const params = state.Parameters as { op?: string; Payload?: { op?: string } } | undefined;
  return params?.op ?? params?.Payload?.op;
}

function money(
  prices: Prices,
  parts: { transitions: number; calls: number; gbSeconds: number; readUnits: number; writeUnits: number },
): Money {
  const stepFunctions = parts.transitions * prices.stepFunctions.standardPerStateTransition;
  const lambdaRequests = parts.calls * prices.lambda.perRequest;
  const lambdaDuration = parts.gbSeconds * prices.lambda.arm64PerGbSecond;
  const dynamodb =
    parts.readUnits * prices.dynamodb.onDemandPerReadRequestUnit +
    parts.writeUnits * prices.dynamodb.onDemandPerWriteRequestUnit;
  return {
    stepFunctions,
    lambdaRequests,
    lambdaDuration,
    dynamodb,
    total: stepFunctions + lambdaRequests + lambdaDuration + dynamodb,
  };
}

const scale = (m: Money, k: number): Money => ({
  stepFunctions: m.stepFunctions * k,
  lambdaRequests: m.lambdaRequests * k,
  lambdaDuration: m.lambdaDuration * k,
  dynamodb: m.dynamodb * k,
  total: m.total * k,
});

/** Per-op means for one journey, falling back to the same op in any journey, then to any op. */
function opMeans(demo: DemoMeasure | undefined, journeyId: string) {
  const all = Object.entries(demo?.stepOps ?? {});
  const pool = (entries: [string, OpMeasure][]): OpMeasure | undefined => {
    const n = entries.reduce((s, [, m]) => s + m.invocations, 0);
    if (n === 0) return undefined;
    const w = (f: (m: OpMeasure) => number) => entries.reduce((s, [, m]) => s + f(m) * m.invocations, 0) / n;
    return {
      invocations: n,
      meanMs: w((m) => m.meanMs),
      readUnits: w((m) => m.readUnits),
      writeUnits: w((m) => m.writeUnits),
    };
  };
  return (op: string): OpMeasure | undefined =>
    pool(all.filter(([k]) => k === `step:${journeyId}:${op}`)) ??
    pool(all.filter(([k]) => k.endsWith(`:${op}`))) ??
    pool(all);
}

function pathCost(
  prices: Prices,
  def: AslDefinition,
  path: string[],
  means: (op: string) => OpMeasure | undefined,
  memoryMb: number,
): PathCost {
  let calls = 0;
  let sends = 0;
  let gbSeconds = 0;
  let readUnits = 0;
  let writeUnits = 0;
  for (const name of path) {
    const op = taskOp(def, name);
    if (!op) continue;
    calls++;
    if (op === 'send') sends++;
    const m = means(op);
    if (m) {
      gbSeconds += (Math.ceil(m.meanMs) / 1000) * (memoryMb / MB_PER_GB);
      readUnits += m.readUnits;
      writeUnits += m.writeUnits;
    }
  }
  const perRun = money(prices, { transitions: path.length, calls, gbSeconds, readUnits, writeUnits });
  const perMillionRuns = scale(perRun, 1e6);
  return {
    transitions: path.length,
    lambdaCalls: calls,
    sends,
    perMillionRuns,
    ...(sends > 0 ? { perMillionMessages: perMillionRuns.total / sends } : {}),
  };
}

/**
 * The states a naive run enters for the same route a lean run took: the journey steps visited (in
 * order), each deferral, and how it ended. Hops between consecutive steps go through the naive
 * definition's helper states only (its `.route` Choices, `.timer` Waits).
 */
export function naiveReplay(
  journey: Journey,
  naive: AslDefinition,
  leanStates: string[],
): { states: string[] } {
  const stepIds = new Set(Object.keys(journey.steps));
  const visited: string[] = [];
  const last = leanStates[leanStates.length - 1] ?? '';
  // A run still sitting in a deferral Wait has entered `<step>.deferred` and nothing after it yet.
  const sitsDeferred = last.endsWith('.deferred');
  let deferrals = 0;
  leanStates.forEach((s, i) => {
    if (s.endsWith('.deferred') && i < leanStates.length - 1) deferrals++;
    if (stepIds.has(s) || s === 'Exited') visited.push(s);
  });
  const states: string[] = [];
  const hop = (from: string, to: string): string[] => {
    // Breadth first from `from` to `to` through helper states only (not other steps).
    const queue: string[][] = [[from]];
    const seen = new Set([from]);
    while (queue.length) {
      const path = queue.shift()!;
      const state = naive.States[path[path.length - 1]!];
      if (!state) continue;
      const nexts =
        state.Type === 'Choice'
          ? [...state.Choices.map((c) => c.Next), ...(state.Default ? [state.Default] : [])]
          : state.Type === 'Task'
            ? [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((c) => c.Next)]
            : state.Type === 'Wait' && state.Next
              ? [state.Next]
              : [];
      for (const n of nexts) {
        if (n === to) return path;
        if (seen.has(n) || stepIds.has(n) || n === 'Exited') continue;
        seen.add(n);
        queue.push([...path, n]);
      }
    }
    return [from];
  };
  /** Where a naive run stands when the lean run stopped at `id` (still running, or stopped). */
  const sittingAt = (id: string): string[] => {
    const step = journey.steps[id];
    switch (step?.type) {
      case 'wait':
        return [id, `${id}.route`, `${id}.timer`];
      case 'waitForEvent':
        return [id];
      case undefined:
        return [id];
      default:
        return sitsDeferred ? [id, `${id}.route`, `${id}.deferred`] : [id, `${id}.route`];
    }
  };
  for (let i = 0; i < visited.length; i++) {
    const here = visited[i]!;
    const next = visited[i + 1];
    if (next === here) continue; // the same send again after a deferral: counted below
    if (here === 'Exited' || naive.States[here]?.Type === 'Succeed') {
      states.push(here);
      continue;
    }
    states.push(...(next === undefined ? sittingAt(here) : hop(here, next)));
  }
  // Each completed deferral: `<step>.deferred`, the Task again, its route Choice.
  for (let d = 0; d < deferrals; d++) states.push('deferred', 'task', 'route');
  return { states };
}

/** A run's states priced with per-op means (a deferral placeholder `task` is a send). */
function priceStates(
  prices: Prices,
  def: AslDefinition,
  states: string[],
  means: (op: string) => OpMeasure | undefined,
  memoryMb: number,
): { money: Money; sends: number; calls: number } {
  let calls = 0;
  let sends = 0;
  let gbSeconds = 0;
  let readUnits = 0;
  let writeUnits = 0;
  for (const name of states) {
    const op = name === 'task' ? 'send' : taskOp(def, name);
    if (!op) continue;
    calls++;
    if (op === 'send') sends++;
    const m = means(op);
    if (!m) continue;
    gbSeconds += (Math.ceil(m.meanMs) / 1000) * (memoryMb / MB_PER_GB);
    readUnits += m.readUnits;
    writeUnits += m.writeUnits;
  }
  return {
    money: money(prices, { transitions: states.length, calls, gbSeconds, readUnits, writeUnits }),
    sends,
    calls,
  };
}

function countTasks(def: AslDefinition, states: string[], extraTasks = 0): number {
  return states.filter((s) => def.States[s]?.Type === 'Task').length + extraTasks;
}

export function costModel(prices: Prices, journeys: Journey[], demo?: DemoMeasure): CostResult {
  const stepMemory = demo?.memoryMb.step ?? 1024;
  const results: JourneyCost[] = [];
  let overallLean = money(prices, { transitions: 0, calls: 0, gbSeconds: 0, readUnits: 0, writeUnits: 0 });
  let overallNaive = overallLean;
  let overallRuns = 0;
  const mix = { email: 0, sms: 0, push: 0 };
  const zero = money(prices, { transitions: 0, calls: 0, gbSeconds: 0, readUnits: 0, writeUnits: 0 });
  const finishedAll = { runs: 0, messages: 0, lean: zero, naive: zero };
  for (const journey of journeys) {
    const lean = compileJourney(journey);
    const naive = compileNaive(journey);
    const means = opMeans(demo, journey.id);
    const paths = (def: AslDefinition) => ({
      longest: pathCost(prices, def, longestPathTransitions(def).path, means, stepMemory),
      shortest: pathCost(prices, def, shortestPathTransitions(def).path, means, stepMemory),
      states: Object.keys(def.States).length,
    });
    const entry: JourneyCost = { journey: journey.id, lean: paths(lean), naive: paths(naive) };

    const runs = demo?.executions.filter((e) => e.journeyId === journey.id) ?? [];
    if (demo && runs.length > 0) {
      const sent = demo.messages[journey.id] ?? { email: 0, sms: 0, push: 0 };
      const messages = sent.email + sent.sms + sent.push;
      mix.email += sent.email;
      mix.sms += sent.sms;
      mix.push += sent.push;
      // Lean: exactly what ran. Lambda and DynamoDB from the probe's per-op totals for this journey.
      let calls = 0;
      let gbSeconds = 0;
      let readUnits = 0;
      let writeUnits = 0;
      for (const [key, m] of Object.entries(demo.stepOps)) {
        if (!key.startsWith(`step:${journey.id}:`)) continue;
        calls += m.invocations;
        gbSeconds += m.invocations * (Math.ceil(m.meanMs) / 1000) * (stepMemory / MB_PER_GB);
        readUnits += m.invocations * m.readUnits;
        writeUnits += m.invocations * m.writeUnits;
      }
      const transitions = runs.reduce((s, r) => s + r.states.length, 0);
      const leanTotal = money(prices, { transitions, calls, gbSeconds, readUnits, writeUnits });
      // Naive: the same routes through the naive definition; each extra Lambda call (a schedule
      // for every wait, fixed ones included) priced at the measured mean of `schedule` calls.
      let naiveTransitions = 0;
      let naiveCalls = 0;
      for (const r of runs) {
        const { states } = naiveReplay(journey, naive, r.states);
        naiveTransitions += states.length;
        naiveCalls += countTasks(naive, states) + states.filter((s) => s === 'task').length;
      }
      const extra = Math.max(0, naiveCalls - calls);
      const sched = means('schedule');
      const naiveTotal = money(prices, {
        transitions: naiveTransitions,
        calls: calls + extra,
        gbSeconds: gbSeconds + extra * ((Math.ceil(sched?.meanMs ?? 0) / 1000) * (stepMemory / MB_PER_GB)),
        readUnits: readUnits + extra * (sched?.readUnits ?? 0),
        writeUnits: writeUnits + extra * (sched?.writeUnits ?? 0),
      });
      overallLean = addMoney(overallLean, leanTotal);
      overallNaive = addMoney(overallNaive, naiveTotal);
      overallRuns += runs.length;
      const per = (total: Money, t: number, c: number): MeasuredCost => ({
        transitionsPerRun: t / runs.length,
        lambdaCallsPerRun: c / runs.length,
        perMillionRuns: scale(total, 1e6 / runs.length),
        ...(messages > 0 ? { perMillionMessages: (total.total * 1e6) / messages } : {}),
      });
      entry.measured = {
        runs: runs.length,
        finished: runs.filter((r) => r.status !== 'RUNNING').length,
        messages,
        lean: per(leanTotal, transitions, calls),
        naive: per(naiveTotal, naiveTransitions, naiveCalls),
      };
      const finished = runs.filter((r) => r.status === 'SUCCEEDED' || r.status === 'ABORTED');
      const sendCalls = Object.entries(demo.stepOps)
        .filter(([k]) => k === `step:${journey.id}:send`)
        .reduce((n, [, m]) => n + m.invocations, 0);
      const sentPerSend = sendCalls > 0 ? messages / sendCalls : 0;
      if (finished.length > 0) {
        let leanF = money(prices, { transitions: 0, calls: 0, gbSeconds: 0, readUnits: 0, writeUnits: 0 });
        let naiveF = leanF;
        let leanT = 0;
        let naiveT = 0;
        let leanC = 0;
        let naiveC = 0;
        let sends = 0;
        for (const r of finished) {
          const l = priceStates(prices, lean, r.states, means, stepMemory);
          const nStates = naiveReplay(journey, naive, r.states).states;
          const n = priceStates(prices, naive, nStates, means, stepMemory);
          leanF = addMoney(leanF, l.money);
          naiveF = addMoney(naiveF, n.money);
          leanT += r.states.length;
          naiveT += nStates.length;
          leanC += l.calls;
          naiveC += n.calls;
          sends += l.sends;
        }
        const msgs = sends * sentPerSend;
        const perF = (total: Money, t: number, c: number): MeasuredCost => ({
          transitionsPerRun: t / finished.length,
          lambdaCallsPerRun: c / finished.length,
          perMillionRuns: scale(total, 1e6 / finished.length),
          ...(msgs > 0 ? { perMillionMessages: (total.total * 1e6) / msgs } : {}),
        });
        entry.measured.finishedRuns = {
          lean: perF(leanF, leanT, leanC),
          naive: perF(naiveF, naiveT, naiveC),
          messagesPerRun: msgs / finished.length,
        };
        finishedAll.runs += finished.length;
        finishedAll.messages += msgs;
        finishedAll.lean = addMoney(finishedAll.lean, leanF);
        finishedAll.naive = addMoney(finishedAll.naive, naiveF);
      }
    }
    results.push(entry);
  }

  const us = prices.channels.sms.perMessagePartByCountry.US ?? {};
  const smsUS = (us.perMessagePart ?? Number.NaN) + (us.carrierFeePerPart ?? 0);
  const channelFees = {
    emailPerMillion: prices.channels.email.perMessage * 1e6,
    smsUSPerMillionParts: smsUS * 1e6,
    pushPerMillion: prices.channels.push.perMessage * 1e6,
  };
  const result: CostResult = {
    pricesAsOf: prices.asOf,
    journeys: results,
    channelFees,
    assumptions: [
      'Step Functions Standard, one transition per state entered (first and final included); waits free.',
      'Lambda: one request per Task entered (wait-for-event Tasks included); duration = measured mean wall time per op in the local demo, rounded up to 1 ms, × configured memory (arm64 price).',
      'DynamoDB on-demand: request units as dynalite reported them (ReturnConsumedCapacity TOTAL; strongly consistent reads 1 RRU per 4 KB, writes 1 WRU per 1 KB); a failed conditional write counted as 1 WRU.',
      'Not modelled: DynamoDB storage, CloudWatch logs/metrics/X-Ray, API Gateway, EventBridge, data transfer, free tiers.',
    ],
    targets: { orchestrationPerMillionMessages: 60 },
  };

  if (demo && overallRuns > 0) {
    // Ingest, feedback and other handlers serve every journey: add them to the overall figure.
    let handlerMoney = money(prices, { transitions: 0, calls: 0, gbSeconds: 0, readUnits: 0, writeUnits: 0 });
    for (const [name, m] of Object.entries(demo.handlers)) {
      const mem = demo.memoryMb[name] ?? 512;
      handlerMoney = addMoney(
        handlerMoney,
        money(prices, {
          transitions: 0,
          calls: m.invocations,
          gbSeconds: m.invocations * (Math.ceil(m.meanMs) / 1000) * (mem / MB_PER_GB),
          readUnits: m.invocations * m.readUnits,
          writeUnits: m.invocations * m.writeUnits,
        }),
      );
    }
    const messages = mix.email + mix.sms + mix.push;
    const leanAll = addMoney(overallLean, handlerMoney);
    const naiveAll = addMoney(overallNaive, handlerMoney);
    const feeMix =
      messages > 0
        ? (mix.email * channelFees.emailPerMillion +
            mix.sms * channelFees.smsUSPerMillionParts +
            mix.push * channelFees.pushPerMillion) /
          messages
        : Number.NaN;
    result.overall = {
      runs: overallRuns,
      messages,
      lean: {
        perMillionRuns: scale(leanAll, 1e6 / overallRuns),
        perMillionMessages: (leanAll.total * 1e6) / messages,
      },
      naive: {
        perMillionRuns: scale(naiveAll, 1e6 / overallRuns),
        perMillionMessages: (naiveAll.total * 1e6) / messages,
      },
      ...(finishedAll.runs > 0 && finishedAll.messages > 0
        ? {
            finishedRuns: (() => {
              // Ingest/feedback/unsubscribe per run, as over the whole month.
              const handlersPerRun = scale(handlerMoney, 1 / overallRuns);
              const withHandlers = (m: Money) => addMoney(m, scale(handlersPerRun, finishedAll.runs));
              const lean = withHandlers(finishedAll.lean);
              const naive = withHandlers(finishedAll.naive);
              return {
                runs: finishedAll.runs,
                messages: finishedAll.messages,
                lean: {
                  perMillionRuns: scale(lean, 1e6 / finishedAll.runs),
                  perMillionMessages: (lean.total * 1e6) / finishedAll.messages,
                },
                naive: {
                  perMillionRuns: scale(naive, 1e6 / finishedAll.runs),
                  perMillionMessages: (naive.total * 1e6) / finishedAll.messages,
                },
              };
            })(),
          }
        : {}),
      channelFeesPerMillionMessages: {
        email: channelFees.emailPerMillion,
        smsUS: channelFees.smsUSPerMillionParts,
        push: channelFees.pushPerMillion,
        mix: feeMix,
      },
      messageMix: mix,
    };
  }
  return result;
}

function addMoney(a: Money, b: Money): Money {
  return {
    stepFunctions: a.stepFunctions + b.stepFunctions,
    lambdaRequests: a.lambdaRequests + b.lambdaRequests,
    lambdaDuration: a.lambdaDuration + b.lambdaDuration,
    dynamodb: a.dynamodb + b.dynamodb,
    total: a.total + b.total,
  };
}

export type { ScopeCounts };
