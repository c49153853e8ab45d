/** The small pages the unsubscribe endpoint serves. Only fixed text and an escaped token. */
import { escapeHtml } from '../../engine/html.ts';

const CHANNEL_NAMES: Record<string, string> = {
  email: 'emails',
  sms: 'text messages',
  push: 'push notifications',
};

function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>`,
    `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`,
  ].join('\n');
}

export function confirmPage(token: string, channel: string): string {
  const what = CHANNEL_NAMES[channel] ?? 'messages';
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe?</h1><p>You will no longer receive marketing ${what} from us.</p>` +
      `<form method="post" action="?token=${encodeURIComponent(token)}">` +
      `<input type="hidden" name="token" value="${escapeHtml(token)}">` +
      '<button type="submit">Unsubscribe</button></form>',
  );
}

export function donePage(channel: string): string {
  const what = CHANNEL_NAMES[channel] ?? 'messages';
  return page(
    'Unsubscribed',
    `<h1>You are unsubscribed</h1><p>You will no longer receive marketing ${what} from us.</p>`,
  );
}

export function rejectedPage(reason: string): string {
  const text =
    reason === 'expired'
      ? 'This unsubscribe link has expired. Use the link in a more recent message, or contact us.'
      : 'This unsubscribe link is not valid.';
  return page('Unsubscribe link not valid', `<h1>Link not valid</h1><p>${escapeHtml(text)}</p>`);
}
