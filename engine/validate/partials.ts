/**
 * Partials (engine/partials.ts), checked three ways:
 *
 * - each partial on its own, once per source text (cached): Liquid syntax with the renderer's own
 *   settings, no `include`/`render`/`layout` inside (one level, so every variable a partial reads is
 *   a parameter of the call), and HTML that cannot break the right-to-left wrapper the renderer puts
 *   around an email's body (engine/html.ts): no `<html>`, `<head>` or `<body>`, no closing tag for an
 *   element the partial did not open (a stray `</table>` would end the wrapper, and what follows
 *   would lose `dir="rtl"`);
 * - each `{% render %}` in a message: the partial exists (pinned by the journey, in the message's
 *   locale), with a "did you mean"; and every variable the partial prints without a `default` is
 *   passed by the call, since `render` gives the partial an isolated scope (liquidjs: it sees only
 *   its parameters) and a missing one prints as nothing — an empty unsubscribe link. The values the
 *   call passes (`links.unsubscribe`) are template variables of the message, checked against the
 *   vocabulary with the rest of it (content.ts);
 * - the journey's pins against the library (workflows/partials/): a partial changed, added or
 *   removed since the journey pinned it is an error until a new version is released with it, so a
 *   footer edit never changes what a running version sends.
 */
import { Liquid } from 'liquidjs';
import {
  type PartialLibrary,
  parsePartialKey,
  partialNames,
  pinPartials,
  type RenderCall,
  renderCalls,
  resolvePartialKey,
} from '../partials.ts';
import { LIQUID_OPTIONS } from '../policy/render-basics.ts';
import { isRecord, type Path, where } from './describe.ts';
import { didYouMean, didYouMeanText } from './suggest.ts';
import { templateVariables } from './template-vars.ts';
import type { Finding } from './types.ts';

/** The library a journey is checked against, and how to name its folder in messages. */
export interface PartialSources {
  library: PartialLibrary;
  /** e.g. `workflows/partials` */
  dir: string;
}

export interface PartialContext {
  /** `journey.partials`: what this version renders with. */
  pinned: PartialLibrary;
  defaultLocale: string;
  file: string;
  sources?: PartialSources;
  /** Partials already reported as not pinned: one problem per partial, not one per template. */
  unpinned?: Set<string>;
}

/** A partial source's own problems, without location: the caller places them. */
export interface SourceProblem {
  code: string;
  message: string;
  suggestion?: string;
  /** 0-based offset in the source, when known. */
  offset?: number;
}

let liquid: Liquid | undefined;
function engine(): Liquid {
  // Parses only, never renders: the locale (the `date` filter's) is named so that liquidjs does
  // not ask Intl for the system's, tens of milliseconds at start-up (issue 17).
  liquid ??= new Liquid({ ...LIQUID_OPTIONS, locale: 'en-US' });
  return liquid;
}

