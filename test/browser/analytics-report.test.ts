/**
 * The test-and-learn page (`herald report`, `npm start`) read in headless Chromium: verdicts in plain
 * words, the tables and the charts drawn, a journey without a goal showing no conversion rate.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnalytics, type EnrollmentRow } from '../../engine/analytics/report-model.ts';
import type { Conversion } from '../../engine/attribution.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { analyticsPage } from '../../tools/report/analytics-html.ts';
import { launchChromium } from '../helpers/chromium.ts';

const journeys = loadJourneys().filter((j) => j.id === 'cart-abandonment' || j.id === 'welcome');
const DAY = 86_400_000;
const START = Date.parse('2026-03-02T00:00:00Z');

/** 6,000 cart entrants over 30 days, half held out; 40% of the messaged convert (either arm), 25% of the held out. */
function world() {
  // mulberry32: a small seeded generator, so the groups' conversions are random but repeatable.
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const enrollments: EnrollmentRow[] = [];
  const conversions: Conversion[] = [];
  const ledger: LedgerRecord[] = [];
  for (let i = 0; i < 6000; i++) {
    const heldOut = i % 2 === 0;
    const k = i >> 1;
    const at = new Date(START + (i % 30) * DAY + (i % 7) * 3_600_000).toISOString();
    const id = `run-${i}`;
    const enrollment = {
      id,
      customerId: `c${i}`,
      journeyId: 'cart-abandonment',
      journeyVersion: 1,
      enteredAt: at,
      event: { id: `cart-${i}`, type: 'cart_updated', customerId: `c${i}`, time: at, properties: {} },
    };
    enrollments.push({
      enrollment,
      status: heldOut ? 'exited' : 'active',
      ...(heldOut ? { reason: 'holdout' } : {}),
    });
    const arm = k % 2 === 0 ? 'discount' : 'free-shipping';
    if (!heldOut) {
      const executionId = `arn:aws:states:eu-west-1:1:execution:herald-cart-abandonment:${id}`;
      ledger.push({
        id: `decision#${id}#send-cart-reminder#1`,
        kind: 'decision',
        at,
        customerId: `c${i}`,
        outcome: 'sent',
        reasons: [],
        journeyId: 'cart-abandonment',
        stepId: 'send-cart-reminder',
        op: 'send',
        channel: 'email',
        executionId,
        locale: 'en',
      });
      ledger.push({
        id: `flow#${id}#choose-incentive`,
        kind: 'decision',
        at,
        customerId: `c${i}`,
        outcome: 'next',
        reasons: [],
        journeyId: 'cart-abandonment',
        stepId: 'choose-incentive',
        op: 'split',
        variant: arm,
        executionId,
      });
    }
    const converts = random() < (heldOut ? 0.25 : 0.4);
    if (converts) {
      const t = new Date(Date.parse(at) + DAY).toISOString();
      conversions.push({
        id: `conversion#cart-abandonment#${id}#o${i}`,
        customerId: `c${i}`,
        journeyId: 'cart-abandonment',
        journeyVersion: 1,
        enrollmentId: id,
        enteredAt: at,
        eventId: `o${i}`,
        eventType: 'order_placed',
        at: t,
        heldOut,
        touches: [],
        arms: heldOut ? {} : { 'choose-incentive': arm },
        value: 30,
        currency: 'USD',
        revenue: 'counted',
        latencyMs: DAY,
        endsRun: true,
        ...(heldOut ? {} : { stepId: 'send-cart-reminder', channel: 'email' as const }),
      });
    }
  }
  return { enrollments, conversions, ledger };
}

const report = buildAnalytics({ journeys, ...world() });
const html = analyticsPage(report, 'Herald — test and learn');

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent(html, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
});

describe('the test-and-learn page in Chromium', () => {
  it('says in words that the messages raise conversion over the holdout, with the interval', async () => {
    const verdict = page.locator('[data-journey="cart-abandonment"] [data-verdict="uplift"]');
    await expect(verdict.isVisible()).resolves.toBe(true);
    expect(await verdict.innerText()).toMatch(
      /^messaged convert better than held out: \+1\d\.\d points \(always-valid 95% interval \+\d+\.\d to \+\d+\.\d points\)$/,
    );
  });

  it('names no A/B winner on 1,500 customers an arm: it says how many it needs', async () => {
    const verdict = await page.locator('[data-journey="cart-abandonment"] [data-verdict="ab"]').innerText();
    expect(verdict).toMatch(
      /^not enough data yet: 1500 free-shipping and 1500 discount, at least 1[45]\d\d needed in each group/,
    );
  });

  it('draws the per-day and the cumulative uplift charts', async () => {
    for (const chart of ['per-day', 'uplift']) {
      const box = await page
        .locator(`[data-journey="cart-abandonment"] svg[data-chart="${chart}"]`)
        .boundingBox();
      expect(box?.width).toBeGreaterThan(200);
      expect(box?.height).toBeGreaterThan(100);
    }
    const band = await page.locator('svg[data-chart="uplift"] polygon').getAttribute('points');
    const days = report.journeys.find((j) => j.id === 'cart-abandonment')?.days.filter((d) => d.uplift) ?? [];
    expect(days.length).toBeGreaterThan(5);
    expect(band?.split(' ').length).toBe(2 * days.length);
  });

  it('shows welcome without a conversion rate: it has no goal', async () => {
    const section = page.locator('[data-journey="welcome"]');
    expect(await section.locator('[data-verdict="no-goal"]').innerText()).toMatch(/^no goal/);
    expect(await section.locator('table[data-table="groups"]').count()).toBe(0);
  });

  it('reads the funnel and the groups as numbers in their cells', async () => {
    const cells = await page
      .locator('[data-journey="cart-abandonment"] table[data-table="groups"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)),
      );
    const j = report.journeys.find((x) => x.id === 'cart-abandonment');
    expect(cells).toEqual([
      ['messaged', '3000', String(j?.treated?.converted)],
      ['held out', '3000', String(j?.holdout?.converted)],
    ]);
  });
});
