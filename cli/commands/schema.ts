import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { renderJourneySchema } from '../../engine/json-schema.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the journey JSON Schema, or --write it to workflows/journey.schema.json')
    .option('--write', 'write workflows/journey.schema.json')
    .option('--check', 'exit 1 when workflows/journey.schema.json is out of date')
    .action(async (options: { write?: boolean; check?: boolean }) => {
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
    });
}
