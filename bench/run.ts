/**
 * `npm run bench`: every benchmark, one table, bench/results.json.
 *
 *   npm run bench                       # everything (a few minutes on 2 shared cores)
 *   npm run bench -- --quick            # fewer, shorter rounds (a smoke run; figures are rougher)
 *   npm run bench -- --only engine,cost # some sections: engine, e2e, cost, scale, bundles, cli, simulate, send-time
 *   npm run bench -- --customers 1000   # demo size for the end-to-end section (default 1000)
 *   npm run bench -- --rounds 3 --budget 20   # demo timing rounds, and the minutes they may take
 *   npm run bench -- --markdown         # also print the table as Markdown (for docs/performance.md)
 *   npm run bench -- --only e2e,cost --reuse-e2e   # recompute the table from bench/results.json's demo runs
 *   npm run bench -- --only e2e,cost --keep-others # run these, keep the other sections' last figures
 *
 * Each section runs in its own Node process (fresh heap, its own peak RSS). Every figure is taken
 * beside its baseline in the same run, several times, and reported as a median; ratios are what
 * to compare across machines, not raw rates.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundlesResult } from './bundles.bench.ts';
import type { CliResult } from './cli.bench.ts';
import { type CostResult, costModel, type Prices } from './cost.ts';
import type { E2eResult } from './e2e.bench.ts';
import type { EngineResult } from './engine.bench.ts';
import { runChild } from './lib/spawn.ts';
import { fmt, formatTable, markdownTable, type Row } from './lib/table.ts';
import { loadReferenceJourney, REFERENCE_JOURNEYS } from './lib/world.ts';
import type { ScaleBenchResult } from './scale.bench.ts';
import { SCALE_TARGETS, type ScalePrices } from './scale-cost.ts';
import { estimateReplenishment } from './scale-estimate.ts';
import { scaleFloor } from './scale-floor.ts';
import type { SendTimeResult } from './send-time.bench.ts';
import type { SimulateResult } from './simulate.bench.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['engine', 'e2e', 'cost', 'scale', 'bundles', 'cli', 'simulate', 'send-time'] as const;
/** Issue 19: the 1,000-customer demo, and DynamoDB requests per demo customer-month. */
const NPM_START_TARGET_S = 20;
const DYNAMO_OPS_TARGET = 35;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : [...SECTIONS];
  const customersAt = argv.indexOf('--customers');
  const customers = customersAt >= 0 ? Number(argv[customersAt + 1]) : 1000;
  const num = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? Number(argv[at + 1]) : undefined;
  };
  for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`unknown section ${s}`);
  return {
    quick,
    only: new Set(only as Section[]),
    customers,
    rounds: num('--rounds'),
    budgetMinutes: num('--budget'),
  };
}

