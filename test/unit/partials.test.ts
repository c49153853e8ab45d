import { describe, expect, it } from 'vitest';
import type { Profile } from '../../engine/data.ts';
import { renderCalls } from '../../engine/partials.ts';
import { createRenderer, type RenderScope } from '../../engine/policy/render.ts';
import type { Journey } from '../../engine/schema.ts';
import { type Problem, validateJourneyValue } from '../../engine/validate/index.ts';

const FOOTER = {
  footer: '<p class="footer"><a href="{{ unsubscribeUrl }}">Unsubscribe</a> · 1 Shop Street</p>',
  'footer.ar': '<p class="footer"><a href="{{ unsubscribeUrl }}">إلغاء الاشتراك</a> · شارع المتجر 1</p>',
  'footer.fa': '<p class="footer"><a href="{{ unsubscribeUrl }}">لغو اشتراک</a> · خیابان فروشگاه ۱</p>',
};
const RENDER = "{% render 'footer', unsubscribeUrl: links.unsubscribe %}";

/** A one-email journey whose html ends with `tail` in every locale, pinning `partials`. */
function journey(
  tail: string = RENDER,
  partials: Record<string, string> | null = FOOTER,
  extra: Partial<Journey> = {},
): Journey {
  const email = (hello: string) => ({
    subject: 'Hi',
    html: `<p>${hello} {{ profile.firstName | default: "there" }}</p>\n${tail}`,
    text: `${hello}\nUnsubscribe: {{ links.unsubscribe }}`,
  });
  return {
    id: 'news',
    version: 1,
    name: 'News',
    priority: 50,
    defaultLocale: 'en',
    entry: { event: 'signed_up', reentry: { mode: 'never' } },
    start: 'send',
    steps: {
      send: { type: 'send', message: 'hello', channels: ['email'], next: 'done' },
      done: { type: 'exit' },
    },
    messages: {
      hello: {
        locales: {
          en: { email: email('Hello') },
          ar: { email: email('مرحبا') },
          fa: { email: email('سلام') },
        },
      },
    },
    ...(partials ? { partials } : {}),
    ...extra,
  } as Journey;
}

const profile = { id: 'c-1', email: 'c@example.com', firstName: 'Sara' } as Profile;
const scope: RenderScope = {
  profile,
  event: { id: 'e', type: 'signed_up', customerId: 'c-1', time: '2026-01-01T00:00:00Z', properties: {} },
  journey: { id: 'news', name: 'News' },
  links: { unsubscribe: 'https://u.example/x?a=1&b=2' },
};
const html = (j: Journey, locale: string) =>
  createRenderer().render(j, 'hello', 'email', scope, locale).email!.html;
const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');

describe('rendering partials', () => {
  it('renders the pinned partial with the parameters it is passed, escaped like the rest of the HTML', () => {
    const out = html(journey(), 'en');
    expect(out).toContain(
      '<p class="footer"><a href="https://u.example/x?a=1&amp;b=2">Unsubscribe</a> · 1 Shop Street</p>',
    );
  });

  it('picks the partial of the message’s locale, down the same fallback chain as messages', () => {
    expect(html(journey(), 'ar')).toContain('إلغاء الاشتراك');
    expect(html(journey(), 'fa-IR')).toContain('لغو اشتراک');
    // A locale without its own message or footer: the default locale's message and the neutral footer.
    expect(html(journey(), 'de')).toContain('>Unsubscribe</a>');
  });

  it('keeps an Arabic footer inside the right-to-left wrapper, after the message’s own content', () => {
    const out = html(journey(), 'ar');
    const wrapper = out.indexOf('<td dir="rtl" lang="ar"');
    const footer = out.indexOf('<p class="footer">');
    const end = out.indexOf('</td></tr></table>');
    expect(wrapper).toBeGreaterThan(-1);
    expect(footer).toBeGreaterThan(wrapper);
    expect(end).toBeGreaterThan(footer);
  });

  it('gives a partial only what it is passed: the message’s variables are not in its scope', () => {
    const j = journey(RENDER, { footer: '[{{ profile.firstName }}|{{ unsubscribeUrl }}]' });
    expect(html(j, 'en')).toContain('[|https://u.example/x?a=1&amp;b=2]');
  });

  it('renders each journey version with the partials it pinned, whatever another version pinned', () => {
    const renderer = createRenderer();
    const v1 = journey(RENDER, { footer: '<p>old footer</p>' });
    const v2 = { ...journey(RENDER, { footer: '<p>new footer</p>' }), version: 2 };
    const render = (j: Journey) => renderer.render(j, 'hello', 'email', scope, 'en').email!.html;
    expect(render(v2)).toContain('new footer');
    expect(render(v1)).toContain('old footer');
    expect(render(v1)).not.toContain('new footer');
  });
});

