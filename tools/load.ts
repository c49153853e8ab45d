/**
 * Reading the marketer's files: a journey (by path, or by id from `workflows/`), a sample profile,
 * an event script and a catalog. Every problem names the file, the JSON path and the line, in the
 * same format as `herald validate` (engine/validate's Problem and formatProblems).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { type CustomerEvent, Product, Profile } from '../engine/data.ts';
import { validateEvent } from '../engine/events.ts';
import type { Journey } from '../engine/schema.ts';
import { formatProblems, type Problem, validateJourneyText } from '../engine/validate/index.ts';
import { LineIndex, nodeAt, parseJson } from '../engine/validate/json.ts';

export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
  readonly code: string;
  readonly problems: Problem[];
  constructor(code: string, problems: Problem[], summary: string, options?: { cause?: unknown }) {
    super(`${summary}\n${formatProblems(problems)}`, options);
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

/** `welcome` → `workflows/welcome.journey.json` when no file of that name exists. */
export function resolveJourneyPath(arg: string, workflowsDir = 'workflows'): string {
  if (existsSync(arg)) return arg;
  const byId = path.join(workflowsDir, `${arg}.journey.json`);
  return existsSync(byId) ? byId : arg;
}

export interface LoadedJourney {
  file: string;
  journey: Journey;
  /** Validator warnings (errors stop the load). */
  warnings: Problem[];
}

export function loadJourney(arg: string, workflowsDir?: string): LoadedJourney {
  const file = resolveJourneyPath(arg, workflowsDir);
  if (!existsSync(file) && !/[./\\]/.test(arg)) {
    const dir = workflowsDir ?? 'workflows';
    throw new ToolInputError(
      'journey.not-found',
      [problem(arg, 'journey.not-found', `no journey file \`${arg}\` and no \`${dir}/${arg}.journey.json\``)],
      `cannot find journey ${arg}`,
    );
  }
  const result = validateJourneyText(readText(file, 'journey file'), file);
  if (!result.journey) {
    const errors = result.problems.filter((p) => p.severity === 'error');
    throw new ToolInputError(
      'journey.invalid',
      errors,
      `${file} is not a valid journey (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}); \`herald validate\` explains each:`,
    );
  }
  return { file, journey: result.journey, warnings: result.problems };
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

let ajv: Ajv | undefined;
function compiled<T>(schema: object) {
  ajv ??= new Ajv({ allErrors: true, strict: false });
  return ajv.compile<T>(schema);
}

function ajvProblems(
  file: string,
  errors: ErrorObject[],
  prefix: string,
  locate: (p: string) => Pick<Problem, 'line' | 'column'>,
  what: string,
): Problem[] {
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    let pointer = `${prefix}${e.instancePath}`;
    let message = `${e.message ?? 'is invalid'}`;
    if (e.keyword === 'required') {
      pointer += `/${String(params.missingProperty)}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${String(params.additionalProperty)}`;
      message = `is not a ${what} field`;
    } else if (e.keyword === 'enum' || e.keyword === 'const' || e.keyword === 'anyOf') {
      message = 'has a value that is not allowed here';
    }
    const field = pointer.split('/').filter(Boolean).join('.') || what;
    return problem(file, `${what.replaceAll(' ', '-')}.invalid`, `\`${field}\` ${message}`, {
      path: pointer,
      ...locate(pointer),
    });
  });
}

export function loadProfile(file: string): Profile {
  const { value, locate } = parseData(file, 'profile');
  const check = compiled<Profile>(Profile);
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
export function loadEvents(file: string): CustomerEvent[] {
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
    const result = validateEvent(event);
    if (result.ok) return;
    for (const p of result.problems) {
      const pointer = `/${i}${p.path}`;
      problems.push(
        problem(
          file,
          `event.${p.code}`,
          `event ${i + 1}: ${p.message.replace(/^\/?[^ ]*/, (m) => `\`${m.split('/').filter(Boolean).join('.') || 'event'}\``)}`,
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
