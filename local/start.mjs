// `npm start`: runs the bundle of local/start.ts in dist/demo/ (local/build.mjs), rebuilt first
// when a source file is newer than it, so the demo never runs stale code. `npx tsx local/start.ts`
// runs the same sources unbundled.
import { buildDemo, DEMO_ENTRY, isDemoStale } from './build.mjs';

if (isDemoStale()) {
  const ms = await buildDemo();
  process.stderr.write(`(built the demo in ${Math.round(ms)} ms)\n`);
}
await import(DEMO_ENTRY);
