/**
 * Reading the marketer's files: a journey (by path, or by id from `workflows/`), a sample profile,
 * an event script and a catalog. Every problem names the file, the JSON path and the line, in the
 * same format as `herald validate` (engine/validate's Problem and formatProblems).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type CustomerEvent, Product, type Profile } from '../engine/data.ts';
import { validateEvent } from '../engine/events.ts';
import { withPins } from '../engine/partials.ts';
import {
  DEFAULT_POLICY,
  type PolicyConfig,
  PolicyConfigError,
  parsePolicyConfig,
} from '../engine/policy/index.ts';
import type { Journey } from '../engine/schema.ts';
import { ChannelName } from '../engine/schema.ts';
import {
  JourneyValidationError,
  type Problem,
  type ValidationResult,
  validateJourneyText,
  validateJourneyValue,
} from '../engine/validate/index.ts';
import { LineIndex, nodeAt, parseJson } from '../engine/validate/json.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../engine/vocabulary.ts';
import { loadVocabulary } from '../infra/dictionary.ts';
import { readPartials } from '../infra/partials.ts';
import { formatProblemsWithFrames } from './cli/code-frame.ts';
import { resolveJourneyArg, resolveJourneyPath } from './journey-ids.ts';
import type { PriorSend } from './simulate/run.ts';

export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
  readonly code: string;
  readonly problems: Problem[];
  /** The message lists the problems, with the lines around a JSON syntax error (tools/cli/code-frame.ts). */
  constructor(code: string, problems: Problem[], summary: string, options?: { cause?: unknown }) {
    super(`${summary}\n${formatProblemsWithFrames(problems)}`, options);
    this.code = code;
    this.problems = problems;
  }
}

function problem(file: string, code: string, message: string, extra: Partial<Problem> = {}): Problem {
  return { file, code, path: '', line: 1, column: 1, message, severity: 'error', ...extra };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unreadable');
    throw new ToolInputError(
      'file.unreadable',
      [problem(file, 'file.unreadable', `cannot read the ${what}: ${reason}`)],
      `cannot read ${file}`,
      {
        cause,
      },
    );
  }
}

export { resolveJourneyPath };

export interface LoadedJourney {
  file: string;
  journey: Journey;
  /** Validator warnings (errors stop the load). */
  warnings: Problem[];
  /** The vocabulary of the journey's folder (its data.json), which it was validated against. */
  vocabulary: Vocabulary;
}

export function loadJourney(arg: string, workflowsDir?: string): LoadedJourney {
  const resolved = resolveJourneyArg(arg, workflowsDir);
  if (!resolved.ok) {
    throw new ToolInputError('journey.not-found', [resolved.problem], `cannot find journey ${arg}`);
  }
  const { file } = resolved;
  const vocabulary = folderVocabulary(path.dirname(file));
  const result = withDraftPartials(readText(file, 'journey file'), file, vocabulary);
  if (!result.journey) {
    const errors = result.problems.filter((p) => p.severity === 'error');
    throw new ToolInputError(
      'journey.invalid',
      errors,
      `${file} is not a valid journey (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}); \`herald validate\` explains each:`,
    );
  }
  return { file, journey: result.journey, warnings: result.problems, vocabulary };
}

/** `<dir>/data.json` as a vocabulary; its problems stop the tool like a journey's would. */
function folderVocabulary(dir: string): Vocabulary {
  try {
    return loadVocabulary(dir);
  } catch (error) {
    if (!(error instanceof JourneyValidationError)) throw error;
    throw new ToolInputError(
      'dictionary.invalid',
      error.problems,
      `${error.file} is not a valid data dictionary:`,
    );
  }
}

const PIN_CODES = new Set(['partial.out-of-date', 'partial.not-pinned']);

/**
 * The journey as validated against the partials of its folder. When the only errors are that its
 * pinned partials are not those of `partials/` (a footer being edited, not yet released), the tools
 * show the draft: the journey with the folder's partials, and a warning that no version sends them yet.
 */
function withDraftPartials(text: string, file: string, vocabulary: Vocabulary): ValidationResult {
  const sources = readPartials(path.dirname(file));
  const result = validateJourneyText(
    text,
    file,
    sources ? { partials: sources, vocabulary } : { vocabulary },
  );
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (!sources || result.journey || errors.length === 0 || !errors.every((p) => PIN_CODES.has(p.code))) {
    return result;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return result;
  }
  const draft = validateJourneyValue(withPins(raw as Record<string, unknown>, sources.library), file, {
    partials: sources,
    vocabulary,
  });
  if (!draft.journey) return result;
  const drafts = errors.map((p) => ({
    ...p,
    severity: 'warning' as const,
    message: `shown with the partials of ${sources.dir}/, which no released version sends yet: ${p.message}`,
  }));
  return { ...draft, problems: [...drafts, ...draft.problems] };
}

