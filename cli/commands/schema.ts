import { readFile, writeFile } from 'node:fs/promises';
import { renderDictionarySchema } from '../../engine/dictionary.ts';
import { renderJourneySchema, renderSegmentSchema } from '../../engine/json-schema.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);
/** The data dictionary's schema (workflows/data.json), generated from engine/dictionary.ts. */
export const DICTIONARY_SCHEMA_PATH = new URL('../../workflows/data.schema.json', import.meta.url);
/** A segment file's schema (workflows/segments/*.segment.json), generated from engine/audience/segment.ts. */
export const SEGMENT_SCHEMA_PATH = new URL('../../workflows/segment.schema.json', import.meta.url);

export { registerSchema } from '../program.ts';

/** `herald schema [--write | --check]` (cli/program.ts): the journey and the data dictionary schemas. */
export async function schemaCommand(options: { write?: boolean; check?: boolean }): Promise<void> {
  const rendered = renderJourneySchema();
  const dictionary = renderDictionarySchema();
  const segment = renderSegmentSchema();
  if (options.write) {
    await writeFile(SCHEMA_PATH, rendered);
    await writeFile(DICTIONARY_SCHEMA_PATH, dictionary);
    await writeFile(SEGMENT_SCHEMA_PATH, segment);
    return;
  }
  if (options.check) {
    const committed = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
    const committedDictionary = await readFile(DICTIONARY_SCHEMA_PATH, 'utf8').catch(() => '');
    const committedSegment = await readFile(SEGMENT_SCHEMA_PATH, 'utf8').catch(() => '');
    if (committed !== rendered || committedDictionary !== dictionary || committedSegment !== segment) {
      process.stderr.write('workflows/*.schema.json is out of date: run `npm run schema`\n');
      process.exitCode = 1;
    }
    return;
  }
  process.stdout.write(rendered);
}
