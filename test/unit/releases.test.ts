import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Journey } from '../../engine/schema.ts';
import { checkReleases, type ReleasedFile, sameJourney } from '../../engine/validate/releases.ts';

const welcome = JSON.parse(
  readFileSync(new URL('../../workflows/welcome.journey.json', import.meta.url), 'utf8'),
) as Journey;
const at = (journey: Journey, version = journey.version): ReleasedFile => ({
  file: `workflows/versions/${journey.id}/${version}.journey.json`,
  journey,
  filedAs: { id: journey.id, version },
});
const v = (version: number, name = welcome.name): Journey => ({ ...welcome, version, name });
const codes = (check: ReturnType<typeof checkReleases>) => check.findings.map((f) => f.finding.code);

describe('released journey versions', () => {
  it('treats key order and the $schema reference as no change, and any content as a change', () => {
    const reordered = Object.fromEntries(Object.entries(welcome).reverse()) as unknown as Journey;
    expect(sameJourney({ ...reordered, $schema: '../../journey.schema.json' } as Journey, welcome)).toBe(
      true,
    );
    expect(sameJourney(v(1, 'Welcome!'), welcome)).toBe(false);
  });

  it('keeps every older released version, newest first, and never the current one twice', () => {
    const check = checkReleases(
      [{ file: 'w.json', journey: v(3) }],
      [at(v(1)), at(v(3)), at(v(2))],
      'workflows',
    );
    expect(codes(check)).toEqual([]);
    expect(check.kept.map((j) => j.version)).toEqual([2, 1]);
  });

  it.each([
    ['an edit without a new version', [at(v(1, 'edited'))], 'release.changed-without-new-version'],
    ['a version never released', [at(v(1, 'edited'), 1)].slice(1), 'release.unreleased'],
    ['a journey file older than a released version', [at(v(1)), at(v(2))], 'release.older-than-released'],
  ])('refuses %s, at /version of the journey file', (_, released, code) => {
    const check = checkReleases([{ file: 'w.json', journey: v(1) }], released, 'workflows');
    expect(check.findings).toEqual([
      { file: 'w.json', finding: expect.objectContaining({ code, path: ['version'] }) },
    ]);
  });
});
