import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderDictionarySchema } from '../../engine/dictionary.ts';
import { renderJourneySchema, renderSegmentSchema } from '../../engine/json-schema.ts';

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

describe('data dictionary JSON Schema', () => {
  it('matches the committed workflows/data.schema.json (run `npm run schema` after changing engine/dictionary.ts)', async () => {
    expect(await read('data.schema.json')).toBe(renderDictionarySchema());
  });

  it('accepts the shipped workflows/data.json, which points editors at it, and refuses an unknown field type', async () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(renderDictionarySchema()));
    const dictionary = JSON.parse(await read('data.json'));
    expect(dictionary.$schema).toBe('./data.schema.json');
    expect(validate(dictionary)).toBe(true);
    expect(validate({ attributes: { loyaltyTier: { type: 'tier' } } })).toBe(false);
  });
});

describe('segment JSON Schema', () => {
  it('matches the committed workflows/segment.schema.json (run `npm run schema` after changing engine/audience/segment.ts)', async () => {
    expect(await read('segment.schema.json')).toBe(renderSegmentSchema());
  });

  it('accepts the shipped segments and refuses an unknown operator', async () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(renderSegmentSchema()));
    for (const id of ['lapsed-60d', 'recent-buyers', 'vip-uae']) {
      expect(validate(JSON.parse(await read(`segments/${id}.segment.json`))), id).toBe(true);
    }
    expect(
      validate({ id: 'x', name: 'x', condition: { field: 'profile.country', op: 'is', value: 'AE' } }),
    ).toBe(false);
  });
});