function log(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function engineRows(r: EngineResult): Row[] {
  const t = r.targets;
  const rows = [...r.journeys, { journey: 'all journeys, mixed', ...r.all }].map((j): Row => {
    const met = j.engine.median >= t.ratePerSecond && j.ratio.median >= t.ratioToRaw;
    return {
      area: '1 engine',
      figure: `${j.journey}: decide+render /s`,
      measured: fmt.int(j.engine.median),
      baseline: `${fmt.int(j.rawLiquid.median)} raw liquidjs /s`,
      ratio: fmt.ratio(j.ratio.median),
      target: `≥ ${fmt.int(t.ratePerSecond)}/s and ≥ ${t.ratioToRaw}×`,
      met,
    };
  });
  rows.push({
    area: '1 engine',
    figure: 'all: planSend alone /s | render alone /s',
    measured: `${fmt.int(r.all.decideOnly.median)} | ${fmt.int(r.all.renderOnly.median)}`,
    baseline: '',
    ratio: '',
    target: '(where the time goes)',
    met: undefined,
  });
  return rows;
}

function e2eRows(r: E2eResult | undefined): Row[] {
  if (!r) return [];
  const raw = r.dynalite;
  // The baseline op rate: the mean of PutItem and GetItem over loopback (local/standins), as
  // specified; the in-process transport the demo itself uses is shown beside it.
  const rawRate = raw ? (raw.putPerSecond.median + raw.getPerSecond.median) / 2 : Number.NaN;
  const rows: Row[] = [
    {
      area: '2 local e2e',
      figure: 'dynalite raw PutItem /s | GetItem /s (loopback)',
      measured: raw ? `${fmt.int(raw.putPerSecond.median)} | ${fmt.int(raw.getPerSecond.median)}` : 'n/a',
      baseline: raw ? `${raw.concurrency} in flight, ~1 KB items` : '',
      ratio: '',
      target: '(baseline)',
      met: undefined,
    },
  ];
  if (raw?.inProcess) {
    rows.push({
      area: '2 local e2e',
      figure: 'dynalite raw PutItem /s | GetItem /s (in-process)',
      measured: `${fmt.int(raw.inProcess.putPerSecond.median)} | ${fmt.int(raw.inProcess.getPerSecond.median)}`,
      baseline: 'the transport the demo uses',
      ratio: '',
      target: '(reference)',
      met: undefined,
    });
  }
  if (r.demo.status === 'stalled') {
    rows.push({
      area: '2 local e2e',
      figure: `demo customers/s (${r.customers} customers)`,
      measured: `STALLED after ${fmt.num(r.demo.wallSeconds, 0)} s`,
      baseline: raw ? `${fmt.int(rawRate)} raw ops/s` : '',
      ratio: '',
      target: `≥ 0.2× raw op rate; ≤ ${NPM_START_TARGET_S} s`,
      met: false,
      note: `${r.demo.reason}; ${fmt.num(r.demo.cpuSeconds, 0)} s CPU used. ${r.demo.probe ? `Probed run at ${r.demo.probe.customers} customers completed in ${fmt.num(r.demo.probe.wallSeconds, 0)} s and feeds the cost model.` : `No probed run: ${r.demo.probeError ?? '?'}`}`,
    });
    return rows;
  }
  if (r.demo.status !== 'measured') {
    rows.push({
      area: '2 local e2e',
      figure: `demo customers/s (${r.customers} customers)`,
      measured: 'PENDING',
      baseline: raw ? `${fmt.int(rawRate)} raw ops/s` : '',
      ratio: '',
      target: `≥ 0.2× raw op rate; ≤ ${NPM_START_TARGET_S} s`,
      met: undefined,
      note: r.demo.reason,
    });
    return rows;
  }
  const d = r.demo;
  const probeNote = d.probe
    ? `probed run (${d.probe.customers} customers, ${fmt.num(d.probe.wallSeconds, 0)} s) feeds the cost model`
    : `no probed run${d.probeError ? `: ${d.probeError.split('\n')[0]}` : ''}`;
  rows.push(
    {
      area: '2 local e2e',
      figure: `demo customers/s (${r.customers} customers, ${r.rounds} run${r.rounds === 1 ? '' : 's'}${d.shards ? `, ${d.shards} shards` : ''})`,
      measured: fmt.num(d.customersPerSecond.median, 1),
      baseline: `${fmt.int(rawRate)} raw ops/s`,
      ratio: fmt.ratio(d.customersPerSecond.median / rawRate),
      target: '≥ 0.2× raw op rate',
      met: d.customersPerSecond.median / rawRate >= 0.2,
      note: `${d.executions} executions, ${d.events ?? '?'} events, ${d.errors ?? '?'} errors in the last run; phases ${Object.entries(
        d.phases ?? {},
      )
        .map(([k, v]) => `${k.replace(/Ms$/, '')} ${fmt.num(v / 1000, 1)} s`)
        .join(', ')}; ${probeNote}`,
    },
    {
      area: '2 local e2e',
      figure: `demo wall time | CPU time (${r.customers} customers)`,
      measured: `${fmt.num(d.wallSeconds.median, 1)} s | ${fmt.num(d.cpuSeconds.median, 1)} s`,
      baseline: '',
      ratio: '',
      target: r.customers === 1000 ? `≤ ${NPM_START_TARGET_S} s` : '(target is for 1,000)',
      met: r.customers === 1000 ? d.wallSeconds.median <= NPM_START_TARGET_S : undefined,
    },
    ...(r.npmStart
      ? [
          'error' in r.npmStart
            ? {
                area: '2 local e2e',
                figure: `npm start, timed from outside (${r.customers} customers)`,
                measured: 'ERROR',
                baseline: '',
                ratio: '',
                target: `≤ ${NPM_START_TARGET_S} s`,
                met: undefined,
                note: r.npmStart.error,
              }
            : {
                area: '2 local e2e',
                figure: `npm start wall | CPU | peak RSS (${r.customers} customers, 1 run)`,
                measured: `${fmt.num(r.npmStart.wallSeconds, 1)} s | ${fmt.num(r.npmStart.cpuSeconds, 1)} s | ${fmt.int(r.npmStart.peakRssMiB)} MiB`,
                baseline: 'LOCAL’s bench/npm-start.bench.ts',
                ratio: '',
                target: r.customers === 1000 ? `≤ ${NPM_START_TARGET_S} s` : '(target is for 1,000)',
                met: r.customers === 1000 ? r.npmStart.wallSeconds <= NPM_START_TARGET_S : undefined,
              },
        ]
      : []),
    {
      area: '2 local e2e',
      figure: 'demo peak RSS',
      measured: `${fmt.int(d.peakRssMiB.median)} MiB`,
      baseline: '',
      ratio: '',
      target: '(reported)',
      met: undefined,
    },
  );
  const probe = d.probe;
  if (probe?.dynamoRequests !== undefined) {
    const perCustomerMonth = probe.dynamoRequests / probe.customers;
    rows.push({
      area: '2 local e2e',
      figure: `DynamoDB requests per demo customer-month (probed run, ${probe.customers} customers, ${probe.days ?? '?'} days)`,
      measured: fmt.num(perCustomerMonth, 1),
      baseline: `${fmt.int(probe.dynamoRequests)} requests by the handlers`,
      ratio: '',
      target: `≤ ${DYNAMO_OPS_TARGET}`,
      met: perCustomerMonth <= DYNAMO_OPS_TARGET,
      note: 'counted by the SDK probe as bench/dynamo-ops.ts counts them: seeding and read-back left out',
    });
  }
  return rows;
}

/** `herald simulate` of one customer (bench/simulate.bench.ts; issue 19: ≤ 0.5 s after start-up). */
function simulateRows(r: SimulateResult): Row[] {
  return [
    {
      area: '5 cli',
      figure: `herald simulate ${r.journey}, one customer, after start-up (${r.rounds} calls)`,
      measured: fmt.ms(r.warmMs.median),
      baseline: `${fmt.ms(r.commandMs.median)} the whole command`,
      ratio: fmt.ratio(r.warmMs.median / r.commandMs.median),
      target: `≤ ${fmt.ms(r.targetMs)}`,
      met: r.warmMs.median <= r.targetMs,
      note: `first call in the process ${fmt.ms(r.coldMs)}; warm ${fmt.ms(r.warmMs.min)}–${fmt.ms(r.warmMs.max)}`,
    },
  ];
}

/**
 * Scale mode beside Standard from counted calls (bench/scale.bench.ts: the same world in both
 * modes), and the floor of a finished replenishment run (bench/scale-floor.ts).
 */
function scaleCountedRows(r: ScaleBenchResult, prices: ScalePrices): Row[] {
  const rows: Row[] = [];
  if (r.finished) {
    const f = r.finished;
    rows.push({
      area: '3 cost',
      figure: `replenishment, finished runs, scale mode (counted, ${f.scale.runs} runs): $/1M runs`,
      measured: fmt.usd(f.scale.perMillionRuns.total),
      baseline: `${fmt.usd(f.standard.perMillionRuns.total)} Standard`,
      ratio: fmt.ratio(f.ratio.perMillionRuns),
      target: `≤ $${SCALE_TARGETS.perMillionRuns}`,
      met: f.scale.perMillionRuns.total <= SCALE_TARGETS.perMillionRuns,
      note: `writes ${fmt.usd(f.scale.perMillionRuns.dynamodbWrites)} (${fmt.num(f.scale.usage.writeUnits / f.scale.runs, 1)} WRU per run)`,
    });
  }
  const perMessage = r.all.scale.perMillionMessages ?? Number.NaN;
  rows.push({
    area: '3 cost',
    figure: `all journeys, scale mode (counted, ${r.customers} customers, 30 days): $/1M messages`,
    measured: fmt.usd(perMessage),
    baseline: `${fmt.usd(r.all.standard.perMillionMessages ?? Number.NaN)} Standard`,
    ratio: fmt.ratio(r.all.ratio.perMillionMessages),
    target: `≤ $${SCALE_TARGETS.perMillionMessages}`,
    met: perMessage <= SCALE_TARGETS.perMillionMessages,
  });
  const floor = scaleFloor(prices);
  rows.push({
    area: '3 cost',
    figure: 'replenishment floor: least billable run, minimal writes | writes as built ($/1M runs)',
    measured: `${fmt.usd(floor.minimal.perMillionRuns.total)} | ${fmt.usd(floor.built.perMillionRuns.total)}`,
    baseline: `${floor.minimal.usage.writeUnits} | ${floor.built.usage.writeUnits} WRU per run`,
    ratio: '',
    target: `≤ $${SCALE_TARGETS.perMillionRuns}`,
    met: undefined,
    note: 'bench/scale-floor.ts: every other line at its least; docs/performance.md §7',
  });
  return rows;
}

/**
 * Scale mode beside Standard (issue 14), from bench/scale-estimate.ts's call list until a counted
 * scale-mode run feeds bench/scale-cost.ts.
 */
function scaleRows(prices: ScalePrices): Row[] {
  const both = estimateReplenishment(prices);
  const runs = both.scale.perMillionRuns.total;
  const messages = both.scale.perMillionMessages ?? Number.NaN;
  return [
    {
      area: '3 cost',
      figure: 'replenishment, scale mode (estimate from the call list): $/1M runs',
      measured: fmt.usd(runs),
      baseline: `${fmt.usd(both.standard.perMillionRuns.total)} Standard`,
      ratio: fmt.ratio(both.ratio.perMillionRuns),
      target: `≤ $${SCALE_TARGETS.perMillionRuns}`,
      met: runs <= SCALE_TARGETS.perMillionRuns,
    },
    {
      area: '3 cost',
      figure: 'replenishment, scale mode (estimate from the call list): $/1M messages',
      measured: fmt.usd(messages),
      baseline: `${fmt.usd(both.standard.perMillionMessages ?? Number.NaN)} Standard`,
      ratio: fmt.ratio(both.ratio.perMillionMessages),
      target: `≤ $${SCALE_TARGETS.perMillionMessages}`,
      met: messages <= SCALE_TARGETS.perMillionMessages,
    },
  ];
}

function costRows(c: CostResult): Row[] {
  const target = c.targets.orchestrationPerMillionMessages;
  const rows: Row[] = [];
  for (const j of c.journeys) {
    const lean = j.lean.longest;
    const naive = j.naive.longest;
    rows.push({
      area: '3 cost',
      figure: `${j.journey}: longest path, $/1M runs`,
      measured: `${fmt.usd(lean.perMillionRuns.total)} (${lean.transitions} transitions)`,
      baseline: `${fmt.usd(naive.perMillionRuns.total)} naive (${naive.transitions})`,
      ratio: fmt.ratio(lean.perMillionRuns.total / naive.perMillionRuns.total),
      target: '',
      met: undefined,
    });
    if (lean.perMillionMessages !== undefined) {
      rows.push({
        area: '3 cost',
        figure: `${j.journey}: longest path, $/1M messages`,
        measured: fmt.usd(lean.perMillionMessages),
        baseline: `${fmt.usd(naive.perMillionMessages ?? Number.NaN)} naive`,
        ratio: fmt.ratio(lean.perMillionMessages / (naive.perMillionMessages ?? Number.NaN)),
        target: `≤ $${target}`,
        met: lean.perMillionMessages <= target,
      });
    }
    if (j.measured?.finishedRuns) {
      const f = j.measured.finishedRuns;
      const l = f.lean.perMillionMessages;
      const n = f.naive.perMillionMessages;
      rows.push({
        area: '3 cost',
        figure: `${j.journey}: finished demo runs (${j.measured.finished}), $/1M messages`,
        measured:
          l !== undefined ? `${fmt.usd(l)} (${fmt.num(f.lean.transitionsPerRun, 1)} tr/run)` : 'no messages',
        baseline: n !== undefined ? `${fmt.usd(n)} naive (${fmt.num(f.naive.transitionsPerRun, 1)})` : '',
        ratio: l !== undefined && n !== undefined ? fmt.ratio(l / n) : '',
        target: `≤ $${target}`,
        met: l !== undefined ? l <= target : undefined,
      });
    }
    if (j.measured) {
      const m = j.measured;
      rows.push({
        area: '3 cost',
        figure: `${j.journey}: whole demo month (${m.runs} runs), $/1M messages`,
        measured:
          m.lean.perMillionMessages !== undefined ? fmt.usd(m.lean.perMillionMessages) : 'no messages',
        baseline:
          m.naive.perMillionMessages !== undefined ? `${fmt.usd(m.naive.perMillionMessages)} naive` : '',
        ratio:
          m.lean.perMillionMessages !== undefined && m.naive.perMillionMessages !== undefined
            ? fmt.ratio(m.lean.perMillionMessages / m.naive.perMillionMessages)
            : '',
        target: `≤ $${target}`,
        met: m.lean.perMillionMessages !== undefined ? m.lean.perMillionMessages <= target : undefined,
      });
    }
  }
  if (c.overall) {
    const o = c.overall;
    if (o.finishedRuns) {
      const f = o.finishedRuns;
      rows.push({
        area: '3 cost',
        figure: `all, finished runs (${f.runs}): orchestration $/1M messages`,
        measured: fmt.usd(f.lean.perMillionMessages),
        baseline: `${fmt.usd(f.naive.perMillionMessages)} naive`,
        ratio: fmt.ratio(f.lean.perMillionMessages / f.naive.perMillionMessages),
        target: `≤ $${target}`,
        met: f.lean.perMillionMessages <= target,
      });
    }
    rows.push(
      {
        area: '3 cost',
        figure: `all, whole month (incl. ingest/feedback): $/1M runs`,
        measured: fmt.usd(o.lean.perMillionRuns.total),
        baseline: `${fmt.usd(o.naive.perMillionRuns.total)} naive`,
        ratio: fmt.ratio(o.lean.perMillionRuns.total / o.naive.perMillionRuns.total),
        target: '',
        met: undefined,
      },
      {
        area: '3 cost',
        figure: `all, whole month: orchestration $/1M messages`,
        measured: fmt.usd(o.lean.perMillionMessages),
        baseline: `${fmt.usd(o.naive.perMillionMessages)} naive`,
        ratio: fmt.ratio(o.lean.perMillionMessages / o.naive.perMillionMessages),
        target: `≤ $${target}`,
        met: o.lean.perMillionMessages <= target,
      },
      {
        area: '3 cost',
        figure: 'channel fees $/1M messages (apart)',
        measured: `${fmt.usd(o.channelFeesPerMillionMessages.mix)} demo mix`,
        baseline: `email ${fmt.usd(c.channelFees.emailPerMillion)}, SMS US ${fmt.usd(c.channelFees.smsUSPerMillionParts)}/part, push ${fmt.usd(c.channelFees.pushPerMillion)}`,
        ratio: '',
        target: '(not orchestration)',
        met: undefined,
      },
    );
  } else {
    rows.push({
      area: '3 cost',
      figure: 'channel fees $/1M messages (apart)',
      measured: `email ${fmt.usd(c.channelFees.emailPerMillion)}`,
      baseline: `SMS US ${fmt.usd(c.channelFees.smsUSPerMillionParts)}/part, push ${fmt.usd(c.channelFees.pushPerMillion)}`,
      ratio: '',
      target: '(not orchestration)',
      met: undefined,
      note: 'Lambda GB-seconds and DynamoDB units need the demo measurement; the path rows above are Step Functions + Lambda requests only until then.',
    });
  }
  return rows;
}

function bundleRows(b: BundlesResult): Row[] {
  return b.handlers.map((h): Row => {
    const label = `${h.handler}${h.standIn ? ' (STAND-IN)' : ''}`;
    if (h.error || h.bytes === undefined) {
      return {
        area: '4 bundles',
        figure: label,
        measured: 'ERROR',
        baseline: '',
        ratio: '',
        target: '≤ 1 MB, ≤ 150 ms',
        met: false,
        note: h.error,
      };
    }
    const init = h.initMs?.median ?? Number.NaN;
    return {
      area: '4 bundles',
      figure: `${label}: size | init`,
      measured: `${fmt.kb(h.bytes)} | ${fmt.ms(init)}`,
      baseline: `empty import ${fmt.ms(b.emptyImportMs.median)}`,
      ratio: fmt.ratio(init / b.emptyImportMs.median),
      target: '≤ 1 MB, ≤ 150 ms',
      met: h.standIn ? undefined : h.bytes <= b.targets.maxBytes && init <= b.targets.maxInitMs,
      ...(h.standIn
        ? {
            note: 'functions/handlers has no such handler yet: infra’s stand-in was measured, which says nothing',
          }
        : {}),
    };
  });
}

function cliRows(c: CliResult): Row[] {
  return c.cases.map(
    (k): Row => ({
      area: '5 cli',
      figure: `${k.name}: wall, fresh process (${c.runs} runs)`,
      measured: fmt.ms(k.wallMs.median),
      baseline: `node -e 0 ${fmt.ms(c.bareNodeMs.median)}`,
      ratio: fmt.ratio(k.ratioToNode.median),
      target: `≤ ${fmt.ms(c.targets.maxWallMs)}`,
      met: k.wallMs.median <= c.targets.maxWallMs,
      note: `${k.command}${k.cpuMs ? `; CPU ${fmt.ms(k.cpuMs.median)} (node -e 0: ${fmt.ms(c.bareNodeCpuMs?.median ?? Number.NaN)})` : ''}; load average ${c.loadAverage.before[0]?.toFixed(1)} → ${c.loadAverage.after[0]?.toFixed(1)}`,
    }),
  );
}

/** Send time and channel choice against the demo's hidden truth (bench/send-time.bench.ts). */
function sendTimeRows(s: SendTimeResult): Row[] {
  const arm = (name: string) => s.sendTime.find((a) => a.arm === name)!;
  const [fixed, best] = [arm('fixed'), arm('best')];
  const pct = (x: number) => `${fmt.num(100 * x, 1)} %`;
  const [lifetime, recency] = s.channels;
  return [
    {
      area: '6 send time',
      figure: `best vs fixed 10:00: email opens (${s.emailCustomers} customers, after ${s.learningSends} sends)`,
      measured: pct(best.openRate),
      baseline: `${pct(fixed.openRate)} fixed 10:00`,
      ratio: fmt.ratio(s.openRatio),
      target: `≥ ${s.targets.openRatio}×`,
      met: s.openRatio >= s.targets.openRatio,
      note: `clicks ${pct(best.clickRate)} vs ${pct(fixed.clickRate)} (${fmt.ratio(s.clickRatio)}); seed ${s.seed}`,
    },
    {
      area: '6 send time',
      figure: 'best: learned time within 1 h of the hidden one | sends to learn (median, p90)',
      measured: `${pct(best.learnedWithinHour)} | ${best.sendsToLearn.median ?? '–'}, ${best.sendsToLearn.p90 ?? '–'}`,
      baseline: `${pct(best.learnedAtEnd)} have a learned time`,
      ratio: '',
      target: '(reported)',
      met: undefined,
    },
    {
      area: '6 send time',
      figure: 'preferred channel: response rate, recency vs lifetime',
      measured: pct(recency!.responseRate),
      baseline: `${pct(lifetime!.responseRate)} lifetime count`,
      ratio: fmt.ratio(s.channelRatio),
      target: '(reported)',
      met: undefined,
    },
  ];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const options = {
    quick: args.quick,
    customers: args.customers,
    ...(args.rounds !== undefined ? { rounds: args.rounds } : {}),
    ...(args.budgetMinutes !== undefined ? { budgetMinutes: args.budgetMinutes } : {}),
  };
  type Results = {
    engine?: EngineResult;
    e2e?: E2eResult;
    cost?: CostResult;
    bundles?: BundlesResult;
    cli?: CliResult;
    'send-time'?: SendTimeResult;
    scale?: ScaleBenchResult;
    simulate?: SimulateResult;
  };
  const reuse = process.argv.includes('--reuse-e2e');
  const keep = reuse || process.argv.includes('--keep-others');
  // With --reuse-e2e or --keep-others, sections not run now keep their figures (and the time they
  // were measured) from the last results.json.
  const previous: Results & { measuredAt?: Record<string, string>; startedAt?: string } = keep
    ? (JSON.parse(readFileSync(path.join(HERE, 'results.json'), 'utf8')) as Results)
    : {};
  const measuredAt: Record<string, string> = {};
  const results: Results = {};
  if (keep) {
    for (const name of ['engine', 'bundles', 'cli', 'send-time', 'scale', 'simulate'] as const) {
      if (args.only.has(name) || !previous[name]) continue;
      (results as Record<string, unknown>)[name] = previous[name];
      measuredAt[name] = previous.measuredAt?.[name] ?? previous.startedAt ?? 'unknown';
    }
  }
  const errors: Record<string, string> = {};
  const attempt = <T>(name: Section, fn: () => T): T | undefined => {
    log(`${name}…`);
    try {
      return fn();
    } catch (error) {
      errors[name] = (error as Error).message;
      log(`${name} FAILED: ${(error as Error).message}`);
      return undefined;
    }
  };

  if (args.only.has('engine'))
    results.engine = attempt('engine', () => runChild<EngineResult>('engine', options));
  if (args.only.has('e2e') || args.only.has('cost')) {
    // The cost model needs the demo's measured call counts, so `--only cost` runs the demo too
    // (or, with --reuse-e2e, takes them from the last results.json).
    if (reuse) measuredAt.e2e = previous.measuredAt?.e2e ?? previous.startedAt ?? 'unknown';
    results.e2e = reuse ? previous.e2e : attempt('e2e', () => runChild<E2eResult>('e2e', options));
  }
  if (args.only.has('cost')) {
    results.cost = attempt('cost', () => {
      const prices = JSON.parse(readFileSync(path.join(HERE, 'prices.json'), 'utf8')) as Prices;
      const e2eDemo = results.e2e?.demo;
      const demo = e2eDemo && e2eDemo.status !== 'pending' ? e2eDemo.probe?.calls : undefined;
      return costModel(prices, REFERENCE_JOURNEYS.map(loadReferenceJourney), demo);
    });
  }
  if (args.only.has('bundles'))
    results.bundles = attempt('bundles', () => runChild<BundlesResult>('bundles', options));
  if (args.only.has('cli')) results.cli = attempt('cli', () => runChild<CliResult>('cli', options));
  if (args.only.has('send-time'))
    results['send-time'] = attempt('send-time', () => runChild<SendTimeResult>('send-time', options));
  if (args.only.has('scale'))
    results.scale = attempt('scale', () => runChild<ScaleBenchResult>('scale', options, 30 * 60_000));
  if (args.only.has('simulate'))
    results.simulate = attempt('simulate', () => runChild<SimulateResult>('simulate', options));

  const rows: Row[] = [
    ...(results.engine ? engineRows(results.engine) : []),
    ...(args.only.has('e2e') || reuse ? e2eRows(results.e2e) : []),
    ...(results.cost ? costRows(results.cost) : []),
    ...(results.cost
      ? scaleRows(JSON.parse(readFileSync(path.join(HERE, 'prices.json'), 'utf8')) as ScalePrices)
      : []),
    ...(results.scale
      ? scaleCountedRows(
          results.scale,
          JSON.parse(readFileSync(path.join(HERE, 'prices.json'), 'utf8')) as ScalePrices,
        )
      : []),
    ...(results.bundles ? bundleRows(results.bundles) : []),
    ...(results.cli ? cliRows(results.cli) : []),
    ...(results.simulate ? simulateRows(results.simulate) : []),
    ...(results['send-time'] ? sendTimeRows(results['send-time']) : []),
  ];
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: { before: loadBefore, after: os.loadavg() },
  };
  const report = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    /** When each section's figures were measured (kept sections come from an earlier run). */
    measuredAt: Object.fromEntries(
      (['engine', 'e2e', 'bundles', 'cli', 'send-time', 'scale', 'simulate'] as const)
        .filter((name) => results[name])
        .map((name) => [name, measuredAt[name] ?? startedAt.toISOString()]),
    ),
    machine,
    table: rows,
    errors,
    ...results,
  };
  const resultsFile = path.join(HERE, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  // bench/** is in Biome's scope: format the file as Biome would, so `npm run lint` stays clean.
  spawnSync(path.join(HERE, '../node_modules/.bin/biome'), ['format', '--write', resultsFile], {
    stdio: 'ignore',
  });

  process.stdout.write(
    `\nHerald benchmarks — ${machine.cpus} cores (${machine.model}), Node ${machine.node}, load average ${loadBefore.map((l) => l.toFixed(1)).join('/')} at start\n\n`,
  );
  process.stdout.write(`${formatTable(rows)}\n`);
  if (process.argv.includes('--markdown')) process.stdout.write(`\n${markdownTable(rows)}\n`);
  if (Object.keys(errors).length)
    process.stdout.write(`\nFailed sections: ${Object.keys(errors).join(', ')}\n`);
  process.stdout.write(`\nbench/results.json written (${rows.length} rows).\n`);
}

await main();
