/**
 * The preview page: each email as the customer's mail client would show it (the rendered
 * document in a sandboxed iframe: no scripts, `dir="rtl"` for Arabic and Persian as sent), each SMS
 * as a phone bubble and each push as a notification, with the flags beside them. One static file,
 * no scripts; images load from where the email points.
 */
import { escapeHtml as esc } from '../../engine/html.ts';
import { isRtl } from '../../engine/policy/index.ts';
import { reportPage } from '../html-page.ts';
import {
  type Flag,
  LIMITS,
  label,
  type PreviewItem,
  type PreviewMessage,
  type PreviewReport,
} from './index.ts';

const length = (s: string) => [...s].length;

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 0; background: #f1f5f9; color: #0f172a; }
header { background: #0f172a; color: #f8fafc; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header p { margin: 2px 0; color: #cbd5e1; font-size: 14px; }
nav { padding: 12px 32px; background: #e2e8f0; font-size: 14px; }
nav a { margin-right: 16px; color: #1d4ed8; }
main { padding: 8px 32px 48px; }
section.message { background: #fff; border-radius: 10px; margin: 24px 0; padding: 16px 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section.message h2 { margin: 0 0 4px; font-size: 18px; }
.meta { color: #64748b; font-size: 13px; margin: 0 0 12px; }
.locale { border-top: 1px solid #e2e8f0; padding: 12px 0; }
.locale h3 { margin: 0 0 8px; font-size: 15px; }
.channels { display: grid; grid-template-columns: minmax(320px, 2fr) minmax(220px, 1fr) minmax(220px, 1fr); gap: 16px; align-items: start; }
.card { border: 1px solid #e2e8f0; border-radius: 8px; padding: 10px; background: #f8fafc; }
.card h4 { margin: 0 0 8px; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #475569; }
.inbox { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px 6px 0 0; padding: 8px 10px; font-size: 13px; }
.inbox .from { color: #64748b; display: block; }
.inbox .subject { font-size: 15px; }
iframe.email { width: 100%; height: 520px; border: 1px solid #e2e8f0; border-top: 0; background: #fff; display: block; }
details { margin-top: 6px; font-size: 13px; }
pre { white-space: pre-wrap; font-family: inherit; background: #fff; padding: 8px; border-radius: 6px; border: 1px solid #e2e8f0; }
.phone { background: #e5e7eb; border-radius: 18px; padding: 14px 10px; }
.bubble { background: #fff; border-radius: 14px; padding: 8px 12px; font-size: 14px; line-height: 1.4; max-width: 90%; box-shadow: 0 1px 1px rgba(0,0,0,.06); overflow-wrap: anywhere; }
.notification { background: #fff; border-radius: 12px; padding: 10px 12px; box-shadow: 0 2px 6px rgba(0,0,0,.12); font-size: 14px; }
.notification .app { font-size: 11px; color: #64748b; text-transform: uppercase; letter-spacing: .06em; }
.notification .title { font-weight: 600; display: block; margin: 2px 0; }
.facts { font-size: 12px; color: #475569; margin: 8px 0 0; }
ul.flags { list-style: none; padding: 0; margin: 8px 0 0; font-size: 13px; }
.flag { padding: 4px 8px; border-radius: 4px; margin: 3px 0; }
.flag.warning { background: #fef3c7; color: #78350f; }
.flag.info { background: #e0f2fe; color: #0c4a6e; }
.error { color: #b91c1c; }
`;

function flagList(flags: readonly Flag[]): string {
  if (flags.length === 0) return '';
  const items = flags
    .map(
      (f) =>
        `<li class="flag ${f.level}" data-code="${esc(f.code)}">${f.level === 'warning' ? '⚠' : 'ℹ'} ${esc(f.message)}</li>`,
    )
    .join('');
  return `<ul class="flags">${items}</ul>`;
}

function emailCard(item: PreviewItem, journeyName: string): string {
  const email = item.rendered?.email;
  const dir = item.rendered?.dir ?? 'ltr';
  const body = email
    ? `<div class="inbox"><span class="from">${esc(journeyName)}</span><strong class="subject" dir="${dir}">${esc(email.subject)}</strong></div>
<iframe class="email" sandbox title="${esc(`${item.messageId} email, ${item.locale}`)}" srcdoc="${esc(email.html)}"></iframe>
<details><summary>Plain-text part</summary><pre dir="${dir}">${esc(email.text)}</pre></details>
<p class="facts">subject ${length(email.subject)}/${LIMITS.emailSubject} characters</p>`
    : `<p class="error">${esc(item.error ?? 'not rendered')}</p>`;
  return card(item, body);
}

function smsCard(item: PreviewItem): string {
  const sms = item.rendered?.sms;
  const body = sms
    ? `<div class="phone"><div class="bubble" dir="${item.rendered?.dir}">${esc(sms.body)}</div></div>
<p class="facts">${sms.encoding} · ${sms.segments} ${sms.segments === 1 ? 'part' : 'parts'} · ${length(sms.body)} characters</p>`
    : `<p class="error">${esc(item.error ?? 'not rendered')}</p>`;
  return card(item, body);
}

function pushCard(item: PreviewItem, journeyName: string): string {
  const push = item.rendered?.push;
  const body = push
    ? `<div class="phone"><div class="notification" dir="${item.rendered?.dir}"><span class="app">${esc(journeyName)}</span><span class="title">${esc(push.title)}</span><span class="body">${esc(push.body)}</span></div></div>
<p class="facts">title ${length(push.title)}/${LIMITS.pushTitle} · body ${length(push.body)}/${LIMITS.pushBody}${push.deepLink ? ` · opens ${esc(push.deepLink)}` : ''}</p>`
    : `<p class="error">${esc(item.error ?? 'not rendered')}</p>`;
  return card(item, body);
}

function card(item: PreviewItem, body: string): string {
  return `<article class="card ${item.channel}" data-message="${esc(item.messageId)}" data-locale="${esc(item.locale)}" data-channel="${item.channel}">
<h4>${label(item.channel)}</h4>
${body}
${flagList(item.flags)}
</article>`;
}

function messageSection(message: PreviewMessage, journeyName: string): string {
  const locales = message.locales
    .map((locale) => {
      const items = message.items.filter((i) => i.locale === locale);
      const cards = items
        .map((item) =>
          item.channel === 'email'
            ? emailCard(item, journeyName)
            : item.channel === 'sms'
              ? smsCard(item)
              : pushCard(item, journeyName),
        )
        .join('\n');
      return `<div class="locale" data-locale="${esc(locale)}"><h3 lang="${esc(locale)}">${esc(locale)}${isRtl(locale) ? ' · right to left' : ''}</h3><div class="channels">
${cards}
</div></div>`;
    })
    .join('\n');
  return `<section class="message" id="message-${esc(message.id)}" data-message="${esc(message.id)}">
<h2>${esc(message.id)}</h2>
<p class="meta">${esc(message.category)}${message.description ? ` · ${esc(message.description)}` : ''}</p>
${flagList(message.notes)}
${locales}
</section>`;
}

export function previewHtml(report: PreviewReport): string {
  const { journey, sample, counts } = report;
  const nav = report.messages.map((m) => `<a href="#message-${esc(m.id)}">${esc(m.id)}</a>`).join('');
  const warnings = report.warnings.length
    ? `<section class="message"><h2>Validator warnings</h2>${flagList(
        report.warnings.map((p) => ({ level: 'warning', code: p.code, message: `${p.path} — ${p.message}` })),
      )}</section>`
    : '';
  return reportPage(
    `Preview — ${journey.name}`,
    STYLE,
    `<header>
<h1>Preview — ${esc(journey.name)} <small>(${esc(journey.id)} v${journey.version})</small></h1>
<p>Sample customer <strong>${esc(sample.profile.id)}</strong> (${esc(sample.sources.profile)}), event <strong>${esc(sample.event.type)}</strong> (${esc(sample.sources.event)})${sample.product ? `, product <strong>${esc(sample.product.id)}</strong>` : ''}.</p>
<p class="counts">${counts.rendered} variants · ${counts.warnings} warnings · ${counts.infos} notes</p>
</header>
<nav>${nav}</nav>
<main>
${warnings}
${report.messages.map((m) => messageSection(m, journey.name)).join('\n')}
</main>`,
  );
}
