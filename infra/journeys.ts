/**
 * Journey files at synth time: find them, validate them, compile them. An invalid journey throws the
 * validator's error (every problem, with file and JSON path), which fails `cdk synth`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Journey } from '../engine/schema.ts';
import { compileJourney, loadJourneySetOrThrow, type Problem, renderAsl } from './engine.ts';

export const JOURNEY_FILE_SUFFIX = '.journey.json';

export interface CompiledJourney {
  file: string;
  journey: Journey;
  /** `renderAsl(compileJourney(journey))`: the DefinitionString, Lambda ARN still a placeholder. */
  definition: string;
  /** The validator's warnings: shown by the synth, never failing it. */
  warnings: Problem[];
}

/** `*.journey.json` in `dir`, sorted so the template is stable. */
export function findJourneyFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(JOURNEY_FILE_SUFFIX))
    .sort()
    .map((name) => path.join(dir, name));
}

export function compileJourneyFile(file: string): CompiledJourney {
  return compileJourneySources([{ file, text: readFileSync(file, 'utf8') }])[0]!;
}

/** Every journey of `dir`, validated together as `herald validate` does (same ids are refused). */
export function compileJourneyDir(dir: string): CompiledJourney[] {
  return compileJourneySources(
    findJourneyFiles(dir).map((file) => ({ file, text: readFileSync(file, 'utf8') })),
  );
}

function compileJourneySources(sources: { file: string; text: string }[]): CompiledJourney[] {
  return loadJourneySetOrThrow(sources).map(({ file, journey, warnings }) => ({
    file,
    journey,
    definition: renderAsl(compileJourney(journey)),
    warnings,
  }));
}
