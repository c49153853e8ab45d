import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerPreview } from '../../cli/commands/preview.ts';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import type { Journey } from '../../engine/schema.ts';
import { validateJourneyValue } from '../../engine/validate/index.ts';
import { templateVariables } from '../../tools/preview/checks.ts';
import { previewHtml } from '../../tools/preview/html.ts';
import { type PreviewReport, previewJourney } from '../../tools/preview/index.ts';
import { previewSummary } from '../../tools/preview/text.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

const cartEvent: CustomerEvent = {
  id: 'evt-1',
  type: 'cart_updated',
  customerId: 'c-1',
  time: '2026-03-10T12:00:00Z',
  properties: { cartId: 'c', items: [], total: 12, currency: 'EUR', cartUrl: 'https://shop.example/cart' },
};

/** A small journey whose one message has every problem preview looks for. */
function problemJourney(): Journey {
  return {
    id: 'flags',
    version: 1,
    name: 'Flags',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'cart_updated', reentry: { mode: 'always' } },
    start: 'send',
    steps: {
      send: { type: 'send', message: 'm', channels: ['email', 'sms', 'push'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: {
      m: {
        locales: {
          en: {
            email: {
              subject: 'An exceptionally long subject line that keeps going well past sixty characters',
              html: '<p>Hi {{ profile.firstName }}, your code is {{ profile.attributes.welcomeOfferCode | default: "WELCOME10" }}</p>',
              text: 'Hi {{ profile.firstName }}',
            },
            sms: { body: 'It’s waiting for you: {{ event.properties.cartUrl }}' },
            push: {
              title: 'A push title that is much longer than forty characters',
              body: 'x'.repeat(160),
            },
          },
          ar: {
            email: {
              subject: 'سلتك',
              html: '<p>مرحباً</p> <a href="{{ links.unsubscribe }}">إلغاء</a>',
              text: 'مرحباً',
            },
          },
        },
      },
    },
  } as Journey;
}

function preview(journey: Journey, profile: Profile = { id: 'c-1' }, product?: Product): PreviewReport {
  return previewJourney(journey, {
    profile,
    event: cartEvent,
    ...(product ? { product } : {}),
    sources: { profile: 'test', event: 'test' },
  });
}

const codes = (report: PreviewReport, locale: string, channel: string) =>
  report.messages[0]?.items
    .find((i) => i.locale === locale && i.channel === channel)
    ?.flags.map((f) => f.code) ?? [];

describe('herald preview', () => {
  it('renders every message for every channel and locale it has, through the production renderer', () => {
    const journey = read<Journey>('workflows/welcome.journey.json');
    const report = preview(journey, read<Profile>('examples/welcome.profile.json'));

    expect(report.messages.map((m) => m.id)).toEqual(Object.keys(journey.messages));
    for (const message of report.messages) {
      expect(message.items.map((i) => `${i.locale}/${i.channel}`)).toEqual([
        'en/email',
        'en/sms',
        'en/push',
        'ar/email',
        'ar/sms',
        'ar/push',
        'fa/email',
        'fa/sms',
        'fa/push',
      ]);
    }
    expect(report.counts.rendered).toBe(27);
    const arEmail = report.messages[0]?.items.find((i) => i.locale === 'ar' && i.channel === 'email');
    expect(arEmail?.rendered?.dir).toBe('rtl');
    expect(arEmail?.rendered?.email?.html).toContain('<html lang="ar" dir="rtl">');
    expect(arEmail?.rendered?.email?.html).toContain('مرحباً Emma،');
  });

  it('flags long subjects and push texts, UCS-2 English SMS, empty variables and a missing unsubscribe link', () => {
    const report = preview(problemJourney());

    expect(codes(report, 'en', 'email')).toEqual([
      'variable.missing',
      'variable.default-used',
      'email.subject-long',
      'email.no-unsubscribe',
    ]);
    expect(codes(report, 'en', 'sms')).toEqual(['sms.ucs2']);
    const ucs2 = report.messages[0]?.items.find((i) => i.channel === 'sms')?.flags[0]?.message;
    expect(ucs2).toContain('curly apostrophe ’');
    expect(codes(report, 'en', 'push')).toEqual(['push.title-long', 'push.body-long']);
    expect(codes(report, 'ar', 'email')).toEqual([]);
  });

  it('shows each of the validator’s sender warnings once, next to the variant or message it is about', () => {
    const journey = problemJourney();
    const locales = journey.messages.m!.locales;
    locales['ar-EG'] = locales.ar!;
    delete locales.ar;
    locales.en!.email!.subject = 'Hi {{ profile.firstName }}';
    const warnings = validateJourneyValue(journey, 'flags.journey.json').problems.filter(
      (p) => p.severity === 'warning',
    );
    expect(warnings.map((w) => w.code).sort()).toEqual([
      'email.no-unsubscribe',
      'email.subject-without-default',
      'message.locale-unreachable',
    ]);

    const report = previewJourney(
      journey,
      {
        profile: { id: 'c-1' },
        event: cartEvent,
        sources: { profile: 'test', event: 'test' },
      },
      warnings,
    );
    const message = report.messages[0]!;
    const enEmail = message.items.find((i) => i.locale === 'en' && i.channel === 'email')!;
    expect(
      enEmail.flags.filter((f) => f.code.startsWith('email.') && f.code !== 'email.subject-long'),
    ).toEqual(
      warnings
        .filter((w) => w.path.startsWith('/messages/m/locales/en/email/'))
        .map((w) => ({ level: 'warning', code: w.code, message: w.message })),
    );
    expect(message.notes.map((n) => n.code)).toContain('message.locale-unreachable');
    expect(report.warnings).toEqual([]);
    const all = [...message.notes, ...message.items.flatMap((i) => i.flags)];
    expect(report.counts.warnings).toBe(all.filter((f) => f.level === 'warning').length);
  });

  it('asks no unsubscribe link of a transactional email', () => {
    const journey = problemJourney();
    journey.messages.m!.category = 'transactional';
    expect(codes(preview(journey), 'en', 'email')).not.toContain('email.no-unsubscribe');
  });

  it('says which locale a customer gets when theirs lacks a channel', () => {
    const notes = preview(problemJourney()).messages[0]?.notes ?? [];
    expect(notes.map((n) => n.message)).toEqual([
      'ar has no SMS content: these customers get the en SMS',
      'ar has no push content: these customers get the en push',
    ]);
  });

  it('reports many SMS parts for a long Arabic text', () => {
    const journey = problemJourney();
    const ar = journey.messages.m?.locales.ar;
    if (ar) ar.sms = { body: 'مرحباً '.repeat(40) };
    const report = preview(journey);
    const item = report.messages[0]?.items.find((i) => i.locale === 'ar' && i.channel === 'sms');
    expect(item?.rendered?.sms?.encoding).toBe('UCS-2');
    expect(item?.flags.map((f) => f.code)).toEqual(['sms.segments']);
  });

  it('fills product.* for per-product journeys, in the customer’s language', () => {
    const journey = read<Journey>('workflows/replenishment-reminder.journey.json');
    const coffee = read<Product[]>('examples/products.json').find((p) => p.id === 'arabica-coffee-1kg');
    const report = preview(journey, { id: 'c-1', firstName: 'Layla' }, coffee);
    const fa = report.messages[0]?.items.find((i) => i.locale === 'fa' && i.channel === 'push');
    expect(fa?.rendered?.push?.title).toContain('دانه قهوه عربیکا');
    // The product name fills every variable; the long Persian name pushes the title past 40 characters.
    expect(fa?.flags.map((f) => f.code)).toEqual(['push.title-long']);
  });

  it('narrows to some messages and locales on request (`fa` includes `fa-IR`)', () => {
    const journey = read<Journey>('workflows/welcome.journey.json');
    const sample = { profile: { id: 'c-1' }, event: cartEvent, sources: { profile: 't', event: 't' } };
    const report = previewJourney(journey, sample, [], { messages: ['first-order-offer'], locales: ['fa'] });
    expect(report.messages.map((m) => m.id)).toEqual(['first-order-offer']);
    expect(report.messages[0]?.items.map((i) => `${i.locale}/${i.channel}`)).toEqual([
      'fa/email',
      'fa/sms',
      'fa/push',
    ]);
  });

  it('finds the variables a template prints and whether a default covers them', () => {
    expect(
      templateVariables(
        '{% if profile.vip %}VIP{% endif %} {{ profile.firstName | default: "x" }} {{ event.id }}',
      ),
    ).toEqual([
      { path: 'profile.vip', printed: false, hasDefault: false },
      { path: 'profile.firstName', printed: true, hasDefault: true },
      { path: 'event.id', printed: true, hasDefault: false },
    ]);
  });

  it('writes an HTML page with sandboxed email iframes, RTL where needed, and escapes the content', () => {
    const journey = problemJourney();
    const en = journey.messages.m?.locales.en;
    if (en?.push) en.push.title = '<script>alert(1)</script>';
    const html = previewHtml(preview(journey));

    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html.match(/<iframe class="email" sandbox /g)).toHaveLength(2);
    expect(html).toContain('srcdoc="&lt;!DOCTYPE html&gt;');
    expect(html).toContain('dir=&quot;rtl&quot;');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('data-code="push.body-long"');
  });

  it('prints a summary with a line per variant and the flags under it', () => {
    const text = previewSummary(preview(problemJourney()), 'out/preview/flags/index.html');
    expect(text).toContain('en    SMS    UCS-2, 1 part');
    expect(text).toContain('⚠ push title is');
    expect(text).toContain('open out/preview/flags/index.html');
  });
});

describe('herald preview on the command line', () => {
  const sandbox = cliSandbox('herald-preview-');

  it('uses the journey’s example customer and writes index.html', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await runCommand(registerPreview, 'preview', 'cart-abandonment', '--out', sandbox.dir);
    } finally {
      process.chdir(cwd);
    }
    const text = written(stdout);
    expect(text).toContain('customer cust-maryam-3003 from examples/cart-abandonment.profile.json');
    expect(await readFile(join(sandbox.dir, 'index.html'), 'utf8')).toContain('data-message="cart-reminder"');
    expect(process.exitCode).toBeUndefined();
  });
});