describe('render calls', () => {
  it('reads the partial name, the parameters and the expression each is given (liquidjs’s tag shape)', () => {
    const [call] = renderCalls(`a {% if x %}${RENDER}{% endif %}`);
    expect(call).toEqual({
      name: 'footer',
      written: 'footer',
      parameters: ['unsubscribeUrl'],
      values: { unsubscribeUrl: 'links.unsubscribe' },
      offset: 12,
    });
  });
});

describe('validating partials', () => {
  const file = 'workflows/news.journey.json';
  const library = { library: FOOTER, dir: 'workflows/partials' };

  it('accepts a journey that renders a pinned partial, and counts its link as the email’s unsubscribe link', () => {
    const result = validateJourneyValue(journey(), file, { partials: library });
    expect(result.problems.map((p) => p.code)).toEqual([]);
    expect(result.journey?.partials).toEqual(FOOTER);
  });

  it('names the file, the JSON path and the partial of a missing one, with a did-you-mean', () => {
    const result = validateJourneyValue(
      journey("{% render 'fotter', unsubscribeUrl: links.unsubscribe %}"),
      file,
      {
        partials: library,
      },
    );
    const problem = errors(result.problems).find((p) => p.code === 'template.unknown-partial');
    expect(problem).toMatchObject({ file, path: '/messages/hello/locales/en/email/html' });
    expect(problem?.message).toContain('partial `fotter`');
    expect(problem?.message).toContain('workflows/partials/fotter.liquid');
    expect(problem?.message).toContain('did you mean `footer`?');
    expect(result.journey).toBeUndefined();
  });

  it('refuses a call that does not pass a variable the partial prints, since render isolates its scope', () => {
    const result = validateJourneyValue(journey("{% render 'footer' %}"), file);
    const problem = errors(result.problems).find((p) => p.code === 'partial.missing-parameter');
    expect(problem?.path).toBe('/messages/hello/locales/en/email/html');
    expect(problem?.message).toContain('without `unsubscribeUrl`');
  });

  it('checks what a call passes against the vocabulary like any template variable', () => {
    const result = validateJourneyValue(
      journey("{% render 'footer', unsubscribeUrl: links.unsubscrib %}"),
      file,
    );
    expect(errors(result.problems).map((p) => p.code)).toContain('template.unknown-variable');
  });

  it('refuses a partial that would close the RTL wrapper or bring its own document', () => {
    const stray = validateJourneyValue(
      journey(RENDER, { ...FOOTER, 'footer.ar': '</td></tr></table><p>x</p>' }),
      file,
    );
    expect(errors(stray.problems)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'partial.unbalanced-html', path: '/partials/footer.ar' }),
      ]),
    );
    const doc = validateJourneyValue(journey(RENDER, { footer: '<body>{{ unsubscribeUrl }}</body>' }), file);
    expect(errors(doc.problems).map((p) => p.code)).toContain('partial.document-tag');
  });

  it('refuses a partial with a Liquid error or an unknown filter', () => {
    const result = validateJourneyValue(journey(RENDER, { footer: '{{ unsubscribeUrl | shout }}' }), file);
    expect(errors(result.problems)).toEqual([
      expect.objectContaining({ code: 'partial.syntax-error', path: '/partials/footer' }),
    ]);
  });

  it('refuses a journey whose pinned partial differs from workflows/partials/, asking for a new version', () => {
    const changed = {
      library: { ...FOOTER, footer: `${FOOTER.footer}<p>new</p>` },
      dir: 'workflows/partials',
    };
    const result = validateJourneyValue(journey(), file, { partials: changed });
    const problem = errors(result.problems).find((p) => p.code === 'partial.out-of-date');
    expect(problem?.path).toBe('/partials');
    expect(problem?.message).toContain('`footer`');
    expect(problem?.suggestion).toContain(`set /version to 2 and run \`npx herald release ${file}\``);
  });

  it('refuses a journey that renders a partial of workflows/partials/ it has not pinned yet', () => {
    const result = validateJourneyValue(journey(RENDER, null), file, { partials: library });
    expect(errors(result.problems).map((p) => p.code)).toContain('partial.not-pinned');
  });

  it('still refuses `include`, which would share the message’s whole scope', () => {
    const result = validateJourneyValue(journey("{% include 'footer' %}"), file);
    expect(errors(result.problems).map((p) => p.code)).toContain('template.partial-not-supported');
  });
});
