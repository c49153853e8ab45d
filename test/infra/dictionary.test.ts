/**
 * The data dictionary at synth: a journey is checked against its folder's data.json, a bad data.json
 * fails the synth naming its JSON path, and a dictionary change that removes or retypes a field a
 * released version uses is refused, naming data.json and the version.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthError, synthHerald } from './synth.ts';

const DICTIONARY = {
  attributes: { loyaltyTier: { type: 'enum', values: ['bronze', 'silver', 'gold'] } },
};

const JOURNEY = {
  id: 'tiered',
  version: 1,
  name: 'Tiered',
  priority: 50,
  defaultLocale: 'en',
  entry: {
    event: 'signed_up',
    condition: { field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gold' },
    reentry: { mode: 'never' },
  },
  start: 'send',
  steps: {
    send: { type: 'send', message: 'hello', channels: ['sms'], next: 'done' },
    done: { type: 'exit' },
  },
  messages: {
    hello: {
      category: 'transactional',
      locales: { en: { sms: { body: 'Hello {{ profile.attributes.loyaltyTier }}' } } },
    },
  },
};

/** A workflows folder with data.json, the journey, and (optionally) its release with the slice it used. */
function folder(dictionary: object | undefined, options: { released?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-dictionary-synth-'));
  if (dictionary) writeFileSync(path.join(dir, 'data.json'), JSON.stringify(dictionary, null, 2));
  const text = JSON.stringify(JOURNEY, null, 2);
  writeFileSync(path.join(dir, 'tiered.journey.json'), text);
  mkdirSync(path.join(dir, 'versions', 'tiered'), { recursive: true });
  writeFileSync(path.join(dir, 'versions', 'tiered', '1.journey.json'), text);
  if (options.released) {
    writeFileSync(path.join(dir, 'versions', 'tiered', '1.data.json'), JSON.stringify(DICTIONARY));
  }
  return dir;
}

describe('the data dictionary at synth', () => {
  it('synthesizes a journey whose fields the folder’s data.json declares', () => {
    const { template } = synthHerald({ config: { journeysDir: folder(DICTIONARY, { released: true }) } });
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(1);
  }, 60_000);

  it('fails the synth on a journey using an undeclared field, with the validator’s message and fix', () => {
    const error = synthError(folder(undefined));
    expect(error.message).toContain('/entry/condition/field');
    expect(error.message).toContain('`profile.attributes.loyaltyTier` is not a declared profile attribute');
    expect(error.message).toContain('declare `loyaltyTier` in workflows/data.json under attributes');
  });

  it('fails the synth on a data.json that redefines a built-in field, naming its JSON path', () => {
    const error = synthError(folder({ ...DICTIONARY, events: { order_placed: { properties: {} } } }));
    expect(error.file).toMatch(/data\.json$/);
    expect(error.problems.map((p) => [p.code, p.path])).toEqual([
      ['dictionary.redefines-built-in', '/events/order_placed'],
    ]);
  });

  it('refuses to remove a field a released version uses, naming data.json, the version and the fix', () => {
    const error = synthError(folder({ attributes: {} }, { released: true }));
    const [problem] = error.problems;
    expect(problem?.code).toBe('dictionary.removed-in-use');
    expect(problem?.file).toMatch(/data\.json$/);
    expect(problem?.message).toContain('version 1 of journey "tiered"');
    expect(problem?.suggestion).toContain('restore `loyaltyTier`');
  });

  it('refuses to change the type of a field a released version uses, but lets an enum gain values', () => {
    const retyped = synthError(
      folder({ attributes: { loyaltyTier: { type: 'string' } } }, { released: true }),
    );
    expect(retyped.problems.map((p) => [p.code, p.path])).toEqual([
      ['dictionary.changed-in-use', '/attributes/loyaltyTier/type'],
    ]);
    const grown = {
      attributes: { loyaltyTier: { type: 'enum', values: ['bronze', 'silver', 'gold', 'platinum'] } },
    };
    expect(() => synthHerald({ config: { journeysDir: folder(grown, { released: true }) } })).not.toThrow();
  }, 60_000);
});
