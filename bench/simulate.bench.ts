/**
 * `herald simulate` of one customer, after start-up (issue 19's target: ≤ 0.5 s). In one process:
 * the journey, the example profile and events loaded as the command loads them, then `simulate`
 * (tools/simulate: the real handlers and the compiled workflow on the local stand-ins) called
 * once cold and `--rounds` times more. The first call pays what a fresh command pays once (module
 * initialisation, the stand-ins' first start, the workflow compile); the later calls are the
 * simulation itself. The whole command, start-up included, is timed from outside beside them.
 *
 *   npx tsx bench/simulate.bench.ts [--rounds 5] [--journey replenishment-reminder]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt } from '../cli/build.mjs';
import { loadJourney, loadPolicy } from '../tools/load.ts';
import { loadSample } from '../tools/samples.ts';
import { simulate } from '../tools/simulate/index.ts';
import { type Spread, spread } from './lib/stats.ts';

const TARGET_MS = 500;
const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface SimulateResult {
  journey: string;
  rounds: number;
  coldMs: number;
  warmMs: Spread;
  commandMs: Spread;
  targetMs: number;
}

/** Cold, warm and whole-command timings of `herald simulate` of one customer (`npm run bench`'s `simulate`). */
export async function run(
  options: { quick?: boolean; rounds?: number; journey?: string } = {},
): Promise<SimulateResult> {
  const rounds = options.rounds ?? (options.quick ? 3 : 5);
  const id = options.journey ?? 'replenishment-reminder';
  const profileFile = path.join(ROOT, 'examples', `${id}.profile.json`);
  const eventsFile = path.join(ROOT, 'examples', `${id}.events.json`);

  async function once(): Promise<number> {
    const t0 = performance.now();
    const { journey, vocabulary } = loadJourney(id);
    const sample = loadSample(journey, { profile: profileFile, events: eventsFile, vocabulary });
    await simulate({
      journey,
      profile: sample.profile,
      events: sample.events,
      products: sample.products,
      config: loadPolicy(),
      vocabulary,
    });
    return performance.now() - t0;
  }

  const coldMs = await once();
  const warm: number[] = [];
  for (let i = 0; i < rounds; i++) warm.push(await once());

  await ensureBuilt();
  const command: number[] = [];
  for (let i = 0; i < Math.min(rounds, 3); i++) {
    const t0 = performance.now();
    const child = spawnSync(
      process.execPath,
      [path.join(ROOT, 'cli', 'bin.js'), 'simulate', id, '--profile', profileFile, '--events', eventsFile],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`herald simulate exited ${child.status}: ${child.stderr}`);
    command.push(performance.now() - t0);
  }
  return {
    journey: id,
    rounds,
    coldMs,
    warmMs: spread(warm),
    commandMs: spread(command),
    targetMs: TARGET_MS,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      journey: { type: 'string', default: 'replenishment-reminder' },
    },
  });
  const r = await run({ rounds: Number(values.rounds), journey: values.journey ?? 'replenishment-reminder' });
  const { warmMs: w, commandMs: c } = r;
  console.log(`herald simulate ${r.journey} (example profile and events), ${r.rounds} warm calls`);
  console.log(`  first call in the process (cold): ${r.coldMs.toFixed(0)} ms`);
  console.log(
    `  after start-up (warm): median ${w.median.toFixed(0)} ms (${w.min.toFixed(0)}–${w.max.toFixed(0)})`,
  );
  console.log(
    `  the whole command, start-up included: median ${c.median.toFixed(0)} ms (${c.min.toFixed(0)}–${c.max.toFixed(0)})`,
  );
  console.log(`  target ≤ ${TARGET_MS} ms after start-up: ${w.median <= TARGET_MS ? 'met' : 'NOT met'}`);
  process.exit(0);
}
