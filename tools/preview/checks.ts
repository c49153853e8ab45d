/**
 * What preview flags about one rendered message: template variables the sample data leaves empty
 * (and whether a `default` covers them), SMS encoding and parts, push and subject lengths. What a
 * sender is bound by (an unsubscribe link, defaults in subjects, reachable locales) is the
 * validator's to say (engine/validate/obligations.ts); preview shows those warnings per variant.
 * The rendering itself is the production renderer's (engine/policy).
 */
import { type RenderedMessage, smsInfo } from '../../engine/policy/index.ts';
import type { ChannelName } from '../../engine/schema.ts';
import { templateVariables } from '../../engine/validate/template-vars.ts';

export { templateVariables, type VariableUse } from '../../engine/validate/template-vars.ts';

export type FlagLevel = 'warning' | 'info';

export interface Flag {
  level: FlagLevel;
  code: string;
  message: string;
}

/** Beyond these, phones and inboxes cut the text off (common guidance, not hard limits). */
export const LIMITS = { pushTitle: 40, pushBody: 150, emailSubject: 60, smsSegments: 2 } as const;

const KNOWN_ROOTS = new Set(['profile', 'event', 'product', 'journey', 'links']);

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
export function channelFlags(channel: ChannelName, rendered: RenderedMessage): Flag[] {
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
    // A missing unsubscribe link is the validator's `email.no-unsubscribe` (engine/validate/obligations.ts),
    // shown next to this variant by previewJourney.
  }
  return flags;
}

function nonGsm(body: string): string[] {
  return [...body].filter((ch) => smsInfo(`a${ch}`).encoding === 'UCS-2');
}
