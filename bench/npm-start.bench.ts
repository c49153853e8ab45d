/**
 * How long `npm start` takes, exactly as a person runs it: a fresh process, the default demo
 * (1,000 customers, 30 simulated days), measured from outside with /usr/bin/time (wall, user and
 * system CPU of the whole process tree, peak RSS). The target is ≤ 20 s on this 2-core machine (issue 19).
 *
 *   npx tsx bench/npm-start.bench.ts                        # default demo, 1 round
 *   npx tsx bench/npm-start.bench.ts --customers 200 --rounds 3
 *   npx tsx bench/npm-start.bench.ts --shards 1             # one thread instead of worker threads
 *
 * The machine is shared: the 1-minute load average before and after each round is printed beside
 * the figures, because CPU seconds compare across runs and wall seconds only on a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_SECONDS = 20;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const rounds = Number(arg('rounds') ?? 1);
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
}

const results: Round[] = [];
for (let i = 0; i < rounds; i++) {
  const loadBefore = os.loadavg()[0] ?? 0;
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', 'npm', 'start', '--', ...demoArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const timeLine = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(run.stderr ?? '');
  if (!timeLine) throw new Error(`no timing from /usr/bin/time:\n${run.stderr}`);
  const [, wall, user, sys, rssKb] = timeLine;
  results.push({
    wallSeconds: Number(wall),
    cpuSeconds: Number(user) + Number(sys),
    peakRssMiB: Math.round(Number(rssKb) / 1024),
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
    exitCode: run.status,
    ...(/Real time: .*/.exec(run.stdout ?? '') ? { demoLine: /Real time: .*/.exec(run.stdout)?.[0] } : {}),
  });
  const r = results.at(-1)!;
  process.stdout.write(
    `round ${i + 1}: ${r.wallSeconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU, ${r.peakRssMiB} MiB peak, ` +
      `load ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)}, exit ${r.exitCode}\n    ${r.demoLine ?? ''}\n`,
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const wall = median(results.map((r) => r.wallSeconds));
const cpu = median(results.map((r) => r.cpuSeconds));
process.stdout.write(
  `\nnpm start -- ${demoArgs.join(' ')}\n` +
    `median of ${rounds}: ${wall.toFixed(1)} s wall (target ≤ ${TARGET_SECONDS} s: ${wall <= TARGET_SECONDS ? 'met' : 'NOT met'}), ` +
    `${cpu.toFixed(1)} s CPU on ${os.availableParallelism()} cores (${(cpu / os.availableParallelism()).toFixed(1)} s if both were free)\n`,
);
