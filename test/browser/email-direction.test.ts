/**
 * Right-to-left as the recipient sees it. The welcome email is sent by the real step handler
 * through the real SES v2 client to aws-ses-v2-local, and read back from that stand-in's own store:
 * the judge is what the mail system holds, not our renderer's output. Then it is shown the way mail
 * clients show it, in headless Chromium:
 * - as webmail does: only the inner HTML of the email's `<body>` is put into a `<div>` of the
 *   client's own page (Gmail and Outlook on the web drop `<html>`, `<head>` and `<body>` and their
 *   attributes), whose direction is the client's interface language, not the email's;
 * - in aws-ses-v2-local's own viewer, which sets `iframeDoc.body.innerHTML` to the stored HTML
 *   (the same loss of `<html>`/`<body>`).
 * In both, the text of an Arabic or Persian email must compute to `direction: rtl` in its language,
 * and an English email must stay left-to-right even inside a right-to-left interface.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import type { StoredEmail } from '../../local/standins/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { httpEvent, type Runtime, startRuntime, stepRequest } from '../integration/support/harness.ts';
import { referenceJourneys } from '../integration/support/journeys.ts';

const journeys = referenceJourneys();
const welcome = journeys.find((j) => j.id === 'welcome');
if (!welcome) throw new Error('welcome journey missing');

/** A 1×1 transparent PNG: the emails point at shop images that do not exist offline. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** What the browser computed for the email's heading. */
interface Seen {
  text: string;
  direction: string;
  textAlign: string;
  /** The heading's language as CSS `:lang()` resolves it (the nearest `lang` up the tree). */
  lang: string | null;
}

/**
 * Reads the heading of the email shown inside `root` (an expression for the page). A string, not
 * a function: the tests compile without the DOM lib; the browser evaluates it.
 */
const readHeading = (root: string, view = 'window') => `(() => {
  const h1 = (${root}).querySelector('h1');
  if (!h1) return null;
  const style = (${view}).getComputedStyle(h1);
  const lang = h1.closest('[lang]');
  return { text: h1.textContent, direction: style.direction, textAlign: style.textAlign,
           lang: lang ? lang.getAttribute('lang') : null };
})()`;

let rt: Runtime;
let browser: Browser;
const stored = new Map<string, StoredEmail>();

async function sendWelcome(customerId: string, locale: string): Promise<void> {
  const event: CustomerEvent = {
    id: `signup-${customerId}`,
    type: 'signed_up',
    customerId,
    time: '2025-06-02T11:59:00Z',
    properties: {
      profile: { email: `${customerId}@example.com`, firstName: 'Dara', locale, consent: { email: true } },
    },
  };
  await rt.ingest(httpEvent('POST', { body: JSON.stringify(event) }));
  const execution = rt.sfn.executions.find((e) => e.input.includes(`"customerId":"${customerId}"`));
  const enrollment = JSON.parse(execution?.input ?? '{}').enrollment;
  await rt.step(stepRequest(welcome!, enrollment, 'send-welcome'));
}

beforeAll(async () => {
  rt = await startRuntime({ journeys, now: '2025-06-02T12:00:00Z' });
  for (const [id, locale] of [
    ['c-ar', 'ar'],
    ['c-fa', 'fa-IR'],
    ['c-en', 'en'],
  ] as const) {
    await sendWelcome(id, locale);
  }
  for (const email of await rt.ses.emails()) {
    const to = email.destination.to[0] ?? '';
    stored.set(to.split('@')[0] ?? '', email);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

/** Only loopback is reached; anything else (the shop's images) gets a blank pixel. */
async function offlinePage(): Promise<Page> {
  const page = await browser.newPage();
  await page.route(/^https?:/, (route) =>
    route.request().url().startsWith(rt.ses.endpoint)
      ? route.continue()
      : route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL }),
  );
  return page;
}

/** A webmail page in the interface's direction, showing the email's body content in a div. */
async function inWebmail(email: StoredEmail, ui: { lang: string; dir: 'ltr' | 'rtl' }): Promise<Seen> {
  const page = await offlinePage();
  await page.setContent(
    `<!DOCTYPE html><html lang="${ui.lang}" dir="${ui.dir}"><head><meta charset="utf-8"></head>` +
      '<body><nav>Inbox</nav><div id="message"></div></body></html>',
  );
  const seen = (await page.evaluate(`(() => {
    const body = new DOMParser().parseFromString(${JSON.stringify(email.body.html ?? '')}, 'text/html').body;
    document.getElementById('message').innerHTML = body.innerHTML;
    return ${readHeading("document.getElementById('message')")};
  })()`)) as Seen | null;
  await page.close();
  if (!seen) throw new Error(`no heading in the email to ${email.destination.to[0]}`);
  return seen;
}

describe('email direction as the recipient sees it', () => {
  it('the SES stand-in stored one welcome email per customer', () => {
    expect([...stored.keys()].sort()).toEqual(['c-ar', 'c-en', 'c-fa']);
  });

  it.each([
    ['Arabic', 'c-ar', 'ar', 'أهلاً بك في Herald Shop'],
    ['Persian', 'c-fa', 'fa', 'به Herald Shop خوش آمدید'],
  ])(
    'shows the %s email right to left in webmail with a left-to-right interface',
    async (_, id, lang, heading) => {
      const seen = await inWebmail(stored.get(id)!, { lang: 'en', dir: 'ltr' });

      expect(seen).toEqual({ text: heading, direction: 'rtl', textAlign: 'right', lang });
    },
  );

  it('keeps the English email left to right in webmail with a right-to-left interface', async () => {
    const seen = await inWebmail(stored.get('c-en')!, { lang: 'ar', dir: 'rtl' });

    expect(seen).toEqual({ text: 'Welcome to Herald Shop', direction: 'ltr', textAlign: 'left', lang: 'en' });
  });

  it('shows Arabic and Persian right to left, English left to right, in the SES stand-in’s own viewer', async () => {
    const page = await offlinePage();
    await page.goto(`${rt.ses.endpoint}/`, { waitUntil: 'load' });
    const seen: Record<string, Seen | null> = {};
    for (const [id, email] of stored) {
      const frame = `${email.messageId}-html-iframe`;
      await page.waitForSelector(`[id="${frame}"]`, { state: 'attached' });
      // The viewer's own "Toggle HTML view" button, as a person reading the email would press it.
      await page.evaluate(`toggle(${JSON.stringify(`${email.messageId}-html`)})`);
      const doc = `document.getElementById(${JSON.stringify(frame)}).contentDocument`;
      const view = `document.getElementById(${JSON.stringify(frame)}).contentWindow`;
      seen[id] = (await page.evaluate(readHeading(doc, view))) as Seen | null;
    }
    await page.close();

    expect(seen['c-ar']).toMatchObject({ direction: 'rtl', textAlign: 'right', lang: 'ar' });
    expect(seen['c-fa']).toMatchObject({ direction: 'rtl', textAlign: 'right', lang: 'fa' });
    expect(seen['c-en']).toMatchObject({ direction: 'ltr', textAlign: 'left', lang: 'en' });
  });
});
