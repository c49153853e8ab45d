/**
 * The journeys the demo runs: every `workflows/*.journey.json`, validated exactly as `cdk synth`
 * validates them (an invalid file stops the demo with the validator's problem list).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journey } from '../engine/schema.ts';
import { loadJourneyOrThrow } from '../engine/validate/index.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { loadVocabulary } from '../infra/dictionary.ts';

export const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));

/** The demo's vocabulary: workflows/data.json merged into the built-in one (as the synth reads it). */
export function loadWorkflowsVocabulary(dir = WORKFLOWS_DIR): Vocabulary {
  return loadVocabulary(dir);
}

export function loadJourneys(dir = WORKFLOWS_DIR, vocabulary = loadVocabulary(dir)): Journey[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.journey.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return loadJourneyOrThrow(readFileSync(file, 'utf8'), file, vocabulary);
    });
}
