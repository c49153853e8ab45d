/**
 * An event's `properties` against its type's declaration in the vocabulary (engine/vocabulary.ts):
 * the built-in schemas of engine/data.ts and the custom events of workflows/data.json. One ajv
 * validator per event type per vocabulary, compiled on first use; every problem returned at once,
 * worded after the declaration (`tier` must be one of "bronze", "silver", "gold").
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from 'fastest-levenshtein';
import { addFormats, type EventProblem } from './events.ts';
import { describeType, type Vocabulary } from './vocabulary.ts';

type Schema = Record<string, unknown>;

const compiled = new WeakMap<Vocabulary, Map<string, ValidateFunction>>();
let ajv: Ajv | undefined;

function validatorFor(vocabulary: Vocabulary, type: string): ValidateFunction | undefined {
  const spec = vocabulary.events[type];
  if (!spec) return undefined;
  let byType = compiled.get(vocabulary);
  if (!byType) {
    byType = new Map();
    compiled.set(vocabulary, byType);
  }
  let validate = byType.get(type);
  if (!validate) {
    // With the formats: an attribute declared `format: "date"` (a birthday) is checked as a real
    // date, and ajv does not warn on the console that it ignores the format.
    ajv ??= addFormats(new Ajv({ allErrors: true, strict: false }));
    validate = ajv.compile(spec.schema);
    byType.set(type, validate);
  }
  return validate;
}

/** `undefined` when `type` is not an event type of the vocabulary; else every problem (none: valid). */
export function propertyProblems(
  vocabulary: Vocabulary,
  type: string,
  properties: unknown,
): EventProblem[] | undefined {
  const validate = validatorFor(vocabulary, type);
  if (!validate) return undefined;
  if (typeof properties !== 'object' || properties === null || validate(properties)) return [];
  return (validate.errors ?? []).map((e) => fromAjv(e, vocabulary.events[type]?.schema ?? {}));
}

export function unknownTypeProblem(vocabulary: Vocabulary, type: string): EventProblem {
  return {
    path: '/type',
    code: 'unknown_type',
    message: `unknown event type "${type.slice(0, 64)}"; known: ${vocabulary.eventTypes.join(', ')}`,
    suggestion: closest(type, [...vocabulary.eventTypes]),
  };
}

function fromAjv(error: ErrorObject, root: Schema): EventProblem {
  const params = error.params as Record<string, unknown>;
  let path = `/properties${error.instancePath}`;
  if (error.keyword === 'required') path += `/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') path += `/${String(params.additionalProperty)}`;
  const declared = declaredAt(root, error.instancePath);
  const what =
    error.keyword === 'additionalProperties'
      ? 'is not an accepted field'
      : error.keyword === 'required'
        ? 'is required'
        : declared
          ? `must be ${describeType(declared)}`
          : (error.message ?? 'is invalid');
  return { path, code: 'invalid', message: `${path} ${what}` };
}

/** The declared kind of the property at an ajv instance path (`/tier`), when the schema marks one. */
function declaredAt(root: Schema, instancePath: string): Parameters<typeof describeType>[0] | undefined {
  let node: Schema | undefined = root;
  for (const seg of instancePath.split('/').slice(1)) {
    const props = node?.properties as Record<string, Schema> | undefined;
    node = props?.[seg] ?? (node?.items as Schema | undefined);
  }
  const kind = node?.['x-herald'];
  if (typeof kind !== 'string') return undefined;
  return {
    type: kind as Parameters<typeof describeType>[0]['type'],
    ...(Array.isArray(node?.enum) ? { values: node.enum as (string | number)[] } : {}),
    ...(kind === 'list'
      ? { items: ((node?.items as Schema | undefined)?.['x-herald'] ?? 'string') as 'string' }
      : {}),
  };
}
