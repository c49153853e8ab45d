import type { LimitCode } from './limits.ts';

export type CompileErrorCode =
  | 'missing_step'
  | 'invalid_duration'
  | 'invalid_journey'
  | 'no_exit'
  | LimitCode;

/** A journey the compiler cannot turn into a state machine (the validator should have caught it). */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    readonly code: CompileErrorCode,
    /** JSON pointer into the journey, e.g. `/steps/remind/next`. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}
