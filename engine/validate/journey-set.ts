/**
 * Checks across journey files: what makes a set of journeys undeployable although each file is
 * fine on its own. `herald validate`, `herald compile` and the CDK synth (infra/journeys.ts) all
 * validate through `validateJourneySet`, so `herald validate workflows/*.journey.json` refuses
 * exactly what the synth refuses.
 *
 * - Two journeys with the same `id` would be one state machine (`<stack>-<id>`) and one execution
 *   name space: the ingest Lambda could not tell them apart.
 * - An id starting with `audience-` could name the enrolment state machine of another journey
 *   (`<stack>-audience-<id>`): the prefix is reserved.
 * - Two ids equal but for `-` and `_` (`cart-reminder`, `cart_reminder`) collide in CloudFormation:
 *   the CDK builds a top-level logical ID from a construct id by dropping every character that is
 *   not a letter or a digit (aws-cdk-lib core `makeUniqueId`; CloudFormation logical IDs are
 *   alphanumeric, docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html),
 *   so both journeys' stack outputs get the same logical ID and the synth fails.
 */
import type { Journey } from '../schema.ts';
import { formatProblems } from './format.ts';
import { type ValidateOptions, validateJourneyText } from './index.ts';
import { LineIndex, nodeAt, parseJson } from './json.ts';
import { JourneyValidationError, type Problem, type ValidationResult } from './types.ts';

export interface JourneySource {
  file: string;
  text: string;
}

/** Each file validated on its own, then the set's own problems added to the files they concern. */
/** The same options for every file, or per file (the partials of the folder it is in). */
export type SetOptions = ValidateOptions | ((file: string) => ValidateOptions);

export function validateJourneySet(
  sources: readonly JourneySource[],
  options: SetOptions = {},
): ValidationResult[] {
  const optionsFor = typeof options === 'function' ? options : () => options;
  const results = sources.map((s) => validateJourneyText(s.text, s.file, optionsFor(s.file)));
  const extra = setProblems(sources);
  return results.map((result, i) => {
    const mine = extra.get(i);
    if (!mine) return result;
    const { journey: _, ...rest } = result;
    // A set problem is an error: the file's journey is no longer one that may be deployed.
    return { ...rest, problems: [...result.problems, ...mine] };
  });
}

/**
 * Every journey of the set, or a `JourneyValidationError` listing the errors of every file that
 * has one (the set's problems included). Warnings are allowed.
 */
export function loadJourneySetOrThrow(
  sources: readonly JourneySource[],
  options: SetOptions = {},
): { file: string; journey: Journey; warnings: Problem[] }[] {
  const results = validateJourneySet(sources, options);
  const failed = results.filter((r) => r.journey === undefined);
  const first = failed[0];
  if (first) {
    const errors = failed.flatMap((r) => r.problems.filter((p) => p.severity === 'error'));
    const n = errors.length;
    throw new JourneyValidationError(
      first.file,
      failed.flatMap((r) => r.problems),
      `${failed.map((r) => r.file).join(', ')} ${failed.length === 1 ? 'is not a valid journey' : 'are not valid journeys'} (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(errors)}`,
    );
  }
  return results.map((r) => ({ file: r.file, journey: r.journey as Journey, warnings: r.problems }));
}

function setProblems(sources: readonly JourneySource[]): Map<number, Problem[]> {
  const ids = sources.map((s) => idOf(s));
  const out = new Map<number, Problem[]>();
  const add = (i: number, p: Problem) => out.set(i, [...(out.get(i) ?? []), p]);
  const byKey = new Map<string, number[]>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    if (id.value.startsWith(RESERVED_ID_PREFIX)) add(i, reservedIdProblem(sources[i]!.file, id));
    const key = logicalKey(id.value);
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  for (const group of byKey.values()) {
    if (group.length < 2) continue;
    for (const i of group) {
      const id = ids[i]!;
      // The same path given twice (`herald validate a.json a.json`) is one file, not two journeys.
      const others = group.filter((j) => sources[j]!.file !== sources[i]!.file);
      const same = others.filter((j) => ids[j]!.value === id.value);
      const near = others.filter((j) => ids[j]!.value !== id.value);
      const file = sources[i]!.file;
      if (same.length > 0) {
        add(i, {
          file,
          code: 'journey.duplicate-id',
          path: '/id',
          ...id.position,
          message: `journey id \`${id.value}\` is also the id of ${listFiles(same, sources)}: each journey needs its own id (it names its state machine)`,
          suggestion: 'give one of them another id, or remove the copy',
          severity: 'error',
        });
      }
      if (near.length > 0) {
        add(i, {
          file,
          code: 'journey.id-collision',
          path: '/id',
          ...id.position,
          message: `journey id \`${id.value}\` differs from ${near.map((j) => `\`${ids[j]!.value}\` (${sources[j]!.file})`).join(', ')} only by \`-\` or \`_\`: AWS CloudFormation drops those characters from resource names, so the two cannot be deployed together`,
          suggestion: 'give one of them an id that differs in a letter or digit',
          severity: 'error',
        });
      }
    }
  }
  return out;
}

/**
 * Journey `x`'s audience enrolment state machine is `<stack>-audience-x` (infra/constructs/audience.ts),
 * so a journey whose own id starts with `audience-` could take that name: the prefix is reserved.
 */
export const RESERVED_ID_PREFIX = 'audience-';

function reservedIdProblem(
  file: string,
  id: { value: string; position: { line: number; column: number } },
): Problem {
  const rest = id.value.slice(RESERVED_ID_PREFIX.length);
  return {
    file,
    code: 'journey.reserved-id',
    path: '/id',
    ...id.position,
    message: `journey id \`${id.value}\` starts with \`${RESERVED_ID_PREFIX}\`, which Herald reserves: the enrolment state machine of an audience journey \`${rest}\` is named \`<stack>-${id.value}\``,
    suggestion: `choose an id that does not start with \`${RESERVED_ID_PREFIX}\`, e.g. \`${rest || 'my'}-audience\``,
    severity: 'error',
  };
}

/**
 * The journey's `id` and where it is written, when it is a string. The value is read with the
 * built-in JSON parser (the file was just parsed in full by its own validation); the position, the
 * slower syntax-tree parse, only when a problem needs it.
 */
function idOf(
  source: JourneySource,
): { value: string; readonly position: { line: number; column: number } } | undefined {
  // As validateJourneyText reads it: a byte-order mark becomes a space, offsets unchanged.
  const text = source.text.replace(/^\uFEFF/, ' ');
  let value: unknown;
  try {
    value = (JSON.parse(text) as { id?: unknown } | null)?.id;
  } catch {
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  return {
    value,
    get position() {
      const node = nodeAt(parseJson(text).root, ['id']);
      return new LineIndex(text).position(node?.offset ?? 0);
    },
  };
}

/** What CloudFormation keeps of an id in a logical ID. */
function logicalKey(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '');
}

function listFiles(indices: number[], sources: readonly JourneySource[]): string {
  return indices.map((j) => sources[j]!.file).join(', ');
}