const DOCUMENT_TAGS = new Set(['html', 'head', 'body', 'title', 'meta']);
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const NESTED = /\{%-?\s*(include|render|layout)\b/;
const MAX_PARTIAL_CHARS = 100_000;

const checked = new Map<string, SourceProblem[]>();

/** What is wrong with one partial's source, whoever uses it. */
export function partialSourceProblems(source: string): SourceProblem[] {
  const cached = checked.get(source);
  if (cached) return cached;
  const problems = sourceProblems(source);
  if (checked.size >= 1_000) checked.clear();
  checked.set(source, problems);
  return problems;
}

function sourceProblems(source: string): SourceProblem[] {
  if (source.length > MAX_PARTIAL_CHARS)
    return [{ code: 'partial.too-long', message: 'the partial is too long' }];
  const out: SourceProblem[] = [];
  try {
    engine().parse(source);
  } catch (err) {
    const e = err as { message?: unknown; token?: { begin?: number } };
    const detail = (typeof e.message === 'string' ? e.message : String(err)).replace(
      /, line:\d+, col:\d+$/,
      '',
    );
    out.push({
      code: 'partial.syntax-error',
      message: `Liquid error: ${detail}`,
      suggestion: 'check the Liquid syntax around this point',
      ...(typeof e.token?.begin === 'number' ? { offset: e.token.begin } : {}),
    });
    return out;
  }
  const nested = NESTED.exec(source);
  if (nested) {
    out.push({
      code: 'partial.nested',
      message: `a partial cannot use \`{% ${nested[1]} %}\`: partials are one level deep, so each call can be checked against what it passes`,
      suggestion: 'write the content into this partial, or render the other partial from the message',
      offset: nested.index,
    });
  }
  out.push(...htmlProblems(source));
  return out;
}

/** Tags outside Liquid markup, in order: `{ name, closing, offset }`. */
function htmlProblems(source: string): SourceProblem[] {
  // Liquid markup and comments become spaces, keeping offsets.
  const blank = (m: string) => ' '.repeat(m.length);
  const html = source.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|<!--[\s\S]*?-->/g, blank);
  const out: SourceProblem[] = [];
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g;
  for (let m = tag.exec(html); m !== null; m = tag.exec(html)) {
    const name = m[2]!.toLowerCase();
    const closing = m[1] === '/';
    if (DOCUMENT_TAGS.has(name)) {
      out.push({
        code: 'partial.document-tag',
        message: `a partial is a fragment of a message and cannot have \`<${name}>\`: the email around it has its own document, and its right-to-left wrapper (engine/html.ts) must stay around all of its content`,
        suggestion: `remove the \`<${closing ? '/' : ''}${name}>\` tag`,
        offset: m.index,
      });
      continue;
    }
    if (VOID.has(name) || m[3] === '/') continue;
    if (!closing) {
      open.push(name);
      continue;
    }
    const at = open.lastIndexOf(name);
    if (at === -1) {
      out.push({
        code: 'partial.unbalanced-html',
        message: `\`</${name}>\` closes an element this partial did not open: in an email it would close the message's own markup (in Arabic and Persian, the right-to-left wrapper), and what follows would lose its direction`,
        suggestion: `remove \`</${name}>\`, or open the \`<${name}>\` in the partial too`,
        offset: m.index,
      });
      continue;
    }
    open.length = at;
  }
  return out;
}

/** Findings of one `{% render %}`-bearing template of a message, at `path`. */
export function checkRenderCalls(
  template: string,
  path: Path,
  ctx: PartialContext,
  out: Finding[],
  locate: (index: number) => number | undefined,
): void {
  const calls = renderCalls(template);
  if (calls.length === 0) return;
  const locale = String(path[3]);
  const field = `${String(path[path.length - 2])} ${String(path[path.length - 1])}`;
  const reported = new Set<string>();
  for (const call of calls) {
    const offset = locate(call.offset);
    const at = offset !== undefined ? { offset } : {};
    const key = `${call.written}|${call.parameters.join(',')}`;
    if (reported.has(key)) continue;
    reported.add(key);
    if (call.name === undefined) {
      out.push({
        code: 'template.dynamic-partial',
        path: [...path],
        message: `the ${field} of ${where(path)} renders \`${call.written}\`: a partial is named in quotes, so that it can be checked before deploy`,
        suggestion: `write \`{% render '${call.written}' %}\` with the partial's file name`,
        ...at,
      });
      continue;
    }
    const pinnedKey = resolvePartialKey(ctx.pinned, call.name, locale, ctx.defaultLocale);
    if (pinnedKey === undefined) {
      const finding = missing(call, path, field, ctx, at);
      if (finding) out.push(finding);
      continue;
    }
    parameters(call, pinnedKey, ctx.pinned[pinnedKey]!, path, field, at, out);
  }
}

function missing(
  call: RenderCall,
  path: Path,
  field: string,
  ctx: PartialContext,
  at: { offset?: number },
): Finding | undefined {
  const name = call.name!;
  const dir = ctx.sources?.dir ?? 'workflows/partials';
  const inLibrary = ctx.sources ? partialNames(ctx.sources.library).includes(name) : false;
  if (inLibrary) {
    if (ctx.unpinned?.has(name)) return undefined;
    ctx.unpinned?.add(name);
    return {
      code: 'partial.not-pinned',
      path: [...path],
      message: `the ${field} of ${where(path)} renders partial \`${name}\` (${dir}/${name}.liquid), but this journey version has not pinned it (nor in its other templates): a version sends only the partials released with it`,
      suggestion: `run \`npx herald release ${ctx.file}\` (set a new /version first if this one is released)`,
      ...at,
    };
  }
  const known = [...new Set([...partialNames(ctx.pinned), ...partialNames(ctx.sources?.library ?? {})])];
  const guess = didYouMean(name, known);
  return {
    code: 'template.unknown-partial',
    path: [...path],
    message: `the ${field} of ${where(path)} renders partial \`${name}\`, but there is no ${dir}/${name}.liquid${didYouMeanText(guess)}`,
    suggestion: guess
      ? `use \`{% render '${guess}' … %}\``
      : `create ${dir}/${name}.liquid${known.length > 0 ? `, or use one of ${known.map((k) => `\`${k}\``).join(', ')}` : ''}`,
    ...at,
  };
}

