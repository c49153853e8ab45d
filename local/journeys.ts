/**
 * The journeys the demo runs: every `workflows/*.journey.json`, validated exactly as `cdk synth`
 * validates them (an invalid file stops the demo with the validator's problem list).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journey } from '../engine/schema.ts';
import { loadJourneyOrThrow } from '../engine/validate/index.ts';
import { readPartials } from '../infra/partials.ts';

export const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));

/** Checked against the partials of `dir/partials/`, as the synth checks them. */
export function loadJourneys(dir = WORKFLOWS_DIR): Journey[] {
  const partials = readPartials(dir);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.journey.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return loadJourneyOrThrow(readFileSync(file, 'utf8'), file, partials ? { partials } : {});
    });
}
