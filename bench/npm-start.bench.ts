/**
 * How long `npm start` takes, exactly as a person runs it: a fresh process, the default demo
 * (1,000 customers, 30 simulated days), measured from outside with /usr/bin/time (wall, user and
 * system CPU of the whole process tree, peak RSS). The target is ≤ 20 s on this 2-core machine (issue 19).
 *
 * Beside each round, in the same run, the raw cost of one DynamoDB request on the demo's own
 * transport (bench/raw-request.bench.ts, in a child process of its own), and the demo's DynamoDB
 * requests as it counted and printed them (local/dynamo-requests.ts). Together they give the
 * *floor*: requests × raw CPU per request ÷ the threads the demo ran on = the wall seconds its
 * DynamoDB requests alone would take at the raw rate, with nothing else of Herald around them.
 *
 *   npx tsx bench/npm-start.bench.ts                        # default demo, 1 round
 *   npx tsx bench/npm-start.bench.ts --customers 200 --rounds 3
 *   npx tsx bench/npm-start.bench.ts --shards 1             # one thread instead of worker threads
 *   npx tsx bench/npm-start.bench.ts --json out.json        # also every figure as JSON
 *
 * The machine is shared: the 1-minute load average before and after each round is printed beside
 * the figures, because CPU seconds compare across runs and wall seconds only on a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DynamoRequestCounts, parseRequestsLine, totalRequests } from '../local/dynamo-requests.ts';
import { runChild } from './lib/spawn.ts';
import { median } from './lib/stats.ts';
import type { RawRequestResult } from './raw-request.bench.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_SECONDS = 20;
const CORES = os.availableParallelism();

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const rounds = Number(arg('rounds') ?? 1);
const customers = Number(arg('customers') ?? 1000);
const demoArgs = ['--no-progress', '--out', path.join(os.tmpdir(), 'herald-npm-start-bench')];
for (const name of ['customers', 'days', 'seed', 'shards']) {
  const value = arg(name);
  if (value !== undefined) demoArgs.push(`--${name}`, value);
}

interface Round {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  loadBefore: number;
  loadAfter: number;
  exitCode: number | null;
  demoLine?: string;
  /** The threads the demo's shards ran on, at most the cores. */
  threads: number;
  dynamoRequests?: { total: number; byOperation: DynamoRequestCounts };
  raw: RawRequestResult;
  /** Derived: what the figures above say together (NaN without a request count). */
  requestsPerWallSecond: number;
  /** The demo's request rate ÷ the raw rate (one thread, 8 requests in flight). */
  ratioToRaw: number;
  floorSeconds: number;
}

function timeNpmStart() {
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', 'npm', 'start', '--', ...demoArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const timeLine = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(run.stderr ?? '');
  if (!timeLine) throw new Error(`no timing from /usr/bin/time:\n${run.stderr}`);
  const [, wall, user, sys, rssKb] = timeLine;
  const demoLine = /Real time: .*/.exec(run.stdout ?? '')?.[0];
  // "… on 2 worker threads …" / "… on 1 thread …"
  const shards = Number(/ on (\d+) (?:thread|worker threads)/.exec(demoLine ?? '')?.[1] ?? Number.NaN);
  const counts = parseRequestsLine(run.stdout ?? '');
  return {
    wallSeconds: Number(wall),
    cpuSeconds: Number(user) + Number(sys),
    peakRssMiB: Math.round(Number(rssKb) / 1024),
    exitCode: run.status,
    ...(demoLine ? { demoLine } : {}),
    threads: Math.min(shards, CORES),
    ...(counts ? { dynamoRequests: { total: totalRequests(counts), byOperation: counts } } : {}),
  };
}

const results: Round[] = [];
for (let i = 0; i < rounds; i++) {
  // The baseline first, in its own process, so each round's ratio is to the rate just measured.
  const raw = runChild<RawRequestResult>('raw-request', {});
  const loadBefore = os.loadavg()[0] ?? 0;
  const demo = timeNpmStart();
  const requests = demo.dynamoRequests?.total ?? Number.NaN;
  const r: Round = {
    ...demo,
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
    raw,
    requestsPerWallSecond: requests / demo.wallSeconds,
    ratioToRaw: requests / demo.wallSeconds / raw.baseline.perSecond,
    floorSeconds: (requests * raw.baseline.cpuMsPerRequest) / 1000 / demo.threads,
  };
  results.push(r);
  // bench/e2e.bench.ts reads this line.
  process.stdout.write(
    `round ${i + 1}: ${r.wallSeconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU, ${r.peakRssMiB} MiB peak, ` +
      `load ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)}, exit ${r.exitCode}\n    ${r.demoLine ?? ''}\n` +
      `    raw (${raw.concurrency} in flight, ${raw.requests} each): ${raw.cases
        .map(
          (c) =>
            `${c.client} ${c.operation} ${c.perSecond.toFixed(0)}/s ${c.cpuMsPerRequest.toFixed(2)} ms CPU`,
        )
        .join(', ')}\n`,
  );
}

const wall = median(results.map((r) => r.wallSeconds));
const cpu = median(results.map((r) => r.cpuSeconds));
process.stdout.write(`\nnpm start -- ${demoArgs.join(' ')}\n\n${roundsTable(results)}\n\n`);
process.stdout.write(
  `median of ${rounds}: ${wall.toFixed(1)} s wall (target ≤ ${TARGET_SECONDS} s${customers === 1000 ? `: ${wall <= TARGET_SECONDS ? 'met' : 'NOT met'}` : ', for 1,000 customers'}), ` +
    `${cpu.toFixed(1)} s CPU on ${CORES} cores (${(cpu / CORES).toFixed(1)} s if both were free); ` +
    `floor ${median(results.map((r) => r.floorSeconds)).toFixed(1)} s\n` +
    '(raw: lib-dynamodb PutItem + consistent GetItem of a ~1 KB item over in-process dynalite, in a child process; ' +
    'floor = requests × raw CPU ms per request ÷ threads: the DynamoDB requests alone at the raw rate)\n',
);
const jsonOut = arg('json');
if (jsonOut) {
  const command = `npx tsx bench/npm-start.bench.ts ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ command, demoArgs, cores: CORES, targetSeconds: TARGET_SECONDS, rounds: results }, null, 2)}\n`,
  );
}

function roundsTable(rows: Round[]): string {
  const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  const header = [
    'round',
    'wall s',
    'CPU s',
    'requests',
    'req/wall s',
    'raw req/s',
    'raw CPU ms/req',
    'req/s ÷ raw',
    `floor s (÷ threads)`,
    'floor ÷ wall',
    `target s`,
  ];
  const body = rows.map((r, i) => [
    String(i + 1),
    n(r.wallSeconds),
    n(r.cpuSeconds),
    r.dynamoRequests ? String(r.dynamoRequests.total) : 'n/a',
    n(r.requestsPerWallSecond, 0),
    n(r.raw.baseline.perSecond, 0),
    n(r.raw.baseline.cpuMsPerRequest, 2),
    n(r.ratioToRaw, 2),
    `${n(r.floorSeconds)} (÷ ${r.threads})`,
    n(r.floorSeconds / r.wallSeconds, 2),
    `≤ ${TARGET_SECONDS}`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c]!)).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
