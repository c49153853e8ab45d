#!/usr/bin/env node
// The `herald` command: runs the build of cli/main.ts in dist/cli/ (cli/build.mjs; `npm install`
// builds it). If a source file changed since, it is rebuilt first, so this never runs stale code.
import { setFlagsFromString } from 'node:v8';
import { ENTRY_OUT, ensureBuilt, MANIFEST } from './build.mjs';

// Every herald command is over in a second or two: V8's optimising compiler would spend more
// CPU compiling hot functions than running them faster saves (bench/cli.bench.ts: about a sixth
// of `herald validate`'s CPU). Interpreted and baseline-compiled code only.
setFlagsFromString('--no-opt');

try {
  await ensureBuilt();
} catch (error) {
  process.stderr.write(
    `herald: cannot build the CLI (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run \`npm install\`\n`,
  );
  process.exit(1);
}
// Which build runs (cli/valid-copies.ts keys its cache on it): its manifest, written last by a build.
globalThis[Symbol.for('herald.cliManifest')] = MANIFEST;
await import(ENTRY_OUT);
