/**
 * Messages and the sends that use them: every send names a message that exists and has content
 * for its channels, every message speaks the journey's default language, and every template parses
 * and reads only fields the data dictionary declares.
 */
import { Liquid } from 'liquidjs';
import { rememberTree } from '../liquid-parse.ts';
import { LIQUID_OPTIONS } from '../policy/render-basics.ts';
import { CHANNELS } from '../schema.ts';
import { isRecord, type Path, show, where } from './describe.ts';
import { checkField, type FieldScope, type Segment } from './fields.ts';
import { checkRenderCalls, type PartialContext } from './partials.ts';
import { didYouMean, didYouMeanText, suggestLocale } from './suggest.ts';
import type { Finding } from './types.ts';

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const CHANNEL_FIELDS: Record<string, readonly string[]> = {
  email: ['subject', 'html', 'text'],
  sms: ['body'],
  push: ['title', 'body', 'deepLink'],
};
const CHANNEL_LABEL: Record<string, string> = { email: 'email', sms: 'SMS', push: 'push' };
/** Large enough for any real template; bounds the work on hostile input. */
const MAX_TEMPLATE_CHARS = 200_000;

let liquid: Liquid | undefined;
/** Parsed with the renderer's own settings, so a template accepted here renders at send time. */
function engine(): Liquid {
  // Parses and analyses only, never renders: the locale (the `date` filter's) is named so that
  // liquidjs does not ask Intl for the system's, tens of milliseconds at start-up (issue 17).
  liquid ??= new Liquid({ ...LIQUID_OPTIONS, locale: 'en-US' });
  return liquid;
}

/**
 * Templates live in the journey file; shared content comes only through `render` (isolated scope,
 * checked per call in partials.ts). `include` would share the message's whole scope with the
 * partial, and `layout` would make the message a fragment of another file.
 */
