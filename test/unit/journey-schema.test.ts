import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderJourneySchema } from '../../engine/json-schema.ts';

const read = (path: string) => readFile(new URL(`../../workflows/${path}`, import.meta.url), 'utf8');

describe('journey JSON Schema', () => {
  it('matches the committed workflows/journey.schema.json (run `npm run schema` after changing engine/schema.ts)', async () => {
    expect(await read('journey.schema.json')).toBe(renderJourneySchema());
  });

  it('compiles in a standard JSON Schema validator and accepts the reference journeys', async () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(renderJourneySchema()));
    for (const file of ['welcome', 'replenishment-reminder', 'cart-abandonment']) {
      expect(validate(JSON.parse(await read(`${file}.journey.json`))), file).toBe(true);
    }
    const badCondition = { all: [{ field: 'profile.firstName', op: 'sounds-like', value: 'x' }] };
    const journey = JSON.parse(await read('welcome.journey.json'));
    journey.entry.condition = badCondition;
    expect(validate(journey)).toBe(false);
  });
});
