import { readFile, writeFile } from 'node:fs/promises';
import { renderDictionarySchema } from '../../engine/dictionary.ts';
import { renderJourneySchema } from '../../engine/json-schema.ts';
import { renderPolicySchema } from '../../engine/policy/config.ts';

export const SCHEMA_PATH = new URL('../../workflows/journey.schema.json', import.meta.url);
/** The data dictionary's schema (workflows/data.json), generated from engine/dictionary.ts. */
export const DICTIONARY_SCHEMA_PATH = new URL('../../workflows/data.schema.json', import.meta.url);
/** The operator's policy schema (workflows/policy.json), generated from engine/policy/config.ts. */
export const POLICY_SCHEMA_PATH = new URL('../../workflows/policy.schema.json', import.meta.url);

export { registerSchema } from '../program.ts';

/** `herald schema [--write | --check]` (cli/program.ts): the journey, data dictionary and policy schemas. */
export async function schemaCommand(options: { write?: boolean; check?: boolean }): Promise<void> {
  const rendered = renderJourneySchema();
  const dictionary = renderDictionarySchema();
  const policy = renderPolicySchema();
  if (options.write) {
    await writeFile(SCHEMA_PATH, rendered);
    await writeFile(DICTIONARY_SCHEMA_PATH, dictionary);
    await writeFile(POLICY_SCHEMA_PATH, policy);
    return;
  }
  if (options.check) {
    const committed = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
    const committedDictionary = await readFile(DICTIONARY_SCHEMA_PATH, 'utf8').catch(() => '');
    const committedPolicy = await readFile(POLICY_SCHEMA_PATH, 'utf8').catch(() => '');
    if (committed !== rendered || committedDictionary !== dictionary || committedPolicy !== policy) {
      process.stderr.write('workflows/*.schema.json is out of date: run `npm run schema`\n');
      process.exitCode = 1;
    }
    return;
  }
  process.stdout.write(rendered);
}
