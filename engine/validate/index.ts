/**
 * Journey validation: everything wrong with a journey file, all at once, each problem with its
 * file, JSON path, line and column, a message a marketer understands and, where we can tell, a fix.
 *
 * Pure: callers read the file (cli/commands/validate.ts). Never throws and never hangs, whatever
 * the text (test/unit/validate-fuzz.test.ts holds it to that).
 */
import type { Node } from 'jsonc-parser';
// The compiler's modules, not its barrel: that one also brings asl-validator and jsonata, which
// validation never calls and `herald validate` would load on every start (bench/cli.bench.ts).
import { buildDefinition } from '../compile/compile.ts';
import { CompileError } from '../compile/errors.ts';
import { limitProblems } from '../compile/limits.ts';
import type { Journey } from '../schema.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from '../vocabulary.ts';
import { checkAudienceEntry } from './audience-entry.ts';
import { checkContent } from './content.ts';
import { isRecord, type Path } from './describe.ts';
import { checkEngagement } from './engagement.ts';
import { declaredAttributes } from './fields.ts';
import { formatProblems } from './format.ts';
import { checkGraph } from './graph.ts';
import {
  closestNodeAt,
  duplicateKeys,
  LineIndex,
  nodeAt,
  offsetInString,
  parseJson,
  toPointer,
} from './json.ts';
import { checkObligations } from './obligations.ts';
import {
  checkPinnedPartials,
  checkPins,
  type PartialContext,
  type PartialSources,
  pinnedSources,
} from './partials.ts';
import { checkSchema } from './schema-check.ts';
import { checkSemantics, fieldScope } from './semantic.ts';
import { type Finding, JourneyValidationError, type Problem, type ValidationResult } from './types.ts';

export {
  type DictionaryResult,
  loadVocabularyOrThrow,
  validateDictionaryText,
} from './dictionary.ts';
export {
  checkDictionaryKeepsReleases,
  dictionarySlice,
  type ReleasedSlice,
} from './dictionary-uses.ts';
export { formatProblems, summarize } from './format.ts';
export {
  type JourneySource,
  loadJourneySetOrThrow,
  type SetOptions,
  validateJourneySet,
} from './journey-set.ts';
export { type PartialSources, partialSourceProblems } from './partials.ts';
export {
  alreadyValidatedCopy,
  checkReleases,
  type JourneyFile,
  RELEASES_DIR,
  type ReleaseCheck,
  type ReleasedFile,
  releasedPath,
  sameJourney,
} from './releases.ts';
export {
  type Finding,
  JourneyValidationError,
  type Problem,
  type Severity,
  type ValidationResult,
} from './types.ts';

export interface ValidateOptions {
  /**
   * The shared partials (workflows/partials/) the journey's pins are checked against. Without it a
   * journey is checked on its own pins alone: right for released copies, which keep what they pinned.
   */
  partials?: PartialSources;
  /**
   * What the journey may read and write (engine/vocabulary.ts, built from workflows/data.json);
   * Herald's built-in vocabulary when not given.
   */
  vocabulary?: Vocabulary;
  /**
   * The ids of the segments in workflows/segments/ that `entry.segment` and `entry.inSegment` may
   * name. Without it segment ids are not checked (a journey checked on its own).
   */
  segments?: ReadonlySet<string>;
}

export function validateJourneyText(
  text: string,
  file: string,
  options: ValidateOptions = {},
): ValidationResult {
  try {
    // A byte-order mark (some Windows editors write one) becomes a space: valid JSON, same offsets.
    const source = (typeof text === 'string' ? text : String(text)).replace(/^\uFEFF/, ' ');
    return validate(source, file, options);
  } catch (err) {
    // A bug in a check must not take the caller down; it still fails the file, loudly.
    return {
      file,
      problems: [
        {
          file,
          code: 'validator.internal-error',
          path: '',
          line: 1,
          column: 1,
          message: `the validator failed on this file (${err instanceof Error ? err.message : String(err)}); please report it`,
          severity: 'error',
        },
      ],
    };
  }
}

/** For journeys already in memory (tests, generated journeys): validated as their pretty-printed JSON. */
export function validateJourneyValue(
  value: unknown,
  file: string,
  options: ValidateOptions = {},
): ValidationResult {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch {
    text = undefined;
  }
  return validateJourneyText(text ?? '', file, options);
}

