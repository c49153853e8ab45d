import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerPreview } from '../../cli/commands/preview.ts';
import { releaseJourneyFile } from '../../cli/commands/release.ts';
import { validateJourneyFiles } from '../../cli/commands/validate.ts';
import type { Profile } from '../../engine/data.ts';
import { createRenderer, type RenderScope } from '../../engine/policy/render.ts';
import type { Journey } from '../../engine/schema.ts';
import type { PreviewReport } from '../../tools/preview/index.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

const WORKFLOWS = new URL('../../workflows/', import.meta.url).pathname;
const AR_ADDRESS = 'لندن NW1 6XE · المملكة المتحدة';

describe('partials and journey versions', () => {
  const sandbox = cliSandbox('herald-partials-');
  /** A workflows folder holding welcome (as shipped), its released copies and the partials. */
  const workspace = () => {
    cpSync(join(WORKFLOWS, 'welcome.journey.json'), join(sandbox.dir, 'welcome.journey.json'));
    cpSync(join(WORKFLOWS, 'versions', 'welcome'), join(sandbox.dir, 'versions', 'welcome'), {
      recursive: true,
    });
    cpSync(join(WORKFLOWS, 'partials'), join(sandbox.dir, 'partials'), { recursive: true });
    return join(sandbox.dir, 'welcome.journey.json');
  };
  const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Journey;
  const editArabicFooter = () => {
    const footer = join(sandbox.dir, 'partials', 'footer.ar.liquid');
    writeFileSync(footer, readFileSync(footer, 'utf8').replace('لندن', 'مانشستر'));
  };

  it('ships welcome with the footer pinned, each released version keeping its own', () => {
    const current = readJson(join(WORKFLOWS, 'welcome.journey.json'));
    const released = readJson(join(WORKFLOWS, 'versions', 'welcome', `${current.version}.journey.json`));
    expect(current.partials?.['footer.ar']).toBe(
      readFileSync(join(WORKFLOWS, 'partials', 'footer.ar.liquid'), 'utf8'),
    );
    expect(released.partials).toEqual(current.partials);
    // Version 1 was released before the footer existed: it keeps its own inline link.
    expect(readJson(join(WORKFLOWS, 'versions', 'welcome', '1.journey.json')).partials).toBeUndefined();
  });

  it('refuses a changed footer under the released version, in validate and in release, and leaves the files alone', async () => {
    const file = workspace();
    const before = readFileSync(file, 'utf8');
    editArabicFooter();
    const [result] = await validateJourneyFiles([file]);
    expect(result?.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'partial.out-of-date', path: '/partials' })]),
    );
    await expect(releaseJourneyFile(file)).rejects.toThrow(/release\.changed-without-new-version/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('has `herald validate` check each partial file once, at its line, used or not', async () => {
    const file = workspace();
    const broken = join(sandbox.dir, 'partials', 'banner.liquid');
    writeFileSync(broken, '<p>Sale</p>\n{{ discount | shout }}');
    const results = await validateJourneyFiles([file]);
    expect(results.find((r) => r.file === file)?.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(results.find((r) => r.file === broken)?.problems).toEqual([
      expect.objectContaining({ file: broken, line: 2, code: 'partial.syntax-error', severity: 'error' }),
    ]);
  });

  it('reports a partial a journey has not pinned once, not once per template', async () => {
    const file = workspace();
    const { partials: _pinned, ...bare } = readJson(file);
    writeFileSync(file, JSON.stringify({ ...bare, version: bare.version + 1 }, null, 2));
    const [result] = await validateJourneyFiles([file]);
    const unpinned = result!.problems.filter((p) => p.code === 'partial.not-pinned');
    expect(unpinned.map((p) => /partial `([^`]+)`/.exec(p.message)?.[1])).toEqual(['footer', 'footer-text']);
    expect(unpinned[0]?.suggestion).toContain(`npx herald release ${file}`);
  });

  it('pins the changed footer into a new version, while the released one keeps sending the old footer', async () => {
    const file = workspace();
    const shipped = readJson(file);
    editArabicFooter();
    writeFileSync(file, JSON.stringify({ ...shipped, version: shipped.version + 1 }, null, 2));
    const outcome = await releaseJourneyFile(file);
    expect(outcome).toMatchObject({ status: 'released', pinned: true, version: shipped.version + 1 });

    const next = readJson(file);
    expect(next.partials?.['footer.ar']).toContain('مانشستر');
    expect(readJson(outcome.target)).toEqual({ ...next, $schema: expect.any(String) });
    const old = readJson(join(sandbox.dir, 'versions', 'welcome', `${shipped.version}.journey.json`));
    expect(old.partials?.['footer.ar']).not.toContain('مانشستر');

    const renderer = createRenderer();
    const scope: RenderScope = {
      profile: { id: 'c', email: 'c@example.com' } as Profile,
      event: { id: 'e', type: 'signed_up', customerId: 'c', time: '2026-01-01T00:00:00Z', properties: {} },
      journey: { id: 'welcome', name: 'Welcome' },
      links: { unsubscribe: 'https://u.example/t' },
    };
    const html = (j: Journey) => renderer.render(j, 'welcome', 'email', scope, 'ar').email!.html;
    expect(html(old)).toContain(AR_ADDRESS);
    expect(html(next)).toContain('مانشستر NW1 6XE');
    expect((await validateJourneyFiles([file]))[0]?.problems.filter((p) => p.severity === 'error')).toEqual(
      [],
    );
  });
});

describe('herald preview with partials', () => {
  const sandbox = cliSandbox('herald-partials-preview-');
  const preview = async (...args: string[]): Promise<PreviewReport> => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCommand(registerPreview, 'preview', ...args, '--json', '--out', sandbox.dir);
    return JSON.parse(written(out)) as PreviewReport;
  };
  const arabicHtml = (report: PreviewReport) =>
    report.messages[0]?.items.find((i) => i.channel === 'email')?.rendered?.email?.html ?? '';

  it('shows each email with its rendered footer in the email’s language, inside the RTL wrapper', async () => {
    const report = await preview(
      join(WORKFLOWS, 'welcome.journey.json'),
      '--message',
      'welcome',
      '--locale',
      'ar',
    );
    const html = arabicHtml(report);
    expect(html).toContain(AR_ADDRESS);
    expect(html.indexOf(AR_ADDRESS)).toBeGreaterThan(html.indexOf('<td dir="rtl" lang="ar"'));
    expect(html.indexOf(AR_ADDRESS)).toBeLessThan(html.indexOf('</td></tr></table>'));
  });

  it('previews an edited footer before it is released, and warns that no version sends it yet', async () => {
    cpSync(join(WORKFLOWS, 'welcome.journey.json'), join(sandbox.dir, 'welcome.journey.json'));
    cpSync(join(WORKFLOWS, 'partials'), join(sandbox.dir, 'partials'), { recursive: true });
    const footer = join(sandbox.dir, 'partials', 'footer.ar.liquid');
    writeFileSync(footer, readFileSync(footer, 'utf8').replace('لندن', 'مانشستر'));
    const report = await preview(
      join(sandbox.dir, 'welcome.journey.json'),
      '--message',
      'welcome',
      '--locale',
      'ar',
    );
    expect(arabicHtml(report)).toContain('مانشستر NW1 6XE');
    expect(report.warnings.map((w) => w.code)).toContain('partial.out-of-date');
  });
});
