/**
 * 4. Lambda bundles: each handler bundled with esbuild as infra bundles it (HeraldFunction in
 * infra/constructs/herald-function.ts: platform node, ESM, target node24, main fields module/main,
 * the createRequire banner, minified, AWS SDK bundled, no externals, the default credential chain
 * aliased to the environment and container providers, one luxon), then its module
 * initialisation time: a fresh `node` process timing `await import(bundle)`, several times, median.
 * Baseline in the same runs: the same child importing an empty module.
 *
 * Handlers come from functions/handlers/; until one lands, infra's temporary stand-in of the same
 * name is measured instead and marked `standIn` (a stand-in is a few bytes and says nothing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CREDENTIAL_CHAIN, LAMBDA_CREDENTIALS, LUXON_ES_BUILD } from '../infra/constructs/herald-function.ts';
import { type Spread, spread } from './lib/stats.ts';
import { loadReferenceJourney, REFERENCE_JOURNEYS } from './lib/world.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HANDLERS = path.join(ROOT, 'functions/handlers');
const STAND_INS = path.join(ROOT, 'infra/_standin-handlers');
const INFRA_FUNCTION = path.join(ROOT, 'infra/constructs/herald-function.ts');

/** What HeraldFunction hands esbuild (kept in step with it; `settingsMatchInfra` checks). */
const BANNER =
  "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";
const INFRA_MARKERS = [
  'format: OutputFormat.ESM',
  "target: 'node24'",
  "platform: 'node'",
  "mainFields: ['module', 'main']",
  'minify: true',
  'bundleAwsSDK: true',
  'externalModules: []',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: infra's source text, matched as written
  '`${CREDENTIAL_CHAIN}=${REPO_ROOT}/${LAMBDA_CREDENTIALS}`,',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: infra's source text, matched as written
  '`luxon=${REPO_ROOT}/${LUXON_ES_BUILD}`,',
];

export interface BundleResult {
  handler: string;
  entry: string;
  standIn: boolean;
  bytes?: number;
  /** The largest inputs by bytes in the output, grouped by package. */
  topInputs?: { name: string; bytes: number }[];
  initMs?: Spread;
  error?: string;
}

export interface BundlesResult {
  settingsMatchInfra: boolean;
  missingInfraSettings: string[];
  node: string;
  runs: number;
  /** Importing an empty module in the same child, same runs. */
  emptyImportMs: Spread;
  handlers: BundleResult[];
  targets: { maxBytes: number; maxInitMs: number };
}

function handlerEntries(): { handler: string; entry: string; standIn: boolean }[] {
  const names = new Set(['ingest', 'step', 'feedback', 'unsubscribe']);
  if (existsSync(HANDLERS)) {
    // A handler module exports `handler` (the Lambda entry); helpers beside them do not.
    for (const f of readdirSync(HANDLERS)) {
      if (!/^[a-z][\w-]*\.ts$/.test(f) || f.endsWith('.d.ts')) continue;
      if (
        /export\s+(const|let|async\s+function|function)\s+handler\b|export\s*\{[^}]*\bhandler\b/.test(
          readFileSync(path.join(HANDLERS, f), 'utf8'),
        )
      )
        names.add(f.slice(0, -3));
    }
  }
  return [...names].sort().map((handler) => {
    const real = path.join(HANDLERS, `${handler}.ts`);
    if (existsSync(real)) return { handler, entry: path.relative(ROOT, real), standIn: false };
    return { handler, entry: path.relative(ROOT, path.join(STAND_INS, `${handler}.ts`)), standIn: true };
  });
}

function packageOf(input: string): string {
  const i = input.lastIndexOf('node_modules/');
  if (i < 0) return input.split('/').slice(0, 2).join('/');
  const rest = input.slice(i + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? input);
}

async function bundle(entry: string, outdir: string) {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile: path.join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    external: [],
    alias: {
      [CREDENTIAL_CHAIN]: path.join(ROOT, LAMBDA_CREDENTIALS),
      luxon: path.join(ROOT, LUXON_ES_BUILD),
    },
    metafile: true,
    logLevel: 'silent',
  });
  const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const topInputs = [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => ({ name, bytes }));
  return {
    file: path.join(outdir, 'index.mjs'),
    bytes: statSync(path.join(outdir, 'index.mjs')).size,
    topInputs,
  };
}

/** The environment infra gives the functions (values are placeholders; nothing is contacted). */
function lambdaEnv(journeysFile: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: 'herald-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    NODE_OPTIONS: '',
    POWERTOOLS_SERVICE_NAME: 'herald',
    POWERTOOLS_METRICS_NAMESPACE: 'Herald',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    TABLE_NAME: 'herald',
    JOURNEYS_FILE: journeysFile,
    SES_CONFIGURATION_SET: 'herald',
    EMAIL_FROM: 'news@heraldshop.example',
    PINPOINT_APP_ID: '0123456789abcdef0123456789abcdef',
    SMS_ORIGINATION_IDENTITY: '+12065550100',
    UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:herald-unsubscribe',
    STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:000000000000:stateMachine:herald-',
    STATE_MACHINE_ALIAS: 'live',
  };
}

const IMPORT_TIMER =
  'const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));';

function timeImport(file: string, env: NodeJS.ProcessEnv): number {
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(file).href],
    {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (child.status !== 0) {
    const why = (child.stderr || child.error?.message || `exit ${child.status}`)
      .trim()
      .split('\n')
      .slice(0, 3)
      .join(' ');
    throw new Error(why);
  }
  return (JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { ms: number }).ms;
}

export async function run(options: { quick?: boolean } = {}): Promise<BundlesResult> {
  const runs = options.quick ? 3 : 7;
  const infraSource = readFileSync(INFRA_FUNCTION, 'utf8');
  const missingInfraSettings = INFRA_MARKERS.filter((m) => !infraSource.includes(m));
  const work = path.join(tmpdir(), `herald-bench-bundles-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const journeysFile = path.join(work, 'journeys.json');
  writeFileSync(journeysFile, JSON.stringify(REFERENCE_JOURNEYS.map(loadReferenceJourney)));
  const env = lambdaEnv(journeysFile);
  const empty = path.join(work, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');

  const handlers: (BundleResult & { file?: string; samples: number[] })[] = [];
  for (const { handler, entry, standIn } of handlerEntries()) {
    try {
      const outdir = path.join(work, handler);
      mkdirSync(outdir, { recursive: true });
      const { file, bytes, topInputs } = await bundle(entry, outdir);
      handlers.push({ handler, entry, standIn, bytes, topInputs, file, samples: [] });
    } catch (error) {
      handlers.push({ handler, entry, standIn, error: `bundle: ${(error as Error).message}`, samples: [] });
    }
  }
  const emptySamples: number[] = [];
  for (let r = 0; r < runs; r++) {
    emptySamples.push(timeImport(empty, env));
    for (const h of handlers) {
      if (!h.file || h.error) continue;
      try {
        h.samples.push(timeImport(h.file, env));
      } catch (error) {
        h.error = `import: ${(error as Error).message}`;
      }
    }
  }
  return {
    settingsMatchInfra: missingInfraSettings.length === 0,
    missingInfraSettings,
    node: process.version,
    runs,
    emptyImportMs: spread(emptySamples),
    handlers: handlers.map(({ file: _file, samples, ...h }) =>
      samples.length > 0 && !h.error ? { ...h, initMs: spread(samples) } : h,
    ),
    targets: { maxBytes: 1_000_000, maxInitMs: 150 },
  };
}
