/**
 * What the validator needs of rendering without rendering anything: the Liquid settings every send
 * uses, and the locale a customer's content is chosen in. Re-exported by ./render.ts, the renderer;
 * a module of its own so that `herald validate` loads neither liquidjs's renderer set-up nor the
 * SMS encoder and its Unicode tables (issue 17).
 */
import type { ChannelName, LocalizedContent, Message } from '../schema.ts';
import { boundedMemo } from './memo.ts';

/**
 * The Liquid settings every send uses; the validator parses with the same ones so a template it
 * accepts renders. Unknown filters fail, missing variables are empty, no template reads files.
 */
export const LIQUID_OPTIONS = Object.freeze({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  templates: {},
  parseLimit: 1e6,
  renderLimit: 1_000,
  memoryLimit: 1e7,
});

// ── Locales ───────────────────────────────────────────────────────────────────────────────────

const RTL_LANGUAGES = new Set(['ar', 'fa', 'he', 'ur', 'ps', 'sd', 'ug', 'yi', 'dv', 'ckb']);

/** True for right-to-left scripts: Arabic, Persian, Hebrew, Urdu (and a few more). */
export function isRtl(locale: string): boolean {
  return RTL_LANGUAGES.has(locale.split('-')[0]?.toLowerCase() ?? '');
}

/**
 * The lookup order for a requested locale: `fa-IR` → `fa` → the default. Memoised (every channel
 * of every decision asks); the array returned is shared and frozen.
 */
export function localeChain(requested: string | undefined, defaultLocale: string): string[] {
  const wanted = typeof requested === 'string' ? requested : '';
  return chainOf(`${wanted.length}:${wanted}${defaultLocale}`);
}

/** Keyed by `<length of requested>:<requested><default>`, unambiguous whatever the strings hold. */
const chainOf = /* @__PURE__ */ boundedMemo(512, (key: string): string[] => {
  const colon = key.indexOf(':');
  const length = Number(key.slice(0, colon));
  const requested = key.slice(colon + 1, colon + 1 + length);
  const defaultLocale = key.slice(colon + 1 + length);
  return Object.freeze(buildLocaleChain(requested, defaultLocale)) as string[];
});

function buildLocaleChain(requested: string, defaultLocale: string): string[] {
  const chain: string[] = [];
  if (requested.length > 0) {
    const parts = requested.replaceAll('_', '-').split('-');
    for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join('-'));
  }
  chain.push(defaultLocale);
  return [...new Set(chain)];
}

/**
 * The first locale of `localeChain` that `available` has (compared case-insensitively, returned
 * as spelled in `available`); the default when none matches.
 */
export function resolveLocale(
  requested: string | undefined,
  available: readonly string[],
  defaultLocale: string,
): string {
  for (const wanted of localeChain(requested, defaultLocale)) {
    const hit = available.find((a) => a.toLowerCase() === wanted.toLowerCase());
    if (hit !== undefined) return hit;
  }
  return defaultLocale;
}

/** The content of `message` for `channel` in the best locale that has any, or undefined. */
export function contentFor<C extends ChannelName>(
  message: Message | undefined,
  channel: C,
  requested: string | undefined,
  defaultLocale: string,
): { locale: string; content: NonNullable<LocalizedContent[C]> } | undefined {
  if (!message || typeof message.locales !== 'object' || message.locales === null) return undefined;
  const available = Object.keys(message.locales).filter(
    (locale) => message.locales[locale]?.[channel] !== undefined,
  );
  if (available.length === 0) return undefined;
  const locale = resolveLocale(requested, available, defaultLocale);
  const content = message.locales[locale]?.[channel];
  return content === undefined ? undefined : { locale, content: content as NonNullable<LocalizedContent[C]> };
}
