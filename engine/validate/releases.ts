/**
 * Released journey versions: the rules that keep every version a customer may be part-way through
 * deployable, checked at synth (infra/journeys.ts) and by `herald release`.
 *
 * A journey's current file (`workflows/<name>.journey.json`) is what new entrants run. Each version
 * that may have reached AWS has a frozen copy, `workflows/versions/<id>/<version>.journey.json`,
 * written by `npx herald release`; the Lambdas bundle the current version and every older released
 * copy, so a customer who entered version 1 is still decided by version 1 after version 2 ships.
 * Versions are immutable: the checks below refuse the two ways to lose one — editing a released
 * version in place, and shipping a version that was never released — and name the file, the JSON
 * path and the fix. A released copy is deleted only when no execution of it is open (the operator's
 * procedure is in docs/writing-journeys.md, "Retiring a version").
 *
 * Pure: callers read the files and pass their text.
 */
import type { Journey } from '../schema.ts';
import type { Finding } from './types.ts';

/** The released copies live under `<workflows>/versions/`, one folder per journey id. */
export const RELEASES_DIR = 'versions';

/** Where version `version` of journey `id` is released, relative to the workflows folder. */
export function releasedPath(id: string, version: number): string {
  return `${RELEASES_DIR}/${id}/${version}.journey.json`;
}

export interface JourneyFile {
  file: string;
  journey: Journey;
}

/** A released copy, with the id and version its path names (`versions/<id>/<version>.journey.json`). */
export interface ReleasedFile extends JourneyFile {
  filedAs: { id: string; version: number };
}

/** One file's findings; the caller locates them in that file's text. */
export interface ReleaseFinding {
  file: string;
  finding: Finding;
}

export interface ReleaseCheck {
  findings: ReleaseFinding[];
  /** Older released versions of current journeys: bundled for customers still on them. */
  kept: Journey[];
}

const guide = 'docs/writing-journeys.md, "Versions"';

/**
 * `current`: the journey files in the workflows folder; `released`: every released copy under it;
 * `dir`: how to print the workflows folder in a fix (e.g. `workflows`).
 */
export function checkReleases(
  current: readonly JourneyFile[],
  released: readonly ReleasedFile[],
  dir: string,
): ReleaseCheck {
  const findings: ReleaseFinding[] = [];
  const add = (file: string, finding: Finding) => findings.push({ file, finding });
  const byId = new Map<string, ReleasedFile[]>();
  for (const r of released) {
    const { id, version } = r.journey;
    if (id !== r.filedAs.id) {
      add(r.file, {
        code: 'release.misfiled',
        path: ['id'],
        message: `this released journey has id "${id}" but is filed under ${RELEASES_DIR}/${r.filedAs.id}/`,
        suggestion: `move it to ${dir}/${releasedPath(id, version)}`,
      });
      continue;
    }
    if (version !== r.filedAs.version) {
      add(r.file, {
        code: 'release.misfiled',
        path: ['version'],
        message: `this released journey is version ${version} but is filed as version ${r.filedAs.version}`,
        suggestion: `a released copy is never edited: restore version ${r.filedAs.version}, or move the file to ${dir}/${releasedPath(id, version)}`,
      });
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), r]);
  }

  const kept: Journey[] = [];
  const currentIds = new Set(current.map((c) => c.journey.id));
  for (const c of current) {
    const { id, version } = c.journey;
    const releases = byId.get(id) ?? [];
    const newest = Math.max(version, ...releases.map((r) => r.journey.version));
    const fix = `set /version to ${newest + 1} and run \`npx herald release ${c.file}\``;
    if (newest > version) {
      add(c.file, {
        code: 'release.older-than-released',
        path: ['version'],
        message: `version ${version} is older than released version ${newest} of journey "${id}": the journey file must hold its newest version`,
        suggestion: `${fix} (${guide})`,
      });
    }
    const same = releases.find((r) => r.journey.version === version);
    if (!same) {
      add(c.file, {
        code: 'release.unreleased',
        path: ['version'],
        message: `version ${version} of journey "${id}" has not been released, so customers who enter it could not finish on it once the next version ships`,
        suggestion: `run \`npx herald release ${c.file}\`: it keeps a frozen copy in ${dir}/${releasedPath(id, version)} (${guide})`,
      });
    } else if (!sameJourney(same.journey, c.journey)) {
      const onlyPartials = sameJourney({ ...same.journey, partials: {} }, { ...c.journey, partials: {} });
      add(c.file, {
        code: 'release.changed-without-new-version',
        path: ['version'],
        message: onlyPartials
          ? `the partials this journey pins differ from those released with version ${version} (${same.file}), which customers may be part-way through: they keep the released ones`
          : `this journey differs from released version ${version} (${same.file}), which customers may be part-way through`,
        suggestion: `${fix}; a released version is never edited (${guide})`,
      });
    }
    for (const r of releases) if (r.journey.version < version) kept.push(r.journey);
  }
  for (const [id, releases] of byId) {
    if (currentIds.has(id)) continue;
    for (const r of releases) {
      add(r.file, {
        code: 'release.without-journey',
        path: ['id'],
        message: `journey "${id}" has released versions but no journey file in ${dir}/`,
        suggestion: `restore its journey file; to retire a version, wait until no execution of it is open, then delete its released copy (docs/writing-journeys.md, "Retiring a version")`,
      });
    }
  }
  kept.sort((a, b) => a.id.localeCompare(b.id) || b.version - a.version);
  return { findings, kept };
}

