/** Text made safe to place in HTML, in element content and in quoted attribute values alike. */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);

export type TextDirection = 'ltr' | 'rtl';

/**
 * Wraps email body content in an element that carries its direction and language itself.
 *
 * Webmail shows an email's body inside its own page: Gmail, Outlook on the web and
 * aws-ses-v2-local's viewer (`iframeDoc.body.innerHTML = html`) keep what is inside `<body>` and
 * drop `<html>` and `<body>` with their attributes, so `dir` there alone leaves an Arabic email
 * left-to-right in an LTR host page. The email-client guidance (emailmarkup.org, "dir": "the
 * author would need … to specify the dir attribute on multiple elements") is to set it on the
 * content itself. A presentational table is the wrapper mail clients keep most reliably (Outlook's
 * Word engine honours `dir` on tables and cells), and the inline `direction`/`text-align` styles
 * cover clients that strip attributes but keep inline CSS.
 */
export function directionWrapper(content: string, opts: { locale: string; dir: TextDirection }): string {
  const lang = escapeHtml(opts.locale);
  const align = opts.dir === 'rtl' ? 'right' : 'left';
  const style = `direction:${opts.dir};text-align:${align}`;
  return [
    `<table role="presentation" dir="${opts.dir}" lang="${lang}" width="100%" cellpadding="0" cellspacing="0" border="0" style="${style}">`,
    `<tr><td dir="${opts.dir}" lang="${lang}" style="${style}">`,
    content,
    '</td></tr></table>',
  ].join('\n');
}