/** The journey, or a `JourneyValidationError` listing every error. Warnings are allowed. */
export function loadJourneyOrThrow(text: string, file: string, options: ValidateOptions = {}): Journey {
  const result = validateJourneyText(text, file, options);
  if (result.journey) return result.journey;
  const errors = result.problems.filter((p) => p.severity === 'error');
  const n = errors.length;
  throw new JourneyValidationError(
    file,
    result.problems,
    `${file} is not a valid journey (${n} ${n === 1 ? 'error' : 'errors'}):\n${formatProblems(errors)}`,
  );
}

function validate(text: string, file: string, options: ValidateOptions): ValidationResult {
  const vocabulary = options.vocabulary ?? BUILT_IN_VOCABULARY;
  const lines = new LineIndex(text);
  const parsed = parseJson(text);
  if (parsed.syntax.length > 0) {
    return { file, problems: locateAll(parsed.syntax, parsed.root, lines, file) };
  }
  const findings: Finding[] = [...duplicateKeys(parsed.root)];
  const schema = checkSchema(parsed.value);
  findings.push(...schema.findings);
  if (isRecord(parsed.value)) {
    const journey = parsed.value;
    const attributes = declaredAttributes(vocabulary);
    findings.push(...checkGraph(journey));
    findings.push(...checkAudienceEntry(journey, options.segments));
    findings.push(...checkSemantics(journey, fieldScope(journey, attributes, false, vocabulary)));
    findings.push(...checkEngagement(journey));
    const locate = (path: Path, index: number) => {
      const node = nodeAt(parsed.root, path);
      return node?.type === 'string' ? offsetInString(text, node, index) : undefined;
    };
    const partials: PartialContext = {
      pinned: pinnedSources(journey),
      defaultLocale: typeof journey.defaultLocale === 'string' ? journey.defaultLocale : 'en',
      file,
      unpinned: new Set(),
      ...(options.partials ? { sources: options.partials } : {}),
    };
    const templateScope = fieldScope(journey, attributes, true, vocabulary);
    findings.push(...checkContent(journey, templateScope, locate, partials));
    findings.push(...checkPinnedPartials(journey), ...checkPins(journey, partials));
    findings.push(...checkObligations(journey, templateScope));
  }
  if (schema.valid && !findings.some((f) => (f.severity ?? 'error') === 'error')) {
    findings.push(...checkLimits(parsed.value as Journey));
  }
  const problems = locateAll(findings, parsed.root, lines, file);
  const valid = schema.valid && !problems.some((p) => p.severity === 'error');
  return valid ? { file, journey: parsed.value as Journey, problems } : { file, problems };
}

/** Findings about a file that parses as JSON (the release checks), placed at their line and column. */
export function locateFindings(text: string, file: string, findings: readonly Finding[]): Problem[] {
  return locateAll([...findings], parseJson(text).root, new LineIndex(text), file);
}

/**
 * What Step Functions would refuse at run time (history, one year), on an otherwise valid journey:
 * the same check the compiler makes, so the two agree.
 */
function checkLimits(journey: Journey): Finding[] {
  let def: ReturnType<typeof buildDefinition>;
  try {
    def = buildDefinition(journey);
  } catch (error) {
    if (error instanceof CompileError) return []; // The graph checks above report these.
    throw error;
  }
  return limitProblems(journey, def);
}

function locateAll(findings: Finding[], root: Node | undefined, lines: LineIndex, file: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const f of findings) {
    const pointer = toPointer(f.path);
    const key = `${f.code}|${pointer}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { line, column } = lines.position(f.offset ?? offsetOf(root, f.path, f.atKey === true));
    problems.push({
      file,
      code: f.code,
      path: pointer,
      line,
      column,
      message: f.message,
      ...(f.suggestion ? { suggestion: f.suggestion } : {}),
      severity: f.severity ?? 'error',
    });
  }
  return problems.sort(
    (a, b) =>
      a.line - b.line || a.column - b.column || a.code.localeCompare(b.code) || a.path.localeCompare(b.path),
  );
}

function offsetOf(root: Node | undefined, path: Path, atKey: boolean): number {
  const exact = nodeAt(root, path);
  if (exact) {
    const key = exact.parent?.type === 'property' ? exact.parent.children?.[0] : undefined;
    return atKey && key ? key.offset : exact.offset;
  }
  return closestNodeAt(root, path)?.offset ?? 0;
}