/** Every variable the partial prints without a `default` must be one the call passes. */
function parameters(
  call: RenderCall,
  key: string,
  source: string,
  path: Path,
  field: string,
  at: { offset?: number },
  out: Finding[],
): void {
  const passed = new Set(call.parameters);
  const lacking = new Set<string>();
  for (const use of templateVariables(source)) {
    const root = use.path.split('.')[0] ?? use.path;
    if (passed.has(root) || !use.printed || use.hasDefault) continue;
    lacking.add(root);
  }
  for (const name of lacking) {
    const vocabulary = /^(profile|event|product|journey|links)$/.test(name);
    out.push({
      code: 'partial.missing-parameter',
      path: [...path],
      message: `the ${field} of ${where(path)} renders partial \`${call.name}\` (\`${key}\`) without \`${name}\`, which it prints: a rendered partial sees only what it is passed, so it would print nothing`,
      suggestion: vocabulary
        ? `pass what it needs, e.g. \`{% render '${call.name}', ${name}: ${name} %}\`, or give it a \`default\` in the partial`
        : `pass it: \`{% render '${call.name}', ${name}: … %}\`, or give it a \`default\` in the partial`,
      ...at,
    });
  }
}

/** The journey's own `partials`: well-named and valid, each at `/partials/<key>`. */
/** The journey's text pins; any other value is the schema check's problem, and nothing to render. */
export function pinnedSources(journey: Record<string, unknown>): Record<string, string> {
  if (!isRecord(journey.partials)) return {};
  return Object.fromEntries(
    Object.entries(journey.partials).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

export function checkPinnedPartials(journey: Record<string, unknown>): Finding[] {
  if (!isRecord(journey.partials)) return [];
  const out: Finding[] = [];
  for (const [key, source] of Object.entries(journey.partials)) {
    const path: Path = ['partials', key];
    if (parsePartialKey(key) === undefined) {
      out.push({
        code: 'partial.invalid-name',
        path: [...path],
        atKey: true,
        message: `\`${key}\` is not a partial name: \`<name>\` or \`<name>.<locale>\`, lowercase, e.g. \`footer\` or \`footer.ar\``,
        suggestion: 'run `npx herald release` to pin the partials from workflows/partials/ again',
      });
      continue;
    }
    if (typeof source !== 'string') continue;
    for (const p of partialSourceProblems(source)) {
      out.push({
        code: p.code,
        path: [...path],
        message: `partial \`${key}\`: ${p.message}`,
        ...(p.suggestion ? { suggestion: p.suggestion } : {}),
      });
    }
  }
  return out;
}

/**
 * The journey's pins against the library. One finding at `/partials` (or `/version` when the
 * journey pins nothing) naming what changed.
 */
export function checkPins(journey: Record<string, unknown>, ctx: PartialContext): Finding[] {
  if (!ctx.sources) return [];
  const pinned = isRecord(journey.partials) ? (journey.partials as Record<string, unknown>) : {};
  const { partials: wanted = {} } = pinPartials(journey, ctx.sources.library);
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(pinned), ...Object.keys(wanted)])) {
    if (pinned[key] !== wanted[key]) changed.push(key);
  }
  if (changed.length === 0 || Object.keys(pinned).length === 0) return [];
  const library = ctx.sources.library;
  const version = typeof journey.version === 'number' ? journey.version : undefined;
  const dir = ctx.sources.dir;
  const describe = (k: string) =>
    wanted[k] === undefined
      ? `\`${k}\` (${Object.hasOwn(library, k) ? 'no longer rendered' : `no longer in ${dir}/`})`
      : pinned[k] === undefined
        ? `\`${k}\` (new in ${dir}/)`
        : `\`${k}\``;
  return [
    {
      code: 'partial.out-of-date',
      path: ['partials'],
      atKey: true,
      message: `the partials this journey pinned differ from ${dir}/: ${changed.map(describe).join(', ')} changed since${version !== undefined ? ` version ${version}` : ''} pinned ${changed.length === 1 ? 'it' : 'them'}; customers on a released version keep what it pinned`,
      suggestion: `to send the new content, set /version to ${version !== undefined ? version + 1 : 'a new version'} and run \`npx herald release ${ctx.file}\` (it pins the partials again); to keep this version, restore ${dir}/`,
    },
  ];
}
