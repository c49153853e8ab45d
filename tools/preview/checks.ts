/**
 * What preview flags about one rendered message: template variables the sample data leaves empty
 * (and whether a `default` covers them), SMS encoding and parts, push and subject lengths, and a
 * missing unsubscribe link. The rendering itself is the production renderer's (engine/policy).
 */
import { Liquid } from 'liquidjs';
import { type RenderedMessage, smsInfo } from '../../engine/policy/index.ts';
import type { ChannelName, LocalizedContent } from '../../engine/schema.ts';

export type FlagLevel = 'warning' | 'info';

export interface Flag {
  level: FlagLevel;
  code: string;
  message: string;
}

/** Beyond these, phones and inboxes cut the text off (common guidance, not hard limits). */
export const LIMITS = { pushTitle: 40, pushBody: 150, emailSubject: 60, smsSegments: 2 } as const;

const KNOWN_ROOTS = new Set(['profile', 'event', 'product', 'journey', 'links']);

const analyzer = new Liquid({ strictFilters: false, strictVariables: false });

export interface VariableUse {
  path: string;
  /** Inside `{{ … }}` (printed) rather than a `{% … %}` tag (tested). */
  printed: boolean;
  hasDefault: boolean;
}

/** The global variables a template reads, from liquidjs's static analysis. */
export function templateVariables(source: string): VariableUse[] {
  let analysis: ReturnType<Liquid['analyzeSync']>;
  try {
    analysis = analyzer.analyzeSync(analyzer.parse(source));
  } catch {
    return []; // the validator reports syntax errors; the renderer would refuse the template
  }
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const uses: VariableUse[] = [];
  const seen = new Set<string>();
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      const segments = variable.toArray();
      if (!segments.every((s) => typeof s === 'string' || typeof s === 'number')) continue;
      const path = segments.join('.');
      const offset = (lineStarts[variable.location.row - 1] ?? 0) + variable.location.col - 1;
      const open = Math.max(source.lastIndexOf('{{', offset), source.lastIndexOf('{%', offset));
      const printed = source.startsWith('{{', open);
      const close = source.indexOf(printed ? '}}' : '%}', offset);
      const tail = source.slice(offset, close === -1 ? undefined : close);
      const hasDefault = /\|\s*default\s*:/.test(tail);
      const key = `${path}|${printed}|${hasDefault}`;
      if (seen.has(key)) continue;
      seen.add(key);
      uses.push({ path, printed, hasDefault });
    }
  }
  return uses;
}

function read(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Variables the sample data does not fill: a warning when printed without a `default`. */
export function variableFlags(sources: readonly string[], data: Record<string, unknown>): Flag[] {
  const flags: Flag[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    for (const use of templateVariables(source)) {
      const root = use.path.split('.')[0] ?? '';
      if (seen.has(use.path)) continue;
      if (!KNOWN_ROOTS.has(root)) {
        seen.add(use.path);
        flags.push({
          level: 'warning',
          code: 'variable.unknown',
          message: `\`${use.path}\` is not something a template can read (use profile.*, event.*, product.*, links.*, journey.*)`,
        });
        continue;
      }
      const value = read(data, use.path);
      if (value !== undefined && value !== null && value !== '') continue;
      if (!use.printed) continue; // `{% if x %}` on an empty value is the point of the test
      seen.add(use.path);
      flags.push(
        use.hasDefault
          ? {
              level: 'info',
              code: 'variable.default-used',
              message: `\`${use.path}\` is empty for this customer: the default is shown`,
            }
          : {
              level: 'warning',
              code: 'variable.missing',
              message: `\`${use.path}\` is empty for this customer and has no \`default\`: it renders as nothing`,
            },
      );
    }
  }
  return flags;
}

const CHAR_NAMES: Record<string, string> = {
  '’': 'curly apostrophe ’',
  '‘': 'curly quote ‘',
  '“': 'curly quote “',
  '”': 'curly quote ”',
  '–': 'en dash –',
  '—': 'em dash —',
  '…': 'ellipsis …',
};

const length = (s: string) => [...s].length;

/** Flags about one channel's rendered content. */
export function channelFlags(
  channel: ChannelName,
  rendered: RenderedMessage,
  source: NonNullable<LocalizedContent[ChannelName]>,
): Flag[] {
  const flags: Flag[] = [];
  if (channel === 'sms' && rendered.sms) {
    const { segments, encoding } = rendered.sms;
    if (encoding === 'UCS-2' && rendered.dir === 'ltr') {
      const culprits = [...new Set(nonGsm(rendered.sms.body))].slice(0, 3);
      flags.push({
        level: 'warning',
        code: 'sms.ucs2',
        message: `UCS-2 encoding (70 characters per part instead of 160) because of ${culprits.map((c) => CHAR_NAMES[c] ?? `“${c}”`).join(', ')}`,
      });
    }
    if (segments > LIMITS.smsSegments) {
      flags.push({
        level: 'warning',
        code: 'sms.segments',
        message: `${segments} SMS parts (${encoding}); each part is billed — aim for at most ${LIMITS.smsSegments}`,
      });
    }
  }
  if (channel === 'push' && rendered.push) {
    const { title, body } = rendered.push;
    if (length(title) > LIMITS.pushTitle) {
      flags.push({
        level: 'warning',
        code: 'push.title-long',
        message: `push title is ${length(title)} characters; phones cut it after about ${LIMITS.pushTitle}`,
      });
    }
    if (length(body) > LIMITS.pushBody) {
      flags.push({
        level: 'warning',
        code: 'push.body-long',
        message: `push body is ${length(body)} characters; phones cut it after about ${LIMITS.pushBody}`,
      });
    }
  }
  if (channel === 'email' && rendered.email) {
    const subject = rendered.email.subject;
    if (length(subject) > LIMITS.emailSubject) {
      flags.push({
        level: 'warning',
        code: 'email.subject-long',
        message: `subject is ${length(subject)} characters; inboxes cut it after about ${LIMITS.emailSubject}`,
      });
    }
    const email = source as NonNullable<LocalizedContent['email']>;
    if (!/links\.unsubscribe/.test(email.html)) {
      flags.push({
        level: 'warning',
        code: 'email.no-unsubscribe',
        message: 'the HTML has no `{{ links.unsubscribe }}` link',
      });
    }
  }
  return flags;
}

function nonGsm(body: string): string[] {
  return [...body].filter((ch) => smsInfo(`a${ch}`).encoding === 'UCS-2');
}
