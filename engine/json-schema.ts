import { JourneySchema } from './schema.ts';

/** The JSON Schema marketers' editors use, rendered exactly as committed in workflows/journey.schema.json. */
export function renderJourneySchema(): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...JourneySchema };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
