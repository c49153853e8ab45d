import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import {
  createRenderer,
  isRtl,
  localeChain,
  RenderError,
  type RenderScope,
  resolveLocale,
} from '../../engine/policy/render.ts';
import type { Journey, Message } from '../../engine/schema.ts';

function journey(messages: Record<string, Message>, over: Partial<Journey> = {}): Journey {
  return {
    id: 'welcome',
    version: 3,
    name: 'Welcome',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    start: 'hello',
    steps: {
      hello: { type: 'send', message: 'hi', channels: ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages,
    ...over,
  };
}

const event: CustomerEvent = {
  id: 'e1',
  type: 'signed_up',
  customerId: 'c1',
  time: '2026-05-10T12:00:00Z',
  properties: { source: 'web' },
};

function scope(profile: Partial<Profile> = {}, extra: Partial<RenderScope> = {}): RenderScope {
  return {
    profile: { id: 'c1', ...profile },
    event,
    journey: { id: 'welcome', name: 'Welcome' },
    links: { unsubscribe: 'https://h.example/u?t=abc&x=1' },
    ...extra,
  };
}

const hi: Message = {
  locales: {
    en: {
      email: {
        subject: 'Welcome, {{ profile.firstName | default: "friend" }}!',
        html: '<p>Hello {{ profile.firstName }}</p><a href="{{ links.unsubscribe }}">Unsubscribe</a>',
        text: 'Hello {{ profile.firstName }} via {{ event.properties.source }}',
      },
      sms: { body: 'Hi {{ profile.firstName | default: "there" }}, welcome!' },
      push: {
        title: 'Hi {{ profile.firstName }}',
        body: 'Welcome',
        deepLink: 'app://welcome/{{ profile.id }}',
      },
    },
    fa: {
      email: { subject: 'خوش آمدید {{ profile.firstName }}', html: '<p>سلام</p>', text: 'سلام' },
      sms: { body: 'سلام {{ profile.firstName }}' },
    },
    ar: { email: { subject: 'مرحبا', html: '<p>مرحبا</p>', text: 'مرحبا' } },
  },
};

describe('locale resolution', () => {
  it.each([
    { requested: 'fa-IR', available: ['en', 'fa'], expected: 'fa' },
    { requested: 'fa-IR', available: ['en', 'fa', 'fa-IR'], expected: 'fa-IR' },
    { requested: 'fa_IR', available: ['en', 'fa'], expected: 'fa' },
    { requested: 'FA-ir', available: ['en', 'fa-IR'], expected: 'fa-IR' },
    { requested: 'de-AT', available: ['en', 'fa'], expected: 'en' },
    { requested: undefined, available: ['en', 'fa'], expected: 'en' },
    { requested: 'zh-Hant-TW', available: ['en', 'zh-Hant'], expected: 'zh-Hant' },
  ])('$requested among $available → $expected', ({ requested, available, expected }) => {
    expect(resolveLocale(requested, available, 'en')).toBe(expected);
  });

  it('tries the requested tag, its parents, then the default', () => {
    expect(localeChain('fa-IR', 'en')).toEqual(['fa-IR', 'fa', 'en']);
  });

  it.each([
    ['ar', true],
    ['fa-IR', true],
    ['he', true],
    ['ur-PK', true],
    ['en', false],
    ['fr-CA', false],
  ] as const)('%s is right-to-left: %s', (locale, rtl) => {
    expect(isRtl(locale)).toBe(rtl);
  });
});

describe('rendering email', () => {
  it('renders subject, text and a full HTML document with lang and dir', () => {
    const r = createRenderer();
    const out = r.render(journey({ hi }), 'hi', 'email', scope({ firstName: 'Ada' }), 'en-GB');
    expect(out.locale).toBe('en');
    expect(out.dir).toBe('ltr');
    expect(out.email?.subject).toBe('Welcome, Ada!');
    expect(out.email?.text).toBe('Hello Ada via web');
    expect(out.email?.html).toMatch(/^<!DOCTYPE html>\n<html lang="en" dir="ltr">/);
    expect(out.email?.html).toContain('<p>Hello Ada</p>');
  });

  it('marks Persian and Arabic email as right-to-left', () => {
    const r = createRenderer();
    const fa = r.render(journey({ hi }), 'hi', 'email', scope({ firstName: 'Sara' }), 'fa-IR');
    expect(fa.locale).toBe('fa');
    expect(fa.dir).toBe('rtl');
    expect(fa.email?.subject).toBe('خوش آمدید Sara');
    expect(fa.email?.html).toContain('<html lang="fa" dir="rtl">');
    const ar = r.render(journey({ hi }), 'hi', 'email', scope(), 'ar-EG');
    expect(ar.email?.html).toContain('<html lang="ar" dir="rtl">');
  });

  it('HTML-escapes values in the HTML body but not in the subject or text', () => {
    const r = createRenderer();
    const out = r.render(journey({ hi }), 'hi', 'email', scope({ firstName: '<script>x</script>' }), 'en');
    expect(out.email?.html).toContain('<p>Hello &lt;script&gt;x&lt;/script&gt;</p>');
    expect(out.email?.html).not.toContain('<script>');
    expect(out.email?.html).toContain('href="https://h.example/u?t=abc&amp;x=1"');
    expect(out.email?.text).toBe('Hello <script>x</script> via web');
  });

  it('renders a missing variable as empty and lets `default` fill it', () => {
    const r = createRenderer();
    const out = r.render(journey({ hi }), 'hi', 'email', scope(), 'en');
    expect(out.email?.subject).toBe('Welcome, friend!');
    expect(out.email?.text).toBe('Hello  via web');
  });

  it('adds lang and dir to a template that already is a full document, and wraps its body content', () => {
    const doc: Message = {
      locales: { fa: { email: { subject: 's', html: '<html><body>x</body></html>', text: 't' } } },
    };
    const out = createRenderer().render(
      journey({ doc }, { defaultLocale: 'fa' }),
      'doc',
      'email',
      scope(),
      'fa',
    );
    expect(out.email?.html).toBe(
      [
        '<html lang="fa" dir="rtl"><body><table role="presentation" dir="rtl" lang="fa" width="100%" cellpadding="0" cellspacing="0" border="0" style="direction:rtl;text-align:right">',
        '<tr><td dir="rtl" lang="fa" style="direction:rtl;text-align:right">',
        'x',
        '</td></tr></table></body></html>',
      ].join('\n'),
    );
  });

  // Webmail drops <html> and <body> with their attributes: the direction must survive inside.
  it.each([
    ['fa-IR', 'fa', 'rtl', 'right'],
    ['ar-EG', 'ar', 'rtl', 'right'],
    ['en', 'en', 'ltr', 'left'],
  ] as const)(
    'puts all of the %s body in one wrapper carrying lang, dir and inline direction',
    (asked, lang, dir, align) => {
      const out = createRenderer().render(
        journey({ hi }),
        'hi',
        'email',
        scope({ firstName: 'Sara' }),
        asked,
      );
      const body = /<body dir="(?:ltr|rtl)">([\s\S]*)<\/body>/.exec(out.email?.html ?? '')?.[1] ?? '';
      const style = `style="direction:${dir};text-align:${align}"`;
      expect(body.startsWith(`<table role="presentation" dir="${dir}" lang="${lang}" `)).toBe(true);
      expect(body).toContain(`<td dir="${dir}" lang="${lang}" ${style}>`);
      expect(body.endsWith('</td></tr></table>')).toBe(true);
      expect(body.split('<table').length).toBe(2);
    },
  );
});

describe('rendering SMS and push', () => {
  it('records GSM-7 for Latin text and UCS-2 for Persian', () => {
    const r = createRenderer();
    const en = r.render(journey({ hi }), 'hi', 'sms', scope({ firstName: 'Ada' }), 'en');
    expect(en.sms).toEqual({ body: 'Hi Ada, welcome!', encoding: 'GSM-7', segments: 1 });
    const fa = r.render(journey({ hi }), 'hi', 'sms', scope({ firstName: 'Sara' }), 'fa');
    expect(fa.sms).toEqual({ body: 'سلام Sara', encoding: 'UCS-2', segments: 1 });
    expect(fa.dir).toBe('rtl');
  });

  it('falls back to the default locale for a channel the customer’s locale lacks', () => {
    const out = createRenderer().render(journey({ hi }), 'hi', 'push', scope({ firstName: 'Sara' }), 'fa-IR');
    expect(out.locale).toBe('en');
    expect(out.push).toEqual({ title: 'Hi Sara', body: 'Welcome', deepLink: 'app://welcome/c1' });
  });

  it('reads the product name in the customer’s locale', () => {
    const m: Message = {
      locales: {
        en: { sms: { body: 'Time to restock {{ product.name }}' } },
        fa: { sms: { body: 'وقت خرید {{ product.name }}' } },
      },
    };
    const product = {
      id: 'p1',
      name: 'Coffee',
      names: { fa: 'قهوه' },
      price: 10,
      currency: 'EUR',
      imageUrl: 'https://x/i.png',
      url: 'https://x/p1',
    };
    const r = createRenderer();
    expect(r.render(journey({ m }), 'm', 'sms', scope({}, { product }), 'fa-IR').sms?.body).toBe(
      'وقت خرید قهوه',
    );
    expect(r.render(journey({ m }), 'm', 'sms', scope({}, { product }), 'en').sms?.body).toBe(
      'Time to restock Coffee',
    );
  });
});

describe('template cache', () => {
  it('parses each field once per journey version, message, locale and channel', () => {
    const r = createRenderer();
    const j = journey({ hi });
    r.render(j, 'hi', 'email', scope({ firstName: 'A' }), 'en');
    expect(r.cacheSize).toBe(3);
    r.render(j, 'hi', 'email', scope({ firstName: 'B' }), 'en-US');
    expect(r.cacheSize).toBe(3);
    r.render({ ...j, version: 4 }, 'hi', 'email', scope(), 'en');
    expect(r.cacheSize).toBe(6);
  });

  it('renders different data through a cached template correctly', () => {
    const r = createRenderer();
    const j = journey({ hi });
    expect(r.render(j, 'hi', 'sms', scope({ firstName: 'A' }), 'en').sms?.body).toBe('Hi A, welcome!');
    expect(r.render(j, 'hi', 'sms', scope({ firstName: 'B' }), 'en').sms?.body).toBe('Hi B, welcome!');
  });
});

describe('render errors', () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof RenderError ? e.code : 'other';
    }
    return 'none';
  };

  it('reports an unknown filter as a template error', () => {
    const bad: Message = { locales: { en: { sms: { body: '{{ profile.firstName | shout }}' } } } };
    expect(codeOf(() => createRenderer().render(journey({ bad }), 'bad', 'sms', scope(), 'en'))).toBe(
      'template_error',
    );
  });

  it('cannot include files from disk', () => {
    const bad: Message = { locales: { en: { sms: { body: '{% include "/etc/passwd" %}' } } } };
    expect(codeOf(() => createRenderer().render(journey({ bad }), 'bad', 'sms', scope(), 'en'))).toBe(
      'template_error',
    );
  });

  it('reports a channel without content and an unknown message', () => {
    const r = createRenderer();
    const emailOnly: Message = { locales: { en: { email: { subject: 's', html: 'h', text: 't' } } } };
    expect(codeOf(() => r.render(journey({ emailOnly }), 'emailOnly', 'sms', scope(), 'en'))).toBe(
      'no_content',
    );
    expect(codeOf(() => r.render(journey({ emailOnly }), 'nope', 'sms', scope(), 'en'))).toBe(
      'unknown_message',
    );
  });
});

describe('rendering (property)', () => {
  it('escapes any customer text in HTML and keeps it verbatim in text, for any locale asked', () => {
    const r = createRenderer();
    const j = journey({ hi });
    fc.assert(
      fc.property(
        fc.string(),
        fc.oneof(fc.constantFrom('en', 'fa-IR', 'ar', 'xx-YY'), fc.string()),
        (name, locale) => {
          const out = r.render(j, 'hi', 'email', scope({ firstName: name }), locale);
          const escaped = name
            .replaceAll('&', '&amp;')
            .replaceAll('<', '&lt;')
            .replaceAll('>', '&gt;')
            .replaceAll('"', '&#34;')
            .replaceAll("'", '&#39;');
          const body = /<body dir="(?:ltr|rtl)">([\s\S]*)<\/body>/.exec(out.email?.html ?? '')?.[1] ?? '';
          return (
            ['en', 'fa', 'ar'].includes(out.locale) &&
            (out.locale !== 'en' || (body.includes(escaped) && out.email?.text === `Hello ${name} via web`))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
