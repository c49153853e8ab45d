/**
 * `npm run diagrams`: regenerates docs/diagrams/<id>.svg from workflows/ (the README shows them).
 * test/unit/tools-graph.test.ts fails when a committed diagram is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceDiagrams } from './index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
for (const { file, svg } of referenceDiagrams(root)) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, svg);
  process.stdout.write(`${path.relative(root, file)}\n`);
}
