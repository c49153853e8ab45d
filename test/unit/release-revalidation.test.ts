/**
 * `herald validate` does not validate a released copy again when it is, as `herald release` wrote
 * it, a journey of the folder that was just validated with no error (engine/validate/releases.ts,
 * `alreadyValidatedCopy`). Held here to the full validation: the same journeys come back, and any
 * other copy is still validated in full. And the built CLI's cache of copies found valid on an
 * earlier run (cli/valid-copies.ts): the same journeys come back, and nothing invalid is remembered.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileValidCopies } from '../../cli/valid-copies.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  alreadyValidatedCopy,
  JourneyValidationError,
  validateJourneyText,
} from '../../engine/validate/index.ts';
import { loadVocabulary } from '../../infra/dictionary.ts';
import { loadReleasedJourneys } from '../../infra/journeys.ts';
import { folderOptions } from '../../infra/partials.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, 'workflows');
const IDS = ['welcome', 'cart-abandonment', 'replenishment-reminder'];

/** The folder's current journeys, validated as `herald validate` does (its vocabulary and partials). */
function validatedJourneys(dir: string, ids = IDS) {
  const vocabulary = loadVocabulary(dir);
  const options = folderOptions(dir, vocabulary);
  const journeys = ids.map((id) => {
    const file = join(dir, `${id}.journey.json`);
    const result = validateJourneyText(readFileSync(file, 'utf8'), file, options);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    return result.journey!;
  });
  return { vocabulary, journeys };
}

const released = (id: string, v: number) =>
  readFileSync(join(WORKFLOWS, `versions/${id}/${v}.journey.json`), 'utf8');

describe('a released copy identical to a journey just validated', () => {
  const scratch: string[] = [];
  afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is the same journeys as validating every copy in full', () => {
    const { vocabulary, journeys } = validatedJourneys(WORKFLOWS);
    const full = loadReleasedJourneys(WORKFLOWS, vocabulary);
    const quick = loadReleasedJourneys(WORKFLOWS, vocabulary, journeys);
    expect(quick).toEqual(full);
    // and the shipped copies of the current versions are taken as they are (what saves the time)
    const current = journeys.map((j) => released(j.id, j.version));
    expect(current.map((text) => alreadyValidatedCopy(text, journeys))).toEqual(
      current.map((text) => JSON.parse(text)),
    );
  });

  it('is taken only as `herald release` writes it, with the same keys in the same order', () => {
    const { journeys } = validatedJourneys(WORKFLOWS);
    const welcome = journeys.find((j) => j.id === 'welcome')!;
    const text = released('welcome', welcome.version);
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(alreadyValidatedCopy(text, journeys)).toEqual(value);
    const { steps, ...rest } = value;
    const { $schema: _, ...noSchema } = value;
    const variants = {
      reordered: `${JSON.stringify({ steps, ...rest }, null, 2)}\n`,
      reformatted: JSON.stringify(value, null, 4),
      'no final newline': text.trimEnd(),
      'duplicate key': text.replace('"id": "welcome",', '"id": "welcome",\n  "id": "welcome",'),
      'byte-order mark': `\uFEFF${text}`,
      'without $schema': `${JSON.stringify(noSchema, null, 2)}\n`,
      'another value': text.replace(`"version": ${welcome.version}`, `"version": ${welcome.version + 1}`),
      'not JSON': text.slice(0, 100),
    };
    for (const [name, variant] of Object.entries(variants)) {
      expect(alreadyValidatedCopy(variant, journeys), name).toBeUndefined();
    }
    expect(alreadyValidatedCopy(text, [])).toBeUndefined();
    expect(
      alreadyValidatedCopy(
        text,
        journeys.filter((j) => j.id !== 'welcome'),
      ),
    ).toBeUndefined();
  });

  it('does not spare validating any other copy: one that no longer validates still fails the load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-revalidate-'));
    scratch.push(dir);
    cpSync(WORKFLOWS, dir, { recursive: true });
    const file = join(dir, 'versions/welcome/1.journey.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"type": "wait"', '"type": "wiat"'));
    const { vocabulary, journeys } = validatedJourneys(dir);
    const failure = (validated: readonly Journey[]) => {
      try {
        loadReleasedJourneys(dir, vocabulary, validated);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const quick = failure(journeys);
    expect(quick).toBeInstanceOf(JourneyValidationError);
    expect((quick as JourneyValidationError).problems).toEqual(
      (failure([]) as JourneyValidationError).problems,
    );
  });
});

describe('released copies remembered as valid across runs (cli/valid-copies.ts)', () => {
  const scratch: string[] = [];
  afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };

  it('gives back the journeys a full validation gives, and remembers each copy for the same build only', () => {
    const cacheFile = join(tempDir('herald-cache-'), 'valid-copies.json');
    const vocabulary = loadVocabulary(WORKFLOWS);
    const full = loadReleasedJourneys(WORKFLOWS, vocabulary);
    const first = new FileValidCopies(cacheFile, 'build 1');
    expect(loadReleasedJourneys(WORKFLOWS, vocabulary, [], undefined, first)).toEqual(full);
    first.save();
    const again = new FileValidCopies(cacheFile, 'build 1');
    for (const copy of full)
      expect(again.isValid(readFileSync(copy.file, 'utf8'), vocabulary), copy.file).toBe(true);
    expect(loadReleasedJourneys(WORKFLOWS, vocabulary, [], undefined, again)).toEqual(full);
    // Another build (any source changed), another text or another dictionary: not known.
    const text = readFileSync(full[0]!.file, 'utf8');
    expect(new FileValidCopies(cacheFile, 'build 2').isValid(text, vocabulary)).toBe(false);
    expect(again.isValid(text.replace('"version"', '"version" '), vocabulary)).toBe(false);
    expect(again.isValid(text, loadVocabulary(tempDir('herald-empty-dictionary-')))).toBe(false);
  });

  it('never remembers a copy that does not validate: it fails the load every time', () => {
    const dir = tempDir('herald-revalidate-cache-');
    cpSync(WORKFLOWS, dir, { recursive: true });
    const file = join(dir, 'versions/welcome/1.journey.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"type": "wait"', '"type": "wiat"'));
    const vocabulary = loadVocabulary(dir);
    const cacheFile = join(dir, 'cache.json');
    for (let run = 0; run < 2; run++) {
      const known = new FileValidCopies(cacheFile, 'build 1');
      expect(() => loadReleasedJourneys(dir, vocabulary, [], undefined, known)).toThrow(
        JourneyValidationError,
      );
      expect(known.isValid(readFileSync(file, 'utf8'), vocabulary)).toBe(false);
      known.save();
    }
  });

  it('treats a missing or garbled cache file as empty', () => {
    const dir = tempDir('herald-cache-garbled-');
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{"version": 1, "build": "build 1", "keys": ["not a key"');
    const text = readFileSync(join(WORKFLOWS, 'versions/welcome/1.journey.json'), 'utf8');
    const vocabulary = loadVocabulary(WORKFLOWS);
    expect(new FileValidCopies(garbled, 'build 1').isValid(text, vocabulary)).toBe(false);
    expect(new FileValidCopies(join(dir, 'missing.json'), 'build 1').isValid(text, vocabulary)).toBe(false);
  });
});
