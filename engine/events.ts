/**
 * Validation of incoming customer events against the published schema (engine/data.ts): the
 * envelope, the per-type properties and the size bound. Every problem is returned at once.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CustomerEvent, MAX_EVENT_BYTES } from './data.ts';
import { propertyProblems, unknownTypeProblem } from './event-properties.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from './vocabulary.ts';

export interface EventProblem {
  /** JSON pointer into the event, `` for the whole body. */
  path: string;
  code: 'not_json' | 'too_large' | 'not_object' | 'unknown_type' | 'invalid';
  message: string;
  suggestion?: string;
}

export type EventValidation = { ok: true; event: CustomerEvent } | { ok: false; problems: EventProblem[] };

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let compiled: { envelope: ValidateFunction } | undefined;

function validators() {
  if (!compiled) {
    const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
    compiled = { envelope: ajv.compile(CustomerEvent) };
  }
  return compiled;
}

/**
 * Accepts the raw body text (HTTP) or an already-parsed value (EventBridge `detail`). Event types
 * and their properties are the vocabulary's: built-in ones and those declared in workflows/data.json.
 */
export function validateEvent(
  input: string | unknown,
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): EventValidation {
  let value: unknown = input;
  const text = typeof input === 'string' ? input : JSON.stringify(input ?? null);
  const bytes = Buffer.byteLength(text ?? '', 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      problems: [
        { path: '', code: 'too_large', message: `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}` },
      ],
    };
  }
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, problems: [{ path: '', code: 'not_json', message: 'body is not valid JSON' }] };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ path: '', code: 'not_object', message: 'an event must be a JSON object' }],
    };
  }
  const { envelope } = validators();
  const problems: EventProblem[] = [];
  if (!envelope(value)) problems.push(...(envelope.errors ?? []).map((e) => fromAjv(e, '')));
  const { type, properties: props } = value as { type?: unknown; properties?: unknown };
  if (typeof type === 'string' && type.length > 0) {
    const propertyFaults = propertyProblems(vocabulary, type, props);
    if (propertyFaults === undefined) problems.push(unknownTypeProblem(vocabulary, type));
    else problems.push(...propertyFaults);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, event: value as CustomerEvent };
}

function fromAjv(error: ErrorObject, prefix: string): EventProblem {
  const params = error.params as Record<string, unknown>;
  let path = `${prefix}${error.instancePath}`;
  if (error.keyword === 'required') path += `/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') path += `/${String(params.additionalProperty)}`;
  const what =
    error.keyword === 'additionalProperties' ? 'is not an accepted field' : (error.message ?? 'is invalid');
  return { path, code: 'invalid', message: `${path || 'event'} ${what}` };
}
