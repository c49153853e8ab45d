import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderJourneySchema } from '../../engine/json-schema.ts';

describe('journey JSON Schema', () => {
  it('matches the committed workflows/journey.schema.json (run `npm run schema` after changing engine/schema.ts)', async () => {
    const committed = await readFile(new URL('../../workflows/journey.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderJourneySchema());
  });
});
