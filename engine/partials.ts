/**
 * Shared content: Liquid partials (`workflows/partials/<name>.liquid`, `<name>.<locale>.liquid`)
 * that messages render with `{% render 'footer', unsubscribeUrl: links.unsubscribe %}`.
 *
 * Pure: a partial library is data (file name without `.liquid` → source), read from disk by the
 * callers (infra/partials.ts). The engine never reads a file.
 *
 * - Pinned per version. A journey carries the partials it renders in its own `partials` field,
 *   written by `herald release` from the library, like a lockfile. The partials are therefore part
 *   of the journey's content: a released copy keeps the footer it was released with, comparing a
 *   journey with its released version compares its partials too (releases.ts), and the deployed
 *   bundle, `simulate` and `preview` carry them with the journey. The validator refuses a journey
 *   whose pinned copy differs from the library (engine/validate/partials.ts), so a changed footer
 *   reaches customers only through a new version.
 * - Locale. A message in locale `fa-IR` rendering `footer` gets `footer.fa-IR`, else `footer.fa`,
 *   else `footer.<journey default locale>`, else `footer`: the message fallback chain, then the
 *   locale-neutral file.
 * - Scope. `render` isolates the partial: "the code inside it can't access its parent's variables"
 *   (liquidjs.com/tags/render; only `globals` pass down, and the renderer sets none), so a partial
 *   is checked against its parameters and each call against the journey's vocabulary. `include`,
 *   which shares the parent's scope and which liquidjs deprecates (liquidjs.com/tags/include), stays
 *   refused. The partials are given to liquidjs through its in-memory `templates` option.
 */
import type { Template } from 'liquidjs';
import { parseLenient } from './liquid-parse.ts';
import { localeChain } from './policy/render-basics.ts';

/** Partial sources by name: `footer` (any locale), `footer.ar` (Arabic). */
export type PartialLibrary = Readonly<Record<string, string>>;

/** A partial's base name: what `{% render '…' %}` names. */
export const PARTIAL_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** `<name>` or `<name>.<locale>`: the key in a library and in a journey's `partials`. */
export const PARTIAL_KEY = /^([a-z][a-z0-9_-]{0,63})(?:\.([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*))?$/;
export const PARTIAL_FILE_SUFFIX = '.liquid';

/** `footer.ar` → `{ name: 'footer', locale: 'ar' }`; undefined for a key that is not a partial's. */
export function parsePartialKey(key: string): { name: string; locale?: string } | undefined {
  const m = PARTIAL_KEY.exec(key);
  if (!m) return undefined;
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, locale: m[2] };
}

/** The distinct base names a library holds, sorted. */
export function partialNames(library: PartialLibrary): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(library)) {
    const parsed = parsePartialKey(key);
    if (parsed) names.add(parsed.name);
  }
  return [...names].sort();
}

/** The library key a message in `locale` gets for `name`, or undefined when the library has none. */
export function resolvePartialKey(
  library: PartialLibrary,
  name: string,
  locale: string,
  defaultLocale: string,
): string | undefined {
  const keys = Object.keys(library);
  for (const l of localeChain(locale, defaultLocale)) {
    const hit = keys.find((k) => k.toLowerCase() === `${name}.${l}`.toLowerCase());
    if (hit !== undefined) return hit;
  }
  return Object.hasOwn(library, name) ? name : undefined;
}

/**
 * The `templates` map liquidjs renders a message in `locale` with: every base name of `library`
 * bound to its best variant for that locale.
 */
export function partialTemplates(
  library: PartialLibrary,
  locale: string,
  defaultLocale: string,
): Record<string, string> {
  const templates: Record<string, string> = {};
  for (const name of partialNames(library)) {
    const key = resolvePartialKey(library, name, locale, defaultLocale);
    if (key !== undefined) templates[name] = library[key]!;
  }
  return templates;
}

/** One `{% render %}` in a template. */
export interface RenderCall {
  /** The partial's name; undefined when it is not a quoted string (`{% render some_variable %}`). */
  name: string | undefined;
  /** What the tag wrote as the name, for messages. */
  written: string;
  /** Names the partial sees: its parameters (`key: value`), a `with … as x` or `for … as x` alias. */
  parameters: string[];
  /** The expression each `key: value` parameter is given, as written (`links.unsubscribe`). */
  values: Record<string, string>;
  /** 0-based offset of the tag in the template. */
  offset: number;
}

