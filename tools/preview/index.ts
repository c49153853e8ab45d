/**
 * `herald preview`: every message of a journey rendered for every channel and locale it has, by the
 * production renderer (engine/policy/render.ts), with a sample customer, event and product.
 */
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import {
  contentFor,
  createRenderer,
  messageCategory,
  type RenderedMessage,
  type RenderScope,
} from '../../engine/policy/index.ts';
import { CHANNELS, type ChannelName, type Journey } from '../../engine/schema.ts';
import { type Problem, validateJourneyValue } from '../../engine/validate/index.ts';
import { channelFlags, type Flag, variableFlags } from './checks.ts';

export { type Flag, LIMITS } from './checks.ts';

/** Stands in for the customer's signed one-click link (the step Lambda signs the real one). */
export const PREVIEW_UNSUBSCRIBE_URL = 'https://unsubscribe.example/u?token=preview';

export interface PreviewSample {
  profile: Profile;
  event: CustomerEvent;
  product?: Product;
  /** Where each came from: a file, or "built-in sample". */
  sources: { profile: string; event: string; product?: string };
}

export interface PreviewItem {
  messageId: string;
  locale: string;
  channel: ChannelName;
  rendered?: RenderedMessage;
  /** The renderer refused the template (the message is shown, not sent, when this happens live). */
  error?: string;
  flags: Flag[];
}

export interface PreviewMessage {
  id: string;
  description?: string;
  category: 'marketing' | 'transactional';
  locales: string[];
  items: PreviewItem[];
  /** About the message as a whole: locales that borrow another locale's content for a channel. */
  notes: Flag[];
}

export interface PreviewReport {
  journey: { id: string; name: string; version: number; defaultLocale: string };
  sample: PreviewSample;
  messages: PreviewMessage[];
  /**
   * The validator's warnings for this journey that concern no single message (errors stop preview
   * before it starts); the others are among the flags of the variant or message they are about.
   */
  warnings: Problem[];
  counts: { rendered: number; warnings: number; infos: number };
}

/** Narrow the preview to some messages or locales (a locale also matches its variants: `fa` → `fa-IR`). */
export interface PreviewFilter {
  messages?: string[];
  locales?: string[];
}

/**
 * `warnings` are the validator's for the journey's file (with its lines); without them, the
 * validator's warnings for the journey as given.
 */
export function previewJourney(
  journey: Journey,
  sample: PreviewSample,
  warnings: Problem[] = validatorWarnings(journey),
  filter: PreviewFilter = {},
): PreviewReport {
  const placed = new Set<Problem>();
  /** The validator's warnings at or under a JSON pointer, as flags; each is shown once. */
  const warningsAt = (pointer: string): Flag[] =>
    warnings
      .filter((w) => !placed.has(w) && (w.path === pointer || w.path.startsWith(`${pointer}/`)))
      .map((w) => {
        placed.add(w);
        return { level: 'warning', code: w.code, message: w.message };
      });
  const renderer = createRenderer();
  const scope: RenderScope = {
    profile: sample.profile,
    event: sample.event,
    journey: { id: journey.id, name: journey.name },
    links: { unsubscribe: PREVIEW_UNSUBSCRIBE_URL },
    ...(sample.product ? { product: sample.product } : {}),
  };
  const data = scope as unknown as Record<string, unknown>;

  const wantedLocale = (locale: string) =>
    !filter.locales ||
    filter.locales.some(
      (l) =>
        locale.toLowerCase() === l.toLowerCase() || locale.toLowerCase().startsWith(`${l.toLowerCase()}-`),
    );
  const entries = Object.entries(journey.messages).filter(
    ([id]) => !filter.messages || filter.messages.includes(id),
  );
  const messages = entries.map(([id, message]): PreviewMessage => {
    const locales = Object.keys(message.locales).filter(wantedLocale);
    const items: PreviewItem[] = [];
    const notes: Flag[] = [];
    for (const locale of locales) {
      for (const channel of CHANNELS) {
        const source = message.locales[locale]?.[channel];
        if (!source) {
          const borrowed = contentFor(message, channel, locale, journey.defaultLocale);
          if (borrowed) {
            notes.push({
              level: 'info',
              code: 'locale.fallback',
              message: `${locale} has no ${label(channel)} content: these customers get the ${borrowed.locale} ${label(channel)}`,
            });
          }
          continue;
        }
        const item: PreviewItem = { messageId: id, locale, channel, flags: [] };
        try {
          item.rendered = renderer.render(journey, id, channel, scope, locale);
          item.flags.push(...channelFlags(channel, item.rendered));
        } catch (err) {
          item.error = err instanceof Error ? err.message : String(err);
          item.flags.push({
            level: 'warning',
            code: 'render.failed',
            message: `cannot render: ${item.error}`,
          });
        }
        item.flags.unshift(...variableFlags(Object.values(source) as string[], data));
        item.flags.push(...warningsAt(`/messages/${id}/locales/${locale}/${channel}`));
        items.push(item);
      }
    }
    for (const locale of locales) notes.push(...warningsAt(`/messages/${id}/locales/${locale}`));
    if (!filter.locales) notes.push(...warningsAt(`/messages/${id}`));
    const entry: PreviewMessage = { id, category: messageCategory(message), locales, items, notes };
    if (message.description) entry.description = message.description;
    return entry;
  });

  const flags = messages.flatMap((m) => [...m.notes, ...m.items.flatMap((i) => i.flags)]);
  // Warnings about messages left out by the filter stay out; the rest concern the whole journey.
  const general = warnings.filter((w) => !placed.has(w) && !w.path.startsWith('/messages/'));
  return {
    journey: {
      id: journey.id,
      name: journey.name,
      version: journey.version,
      defaultLocale: journey.defaultLocale,
    },
    sample,
    messages,
    warnings: general,
    counts: {
      rendered: messages.reduce((n, m) => n + m.items.filter((i) => i.rendered).length, 0),
      warnings: flags.filter((f) => f.level === 'warning').length + general.length,
      infos: flags.filter((f) => f.level === 'info').length,
    },
  };
}

function validatorWarnings(journey: Journey): Problem[] {
  return validateJourneyValue(journey, `${journey.id}.journey.json`).problems.filter(
    (p) => p.severity === 'warning',
  );
}

export function label(channel: ChannelName): string {
  return channel === 'sms' ? 'SMS' : channel;
}
