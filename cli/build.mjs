/**
 * Builds the `herald` command: esbuild bundles cli/main.ts (and what it imports from engine/, tools/,
 * functions/, infra/, local/) into dist/cli/, ESM, one chunk per subcommand (each is a dynamic
 * import in cli/program.ts, so `herald --help` loads none of them). npm packages stay external:
 * Node loads them from node_modules as it would without a bundle.
 *
 *   node cli/build.mjs        # what `npm install` / `npm ci` run (the `prepare` script); `npm run build`
 *
 * cli/bin.js calls `ensureBuilt()` on every start: when a source file the bundle was built from is
 * newer than the bundle (you edited it, or git checked out another branch), it rebuilds first
 * (about a second), so the command never runs stale code.
 *
 * Plain JavaScript on purpose: it runs before anything else is set up, without tsx.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const OUT_DIR = path.join(ROOT, 'dist', 'cli');
export const ENTRY_OUT = path.join(OUT_DIR, 'main.js');
/** Packages that read their own files or load native code at run time: left for Node to load. */
export const EXTERNAL = ['dynalite', 'aws-ses-v2-local', 'esbuild', 'aws-cdk-lib', 'constructs', 'cdk-nag'];
/** The project files the bundle was built from, and when (what `isStale` compares), and its chunks. */
export const MANIFEST = path.join(OUT_DIR, 'inputs.json');

/**
 * A bundled module's `import.meta.url` is the bundle's, not its source file's. Source files resolve
 * paths from it (`new URL('../workflows/', import.meta.url)`), so each one gets its own URL back:
 * the same relative path from dist/cli/ to where the source file lives.
 */
