/**
 * What a sender is bound by, checked on the content as written. These are warnings: they do not
 * fail `herald validate`, `herald compile` or the CDK synth, but `herald validate` and the synth
 * (infra/app.ts prints warnings) show them, and `herald preview` shows each next to its variant.
 *
 * - `email.no-unsubscribe`: a marketing email whose HTML never prints `{{ links.unsubscribe }}`,
 *   itself or through a partial it passes the link to (`{% render 'footer', url: links.unsubscribe %}`
 *   where the footer prints `{{ url }}`).
 *   The one-click `List-Unsubscribe` header is not enough: US CAN-SPAM wants a clear opt-out in the
 *   message itself (ftc.gov/business-guidance/resources/can-spam-act-compliance-guide-business),
 *   and Gmail's sender guidelines ask bulk senders for a visible unsubscribe link in the body as
 *   well as the header (support.google.com/mail/answer/81126).
 * - `email.subject-without-default`: a subject that prints a field some customers lack, with no
 *   `default`: "Welcome, !" in the inbox list.
 * - `message.locale-unreachable`: content only under a regional tag (`fa-IR`) for a channel: a
 *   customer whose locale is the bare language (`fa`, or another region, `fa-AF`) falls back past
 *   it to the default locale (engine/policy/render.ts `resolveLocale`, the renderer's own lookup).
 */
import { type PartialLibrary, renderCalls, resolvePartialKey } from '../partials.ts';
import { messageCategory } from '../policy/caps.ts';
import { resolveLocale } from '../policy/render-basics.ts';
import { CHANNELS, type Message } from '../schema.ts';
import { isRecord, type Path, where } from './describe.ts';
import type { FieldScope } from './fields.ts';
import { pinnedSources } from './partials.ts';
import { templateVariables } from './template-vars.ts';
import type { Finding } from './types.ts';

const CHANNEL_LABEL: Record<string, string> = { email: 'email', sms: 'SMS', push: 'push' };
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** The pinned partials an email in `locale` renders with (engine/partials.ts). */
export interface UnsubscribePartials {
  partials: PartialLibrary;
  locale: string;
  defaultLocale: string;
}

/**
 * Whether an email's HTML offers the customer's unsubscribe link: prints `links.unsubscribe`, or
 * renders a partial that prints the parameter the link is passed as.
 */
export function offersUnsubscribe(html: string, via?: UnsubscribePartials): boolean {
  if (templateVariables(html).some((v) => v.printed && v.path === 'links.unsubscribe')) return true;
  if (!via) return false;
  return renderCalls(html).some((call) => {
    if (call.name === undefined) return false;
    const key = resolvePartialKey(via.partials, call.name, via.locale, via.defaultLocale);
    const source = key === undefined ? undefined : via.partials[key];
    if (source === undefined) return false;
    const params = Object.entries(call.values)
      .filter(([, value]) => value === 'links.unsubscribe')
      .map(([param]) => param);
    return templateVariables(source).some((v) => v.printed && params.includes(v.path));
  });
}

export function checkObligations(journey: Record<string, unknown>, scope: FieldScope): Finding[] {
  const partials = pinnedSources(journey);
  const out: Finding[] = [];
  const messages = isRecord(journey.messages) ? journey.messages : {};
  const defaultLocale = typeof journey.defaultLocale === 'string' ? journey.defaultLocale : undefined;
  for (const [id, message] of Object.entries(messages)) {
    if (!isRecord(message) || !isRecord(message.locales)) continue;
    const at: Path = ['messages', id, 'locales'];
    const marketing = messageCategory(message as unknown as Message) === 'marketing';
    for (const [locale, content] of Object.entries(message.locales)) {
      if (!isRecord(content) || !isRecord(content.email)) continue;
      const { html, subject } = content.email;
      const via = { partials, locale, defaultLocale: defaultLocale ?? locale };
      if (marketing && typeof html === 'string' && !offersUnsubscribe(html, via)) {
        out.push({
          code: 'email.no-unsubscribe',
          severity: 'warning',
          path: [...at, locale, 'email', 'html'],
          message: `the ${locale} email of ${where(['messages', id])} is marketing but has no unsubscribe link: the law (CAN-SPAM) and Gmail and Yahoo want one in the message`,
          suggestion:
            'add `<a href="{{ links.unsubscribe }}">Unsubscribe</a>`, or make the message `"category": "transactional"` if it truly is',
        });
      }
      if (typeof subject === 'string')
        subjectDefaults(subject, [...at, locale, 'email', 'subject'], scope, out);
    }
    if (defaultLocale !== undefined && LOCALE.test(defaultLocale)) {
      unreachableLocales(message.locales, at, defaultLocale, out);
    }
  }
  return out;
}

function subjectDefaults(subject: string, path: Path, scope: FieldScope, out: Finding[]): void {
  for (const use of templateVariables(subject)) {
    if (!use.printed || use.hasDefault || alwaysPresent(use.path, scope)) continue;
    out.push({
      code: 'email.subject-without-default',
      severity: 'warning',
      path: [...path],
      message: `the subject in ${where(path.slice(0, 2))} (${String(path[3])}) prints \`${use.path}\` with no \`default\`: for customers without it the subject reads with a gap`,
      suggestion: `write \`{{ ${use.path} | default: "…" }}\``,
    });
  }
}

/** Fields every customer, event and product has (required in engine/data.ts); others may be missing. */
function alwaysPresent(path: string, scope: FieldScope): boolean {
  const [root, first, second] = path.split('.');
  const required = (schema: unknown) =>
    new Set(isRecord(schema) && Array.isArray(schema.required) ? (schema.required as string[]) : []);
  switch (root) {
    case 'journey':
    case 'links':
      return true;
    case 'profile':
      return first !== undefined && required(scope.vocabulary.profile).has(first);
    case 'product':
      return first !== undefined && required(scope.vocabulary.product).has(first);
    case 'event':
      if (first === 'properties') {
        const props = scope.entryEvent ? scope.vocabulary.events[scope.entryEvent]?.schema : undefined;
        return second !== undefined && required(props).has(second);
      }
      return first !== undefined && ['id', 'type', 'time', 'customerId'].includes(first);
    default:
      return false;
  }
}

function unreachableLocales(
  byLocale: Record<string, unknown>,
  at: Path,
  defaultLocale: string,
  out: Finding[],
): void {
  const tags = Object.keys(byLocale).filter((t) => LOCALE.test(t) && isRecord(byLocale[t]));
  for (const tag of tags) {
    const language = tag.split('-')[0]!;
    if (language === tag) continue;
    const lost = CHANNELS.filter((channel) => {
      if (!isRecord((byLocale[tag] as Record<string, unknown>)[channel])) return false;
      const available = tags.filter((t) => isRecord((byLocale[t] as Record<string, unknown>)[channel]));
      // What the renderer picks for a customer whose locale is the bare language.
      const served = resolveLocale(language, available, defaultLocale);
      return served.split('-')[0]?.toLowerCase() !== language.toLowerCase();
    });
    if (lost.length === 0) continue;
    const channels = lost.map((c) => CHANNEL_LABEL[c]).join(', ');
    out.push({
      code: 'message.locale-unreachable',
      severity: 'warning',
      path: [...at, tag],
      atKey: true,
      message: `${where(at.slice(0, 2))} has ${channels} content in \`${tag}\` but not in \`${language}\`: customers whose locale is \`${language}\` (or another region of it) get the \`${defaultLocale}\` ${channels} instead`,
      suggestion: `name the variant \`${language}\` (\`${tag}\` customers still get it), or add a \`${language}\` variant`,
    });
  }
}
