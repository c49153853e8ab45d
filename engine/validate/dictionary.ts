/**
 * `workflows/data.json` validated like a journey: every problem at once, each with the file, JSON
 * path, line and column, and a fix. A valid dictionary yields the `Vocabulary` the journey checks
 * take (engine/vocabulary.ts). Pure: callers read the file.
 */
import { Ajv, type ErrorObject } from 'ajv';
import {
  AttributeDeclaration,
  DataDictionary,
  EventDeclaration,
  ProductFieldDeclaration,
} from '../dictionary.ts';
import { BUILT_IN_VOCABULARY, buildVocabulary, type Vocabulary } from '../vocabulary.ts';
import { SCHEMA_AJV_OPTIONS } from './ajv-options.ts';
import { formatProblems } from './format.ts';
import { locateFindings } from './index.ts';
import { duplicateKeys, parseJson } from './json.ts';
import { PRECOMPILED } from './precompiled.ts';
import { didYouMean, didYouMeanText } from './suggest.ts';
import { type Finding, JourneyValidationError, type Problem } from './types.ts';

export interface DictionaryResult {
  file: string;
  /** Set only when the dictionary has no errors. */
  vocabulary?: Vocabulary;
  problems: Problem[];
}

type Validate = ReturnType<Ajv['compile']>;
type Part = 'attribute' | 'event' | 'product';
const PART_SCHEMAS = {
  attribute: AttributeDeclaration,
  event: EventDeclaration,
  product: ProductFieldDeclaration,
} as const;
let ajv: Ajv | undefined;
let whole: Validate | undefined;
const parts = new Map<Part, Validate>();

/** Compiling is most of a start-up's cost: each validator is compiled when first needed, once. */
function instance(): Ajv {
  ajv ??= new Ajv(SCHEMA_AJV_OPTIONS);
  return ajv;
}
function wholeValidator(): Validate {
  whole ??= instance().compile(DataDictionary);
  return whole;
}
/** The per-declaration checks: only a dictionary that fails the whole-file check needs them. */
function partValidator(part: Part): Validate {
  let v = parts.get(part);
  if (!v) {
    v = instance().compile(PART_SCHEMAS[part]);
    parts.set(part, v);
  }
  return v;
}

/** The declarations that are well formed on their own: the merge checks still run on them. */
function wellFormed(value: unknown): DataDictionary {
  const keep = (part: unknown, kind: Part) =>
    typeof part === 'object' && part !== null && !Array.isArray(part)
      ? Object.fromEntries(Object.entries(part).filter(([, decl]) => partValidator(kind)(decl)))
      : {};
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    attributes: keep(record.attributes, 'attribute'),
    events: keep(record.events, 'event'),
    product: keep(record.product, 'product'),
  } as DataDictionary;
}

export function validateDictionaryText(text: string, file: string): DictionaryResult {
  const source = text.replace(/^\uFEFF/, ' ');
  const parsed = parseJson(source);
  if (parsed.syntax.length > 0) return { file, problems: locateFindings(source, file, parsed.syntax) };
  const findings: Finding[] = [...duplicateKeys(parsed.root)];
  // The built CLI's check compiled ahead of time (precompiled.ts) says whether it is valid; the
  // errors of one that is not come from the validator compiled here, the same either way.
  if (!(PRECOMPILED?.dictionary(parsed.value) || wholeValidator()(parsed.value))) {
    findings.push(...(wholeValidator().errors ?? []).flatMap(schemaFinding));
    findings.push(...buildVocabulary(wellFormed(parsed.value)).issues);
  } else {
    const { vocabulary, issues } = buildVocabulary(parsed.value as DataDictionary);
    findings.push(...issues);
    if (findings.length === 0) return { file, vocabulary, problems: [] };
  }
  return { file, problems: locateFindings(source, file, findings) };
}

/** The vocabulary of `text` (or the built-in one when there is no data.json), or a `JourneyValidationError`. */
export function loadVocabularyOrThrow(text: string | undefined, file: string): Vocabulary {
  if (text === undefined) return BUILT_IN_VOCABULARY;
  const result = validateDictionaryText(text, file);
  if (result.vocabulary) return result.vocabulary;
  const n = result.problems.length;
  throw new JourneyValidationError(
    file,
    result.problems,
    `${file} is not a valid data dictionary (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(result.problems)}`,
  );
}

const KEYS: Record<string, readonly string[]> = {
  root: ['$schema', 'events', 'attributes', 'product'],
  event: ['description', 'properties'],
  field: ['type', 'description', 'values', 'items', 'pii', 'required', 'updates'],
};

function schemaFinding(error: ErrorObject): Finding[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (path.length === 1 || (path.length === 3 && path[2] === 'properties')) {
        return [
          {
            code: 'schema.invalid-format',
            path: [...path, key],
            atKey: true,
            message: `\`${key}\` is not a valid name: use letters, digits and \`_\`, starting with a letter${path[0] === 'events' && path.length === 1 ? ' (event types in lower case: `subscription_renewed`)' : ''}`,
          },
        ];
      }
      const known =
        path.length === 0
          ? KEYS.root!
          : path.length === 2 && path[0] === 'events'
            ? KEYS.event!
            : KEYS.field!;
      const guess = didYouMean(key, known);
      return [
        {
          code: 'schema.unknown-property',
          path: [...path, key],
          atKey: true,
          message: `\`${key}\` is not part of a data dictionary here${didYouMeanText(guess)}`,
          suggestion: guess ? `use \`${guess}\`` : `use one of ${known.map((k) => `\`${k}\``).join(', ')}`,
        },
      ];
    }
    case 'propertyNames':
    case 'pattern':
      return [
        {
          code: 'schema.invalid-format',
          path,
          message: `\`${path.join('.') || 'name'}\` ${error.message ?? 'is not valid'}: names are letters, digits and \`_\`, starting with a letter (event types in lower case)`,
        },
      ];
    case 'anyOf':
      return []; // the branch errors say more
    case 'const':
      if (path[path.length - 1] === 'type' || path[path.length - 1] === 'items') {
        return [
          {
            code: 'schema.unknown-value',
            path,
            message: `\`${path.join('.')}\` must be one of string, number, integer, boolean, date, enum, list`,
          },
        ];
      }
      return [];
    default:
      return [
        {
          code: 'schema.invalid',
          path,
          message: `\`${path.join('.') || 'the dictionary'}\` ${error.message ?? 'is invalid'}`,
        },
      ];
  }
}
