import { readFile, writeFile } from 'node:fs/promises';
import { renderDictionarySchema } from '../../engine/dictionary.ts';
import { renderJourneySchema, renderSegmentSchema } from '../../engine/json-schema.ts';
import { renderPolicySchema } from '../../engine/policy/config.ts';
import { renderExportSchema } from '../../engine/privacy/export.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);
/** The data dictionary's schema (workflows/data.json), generated from engine/dictionary.ts. */
export const DICTIONARY_SCHEMA_PATH = new URL('../../workflows/data.schema.json', import.meta.url);
/** The operator's policy schema (workflows/policy.json), generated from engine/policy/config.ts. */
export const POLICY_SCHEMA_PATH = new URL('../../workflows/policy.schema.json', import.meta.url);
/** A segment file's schema (workflows/segments/*.segment.json), generated from engine/audience/segment.ts. */
export const SEGMENT_SCHEMA_PATH = new URL('../../workflows/segment.schema.json', import.meta.url);

/** The customer export's documented schema (`herald customer export`), from engine/privacy/export.ts. */
export const EXPORT_SCHEMA_PATH = new URL('../../docs/customer-export.schema.json', import.meta.url);

export { registerSchema } from '../program.ts';

/**
 * `herald schema [--write | --check]` (cli/program.ts): the journey, data dictionary, policy and
 * segment schemas, and the customer export's.
 */
export async function schemaCommand(options: { write?: boolean; check?: boolean }): Promise<void> {
  const generated: Array<[URL, string]> = [
    [SCHEMA_PATH, renderJourneySchema()],
    [DICTIONARY_SCHEMA_PATH, renderDictionarySchema()],
    [POLICY_SCHEMA_PATH, renderPolicySchema()],
    [SEGMENT_SCHEMA_PATH, renderSegmentSchema()],
    [EXPORT_SCHEMA_PATH, renderExportSchema()],
  ];
  if (options.write) {
    for (const [path, text] of generated) await writeFile(path, text);
    return;
  }
  if (options.check) {
    const committed = await Promise.all(generated.map(([path]) => readFile(path, 'utf8').catch(() => '')));
    if (generated.some(([, text], i) => committed[i] !== text)) {
      process.stderr.write('workflows/*.schema.json is out of date: run `npm run schema`\n');
      process.exitCode = 1;
    }
    return;
  }
  process.stdout.write(renderJourneySchema());
}