const PARTIAL_TAG = /\{%-?\s*(include|layout)\b/;

/** Where in the file a character of a template string sits; provided by the caller, which has the text. */
export type Locate = (path: Path, index: number) => number | undefined;

export function checkContent(
  journey: Record<string, unknown>,
  scope: FieldScope,
  locate: Locate,
  partials: PartialContext,
): Finding[] {
  const out: Finding[] = [];
  const messages = isRecord(journey.messages) ? journey.messages : {};
  const steps = isRecord(journey.steps) ? journey.steps : {};
  const ids = Object.keys(messages);
  const used = new Set<string>();

  for (const step of Object.values(steps)) {
    // Any step naming a message uses it, even one whose own type is misspelt (reported elsewhere).
    if (isRecord(step) && typeof step.message === 'string') used.add(step.message);
  }
  for (const [stepId, step] of Object.entries(steps)) {
    if (!isRecord(step) || step.type !== 'send' || typeof step.message !== 'string') continue;
    const at: Path = ['steps', stepId];
    const message = messages[step.message];
    if (!Object.hasOwn(messages, step.message) || !isRecord(message)) {
      const guess = didYouMean(step.message, ids);
      out.push({
        code: 'send.unknown-message',
        path: [...at, 'message'],
        message: `${where(at)} sends message \`${step.message}\`, but there is no such message${didYouMeanText(guess)}`,
        suggestion: guess ? `use \`${guess}\`` : `add \`"${step.message}"\` under \`messages\``,
      });
      continue;
    }
    const available = channelsWithContent(message);
    if (!Array.isArray(step.channels) || !isRecord(message.locales)) continue;
    step.channels.forEach((channel, i) => {
      if (channel === 'preferred') {
        if (available.size === 0) {
          out.push({
            code: 'send.no-content',
            path: [...at, 'channels', i],
            message: `${where(at)} sends on the customer’s preferred channel, but message \`${step.message}\` has no content for any channel`,
            suggestion: 'add email, SMS or push content to the message',
          });
        }
      } else if (
        typeof channel === 'string' &&
        CHANNELS.includes(channel as never) &&
        !available.has(channel)
      ) {
        out.push({
          code: 'send.channel-without-content',
          path: [...at, 'channels', i],
          message: `${where(at)} may send by ${CHANNEL_LABEL[channel]}, but message \`${step.message}\` has no ${CHANNEL_LABEL[channel]} content in any language`,
          suggestion: `add \`${channel}\` content to the message, or remove \`${channel}\` from the channels`,
        });
      }
    });
  }

  const defaultLocale = typeof journey.defaultLocale === 'string' ? journey.defaultLocale : undefined;
  for (const [id, message] of Object.entries(messages)) {
    if (!isRecord(message)) continue;
    const at: Path = ['messages', id];
    if (!used.has(id)) {
      out.push({
        code: 'message.unused',
        severity: 'warning',
        path: [...at],
        atKey: true,
        message: `message \`${id}\` is not sent by any step`,
        suggestion: 'remove it, or send it from a `send` step',
      });
    }
    if (!isRecord(message.locales)) continue;
    locales(message.locales, [...at, 'locales'], defaultLocale, out);
    for (const [locale, content] of Object.entries(message.locales)) {
      if (!isRecord(content)) continue;
      for (const [channel, fields] of Object.entries(CHANNEL_FIELDS)) {
        const channelContent = content[channel];
        if (!isRecord(channelContent)) continue;
        for (const field of fields) {
          const template = channelContent[field];
          if (typeof template !== 'string') continue;
          templateFindings(
            template,
            [...at, 'locales', locale, channel, field],
            scope,
            locate,
            out,
            partials,
          );
        }
      }
    }
  }
  return out;
}

function channelsWithContent(message: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  if (!isRecord(message.locales)) return found;
  for (const content of Object.values(message.locales)) {
    if (!isRecord(content)) continue;
    for (const channel of CHANNELS) if (isRecord(content[channel])) found.add(channel);
  }
  return found;
}

function locales(
  byLocale: Record<string, unknown>,
  at: Path,
  defaultLocale: string | undefined,
  out: Finding[],
): void {
  const tags = Object.keys(byLocale);
  for (const tag of tags) {
    if (!LOCALE.test(tag)) {
      const fix = suggestLocale(tag);
      out.push({
        code: 'message.invalid-locale',
        path: [...at, tag],
        atKey: true,
        message: `${show(tag)} in ${where(at)} is not a locale tag: use a BCP 47 tag such as \`en\`, \`ar\` or \`fa-IR\``,
        ...(fix ? { suggestion: `use \`${fix}\`` } : {}),
      });
    }
  }
  if (tags.length === 0) {
    out.push({
      code: 'message.empty',
      path: [...at],
      message: `${where(at)} has no content in any language`,
      suggestion: defaultLocale ? `add a \`${defaultLocale}\` variant` : 'add a variant per language',
    });
    return;
  }
  if (defaultLocale === undefined || !LOCALE.test(defaultLocale)) return;
  const base = byLocale[defaultLocale];
  if (!isRecord(base)) {
    out.push({
      code: 'message.missing-default-locale',
      path: [...at],
      message: `${where(at)} has no \`${defaultLocale}\` variant, the journey’s default language: customers whose language is missing would get nothing`,
      suggestion: `add the \`${defaultLocale}\` variant next to ${tags.map((t) => `\`${t}\``).join(', ')}`,
    });
    return;
  }
  for (const channel of CHANNELS) {
    const someoneHasIt = tags.some(
      (t) => isRecord(byLocale[t]) && isRecord((byLocale[t] as Record<string, unknown>)[channel]),
    );
    if (someoneHasIt && !isRecord(base[channel])) {
      out.push({
        code: 'message.channel-missing-default-locale',
        severity: 'warning',
        path: [...at, defaultLocale],
        atKey: true,
        message: `${where(at)} has ${CHANNEL_LABEL[channel]} content in other languages but not in \`${defaultLocale}\`, the default`,
        suggestion: `add ${CHANNEL_LABEL[channel]} content to the \`${defaultLocale}\` variant`,
      });
    }
  }
}

interface LiquidPositionError {
  message?: unknown;
  token?: { getPosition?: () => [number, number] };
}

