/**
 * The page `herald serve` answers, in headless Chromium: an event posted, the clock advanced, then
 * the dashboard shows the journey's counts and the email with its simulated time, and the
 * customer's timeline shows each decision with its reason. A missing browser fails these tests.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { postJson, type ServeProcess, startServeProcess } from '../helpers/serve.ts';

const START = '2026-03-02T09:00:00.000Z';

let browser: Browser;
let serve: ServeProcess;

beforeAll(async () => {
  // Both start together; when one fails (no Chromium), the other is still kept for afterAll to
  // stop, so a failed run leaves no `herald serve` process behind.
  const [launched, started] = await Promise.allSettled([
    launchChromium(),
    startServeProcess(['--manual', '--start', START]),
  ]);
  if (launched.status === 'fulfilled') browser = launched.value;
  if (started.status === 'fulfilled') serve = started.value;
  if (launched.status === 'rejected') throw launched.reason;
  if (started.status === 'rejected') throw started.reason;
  const event = {
    id: 'page-ev-1',
    type: 'signed_up',
    customerId: 'cust-<b>zoe</b>',
    time: START,
    properties: {
      profile: {
        email: 'zoe@example.com',
        phone: '+447700900123',
        locale: 'en',
        timeZone: 'Europe/London',
        consent: { email: true },
      },
    },
  };
  expect((await postJson(`${serve.url}/events`, event)).status).toBe(202);
  expect((await postJson(`${serve.url}/clock/advance`, { by: 'P3D' })).status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the herald serve page in a browser', () => {
  it('shows each journey with its counts and the sent email with its simulated time', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${serve.url}/`, { waitUntil: 'load' });
    expect(await page.textContent('#now')).toBe('2026-03-05T09:00:00.000Z');
    const welcome = page.locator('tr[data-journey="welcome"]');
    expect(await welcome.locator('.entered').textContent()).toBe('1');
    expect(Number(await welcome.locator('.sent').textContent())).toBeGreaterThanOrEqual(1);
    const email = page.locator('tr.message[data-channel="email"]').first();
    const cells = await email.locator('td').allTextContents();
    expect(cells[0]).toBe('2026-03-02T09:00:00.000Z');
    expect(cells[2]).toBe('zoe@example.com');
    expect(await email.locator('.subject').textContent()).toBe('Welcome to Herald Shop');
    // The customer id was markup; the page shows it as text.
    expect(await page.locator('.customers a').first().textContent()).toBe('cust-<b>zoe</b>');
    expect(await page.locator('b').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a customer’s timeline from the dashboard, with the reason for every decision', async () => {
    const page = await browser.newPage();
    await page.goto(`${serve.url}/`, { waitUntil: 'load' });
    await page.locator('.customers a').first().click();
    await page.waitForURL(/\/customers\//);
    expect(await page.textContent('#customer')).toBe('cust-<b>zoe</b>');
    const rows = page.locator('table.timeline tr.decision');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    const first = await rows.first().textContent();
    expect(first).toContain('welcome / send-welcome');
    expect(first).toContain('sent');
    // The ledger's reason code, in words and as the code.
    expect(first).toContain('preferred:no_preference');
    expect(first).toContain('no stated preference');
    expect(await page.locator('table.timeline tr.event').first().textContent()).toContain('signed_up');
    await page.close();
  });

  it('steps the clock from the page’s own buttons', async () => {
    const page = await browser.newPage();
    await page.goto(`${serve.url}/`, { waitUntil: 'load' });
    await page.getByRole('button', { name: '+1H' }).click();
    // The form posts, and the answer redirects back to the page, now an hour later.
    await page.locator('#now', { hasText: '2026-03-05T10:00:00.000Z' }).waitFor();
    expect(page.url()).toBe(`${serve.url}/`);
    await page.close();
  });
});