/** Same content, whatever the formatting, key order or `$schema` reference (it is relative to the file). */
export function sameJourney(a: Journey, b: Journey): boolean {
  // Most often a copy as `herald release` wrote it: the same keys in the same order, compared
  // without sorting every object's keys (a sixth of `herald validate`'s release checks).
  return a === b || plainJson(a) === plainJson(b) || canonical(a) === canonical(b);
}

function plainJson(journey: Journey): string {
  const { $schema: _, ...rest } = journey as Journey & { $schema?: unknown };
  return JSON.stringify(rest);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === '$schema') return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    return v;
  });
}

/**
 * The journey a released copy holds, without validating it again, when validating it could not
 * give another answer: one of `validated` (journeys of this folder validated in this run with no
 * error, against the same vocabulary, and with the folder's partials when it has some) holds the
 * same keys, in the same order, with the same values, but for `$schema` (a string in both, or in
 * neither: it is only a path to the schema, relative to the file), and the copy's text is exactly
 * what `herald release` writes (`JSON.stringify(journey, null, 2)`, a newline): valid JSON with no
 * duplicate key, no comment and no byte-order mark, whose parse is that value.
 *
 * Why the answer is the same: every check reads the parsed value, except the JSON syntax and
 * duplicate-key checks (nothing to find in such a text) and the positions and file names the
 * problems carry (which change no verdict). A released copy is validated without the shared
 * partials; the partials only add findings: `partial.out-of-date` exists only with them, and a
 * render of a partial the journey did not pin is an error with them (`partial.not-pinned`) and
 * without (`template.unknown-partial`). So a journey with no error with the partials has none
 * without. test/unit/release-revalidation.test.ts holds this to the full validation.
 */
export function alreadyValidatedCopy(text: string, validated: readonly Journey[]): Journey | undefined {
  if (validated.length === 0 || text.includes('__proto__')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (text !== `${JSON.stringify(value, null, 2)}\n`) return undefined;
  const copy = value as Record<string, unknown>;
  const content = withoutSchema(copy);
  const same = validated.find(
    (v) =>
      typeof (v as { $schema?: unknown }).$schema === typeof copy.$schema &&
      withoutSchema(v as unknown as Record<string, unknown>) === content,
  );
  return same ? (value as Journey) : undefined;
}

/** The value as JSON without its top-level `$schema`, keys in their order. */
function withoutSchema(value: Record<string, unknown>): string {
  const { $schema: _, ...rest } = value;
  return JSON.stringify(rest);
}
