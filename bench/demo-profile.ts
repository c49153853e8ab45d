/**
 * Where `npm start`'s CPU goes, by component (issue 19: "profile first"). Runs the demo as `npm
 * start` does (the esbuild bundle in dist/demo/, local/start.mjs) under `node --cpu-prof`, then
 * maps every sampled frame back to its source through the bundle's source maps and sums the
 * frames' self time by the component their source belongs to: the AWS SDK, dynalite and its
 * storage, Node's internals, the garbage collector, Herald's own directories, each other package.
 * With `--shards 2` or more, each worker thread writes a profile of its own and all are summed; idle
 * time (the main thread mostly waits, serving the SES stand-in) is printed per thread and left out of
 * the shares.
 *
 *   npx tsx bench/demo-profile.ts [--customers 200] [--days 30] [--shards 1] [--keep DIR]
 *   npx tsx bench/demo-profile.ts --from DIR   # sum the profiles a --keep run left in DIR again
 *
 * Self time only: an async SDK call's middleware shows under the SDK, the request's work inside
 * dynalite under dynalite, whatever called them. Sampling adds some overhead to every frame alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SourceMapConsumer } from 'source-map-js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The parts of a V8 `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Maps a bundle frame (0-based line and column, as V8 reports them) to its original source path. */
export type SourceOf = (url: string, line: number, column: number) => string | undefined;

const SDK = 'AWS SDK (@smithy, @aws-sdk, @aws-crypto)';
const DYNALITE = 'dynalite and its storage (level, memdown)';
const DYNALITE_PACKAGES = new Set([
  'dynalite',
  'level-transcoder',
  'memory-level',
  'abstract-level',
  'functional-red-black-tree',
  'memdown',
  'levelup',
  'lazy',
  'async',
  'lock',
  'big.js',
  'buffer-crc32',
  'module-error',
]);

/** The component a source path belongs to (a package under node_modules, or Herald's own directory). */
export function componentOf(source: string): string {
  const pkg = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) {
    if (/^@(smithy|aws-sdk|aws-crypto)\//.test(pkg)) return SDK;
    if (DYNALITE_PACKAGES.has(pkg)) return DYNALITE;
    return pkg;
  }
  if (source.startsWith('node:')) return 'Node internals';
  const own = source
    .replace(/^file:\/\//, '')
    .match(/(?:^|\/)(functions|engine|local|tools|infra|cli)\//)?.[1];
  return own ? `Herald ${own}/` : `other (${source.slice(0, 40)})`;
}

/** Self time (µs) by component over one or more profiles. */
export function selfTimeByComponent(profiles: CpuProfile[], sourceOf: SourceOf): Map<string, number> {
  const totals = new Map<string, number>();
  for (const profile of profiles) {
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => {
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    for (const node of profile.nodes) {
      const t = self.get(node.id);
      if (!t) continue;
      const { url, functionName, lineNumber, columnNumber } = node.callFrame;
      // V8's own entries: "(garbage collector)", "(idle)", "(program)", "(root)"; bare natives.
      const component = !url
        ? functionName.startsWith('(')
          ? functionName
          : 'native code'
        : componentOf(sourceOf(url, lineNumber, columnNumber) ?? url);
      totals.set(component, (totals.get(component) ?? 0) + t);
    }
  }
  return totals;
}

/** Source maps beside the bundle's files (`<file>.map`), read once each. */
function bundleSources(): SourceOf {
  const consumers = new Map<string, SourceMapConsumer | null>();
  return (url, line, column) => {
    if (!url.startsWith('file://')) return undefined;
    let consumer = consumers.get(url);
    if (consumer === undefined) {
      const file = `${fileURLToPath(url)}.map`;
      try {
        consumer = new SourceMapConsumer(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        consumer = null;
      }
      consumers.set(url, consumer);
    }
    if (!consumer) return undefined;
    return consumer.originalPositionFor({ line: line + 1, column }).source ?? undefined;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '200' },
      days: { type: 'string', default: '30' },
      shards: { type: 'string', default: '1' },
      keep: { type: 'string' },
      from: { type: 'string' },
    },
  });
  const dir = values.from ?? values.keep ?? mkdtempSync(path.join(os.tmpdir(), 'herald-profile-'));
  mkdirSync(dir, { recursive: true });
  const args = [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    path.join(ROOT, 'local/start.mjs'),
    ...['--customers', values.customers, '--days', values.days, '--shards', values.shards],
    ...['--no-progress', '--out', path.join(dir, 'demo')],
  ];
  let heading = `the profiles in ${dir}`;
  if (!values.from) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (run.status !== 0) {
      process.stderr.write(run.stderr);
      process.exit(1);
    }
    const summary = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('Real time') || l.startsWith('DynamoDB requests'))
      .join('\n');
    heading = `node ${args.slice(2).join(' ')}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall under the profiler.\n${summary}`;
  }
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
  const totals = selfTimeByComponent(profiles, bundleSources());
  const idle = totals.get('(idle)') ?? 0;
  totals.delete('(idle)');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  console.log(heading);
  for (const [i, profile] of profiles.entries()) {
    const t = selfTimeByComponent([profile], () => undefined);
    const all = [...t.values()].reduce((a, b) => a + b, 0);
    console.log(
      `thread ${i}: ${(all / 1e6).toFixed(1)} s sampled, ${((t.get('(idle)') ?? 0) / 1e6).toFixed(1)} s of it idle`,
    );
  }
  console.log(`\n${(busy / 1e6).toFixed(1)} s busy in all (idle, ${(idle / 1e6).toFixed(1)} s, left out)\n`);
  console.log('| component | self time | share of busy |\n|---|---:|---:|');
  for (const [component, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`| ${component} | ${(us / 1e6).toFixed(2)} s | ${((100 * us) / busy).toFixed(1)}% |`);
  if (!values.keep && !values.from) rmSync(dir, { recursive: true, force: true });
}
