/**
 * Runs one benchmark section in its own process (a fresh heap, its own peak RSS) and writes its
 * result as JSON to the file named on the command line: `child.ts <section> <out.json> [json options]`.
 */
import { writeFileSync } from 'node:fs';

const [section, out, json] = process.argv.slice(2);
if (!section || !out) throw new Error('usage: child.ts <section> <out.json> [options-json]');
const options = json ? (JSON.parse(json) as Record<string, unknown>) : {};
const mod = (await import(`../${section}.bench.ts`)) as {
  run(options: Record<string, unknown>): Promise<unknown>;
};
const result = await mod.run(options);
writeFileSync(out, JSON.stringify(result));
// Stand-ins may hold sockets or timers open; the result is written, so leave now.
process.exit(0);
