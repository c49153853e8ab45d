/**
 * The `herald` command as a user gets it: cli/bin.js running the esbuild build in dist/cli/
 * (cli/build.mjs, run by `npm install`'s prepare step and again whenever a source file is newer).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BuildManifest } from '../../cli/build.mjs';
import { heraldBin } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = join(ROOT, 'dist/cli/inputs.json');
/** Every shipped journey, as the CLI lists them: sorted, from workflows/*.journey.json. */
const IDS = readdirSync(join(ROOT, 'workflows'))
  .filter((f) => f.endsWith('.journey.json'))
  .map((f) => f.slice(0, -'.journey.json'.length))
  .sort();
const manifest = () => JSON.parse(readFileSync(MANIFEST, 'utf8')) as BuildManifest;

/** The project source files a chunk brings in before any of its code runs. */
function staticSources(m: BuildManifest, chunk: string): Set<string> {
  const seen = new Set<string>();
  const sources = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const s of m.chunks[name]?.sources ?? []) sources.add(s);
    for (const i of m.chunks[name]?.imports ?? []) visit(i);
  };
  visit(chunk);
  return sources;
}

function scratch(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'herald-bin-')), name);
  writeFileSync(file, text);
  return file;
}

describe('the herald command', () => {
  beforeAll(() => {
    // Builds dist/cli/ if this checkout has none yet or it is stale.
    expect(heraldBin('--version').status).toBe(0);
  });

  it('prints the package version with --version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = heraldBin('--version');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('lists every subcommand in --help', () => {
    const run = heraldBin('--help');
    expect(run.status).toBe(0);
    for (const name of [
      'validate',
      'compile',
      'release',
      'graph',
      'preview',
      'simulate',
      'catalog',
      'journey',
      'customer',
      'send-test',
      'report',
      'schema',
      'serve',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
  });

  it('loads no subcommand’s code to start: the entry brings in only the command line definitions', () => {
    const m = manifest();
    expect([...staticSources(m, 'main.js')].sort()).toEqual(['cli/main.ts', 'cli/program.ts']);
    const dynamic = Object.entries(m.chunks)
      .filter(([, c]) => c.dynamicImports.length > 0)
      .flatMap(([, c]) => c.dynamicImports);
    // Each subcommand, with what it needs, arrives through a dynamic import when it runs.
    const commands = dynamic.flatMap((chunk) => [...staticSources(m, chunk)]);
    for (const name of [
      'validate',
      'compile',
      'simulate',
      'preview',
      'graph',
      'catalog',
      'journey',
      'customer',
      'send-test',
      'report',
      'release',
      'schema',
      'serve',
    ]) {
      expect(commands).toContain(`cli/commands/${name}.ts`);
    }
  });

  it('validates without loading the ASL validator, which only compiling needs', () => {
    const m = manifest();
    // The chunk `herald validate` imports: validate's code, and not compile's (which imports it).
    const validate = Object.values(m.chunks)
      .flatMap((c) => c.dynamicImports)
      .map((chunk) => staticSources(m, chunk))
      .find((s) => s.has('cli/commands/validate.ts') && !s.has('cli/commands/compile.ts'));
    expect(validate).toBeDefined();
    const sources = [...validate!];
    expect(sources).toContain('engine/validate/index.ts');
    expect(sources).not.toContain('engine/compile/validate-asl.ts');
  });

  it('starts --help and validate without node:child_process or the system locale (start-up cost, issue 17)', () => {
    // What the process loaded and whether Intl.DateTimeFormat was ever made, printed at exit.
    const probe = [
      'const D = Intl.DateTimeFormat; let made = 0;',
      'Intl.DateTimeFormat = new Proxy(D, { construct: (t, a) => (made++, new t(...a)), apply: (t, s, a) => (made++, t(...a)) });',
      "process.on('exit', () => process.stderr.write(JSON.stringify({ made, childProcess: process.moduleLoadList.some((m) => m.endsWith(' child_process')) })));",
    ].join('\n');
    for (const args of [['--help'], ['validate', 'welcome', 'cart-abandonment', 'replenishment-reminder']]) {
      const run = spawnSync(
        process.execPath,
        ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, 'cli/bin.js', ...args],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(run.status).toBe(0);
      // validate reads workflows/policy.json for the retention check (issue 20); parsing it checks
      // its time zone, UTC, which engine/policy/zones.ts accepts without a DateTimeFormat. None is made.
      expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toEqual({ made: 0, childProcess: false });
    }
  });

  it('validates a journey given by id, as every other command accepts it', () => {
    const run = heraldBin('validate', 'welcome');
    expect(run.stdout).toContain('✓ 0 errors, 0 warnings in 1 file');
    expect(run.status).toBe(0);
  });

  it('answers a mistyped id with “did you mean” and the list of journeys, in validate and in graph', () => {
    const validate = heraldBin('validate', 'welcom');
    expect(validate.status).toBe(1);
    expect(validate.stdout).toContain('welcom:1:1 error journey.not-found');
    expect(validate.stdout).toContain('did you mean `welcome`?');
    for (const id of IDS) expect(validate.stdout).toContain(`\`${id}\``);

    const graph = heraldBin('graph', 'cart-abandon', '--out', '-');
    expect(graph.status).toBe(1);
    expect(graph.stderr).toContain('did you mean `cart-abandonment`?');
    for (const id of IDS) expect(graph.stderr).toContain(`\`${id}\``);
    expect(graph.stderr).not.toMatch(/^\s+at /m);
  });

  it('lists the journeys without a guess when no id is close', () => {
    const run = heraldBin('validate', 'zzzzzz');
    expect(run.status).toBe(1);
    const listed = IDS.map((id) => `\`${id}\``);
    expect(run.stdout).toContain(
      `the journeys in workflows/ are ${listed.slice(0, -1).join(', ')} and ${listed.at(-1)}`,
    );
    expect(run.stdout).not.toContain('did you mean');
  });

  it('compiles journeys given by id, and names the journeys when release gets a wrong one', () => {
    const out = mkdtempSync(join(tmpdir(), 'herald-bin-asl-'));
    const compile = heraldBin('compile', 'welcome', '--out', out);
    expect(compile.status).toBe(0);
    expect(compile.stdout).toContain(join(out, 'welcome.asl.json'));
    const wrong = heraldBin('release', 'welcom');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('did you mean `welcome`?');
  });

  it('shows the lines around a JSON syntax error once, with a caret at the column', () => {
    const file = scratch('broken.journey.json', '{\n  "id": "x",\n  "version": 1\n  "steps": {}\n}\n');
    for (const run of [heraldBin('validate', file), heraldBin('graph', file)]) {
      expect(run.status).toBe(1);
      const text = run.stdout + run.stderr;
      expect(text).toContain(`${file}:4:3 error json.syntax`);
      expect(text.match(/^ {2}> 4 \| {3}"steps": \{\}$/gm)).toHaveLength(1);
      expect(text.match(/^ {4}\s+\| {3}\^$/gm)).toHaveLength(1);
      expect(text).not.toMatch(/^\s+at /m);
    }
  });

  it('rebuilds itself when a source file is newer than the build, before it runs', () => {
    const stale = { ...manifest(), builtAt: 0 };
    writeFileSync(MANIFEST, JSON.stringify(stale));
    const run = heraldBin('--version');
    expect(run.status).toBe(0);
    expect(manifest().builtAt).toBeGreaterThan(0);
  });
});
