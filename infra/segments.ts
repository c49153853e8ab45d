/**
 * The segments at synth time (and for the CLI and local runs, which read the same files):
 * `<workflows>/segments/*.segment.json`, validated against the folder's data dictionary. An invalid
 * segment throws the validator's error (file, JSON path, fix), which fails `cdk synth`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SEGMENT_FILE_SUFFIX, type Segment } from '../engine/audience/segment.ts';
import { loadSegmentsOrThrow, type SegmentSource } from '../engine/audience/validate.ts';
import type { Vocabulary } from '../engine/vocabulary.ts';
import { loadVocabulary } from './dictionary.ts';

export const SEGMENTS_DIR = 'segments';

export function segmentSources(dir: string): SegmentSource[] {
  const folder = path.join(dir, SEGMENTS_DIR);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(SEGMENT_FILE_SUFFIX))
    .sort()
    .map((name) => {
      const file = path.join(folder, name);
      return { file, text: readFileSync(file, 'utf8') };
    });
}

/** Every segment of `<dir>/segments/` by id (none when the folder has no segments). */
export function loadSegments(
  dir: string,
  vocabulary: Vocabulary = loadVocabulary(dir),
): Map<string, Segment> {
  return loadSegmentsOrThrow(segmentSources(dir), vocabulary);
}
