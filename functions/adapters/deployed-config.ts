/**
 * What infra validated at synth, read back at a Lambda's cold start without validating it again:
 * the bundled journeys (`JOURNEYS_FILE`) and the operator's policy (`POLICY_JSON`).
 *
 * `cdk synth` runs the full journey validator and `parsePolicyConfig` before it writes either
 * (infra/journeys.ts, infra/herald-stack.ts), so an invalid journey or policy never reaches a
 * deployed function. Validating again here would put ajv, the journey schema and the TypeBox value
 * checker in every bundle and compile them on every cold start (about a fifth of the step bundle).
 * What is left is a cheap structural check, so a file that is not what infra writes still fails
 * loudly at load rather than half-way through a journey.
 *
 * Local runs and tests build their registry with `createJourneyRegistry` (journey-registry.ts),
 * which validates in full.
 */

import { readFileSync } from 'node:fs';
import type { Segment } from '../../engine/audience/segment.ts';
import type { DataDictionary } from '../../engine/dictionary.ts';
import { DEFAULT_POLICY, type PolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { BUILT_IN_VOCABULARY, buildVocabulary, type Vocabulary } from '../../engine/vocabulary.ts';
import type { JourneyRegistry } from '../ports.ts';

export class InvalidJourneyError extends Error {
  override readonly name = 'InvalidJourneyError';
  readonly code = 'invalid_journey';
}

export class InvalidDeployedPolicyError extends Error {
  override readonly name = 'InvalidDeployedPolicyError';
  readonly code = 'invalid_policy_config';
}

export class InvalidDeployedDictionaryError extends Error {
  override readonly name = 'InvalidDeployedDictionaryError';
  readonly code = 'invalid_dictionary';
}

/**
 * `DICTIONARY_FILE`: workflows/data.json as infra validated it and bundled it next to the journeys
 * (infra/journeys.ts); absent, the built-in vocabulary. The merge is pure and cheap (no ajv): only
 * a redefinition or a bad `updates` could fail it, and the synth refused those already.
 */
export function loadVocabularyFile(file: string | undefined): Vocabulary {
  if (file === undefined) return BUILT_IN_VOCABULARY;
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!isRecord(value)) throw new InvalidDeployedDictionaryError(`${file}: expected a JSON object`);
  const { vocabulary, issues } = buildVocabulary(value as DataDictionary);
  if (issues.length > 0) {
    throw new InvalidDeployedDictionaryError(
      `${file}: ${issues.map((i) => `/${i.path.join('/')}: ${i.message}`).join('; ')}`,
    );
  }
  return vocabulary;
}

/**
 * A registry over journeys already known to be valid: every version by `id@version` (the bundle
 * carries the current version of each journey and every older one kept for customers still on it,
 * infra/journeys.ts), and only the newest per id active, so new entrants never start an old version.
 */
export function journeyRegistryOf(journeys: readonly Journey[]): JourneyRegistry {
  const byKey = new Map<string, Journey>();
  const newest = new Map<string, Journey>();
  for (const journey of journeys) {
    const key = `${journey.id}@${journey.version}`;
    if (byKey.has(key))
      throw new InvalidJourneyError(`journey ${journey.id} v${journey.version} appears twice`);
    byKey.set(key, journey);
    const current = newest.get(journey.id);
    if (!current || current.version < journey.version) newest.set(journey.id, journey);
  }
  return {
    get: (journeyId, version) => byKey.get(`${journeyId}@${version}`),
    active: () => [...newest.values()],
  };
}

/** `JOURNEYS_FILE`: the JSON array of journeys infra validated and bundled next to the handler. */
export function loadJourneyRegistryFile(file: string): JourneyRegistry {
  const values = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(values)) throw new InvalidJourneyError(`${file}: expected a JSON array of journeys`);
  return journeyRegistryOf(
    values.map((value, index) => deployedJourney(value, `${file}: journey #${index}`)),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shape every part of the runtime relies on; the rest was checked at synth. */
export function deployedJourney(value: unknown, name: string): Journey {
  const problems: string[] = [];
  if (!isRecord(value)) throw new InvalidJourneyError(`${name}: expected a journey object`);
  if (typeof value.id !== 'string' || value.id.length === 0)
    problems.push('/id: expected a non-empty string');
  if (!Number.isInteger(value.version) || (value.version as number) < 1) {
    problems.push('/version: expected an integer ≥ 1');
  }
  if (typeof value.defaultLocale !== 'string') problems.push('/defaultLocale: expected a string');
  // An event entry names its event; an audience entry its segment (engine/audience/).
  if (
    !isRecord(value.entry) ||
    (typeof value.entry.event !== 'string' && typeof value.entry.segment !== 'string')
  ) {
    problems.push('/entry: expected an object with an event or a segment');
  }
  if (typeof value.start !== 'string' || !isRecord(value.steps) || !Object.hasOwn(value.steps, value.start)) {
    problems.push('/start: expected the id of one of /steps');
  }
  if (isRecord(value.steps)) {
    for (const [id, step] of Object.entries(value.steps)) {
      if (!isRecord(step) || typeof step.type !== 'string')
        problems.push(`/steps/${id}: expected a step with a type`);
    }
  }
  if (!isRecord(value.messages)) problems.push('/messages: expected an object');
  // The partials the version pinned (engine/partials.ts): its emails render with these, not the library's.
  if (
    value.partials !== undefined &&
    (!isRecord(value.partials) || !Object.values(value.partials).every((p) => typeof p === 'string'))
  ) {
    problems.push('/partials: expected an object of partial sources');
  }
  if (problems.length > 0) throw new InvalidJourneyError(`${name}: ${problems.join('; ')}`);
  return value as unknown as Journey;
}

/**
 * `POLICY_JSON`: the operator's policy as infra validated it with `parsePolicyConfig`, read the
 * same way (keys present replace the defaults whole, `$schema` dropped) without the schema check.
 */
export function deployedPolicy(json: string): PolicyConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new InvalidDeployedPolicyError('POLICY_JSON: not valid JSON', { cause });
  }
  if (!isRecord(raw)) throw new InvalidDeployedPolicyError('POLICY_JSON: expected a JSON object');
  const merged: Record<string, unknown> = { ...structuredClone(DEFAULT_POLICY), ...raw };
  const problems: string[] = [];
  if (typeof merged.defaultTimeZone !== 'string') problems.push('/defaultTimeZone: expected a string');
  if (!isRecord(merged.quietHours)) problems.push('/quietHours: expected an object');
  if (!Array.isArray(merged.caps) || !merged.caps.every(isRecord))
    problems.push('/caps: expected an array of caps');
  if (typeof merged.deferPriorityAtLeast !== 'number')
    problems.push('/deferPriorityAtLeast: expected a number');
  if (typeof merged.maxBehaviourWindow !== 'string') problems.push('/maxBehaviourWindow: expected a string');
  if (problems.length > 0) throw new InvalidDeployedPolicyError(`POLICY_JSON: ${problems.join('; ')}`);
  const { $schema: _ignored, ...config } = merged;
  return config as unknown as PolicyConfig;
}

/**
 * `SEGMENTS_FILE`: the segments of workflows/segments/ as infra validated them (infra/segments.ts)
 * and bundled next to the journeys, a JSON array; absent, no segments.
 */
export function loadSegmentsFile(file: string | undefined): Map<string, Segment> {
  if (file === undefined) return new Map();
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(value)) throw new Error(`${file}: expected a JSON array of segments`);
  return new Map((value as Segment[]).map((s) => [s.id, s]));
}
