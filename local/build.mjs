/**
 * Builds the demo that `npm start` runs: esbuild bundles local/start.ts and the shard worker
 * (local/shard-worker.ts) into dist/demo/, as cli/build.mjs bundles the `herald` command, with the
 * same plugins (each source file keeps its own `import.meta.url`; the journey and data dictionary
 * schema checks precompiled) and the same packages left in node_modules.
 *
 * Why (issue 19): under tsx every worker-thread shard registered tsx's loader and resolved and
 * transpiled a few hundred modules through its hooks thread; a 2-customer, 1-day demo took about
 * 15 s of CPU before it simulated anything. The bundle is the same code: the real handlers, the
 * real SDK clients and the real compiled workflows, loaded as three files.
 *
 *   node local/build.mjs      # build now (local/start.mjs does it whenever a source is newer)
 *
 * Plain JavaScript on purpose, like cli/build.mjs: it runs before anything else, without tsx.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXTERNAL, precompiledChecks, sourceUrlsFrom } from '../cli/build.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEMO_DIR = path.join(ROOT, 'dist', 'demo');
export const DEMO_ENTRY = path.join(DEMO_DIR, 'start.js');
const MANIFEST = path.join(DEMO_DIR, 'inputs.json');

export async function buildDemo() {
  const started = performance.now();
  const builtAt = Date.now();
  const { build } = await import('esbuild');
  const precompiled = await precompiledChecks(build);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { start: 'local/start.ts', 'shard-worker': 'local/shard-worker.ts' },
    outdir: DEMO_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    alias: { luxon: './node_modules/luxon/build/es6/luxon.mjs' },
    banner: {
      js: "import { createRequire as __herald_createRequire } from 'node:module';const require = __herald_createRequire(import.meta.url);",
    },
    // local/demo.ts starts this file in each worker thread instead of tsx and shard-worker.ts.
    define: {
      HERALD_SHARD_WORKER_URL: JSON.stringify(pathToFileURL(path.join(DEMO_DIR, 'shard-worker.js')).href),
    },
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'error',
    plugins: [precompiled.plugin, sourceUrlsFrom(DEMO_DIR)],
  });
  mkdirSync(DEMO_DIR, { recursive: true });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  const inputs = [
    ...new Set([
      ...Object.keys(result.metafile.inputs).filter(
        (f) => !f.startsWith('node_modules/') && !f.includes(':'),
      ),
      ...precompiled.inputs,
      'package-lock.json',
    ]),
  ];
  writeFileSync(MANIFEST, `${JSON.stringify({ builtAt, inputs })}\n`);
  // Chunks of earlier builds, once no demo started before this build can still be loading them.
  const current = new Set(result.outputFiles.map((f) => f.path));
  for (const name of readdirSync(DEMO_DIR)) {
    const file = path.join(DEMO_DIR, name);
    if (current.has(file) || file === MANIFEST) continue;
    try {
      if (statSync(file).mtimeMs < Date.now() - 60 * 60_000) rmSync(file, { force: true });
    } catch {
      // another build removed it first
    }
  }
  return performance.now() - started;
}

/** True when dist/demo/ is missing, or a source file it was built from changed or went away since. */
export function isDemoStale() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return true;
  }
  for (const input of manifest.inputs) {
    try {
      if (statSync(path.join(ROOT, input)).mtimeMs > manifest.builtAt) return true;
    } catch {
      return true;
    }
  }
  return false;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ms = await buildDemo();
  process.stdout.write(`built ${path.relative(ROOT, DEMO_ENTRY)} in ${Math.round(ms)} ms\n`);
}
