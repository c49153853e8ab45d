/**
 * A shared footer partial in a right-to-left email, as webmail shows it: only the inner HTML of the
 * email's `<body>` inside an LTR page (see email-direction.test.ts for why). The footer must read
 * right to left in Arabic like the rest of the email; a partial that closes the wrapper's markup
 * (refused by the validator as `partial.unbalanced-html`) is shown to lose it.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../engine/data.ts';
import { createRenderer } from '../../engine/policy/render.ts';
import type { Journey } from '../../engine/schema.ts';
import { launchChromium } from '../helpers/chromium.ts';

const welcome = JSON.parse(
  readFileSync(new URL('../../workflows/welcome.journey.json', import.meta.url), 'utf8'),
) as Journey;

function arabicWelcome(journey: Journey): string {
  return createRenderer().render(
    journey,
    'welcome',
    'email',
    {
      profile: { id: 'c', email: 'c@example.com' } as Profile,
      event: { id: 'e', type: 'signed_up', customerId: 'c', time: '2026-01-01T00:00:00Z', properties: {} },
      journey: { id: journey.id, name: journey.name },
      links: { unsubscribe: 'https://u.example/t' },
    },
    'ar',
  ).email!.html;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The computed direction of the email's last paragraph (the footer's address) in an LTR webmail page. */
async function footerDirection(
  html: string,
): Promise<{ text: string; direction: string; lang: string | null }> {
  const page = await browser.newPage();
  await page.route(/^https?:/, (route) => route.abort());
  await page.setContent(
    '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8"></head><body><div id="message"></div></body></html>',
  );
  const seen = await page.evaluate(`(() => {
    const body = new DOMParser().parseFromString(${JSON.stringify(html)}, 'text/html').body;
    const root = document.getElementById('message');
    root.innerHTML = body.innerHTML;
    const all = root.querySelectorAll('p');
    const last = all[all.length - 1];
    const lang = last.closest('[lang]');
    return { text: last.textContent, direction: getComputedStyle(last).direction,
             lang: lang ? lang.getAttribute('lang') : null };
  })()`);
  await page.close();
  return seen as { text: string; direction: string; lang: string | null };
}

describe('a footer partial in an Arabic email, as webmail shows it', () => {
  it('reads right to left, in Arabic, like the rest of the email', async () => {
    const seen = await footerDirection(arabicWelcome(welcome));
    expect(seen.text).toContain('المملكة المتحدة');
    expect(seen).toMatchObject({ direction: 'rtl', lang: 'ar' });
  });

  it('would turn left to right if the partial closed the wrapper, which is why the validator refuses it', async () => {
    const broken = {
      ...welcome,
      version: welcome.version + 100,
      partials: { ...welcome.partials, 'footer.ar': `</td></tr></table>${welcome.partials?.['footer.ar']}` },
    };
    expect((await footerDirection(arabicWelcome(broken))).direction).toBe('ltr');
  });
});
