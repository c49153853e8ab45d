import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { renderDictionarySchema } from '../../engine/dictionary.ts';
import { renderJourneySchema } from '../../engine/json-schema.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);
/** The data dictionary's schema (workflows/data.json), generated from engine/dictionary.ts. */
export const DICTIONARY_SCHEMA_PATH = new URL('../../workflows/data.schema.json', import.meta.url);

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(
      'print the journey JSON Schema, or --write it (and the data dictionary schema) to workflows/',
    )
    .option('--write', 'write workflows/journey.schema.json and workflows/data.schema.json')
    .option('--check', 'exit 1 when workflows/journey.schema.json or data.schema.json is out of date')
    .action(async (options: { write?: boolean; check?: boolean }) => {
      const rendered = renderJourneySchema();
      const dictionary = renderDictionarySchema();
      if (options.write) {
        await writeFile(SCHEMA_PATH, rendered);
        await writeFile(DICTIONARY_SCHEMA_PATH, dictionary);
        return;
      }
      if (options.check) {
        const committed = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
        const committedDictionary = await readFile(DICTIONARY_SCHEMA_PATH, 'utf8').catch(() => '');
        if (committed !== rendered || committedDictionary !== dictionary) {
          process.stderr.write('workflows/*.schema.json is out of date: run `npm run schema`\n');
          process.exitCode = 1;
        }
        return;
      }
      process.stdout.write(rendered);
    });
}
