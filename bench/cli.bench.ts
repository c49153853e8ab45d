/**
 * 5. The `herald` command's start-up: wall time of a fresh process, as a person runs it, for
 * `herald --help` and `herald validate` of the three reference journeys, beside a bare `node -e 0`
 * in the same rounds (interleaved, so all three see the same machine load). The command is the
 * shipped entry, cli/bin.js (the built CLI in dist/cli/; built first if stale, outside the timing).
 *
 *   npx tsx bench/cli.bench.ts [--quick]      # or: npm run bench -- --only cli
 *
 * Target (issue 17): each ≤ 0.5 s wall on this machine. The ratio to `node -e 0` is what compares
 * across machines and loads. The machine is shared, and a busy one stretches wall time well past
 * the CPU a command uses: each run's user + system CPU (from /usr/bin/time, when installed) is
 * reported beside it, which is what the command costs when it has a core to itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../cli/build.mjs';
import { type Spread, spread } from './lib/stats.ts';
import { REFERENCE_JOURNEYS } from './lib/world.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'cli', 'bin.js');
const TIME = '/usr/bin/time';

export interface CliCase {
  name: string;
  command: string;
  wallMs: Spread;
  ratioToNode: Spread;
  /** User + system CPU of the process, when /usr/bin/time is there. */
  cpuMs?: Spread;
}

export interface CliResult {
  runs: number;
  node: string;
  loadAverage: { before: number[]; after: number[] };
  bareNodeMs: Spread;
  bareNodeCpuMs?: Spread;
  cases: CliCase[];
  targets: { maxWallMs: number };
}

interface Timing {
  wall: number;
  cpu?: number;
}

/** One fresh process. /usr/bin/time adds a fork and an exec (about a millisecond) to the wall time. */
function time(args: readonly string[], env?: Record<string, string>): Timing {
  const timed = existsSync(TIME);
  const [command, argv] = timed
    ? [TIME, ['-f', 'CPU %U %S', process.execPath, ...args]]
    : [process.execPath, [...args]];
  const start = process.hrtime.bigint();
  const run = spawnSync(command, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  return cpu ? { wall, cpu: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : { wall };
}

export async function run(options: { quick?: boolean } = {}): Promise<CliResult> {
  const runs = options.quick ? 5 : 15;
  await ensureBuilt();
  const journeys = REFERENCE_JOURNEYS.map((id) => `workflows/${id}.journey.json`);
  // `herald validate` remembers the released copies it found valid (cli/valid-copies.ts): the
  // first run after a build or an edit of a copy validates them all, as the uncached case does.
  const cases: { name: string; args: string[]; env?: Record<string, string> }[] = [
    { name: 'herald --help', args: [BIN, '--help'] },
    { name: 'herald validate (3 journeys)', args: [BIN, 'validate', ...journeys] },
    {
      name: 'herald validate (3 journeys), released copies not cached',
      args: [BIN, 'validate', ...journeys],
      env: { HERALD_NO_CACHE: '1' },
    },
  ];
  const loadBefore = os.loadavg();
  // One warm-up of each (the OS file cache), not counted.
  time(['-e', '0']);
  for (const c of cases) time(c.args, c.env);
  const bare: Timing[] = [];
  const times = cases.map(() => [] as Timing[]);
  const ratios = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    const node = time(['-e', '0']);
    bare.push(node);
    cases.forEach((c, k) => {
      const t = time(c.args, c.env);
      times[k]!.push(t);
      ratios[k]!.push(t.wall / node.wall);
    });
  }
  const cpu = (ts: Timing[]) =>
    ts.every((t) => t.cpu !== undefined) ? { cpuMs: spread(ts.map((t) => t.cpu!)) } : {};
  return {
    runs,
    node: process.version,
    loadAverage: { before: loadBefore, after: os.loadavg() },
    bareNodeMs: spread(bare.map((t) => t.wall)),
    ...(cpu(bare).cpuMs ? { bareNodeCpuMs: cpu(bare).cpuMs } : {}),
    cases: cases.map((c, k) => ({
      name: c.name,
      command: `${c.env ? 'HERALD_NO_CACHE=1 ' : ''}node cli/bin.js ${c.args.slice(1).join(' ')}`,
      wallMs: spread(times[k]!.map((t) => t.wall)),
      ratioToNode: spread(ratios[k]!),
      ...cpu(times[k]!),
    })),
    targets: { maxWallMs: 500 },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await run({ quick: process.argv.includes('--quick') });
  const ms = (s: Spread) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  process.stdout.write(
    `${r.runs} rounds, Node ${r.node}, load average ${r.loadAverage.before.map((l) => l.toFixed(1)).join('/')} → ${r.loadAverage.after.map((l) => l.toFixed(1)).join('/')}\n` +
      `node -e 0: ${ms(r.bareNodeMs)} wall${r.bareNodeCpuMs ? `, ${ms(r.bareNodeCpuMs)} CPU` : ''}\n` +
      r.cases
        .map(
          (c) =>
            `${c.name}: ${ms(c.wallMs)} wall, ${c.ratioToNode.median.toFixed(1)}× node -e 0${c.cpuMs ? `; ${ms(c.cpuMs)} CPU` : ''} — target ≤ ${r.targets.maxWallMs} ms wall: ${c.wallMs.median <= r.targets.maxWallMs ? 'met' : 'NOT met'}\n`,
        )
        .join(''),
  );
}
