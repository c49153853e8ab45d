/**
 * The journeys the demo runs: every `workflows/*.journey.json`, validated exactly as `cdk synth`
 * validates them, each file and then as a set (an invalid file stops the demo with a
 * JourneyValidationError holding the validator's problems for every invalid file).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journey } from '../engine/schema.ts';
import { loadJourneySetOrThrow } from '../engine/validate/index.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { loadVocabulary } from '../infra/dictionary.ts';
import { folderOptions } from '../infra/partials.ts';

export const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));

/** The demo's vocabulary: workflows/data.json merged into the built-in one (as the synth reads it). */
export function loadWorkflowsVocabulary(dir = WORKFLOWS_DIR): Vocabulary {
  return loadVocabulary(dir);
}

/** Checked against the dictionary and the partials of `dir/partials/`, as the synth checks them. */
export function loadJourneys(dir = WORKFLOWS_DIR, vocabulary = loadVocabulary(dir)): Journey[] {
  const sources = readdirSync(dir)
    .filter((name) => name.endsWith('.journey.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { file, text: readFileSync(file, 'utf8') };
    });
  return loadJourneySetOrThrow(sources, folderOptions(dir, vocabulary)).map((r) => r.journey);
}