export const sourceUrlsFrom = (outDir) => ({
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const rel = path.relative(outDir, args.path).split(path.sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
});
const sourceUrls = sourceUrlsFrom(OUT_DIR);

/**
 * The schema checks of a valid journey and data dictionary, compiled ahead of time: in the bundle,
 * engine/validate/precompiled.ts (none, in the sources) becomes the ajv standalone code that
 * engine/validate/standalone.ts generates from the same schemas and options, so `herald validate`
 * compiles no schema at start-up (issue 17). Returns the plugin and the project files the code was
 * generated from (a change to one rebuilds, like any source file).
 */
export async function precompiledChecks(build) {
  const generator = await build({
    absWorkingDir: ROOT,
    entryPoints: ['engine/validate/standalone.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  // Written inside the project, so its imports resolve from node_modules like the bundle's.
  mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `.standalone-${process.pid}.mjs`);
  writeFileSync(file, generator.outputFiles[0].contents);
  let checks;
  try {
    checks = (await import(pathToFileURL(file).href)).standaloneValidators();
  } finally {
    rmSync(file, { force: true });
  }
  const plugin = {
    name: 'precompiled-schema-checks',
    setup(b) {
      b.onLoad({ filter: /[\\/]engine[\\/]validate[\\/]precompiled\.ts$/ }, () => ({
        contents:
          "import journey from 'herald-standalone:journey';\n" +
          "import dictionary from 'herald-standalone:dictionary';\n" +
          'export const PRECOMPILED = { journey, dictionary };\n',
        loader: 'js',
        resolveDir: ROOT,
      }));
      b.onResolve({ filter: /^herald-standalone:/ }, (args) => ({
        path: args.path.slice('herald-standalone:'.length),
        namespace: 'herald-standalone',
      }));
      b.onLoad({ filter: /.*/, namespace: 'herald-standalone' }, (args) => ({
        contents: checks[args.path],
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  };
  return {
    plugin,
    inputs: Object.keys(generator.metafile.inputs).filter((f) => !f.startsWith('node_modules/')),
  };
}

/**
 * commander loads node:child_process when it loads (for subcommands that are executables of their
 * own, which herald has none of): a third of a bare `herald --help`'s own start-up on this machine
 * (issue 17). In the bundle it is loaded on its first use instead. The build fails if commander
 * stops reading it the way this expects.
 */
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (
        text.split(eager).length !== 2 ||
        (text.match(/childProcess\.(\w+)/g) ?? []).some((u) => u !== 'childProcess.spawn')
      ) {
        throw new Error(
          `${args.path}: commander no longer reads node:child_process as cli/build.mjs expects`,
        );
      }
      const lazy =
        "let childProcessModule; const childProcess = { spawn: (...a) => (childProcessModule ??= require('node:child_process')).spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** Builds dist/cli/; returns how long it took. Safe to run from several processes at once. */
export async function buildCli() {
  const started = performance.now();
  // Files edited while esbuild reads them count as newer than this build.
  const builtAt = Date.now();
  const { build } = await import('esbuild');
  const precompiled = await precompiledChecks(build);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'cli/main.ts' },
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    // npm packages are bundled too: one file per chunk loads far faster than the hundreds of
    // small files ajv, typebox or libphonenumber-js are made of. These stay in node_modules:
    external: EXTERNAL,
    // One luxon: cron-parser (CommonJS) would otherwise bundle luxon's require() build beside the
    // ES build our code imports, with its own Settings. `herald validate` names luxon's default
    // locale on ours so that no Intl.DateTimeFormat asks for the system locale (issue 17); the
    // second copy, used by the audience schedules' cron check, did not see it.
    // The Lambda bundles alias it the same way (infra/constructs/herald-function.ts LUXON_ES_BUILD).
    alias: { luxon: './node_modules/luxon/build/es6/luxon.mjs' },
    // Bundled CommonJS packages call require(); an ES module has none, so give it one.
    banner: {
      js: "import { createRequire as __herald_createRequire } from 'node:module';const require = __herald_createRequire(import.meta.url);",
    },
    chunkNames: '[name]-[hash]',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'error',
    plugins: [precompiled.plugin, lazyChildProcess, sourceUrls],
  });
  mkdirSync(OUT_DIR, { recursive: true });
  // Chunks first (their names carry a content hash), then the entry, each written whole and
  // renamed into place: a `herald` started meanwhile sees the old build or the new one, never half.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(a.path === ENTRY_OUT) - Number(b.path === ENTRY_OUT),
  );
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  // The npm packages inside the bundle change only with the lock file: a newer one rebuilds too.
  const inputs = [
    ...new Set([
      ...Object.keys(result.metafile.inputs).filter(
        (f) => !f.startsWith('node_modules/') && !f.includes(':'),
      ),
      ...precompiled.inputs,
    ]),
    ...(existsSync(path.join(ROOT, 'package-lock.json')) ? ['package-lock.json'] : []),
  ];
  // Per output file: the chunks it imports before it runs, and the project files inside it.
  const chunks = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => file.endsWith('.js'))
      .map(([file, out]) => [
        path.basename(file),
        {
          imports: out.imports
            .filter((i) => i.kind === 'import-statement' && !i.external)
            .map((i) => path.basename(i.path)),
          dynamicImports: out.imports
            .filter((i) => i.kind === 'dynamic-import' && !i.external)
            .map((i) => path.basename(i.path)),
          sources: Object.keys(out.inputs).filter((f) => !f.startsWith('node_modules/')),
        },
      ]),
  );
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ builtAt, inputs, chunks })}\n`);
  renameSync(tmp, MANIFEST);
  removeOldChunks(new Set(files.map((f) => f.path)));
  return performance.now() - started;
}

/** Chunks of earlier builds, once no `herald` started before this build can still load them. */
function removeOldChunks(current) {
  const hourAgo = Date.now() - 60 * 60_000;
  for (const name of readdirSync(OUT_DIR)) {
    const file = path.join(OUT_DIR, name);
    if (current.has(file) || file === MANIFEST || !/-[A-Z0-9]{8}\.js(\.map)?$/.test(name)) continue;
    try {
      if (statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
    } catch {
      // another build removed it first
    }
  }
}

/** True when dist/cli/ is missing, or a source file it was built from changed or went away since. */
export function isStale() {
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

export async function ensureBuilt() {
  if (isStale()) await buildCli();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const ms = await buildCli();
  process.stdout.write(`built ${path.relative(ROOT, ENTRY_OUT)} in ${Math.round(ms)} ms\n`);
}
