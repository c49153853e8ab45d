import type { Journey } from '../schema.ts';

export type Severity = 'error' | 'warning';

/** One thing wrong with a journey file, located precisely enough for an editor to jump to it. */
export interface Problem {
  file: string;
  /** Stable identifier, e.g. `step.dangling-reference`; tools and tests match on it, never on the message. */
  code: string;
  /** JSON pointer into the document, e.g. `/steps/wait-2-days/duration` (`` for the whole document). */
  path: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** What is wrong, in words a marketer understands. */
  message: string;
  /** How to fix it, when we can tell. */
  suggestion?: string;
  severity: Severity;
}

export interface ValidationResult {
  file: string;
  /** Set only when the journey has no errors (warnings allowed). */
  journey?: Journey;
  problems: Problem[];
}

/** A problem before it is located: the checks speak in JSON paths, the locator adds file, line and column. */
export interface Finding {
  code: string;
  /** Path segments, e.g. `['steps', 'a', 'next']`. */
  path: (string | number)[];
  message: string;
  suggestion?: string;
  severity?: Severity;
  /** Point at the property name rather than its value (unknown or duplicate keys). */
  atKey?: boolean;
  /** An exact file offset when the check knows better than the path (template errors inside a string). */
  offset?: number;
}

/** Thrown by `loadJourneyOrThrow` when a journey has errors. */
export class JourneyValidationError extends Error {
  override readonly name = 'JourneyValidationError';
  readonly code = 'journey.invalid';
  readonly problems: Problem[];
  readonly file: string;

  constructor(file: string, problems: Problem[], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
    this.problems = problems;
  }
}
