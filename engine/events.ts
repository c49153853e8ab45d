/**
 * Validation of incoming customer events against the published schema (engine/data.ts): the
 * envelope, the per-type properties, the size bound, the I-JSON rules for every string and number
 * (engine/json-body.ts) and the rules for the time (engine/event-time.ts). Every problem is
 * returned at once.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CustomerEvent, MAX_EVENT_BYTES } from './data.ts';
import { propertyProblems, unknownTypeProblem } from './event-properties.ts';
import { checkEventTime } from './event-time.ts';
import { type JsonBodyProblemCode, readJsonBody } from './json-body.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from './vocabulary.ts';

export interface EventProblem {
  /** JSON pointer into the event, `` for the whole body. */
  path: string;
  code: JsonBodyProblemCode | 'unknown_type' | 'invalid' | 'invalid_time' | 'future_time';
  message: string;
  suggestion?: string;
}

export type EventValidation = { ok: true; event: CustomerEvent } | { ok: false; problems: EventProblem[] };

export interface EventValidationOptions {
  /**
   * The server's clock, for the future-skew rule (engine/event-time.ts). Without it (an event
   * script for `herald simulate`, whose times are simulated) only the form of the time is checked.
   */
  now?: Date;
  /** Event types and their properties (engine/vocabulary.ts); the built-in ones when not given. */
  vocabulary?: Vocabulary;
}

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
export const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
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
 * The event returned carries its time normalised (UTC, milliseconds): store that one, not the input.
 */
export function validateEvent(
  input: string | unknown,
  options: EventValidationOptions = {},
): EventValidation {
  const body = readJsonBody(input, {
    maxBytes: MAX_EVENT_BYTES,
    notObjectMessage: 'an event must be a JSON object',
  });
  if (!body.ok) return body;
  const value = body.value;
  const vocabulary = options.vocabulary ?? BUILT_IN_VOCABULARY;
  const { envelope } = validators();
  const problems: EventProblem[] = [];
  // The time's form is judged by parseEventTime, which names the fix; ajv's `date-time` passes
  // leap seconds and `+05`, and says only "must match format".
  const envelopeErrors = envelope(value)
    ? []
    : (envelope.errors ?? []).filter((e) => !(e.instancePath === '/time' && e.keyword === 'format'));
  problems.push(...envelopeErrors.map((e) => fromAjv(e, '')));
  const { type, properties: props } = value as { type?: unknown; properties?: unknown };
  if (typeof type === 'string' && type.length > 0) {
    const propertyFaults = propertyProblems(vocabulary, type, props);
    if (propertyFaults === undefined) problems.push(unknownTypeProblem(vocabulary, type));
    else problems.push(...propertyFaults);
  }
  const time = problems.some((p) => p.path === '/time')
    ? undefined
    : timeOf(value.time, options.now, problems);
  if (problems.length > 0 || time === undefined) return { ok: false, problems };
  return { ok: true, event: { ...(value as CustomerEvent), time } };
}

/** The normalised time, or undefined with the problem recorded (engine/event-time.ts has the rules). */
function timeOf(time: unknown, now: Date | undefined, problems: EventProblem[]): string | undefined {
  const checked = checkEventTime(String(time), now);
  if (checked.ok) return checked.iso;
  const { code, message, suggestion } = checked;
  problems.push({ path: '/time', code, message: `/time ${message}`, suggestion });
  return undefined;
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
