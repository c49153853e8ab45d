/**
 * Segment files: everything wrong with a `*.segment.json`, all at once, each problem with its
 * file, JSON path, line and column and a fix — the same checks branch conditions get
 * (engine/validate/conditions.ts), plus what a segment cannot read (no journey run: no `event.*`,
 * `product.*`, `engaged`, `since: "entry"`, `sameProduct`). Pure: callers read the files.
 */
import { condition } from '../validate/conditions.ts';
import { isRecord, type Path, show } from '../validate/describe.ts';
import { declaredAttributes, type FieldScope } from '../validate/fields.ts';
import { formatProblems, locateFindings, type Problem } from '../validate/index.ts';
import { duplicateKeys, parseJson } from '../validate/json.ts';
import { checkSchema } from '../validate/schema-check.ts';
import type { Finding } from '../validate/types.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../vocabulary.ts';
import { SEGMENT_FILE_SUFFIX, type Segment, SegmentSchema } from './segment.ts';

export interface SegmentResult {
  file: string;
  segment?: Segment;
  problems: Problem[];
}

export interface SegmentSource {
  file: string;
  text: string;
}

export function validateSegmentText(
  text: string,
  file: string,
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): SegmentResult {
  const source = text.replace(/^\uFEFF/, ' ');
  const parsed = parseJson(source);
  if (parsed.syntax.length > 0) return { file, problems: locateFindings(source, file, parsed.syntax) };
  const findings: Finding[] = [...duplicateKeys(parsed.root)];
  const schema = checkSchema(parsed.value, SegmentSchema, 'segment');
  findings.push(...schema.findings);
  const value = parsed.value;
  if (isRecord(value)) {
    const expected = baseName(file);
    if (typeof value.id === 'string' && expected !== undefined && value.id !== expected) {
      findings.push({
        code: 'segment.id-mismatch',
        path: ['id'],
        message: `the segment's id ${show(value.id)} is not its file name: journeys find a segment by the name \`${expected}${SEGMENT_FILE_SUFFIX}\``,
        suggestion: `write \`"id": "${expected}"\`, or rename the file to \`${value.id}${SEGMENT_FILE_SUFFIX}\``,
      });
    }
    if (value.condition !== undefined) {
      customerOnly(value.condition, ['condition'], findings, 0);
      const scope: FieldScope = {
        entryEvent: undefined,
        vocabulary,
        forEachItem: true, // `sameProduct` is refused above, with a segment's own reason
        attributes: declaredAttributes(vocabulary),
        template: false,
      };
      condition(value.condition, ['condition'], scope, findings);
    }
  }
  // The condition checks speak of "the journey" they usually sit in.
  for (const f of findings) f.message = f.message.replaceAll('in the journey', 'in the segment');
  const problems = locateFindings(source, file, findings);
  const ok = schema.valid && !problems.some((p) => p.severity === 'error');
  return ok ? { file, segment: value as Segment, problems } : { file, problems };
}

/** Several files: each on its own, then ids that two files share. */
export function validateSegmentSet(
  sources: readonly SegmentSource[],
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): SegmentResult[] {
  const results = sources.map((s) => validateSegmentText(s.text, s.file, vocabulary));
  const byId = new Map<string, string>();
  return results.map((r) => {
    const id = r.segment?.id;
    if (id === undefined) return r;
    const first = byId.get(id);
    if (first === undefined) {
      byId.set(id, r.file);
      return r;
    }
    const problem: Problem = {
      file: r.file,
      code: 'segment.duplicate-id',
      path: '/id',
      line: 1,
      column: 1,
      message: `segment id ${show(id)} is also the id of ${first}`,
      suggestion: 'give each segment its own id (and file name)',
      severity: 'error',
    };
    return { file: r.file, problems: [...r.problems, problem] };
  });
}

export class SegmentValidationError extends Error {
  override readonly name = 'SegmentValidationError';
  readonly code = 'segment.invalid';
  constructor(
    readonly problems: Problem[],
    message: string,
  ) {
    super(message);
  }
}

/** Every segment by id, or a `SegmentValidationError` listing every file's errors. */
export function loadSegmentsOrThrow(
  sources: readonly SegmentSource[],
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): Map<string, Segment> {
  const results = validateSegmentSet(sources, vocabulary);
  const errors = results.flatMap((r) => r.problems.filter((p) => p.severity === 'error'));
  if (errors.length > 0) {
    const n = errors.length;
    throw new SegmentValidationError(
      errors,
      `invalid segments (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(errors)}`,
    );
  }
  return new Map(results.map((r) => [r.segment!.id, r.segment!]));
}

function baseName(file: string): string | undefined {
  const name = file.split(/[\\/]/).pop() ?? '';
  return name.endsWith(SEGMENT_FILE_SUFFIX) ? name.slice(0, -SEGMENT_FILE_SUFFIX.length) : undefined;
}

/** What only a journey run has: refused in a segment, with the reason and the nearest fix. */
function customerOnly(cond: unknown, path: Path, out: Finding[], depth: number): void {
  if (!isRecord(cond) || depth > 40) return;
  for (const key of ['all', 'any'] as const) {
    const list = cond[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      customerOnly(c, [...path, key, i], out, depth + 1);
    });
  }
  if (cond.not !== undefined) customerOnly(cond.not, [...path, 'not'], out, depth + 1);
  if (typeof cond.field === 'string' && /^(event|product)\./.test(cond.field)) {
    out.push({
      code: 'segment.not-a-customer-field',
      path: [...path, 'field'],
      message: `a segment is about customers, not a journey run: it cannot read \`${cond.field}\` (there is no triggering event or product)`,
      suggestion:
        'use a `profile.` field, or a behaviour condition such as `{ "did": "order_placed", "within": "P30D" }`',
    });
  }
  if (cond.engaged !== undefined) {
    out.push({
      code: 'segment.engaged',
      path: [...path, 'engaged'],
      atKey: true,
      message: '`engaged` asks about a message a journey run sent; a segment has no run',
      suggestion:
        'use it in a branch of the journey, or ask about engagement in the profile (`profile.engagement.email.opens`)',
    });
  }
  if (cond.since !== undefined) {
    out.push({
      code: 'segment.since-entry',
      path: [...path, 'since'],
      atKey: true,
      message: '`since: "entry"` counts events after the customer entered a journey; a segment has no entry',
      suggestion: 'use `within` with a duration, e.g. `"within": "P30D"`',
    });
  }
  if (cond.sameProduct !== undefined) {
    out.push({
      code: 'segment.same-product',
      path: [...path, 'sameProduct'],
      atKey: true,
      message: '`sameProduct` compares with a journey run’s product; a segment has none',
      suggestion: 'remove `sameProduct`',
    });
  }
}
