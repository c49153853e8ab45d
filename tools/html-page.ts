/**
 * The page around the HTML reports the tools write (preview, simulate). One Content-Security-Policy
 * for both: no scripts at all, and rendered emails only inside sandboxed iframes.
 */
import { escapeHtml } from '../engine/html.ts';

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self' about:; font-src *";

/** A whole document: `title` is text (escaped here); `style` and `body` are trusted markup. */
export function reportPage(title: string, style: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