/** Parses a JSON data file; syntax errors become located problems. */
function parseData(
  file: string,
  what: string,
): { value: unknown; locate: (pointer: string) => Pick<Problem, 'line' | 'column'> } {
  const text = readText(file, what);
  const parsed = parseJson(text);
  const lines = new LineIndex(text);
  if (parsed.syntax.length > 0) {
    throw new ToolInputError(
      'json.syntax',
      parsed.syntax.map((f) =>
        problem(file, f.code, f.message.replace('the journey', `the ${what}`), {
          ...lines.position(f.offset ?? 0),
          ...(f.suggestion ? { suggestion: f.suggestion } : {}),
        }),
      ),
      `${file} is not valid JSON:`,
    );
  }
  const locate = (pointer: string) => {
    const segments = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    for (let n = segments.length; n >= 0; n--) {
      const node = nodeAt(parsed.root, segments.slice(0, n));
      if (node) return lines.position(node.offset);
    }
    return { line: 1, column: 1 };
  };
  return { value: parsed.value, locate };
}

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let ajv: Ajv | undefined;
function compiled<T>(schema: object) {
  ajv ??= addFormats(new Ajv({ allErrors: true, strict: false }));
  return ajv.compile<T>(schema);
}

function ajvProblems(
  file: string,
  errors: ErrorObject[],
  prefix: string,
  locate: (p: string) => Pick<Problem, 'line' | 'column'>,
  what: string,
): Problem[] {
  // ajv reports a union of literals once per literal, and `anyOf` on top: one problem per place.
  const byPointer = new Map<string, { message: string; allowed: unknown[] }>();
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    let pointer = `${prefix}${e.instancePath}`;
    let message = `${e.message ?? 'is invalid'}`;
    if (e.keyword === 'required') {
      pointer += `/${String(params.missingProperty)}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${String(params.additionalProperty)}`;
      message = `is not a ${what} field`;
    }
    const entry = byPointer.get(pointer) ?? { message, allowed: [] };
    if (e.keyword === 'const') entry.allowed.push(params.allowedValue);
    else if (e.keyword === 'enum' && Array.isArray(params.allowedValues))
      entry.allowed.push(...params.allowedValues);
    else if (e.keyword !== 'anyOf' && !byPointer.has(pointer)) entry.message = message;
    byPointer.set(pointer, entry);
  }
  return [...byPointer].map(([pointer, { message, allowed }]) => {
    const field = pointer.split('/').filter(Boolean).join('.') || what;
    const text =
      allowed.length > 0 ? `must be one of ${allowed.map((a) => `\`${String(a)}\``).join(', ')}` : message;
    return problem(file, `${what.replaceAll(' ', '-')}.invalid`, `\`${field}\` ${text}`, {
      path: pointer,
      ...locate(pointer),
    });
  });
}

/** `vocabulary`: declared attributes are checked against their types (data.json). */
export function loadProfile(file: string, vocabulary: Vocabulary = BUILT_IN_VOCABULARY): Profile {
  const { value, locate } = parseData(file, 'profile');
  const check = compiled<Profile>(vocabulary.profile);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ToolInputError(
      'profile.invalid',
      [problem(file, 'profile.invalid', 'a profile file holds one JSON object `{ "id": …, … }`')],
      `${file} is not a profile:`,
    );
  }
  if (!check(value)) {
    throw new ToolInputError(
      'profile.invalid',
      ajvProblems(file, check.errors ?? [], '', locate, 'profile'),
      `${file} is not a valid profile:`,
    );
  }
  return value;
}

