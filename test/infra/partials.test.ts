import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../engine/data.ts';
import { createRenderer } from '../../engine/policy/render.ts';
import { loadJourneyRegistryFile } from '../../functions/adapters/deployed-config.ts';
import { REPO_ROOT } from '../../infra/config.ts';
import { synthError, synthHerald } from './synth.ts';

const WORKFLOWS = path.join(REPO_ROOT, 'workflows');

/** A copy of workflows/ to break. */
function workflowsCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-partials-'));
  cpSync(WORKFLOWS, dir, { recursive: true });
  return dir;
}

describe('partials at synth', () => {
  it('bundles each journey version with the partials it pinned, and the step Lambda renders them', () => {
    const { stack } = synthHerald();
    const registry = loadJourneyRegistryFile(stack.journeysBundleFile);
    const welcome = registry.active().find((j) => j.id === 'welcome')!;
    const footer = readFileSync(path.join(WORKFLOWS, 'partials', 'footer.fa.liquid'), 'utf8');
    expect(welcome.partials?.['footer.fa']).toBe(footer);
    // The version released before the footer existed is bundled as it was: no partials.
    expect(registry.get('welcome', 1)?.partials).toBeUndefined();

    const email = createRenderer().render(
      welcome,
      'welcome',
      'email',
      {
        profile: { id: 'c', email: 'c@example.com' } as Profile,
        event: { id: 'e', type: 'signed_up', customerId: 'c', time: '2026-01-01T00:00:00Z', properties: {} },
        journey: { id: 'welcome', name: 'Welcome' },
        links: { unsubscribe: 'https://u.example/t' },
      },
      'fa',
    ).email!;
    expect(email.html).toContain('<a href="https://u.example/t" style="color:#777777">لغو اشتراک</a>');
  });

  it('fails the synth when a partial changed under a released version, naming the journey, /partials and the fix', () => {
    const dir = workflowsCopy();
    const footer = path.join(dir, 'partials', 'footer.liquid');
    writeFileSync(footer, `${readFileSync(footer, 'utf8')}<p>New address</p>`);
    const error = synthError(dir);
    const welcome = path.join(dir, 'welcome.journey.json');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: welcome, path: '/partials', code: 'partial.out-of-date' }),
      ]),
    );
    expect(error.message).toContain('npx herald release');
  });

  it('fails the synth on a partial file that would break the RTL wrapper, at its line', () => {
    const dir = workflowsCopy();
    const file = path.join(dir, 'partials', 'unused.liquid');
    writeFileSync(file, '<p>fine</p>\n</td></table>');
    const error = synthError(dir);
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ file, line: 2, code: 'partial.unbalanced-html' })]),
    );
  });
});
