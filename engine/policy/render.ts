/**
 * Message rendering: Liquid templates per locale and channel, parsed once and cached.
 *
 * - Locale: the customer's locale, then its parents (`fa-IR` → `fa`), then the journey's default.
 *   The choice is made per channel, so a locale without SMS copy falls back to the default's SMS.
 * - Missing variables render as empty, so `{{ profile.firstName | default: "there" }}` works; an
 *   unknown filter is an error at parse time (the validator reports it before deploy).
 * - Only the email HTML body is HTML-escaped; subject, text, SMS and push are plain text.
 * - Templates cannot read files: `render` resolves against the partials the journey version pinned
 *   (`journey.partials`, engine/partials.ts), through liquidjs's in-memory `templates` option, each
 *   partial in the message's locale; a journey without partials renders against an empty map.
 */
import { Liquid, type Template } from 'liquidjs';
import type { CustomerEvent, Product, Profile } from '../data.ts';
import { directionWrapper, escapeHtml, type TextDirection } from '../html.ts';
import { partialTemplates } from '../partials.ts';
import type { ChannelName, Journey, LocalizedContent } from '../schema.ts';
import { contentFor, isRtl, LIQUID_OPTIONS, localeChain } from './render-basics.ts';
import { type SmsEncoding, smsInfo } from './sms.ts';

// In a module of their own, so that the validator reads them without loading the renderer and
// the SMS encoder (issue 17: `herald validate`'s start-up).
export { contentFor, isRtl, LIQUID_OPTIONS, localeChain, resolveLocale } from './render-basics.ts';

// ── Rendering ─────────────────────────────────────────────────────────────────────────────────

export interface RenderScope {
  profile: Profile;
  event: CustomerEvent;
  product?: Product;
  journey: { id: string; name: string };
  links: { unsubscribe: string };
}

export interface RenderedMessage {
  locale: string;
  dir: TextDirection;
  email?: { subject: string; html: string; text: string };
  sms?: { body: string; encoding: SmsEncoding; segments: number };
  push?: { title: string; body: string; deepLink?: string };
}

export type RenderErrorCode = 'unknown_message' | 'no_content' | 'template_error';

export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly code: RenderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Renderer {
  render(
    journey: Journey,
    messageId: string,
    channel: ChannelName,
    scope: RenderScope,
    requestedLocale: string | undefined,
  ): RenderedMessage;
  /** Number of parsed templates held (for tests and metrics). */
  readonly cacheSize: number;
}

/** The two liquidjs instances a message renders with: plain text, and HTML with escaped output. */
export interface LiquidEngines {
  text: Liquid;
  html: Liquid;
}

/** Journey versions × locales with partials whose engines are kept (a handful in practice). */
const MAX_PARTIAL_ENGINES = 256;

/** The engines for these partials (liquidjs's in-memory `templates`), with Herald's Liquid options. */
export function liquidEngines(templates: Record<string, string>): LiquidEngines {
  // liquidjs parses a partial on every render unless `cache` is on; these templates never change.
  const options = { ...LIQUID_OPTIONS, templates, cache: Object.keys(templates).length > 0 };
  return {
    text: new Liquid(options),
    html: new Liquid({ ...options, outputEscape: 'escape' }),
  };
}

/**
 * One renderer per process: liquidjs is configured once and every template is parsed at most
 * once per `journeyId@version/messageId/locale/channel/field` (a journey version is immutable).
 */