/** An event script: a JSON list of customer events, each checked against the published event schema. */
export function loadEvents(file: string, vocabulary: Vocabulary = BUILT_IN_VOCABULARY): CustomerEvent[] {
  const { value, locate } = parseData(file, 'event script');
  if (!Array.isArray(value)) {
    throw new ToolInputError(
      'events.invalid',
      [
        problem(
          file,
          'events.invalid',
          'an event script is a JSON list `[ { "type": …, "time": …, … }, … ]`',
        ),
      ],
      `${file} is not an event script:`,
    );
  }
  const problems: Problem[] = [];
  value.forEach((event, i) => {
    const result = validateEvent(event, { vocabulary });
    if (result.ok) return;
    for (const p of result.problems) {
      const pointer = `/${i}${p.path}`;
      problems.push(
        problem(
          file,
          `event.${p.code}`,
          `event ${i + 1}: ${p.message
            .replace(/^\/\S*/, (m) => `\`${m.split('/').filter(Boolean).join('.')}\``)
            .replace(/must have required property '.*'$/, 'is required')}`,
          {
            path: pointer,
            ...locate(pointer),
            ...(p.suggestion ? { suggestion: `did you mean \`${p.suggestion}\`?` } : {}),
          },
        ),
      );
    }
  });
  if (problems.length > 0)
    throw new ToolInputError('events.invalid', problems, `${file} has invalid events:`);
  return value as CustomerEvent[];
}

export function loadProducts(file: string): Product[] {
  const { value, locate } = parseData(file, 'catalog');
  if (!Array.isArray(value)) {
    throw new ToolInputError(
      'catalog.invalid',
      [problem(file, 'catalog.invalid', 'a catalog is a JSON list of products')],
      `${file} is not a catalog:`,
    );
  }
  const check = compiled<Product>(Product);
  const problems = value.flatMap((p, i) =>
    check(p) ? [] : ajvProblems(file, check.errors ?? [], `/${i}`, locate, 'product'),
  );
  if (problems.length > 0)
    throw new ToolInputError('catalog.invalid', problems, `${file} has invalid products:`);
  return value as Product[];
}

/** The operator's quiet hours and caps: `--policy`, else workflows/policy.json, else the defaults. */
export function loadPolicy(file?: string, workflowsDir = 'workflows'): PolicyConfig {
  const source = file ?? path.join(workflowsDir, 'policy.json');
  if (!file && !existsSync(source)) return DEFAULT_POLICY;
  const { value } = parseData(source, 'policy');
  try {
    return parsePolicyConfig(value);
  } catch (cause) {
    const problems = cause instanceof PolicyConfigError ? cause.problems : [String(cause)];
    const list = problems.map((message) => problem(source, 'policy.invalid', message));
    throw new ToolInputError('policy.invalid', list, `${source} is not a valid policy:`, { cause });
  }
}

const PriorSendSchema = Type.Array(
  Type.Object(
    {
      at: Type.String({ format: 'date-time' }),
      channel: ChannelName,
      journeyId: Type.String({ minLength: 1 }),
      category: Type.Optional(Type.Union([Type.Literal('marketing'), Type.Literal('transactional')])),
      priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      heldUntil: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { additionalProperties: false },
  ),
);

/**
 * Messages the customer already received: `[{ "at", "channel", "journeyId", "category"?, "priority"? }]`;
 * with `"heldUntil"`, one another journey is still holding for a free cap slot (not sent yet).
 */
export function loadSent(file: string): PriorSend[] {
  const { value, locate } = parseData(file, 'list of earlier messages');
  const check = compiled<PriorSend[]>(PriorSendSchema);
  if (!check(value)) {
    throw new ToolInputError(
      'sent.invalid',
      ajvProblems(file, check.errors ?? [], '', locate, 'earlier message'),
      `${file} is not a list of earlier messages:`,
    );
  }
  for (const [i, s] of value.entries()) {
    if (Number.isNaN(Date.parse(s.at))) {
      throw new ToolInputError(
        'sent.invalid',
        [
          problem(file, 'sent.invalid', '`at` is not an ISO time', {
            path: `/${i}/at`,
            ...locate(`/${i}/at`),
          }),
        ],
        `${file}:`,
      );
    }
  }
  return value;
}

/** Every event of a script must be the profile's own: one customer per simulation. */
export function checkEventsBelongTo(
  file: string,
  events: readonly CustomerEvent[],
  customerId: string,
): void {
  const problems = events.flatMap((e, i) =>
    e.customerId === customerId
      ? []
      : [
          problem(
            file,
            'events.other-customer',
            `event ${i + 1} is for customer \`${e.customerId}\`, but the profile is \`${customerId}\``,
            {
              path: `/${i}/customerId`,
              suggestion: `set "customerId": "${customerId}"`,
            },
          ),
        ],
  );
  if (problems.length > 0)
    throw new ToolInputError('events.other-customer', problems, `${file} mixes customers:`);
}