function templateFindings(
  template: string,
  path: Path,
  scope: FieldScope,
  locate: Locate,
  out: Finding[],
  partials: PartialContext,
): void {
  if (template.length > MAX_TEMPLATE_CHARS) {
    out.push({
      code: 'template.too-long',
      path: [...path],
      message: `the template in ${where(path)} is too long`,
    });
    return;
  }
  const field = `${String(path[path.length - 2])} ${String(path[path.length - 1])}`;
  const analysis = analyzeTemplate(template);
  if ('error' in analysis) {
    const { detail, row, col } = analysis.error;
    const offset =
      row !== undefined && col !== undefined ? locate(path, indexOf(template, row, col)) : undefined;
    const filter = /^undefined filter: (\S+)/.exec(detail)?.[1];
    if (filter !== undefined) {
      const guess = didYouMean(filter, Object.keys(engine().filters));
      out.push({
        code: 'template.unknown-filter',
        path: [...path],
        message: `the ${field} of ${where(path)} uses an unknown Liquid filter \`${filter}\`${didYouMeanText(guess)}`,
        suggestion: guess
          ? `use \`${guess}\``
          : 'use a standard Liquid filter such as `default`, `upcase`, `date` or `round`',
        ...(offset !== undefined ? { offset } : {}),
      });
      return;
    }
    out.push({
      code: 'template.syntax-error',
      path: [...path],
      message: `Liquid error in the ${field} of ${where(path)}: ${detail}`,
      suggestion: liquidHint(detail),
      ...(offset !== undefined ? { offset } : {}),
    });
    return;
  }
  const partial = PARTIAL_TAG.exec(template);
  if (partial) {
    out.push({
      code: 'template.partial-not-supported',
      path: [...path],
      message: `the ${field} of ${where(path)} uses \`{% ${partial[1]} %}\`, but messages share content only with \`{% render %}\``,
      suggestion:
        "put the shared content in workflows/partials/<name>.liquid and write `{% render '<name>', param: value %}`",
      ...(() => {
        const offset = locate(path, partial.index);
        return offset !== undefined ? { offset } : {};
      })(),
    });
  }
  checkRenderCalls(template, path, partials, out, (index) => locate(path, index));
  const reported = new Set<string>();
  for (const variable of analysis.variables) {
    const result = checkField(variable.segments, scope);
    if (result.ok) continue;
    const text = variable.text;
    if (reported.has(text)) continue;
    reported.add(text);
    const offset = locate(path, indexOf(template, variable.row, variable.col));
    out.push({
      code:
        result.reason === 'product-unavailable'
          ? 'template.product-unavailable'
          : 'template.unknown-variable',
      path: [...path],
      message: `the ${field} of ${where(path)}: ${result.message}`,
      ...(result.suggestion ? { suggestion: result.suggestion } : {}),
      ...(offset !== undefined ? { offset } : {}),
    });
  }
}

interface TemplateAnalysis {
  variables: { segments: Segment[]; text: string; row: number; col: number }[];
}
type AnalysisResult = TemplateAnalysis | { error: { detail: string; row?: number; col?: number } };

/** Parsing is most of a validation's cost; the same templates come back (compile, synth, tests). */
const analyses = new Map<string, AnalysisResult>();
const MAX_CACHED = 2_000;

function analyzeTemplate(template: string): AnalysisResult {
  const cached = analyses.get(template);
  if (cached) return cached;
  const result = analyzeUncached(template);
  if (analyses.size >= MAX_CACHED) analyses.clear();
  analyses.set(template, result);
  return result;
}

function analyzeUncached(template: string): AnalysisResult {
  let parsed: ReturnType<Liquid['parse']>;
  try {
    parsed = engine().parse(template);
  } catch (err) {
    const e = err as LiquidPositionError;
    const position = e.token?.getPosition?.();
    const raw = typeof e.message === 'string' ? e.message : String(err);
    const detail = raw.replace(/, line:\d+, col:\d+$/, '');
    return { error: { detail, ...(position ? { row: position[0], col: position[1] } : {}) } };
  }
  rememberTree(template, parsed);
  try {
    const { globals } = engine().analyzeSync(parsed, { partials: false });
    const variables = Object.values(globals).flatMap((list) =>
      list.map((v) => ({
        segments: v.segments.map(toSegment),
        text: String(v),
        row: v.location.row,
        col: v.location.col,
      })),
    );
    return { variables };
  } catch {
    return { variables: [] }; // analysis is best effort; the parse above already vouched for the syntax
  }
}

function toSegment(s: unknown): Segment {
  if (typeof s === 'string' || typeof s === 'number') return s;
  return { dynamic: true };
}

/** The index in `text` of a 1-based row and column. */
function indexOf(text: string, row: number, col: number): number {
  let index = 0;
  for (let r = 1; r < row; r++) {
    const nl = text.indexOf('\n', index);
    if (nl < 0) break;
    index = nl + 1;
  }
  return Math.min(text.length, index + Math.max(0, col - 1));
}

function liquidHint(detail: string): string {
  if (/output .* not closed/.test(detail)) return 'close the output with `}}`';
  if (/tag .* not closed/.test(detail))
    return 'close the tag with `%}`, and blocks such as `{% if %}` with their `{% end… %}`';
  if (/tag .* not found/.test(detail))
    return 'check the tag name: `if`, `unless`, `for`, `assign`, `capture`, `case`…';
  return 'check the Liquid syntax around this point';
}
