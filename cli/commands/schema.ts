import { readFile, writeFile } from 'node:fs/promises';
import { renderJourneySchema } from '../../engine/json-schema.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);

export { registerSchema } from '../program.ts';

/** `herald schema [--write | --check]` (cli/program.ts). */
export async function schemaCommand(options: { write?: boolean; check?: boolean }): Promise<void> {
  const rendered = renderJourneySchema();
  if (options.write) {
    await writeFile(SCHEMA_PATH, rendered);
    return;
  }
  if (options.check) {
    const committed = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
    if (committed !== rendered) {
      process.stderr.write('workflows/journey.schema.json is out of date: run `npm run schema`\n');
      process.exitCode = 1;
    }
    return;
  }
  process.stdout.write(rendered);
}
