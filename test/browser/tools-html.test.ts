/**
 * The HTML that `herald preview` and `herald graph` write, opened in headless Chromium (Debian's
 * build at /usr/bin/chromium, installed by .ci/run): it renders without console errors and shows
 * what a marketer expects. A missing browser fails these tests; it never skips them.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { graphHtml } from '../../tools/graph/index.ts';
import { previewHtml } from '../../tools/preview/html.ts';
import { previewJourney } from '../../tools/preview/index.ts';
import { loadSample } from '../../tools/samples.ts';
import { timelineHtml } from '../../tools/simulate/html.ts';
import { simulate } from '../../tools/simulate/index.ts';
import { launchChromium } from '../helpers/chromium.ts';

const root = new URL('../../', import.meta.url).pathname;
const journey = (id: string) =>
  JSON.parse(readFileSync(join(root, 'workflows', `${id}.journey.json`), 'utf8')) as Journey;

/** A 1×1 transparent PNG: emails point at shop images that do not exist offline. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'herald-browser-'));
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Opens a file and collects everything the page reports as an error. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.route(/^https?:/, (route) =>
    route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL }),
  );
  await page.goto(`file://${path}`, { waitUntil: 'load' });
  return { page, errors };
}

describe('preview HTML in a browser', () => {
  it('shows every variant, with Arabic and Persian emails right to left, and no console errors', async () => {
    const welcome = journey('welcome');
    const sample = loadSample(welcome, { examplesDir: join(root, 'examples') });
    const report = previewJourney(welcome, {
      profile: sample.profile,
      event: sample.entryEvent,
      sources: sample.sources,
    });
    const file = join(dir, 'preview.html');
    await writeFile(file, previewHtml(report));

    const { page, errors } = await open(file);

    expect(await page.locator('section.message').count()).toBe(3);
    expect(await page.locator('article.card').count()).toBe(27);
    expect(await page.locator('iframe.email').count()).toBe(9);
    const ar = page.frameLocator('iframe[title="welcome email, ar"]');
    expect(await ar.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await ar.locator('body').textContent()).toContain('أهلاً بك في Herald Shop');
    const fa = page.frameLocator('iframe[title="welcome email, fa"]');
    expect(await fa.locator('html').getAttribute('dir')).toBe('rtl');
    const en = page.frameLocator('iframe[title="welcome email, en"]');
    expect(await en.locator('html').getAttribute('dir')).toBe('ltr');
    expect(await en.locator('body').textContent()).toContain('Hi Emma,');
    const bubble = page.locator(
      'article[data-message="welcome"][data-locale="ar"][data-channel="sms"] .bubble',
    );
    expect(await bubble.getAttribute('dir')).toBe('rtl');
    // An expression string: the tests compile without the DOM lib; the browser evaluates it.
    const direction = await page.evaluate(
      `getComputedStyle(document.querySelector('article[data-locale="ar"][data-channel="sms"] .bubble')).direction`,
    );
    expect(direction).toBe('rtl');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('graph in a browser', () => {
  it.each(['welcome', 'replenishment-reminder', 'cart-abandonment'])(
    'draws every step of %s as a visible shape, with no console errors',
    async (id) => {
      const file = join(dir, `${id}.html`);
      await writeFile(file, graphHtml(journey(id)));

      const { page, errors } = await open(file);

      const steps = Object.keys(journey(id).steps);
      for (const step of steps) {
        const box = await page.locator(`g[data-step="${step}"]`).boundingBox();
        expect(box?.width, step).toBeGreaterThan(20);
        expect(box?.height, step).toBeGreaterThan(20);
      }
      expect(await page.locator('g.edge').count()).toBeGreaterThanOrEqual(steps.length - 1);
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it('the committed README diagrams are well-formed SVG documents', async () => {
    for (const id of ['welcome', 'replenishment-reminder', 'cart-abandonment']) {
      const { page, errors } = await open(join(root, 'docs', 'diagrams', `${id}.svg`));
      expect(await page.locator('parsererror').count(), id).toBe(0);
      expect(await page.locator('svg.journey-graph').getAttribute('data-journey')).toBe(id);
      expect(await page.locator('g.step').count()).toBe(Object.keys(journey(id).steps).length);
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});

describe('simulate timeline HTML in a browser', () => {
  it('shows each moment and the Persian email as sent, right to left, with no console errors', async () => {
    const cart = journey('cart-abandonment');
    const sample = loadSample(cart, {
      profile: join(root, 'examples/cart-abandonment.profile.json'),
      events: join(root, 'examples/cart-abandonment.events.json'),
      examplesDir: join(root, 'examples'),
    });
    const { timeline } = await simulate({
      journey: cart,
      profile: sample.profile,
      events: sample.events,
      products: sample.products,
      config: parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8')),
    });
    const file = join(dir, 'timeline.html');
    await writeFile(file, timelineHtml(timeline));

    const { page, errors } = await open(file);

    expect(await page.locator('li.entry').count()).toBe(timeline.entries.length);
    const reminder = page.locator('li.entry[data-step="send-cart-reminder"]');
    expect(await reminder.locator('.summary').textContent()).toBe('sent “cart-reminder” by email');
    const email = reminder.frameLocator('iframe.email');
    expect(await email.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await email.locator('body').textContent()).toContain('سلام مریم');
    expect(errors).toEqual([]);
    await page.close();
  });
});