/**
 * Parsing is most of what this costs, and one validation asks it of the same template several times
 * (pins, obligations, partial checks; each released version again): the answer is kept per source.
 */
const calls = new Map<string, readonly RenderCall[]>();
const MAX_CACHED = 2_000;

/** The `{% render %}` tags of a template, nested ones included; [] when it does not parse. */
export function renderCalls(source: string): readonly RenderCall[] {
  const cached = calls.get(source);
  if (cached) return cached;
  const found = findRenderCalls(source);
  if (calls.size >= MAX_CACHED) calls.clear();
  calls.set(source, found);
  return found;
}

function findRenderCalls(source: string): RenderCall[] {
  let templates: Template[];
  try {
    // Parsing only (engine/liquid-parse.ts, one parse per template shared with the variable
    // analysis): no partial is looked up until a render, and none is rendered here.
    templates = parseLenient(source);
  } catch {
    return []; // the validator reports syntax errors
  }
  const calls: RenderCall[] = [];
  collect(templates, source, calls, 0);
  return calls;
}

const MAX_DEPTH = 100;

function collect(templates: Template[], source: string, out: RenderCall[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const t of templates) {
    const token = t.token as { name?: string; args?: string; begin?: number };
    if (token.name === 'render') out.push(callOf(t, token, source));
    if (typeof t.children === 'function') {
      const it = t.children(false, true);
      let step = it.next();
      while (!step.done) step = it.next();
      collect(step.value ?? [], source, out, depth + 1);
    }
  }
}

function callOf(t: Template, token: { args?: string; begin?: number }, source: string): RenderCall {
  const scope = t.partialScope?.();
  const parameters = scope ? [...scope.scope].map((s) => (typeof s === 'string' ? s : s[0])) : [];
  const args = (token.args ?? '').trim();
  const quoted = /^(['"])([^'"]*)\1/.exec(args);
  const written = quoted ? quoted[2]! : (args.split(/[\s,]/)[0] ?? '');
  // liquidjs keeps `key: value` pairs in the tag's hash (not public API; test/unit/partials.test.ts
  // holds it to this shape): the expression given to each key, as written.
  const hash = (t as unknown as { hash?: { hash?: Record<string, { getText?: () => string } | undefined> } })
    .hash?.hash;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(hash ?? {})) {
    const text = value?.getText?.();
    if (typeof text === 'string') values[key] = text.trim();
  }
  return {
    name: quoted ? quoted[2] : undefined,
    written,
    parameters,
    values,
    offset: Math.max(0, Math.min(source.length, token.begin ?? 0)),
  };
}

/** The base names of partials a journey's messages render, sorted. */
export function renderedPartials(journey: { messages?: unknown }): string[] {
  const names = new Set<string>();
  for (const source of templateSources(journey)) {
    for (const call of renderCalls(source)) if (call.name !== undefined) names.add(call.name);
  }
  return [...names].sort();
}

/**
 * What `herald release` pins into a journey: every variant in `library` of each partial its
 * messages render (undefined when they render none), and the names the library lacks.
 */
export function pinPartials(
  journey: { messages?: unknown },
  library: PartialLibrary,
): { partials: Record<string, string> | undefined; missing: string[] } {
  const used = renderedPartials(journey);
  const partials: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of used) {
    const keys = Object.keys(library)
      .filter((k) => parsePartialKey(k)?.name === name)
      .sort();
    if (keys.length === 0) missing.push(name);
    for (const k of keys) partials[k] = library[k]!;
  }
  return { partials: Object.keys(partials).length > 0 ? partials : undefined, missing };
}

/** Every template string of a journey's messages. */
function templateSources(journey: { messages?: unknown }): string[] {
  const out: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(journey.messages)) return out;
  for (const message of Object.values(journey.messages)) {
    if (!isObj(message) || !isObj(message.locales)) continue;
    for (const content of Object.values(message.locales)) {
      if (!isObj(content)) continue;
      for (const channel of Object.values(content)) {
        if (!isObj(channel)) continue;
        for (const field of Object.values(channel)) if (typeof field === 'string') out.push(field);
      }
    }
  }
  return out;
}

/** `journey` with its `partials` pinned afresh from `library` (none when it renders none). */
export function withPins<T extends { messages?: unknown; partials?: unknown }>(
  journey: T,
  library: PartialLibrary,
): T {
  const { partials } = pinPartials(journey, library);
  const next = { ...journey, partials } as T & { partials?: unknown };
  if (partials === undefined) delete next.partials;
  return next;
}