export function createRenderer(): Renderer {
  // Escaping is attached to each output at parse time, so HTML fields get their own instance.
  const plain: LiquidEngines = liquidEngines({});
  const cache = new Map<string, Template[]>();
  // Partials are bound per journey version and locale: liquidjs's `templates` is per instance.
  const withPartials = new Map<string, LiquidEngines>();

  function enginesFor(journey: Journey, locale: string): LiquidEngines {
    const partials = journey.partials;
    if (partials === undefined || Object.keys(partials).length === 0) return plain;
    const key = `${journey.id}@${journey.version}/${locale}`;
    let found = withPartials.get(key);
    if (!found) {
      if (withPartials.size >= MAX_PARTIAL_ENGINES) withPartials.clear();
      found = liquidEngines(partialTemplates(partials, locale, journey.defaultLocale));
      withPartials.set(key, found);
    }
    return found;
  }

  function renderField(key: string, source: string, liquid: Liquid, scope: object): string {
    let templates = cache.get(key);
    try {
      if (!templates) {
        templates = liquid.parse(source);
        cache.set(key, templates);
      }
      return liquid.renderSync(templates, scope) as string;
    } catch (cause) {
      throw new RenderError('template_error', `cannot render ${key}: ${(cause as Error).message}`, { cause });
    }
  }

  return {
    get cacheSize() {
      return cache.size;
    },
    render(journey, messageId, channel, scope, requestedLocale) {
      const message = journey.messages[messageId];
      if (!message) {
        throw new RenderError('unknown_message', `journey ${journey.id} has no message "${messageId}"`);
      }
      const found = contentFor(message, channel, requestedLocale, journey.defaultLocale);
      if (!found) {
        throw new RenderError('no_content', `message "${messageId}" has no ${channel} content`);
      }
      const { locale } = found;
      const dir = isRtl(locale) ? 'rtl' : 'ltr';
      const data = templateData(scope, locale);
      const prefix = `${journey.id}@${journey.version}/${messageId}/${locale}/${channel}`;
      const liquid = enginesFor(journey, locale);
      const field = (name: string, source: string, asHtml = false) =>
        renderField(`${prefix}/${name}`, source, asHtml ? liquid.html : liquid.text, data);

      switch (channel) {
        case 'email': {
          const c = found.content as NonNullable<LocalizedContent['email']>;
          const subject = field('subject', c.subject).trim();
          return {
            locale,
            dir,
            email: {
              subject,
              html: htmlDocument(field('html', c.html, true), { locale, dir, title: subject }),
              text: field('text', c.text),
            },
          };
        }
        case 'sms': {
          const c = found.content as NonNullable<LocalizedContent['sms']>;
          const body = field('body', c.body).trim();
          const { encoding, segments } = smsInfo(body);
          return { locale, dir, sms: { body, encoding, segments } };
        }
        case 'push': {
          const c = found.content as NonNullable<LocalizedContent['push']>;
          const push: NonNullable<RenderedMessage['push']> = {
            title: field('title', c.title).trim(),
            body: field('body', c.body).trim(),
          };
          if (c.deepLink !== undefined) push.deepLink = field('deepLink', c.deepLink).trim();
          return { locale, dir, push };
        }
        default:
          return assertUnreachable(channel);
      }
    },
  };
}

/** Templates read `product.name` already in the customer's locale (falling back to the base name). */
function templateData(scope: RenderScope, locale: string): Record<string, unknown> {
  const data: Record<string, unknown> = { ...scope };
  const product = scope.product;
  if (product) {
    const names = product.names ?? {};
    const name = localeChain(locale, locale)
      .map((l) => names[l])
      .find((n) => typeof n === 'string');
    data.product = { ...product, name: name ?? product.name };
  }
  return data;
}

/**
 * Wraps a body fragment in a full document carrying `lang` and `dir`, and puts the body's content
 * in a wrapper that carries them too (`directionWrapper`): webmail drops `<html>` and `<body>` with
 * their attributes, so only an element inside the body keeps an Arabic email right-to-left. A
 * template that already is a document gets `lang`/`dir` added to its `<html>` tag when missing, and
 * its body content wrapped the same way.
 */
function htmlDocument(body: string, opts: { locale: string; dir: TextDirection; title: string }): string {
  const lang = escapeHtml(opts.locale);
  const htmlTag = /<html\b([^>]*)>/i.exec(body);
  if (htmlTag) {
    let attrs = htmlTag[1] ?? '';
    if (!/\blang\s*=/i.test(attrs)) attrs += ` lang="${lang}"`;
    if (!/\bdir\s*=/i.test(attrs)) attrs += ` dir="${opts.dir}"`;
    return wrapDocumentBody(body.replace(htmlTag[0], `<html${attrs}>`), opts);
  }
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}" dir="${opts.dir}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title></head>`,
    `<body dir="${opts.dir}">${directionWrapper(body, opts)}</body>`,
    '</html>',
  ].join('\n');
}

/** The content of a full document's `<body>` (or, without one, what follows `<head>`) in the wrapper. */
function wrapDocumentBody(doc: string, opts: { locale: string; dir: TextDirection }): string {
  const open = /<body\b[^>]*>/i.exec(doc) ?? /<\/head\s*>/i.exec(doc) ?? /<html\b[^>]*>/i.exec(doc);
  if (!open) return doc;
  const from = open.index + open[0].length;
  const closing = /<\/(?:body|html)\s*>/gi;
  let to = doc.length;
  for (let m = closing.exec(doc); m !== null; m = closing.exec(doc)) {
    if (m.index >= from) {
      to = m.index;
      break;
    }
  }
  return `${doc.slice(0, from)}${directionWrapper(doc.slice(from, to), opts)}${doc.slice(to)}`;
}

function assertUnreachable(value: never): never {
  throw new RenderError('no_content', `unknown channel ${String(value)}`);
}
