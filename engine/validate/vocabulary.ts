/** Small shared pieces of the semantic checks: event types, field paths, value kinds. */
import type { Vocabulary } from '../vocabulary.ts';
import { jsonTypeOf, type Path, show, where } from './describe.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

/** The schema's FieldPath pattern: paths that fail it are reported by the schema check, not twice. */
export const FIELD_PATH = /^(profile|event|product)(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

export function isEventType(value: string, vocabulary: Vocabulary): boolean {
  return Object.hasOwn(vocabulary.events, value);
}

/** Same family: a whole number is a number, a date is written as text; anything may be cleared with null. */
export function sameKind(declared: string, value: unknown): boolean {
  return value === null || kindMatches(declared === 'date' ? 'string' : declared, jsonTypeOf(value));
}

export function kindMatches(a: string, b: string): boolean {
  const numeric = (t: string) => t === 'number' || t === 'integer';
  return a === b || (numeric(a) && numeric(b));
}

export const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'date']);

export function eventType(value: unknown, path: Path, out: Finding[], vocabulary: Vocabulary): void {
  if (typeof value !== 'string' || isEventType(value, vocabulary)) return;
  const guess = didYouMean(value, vocabulary.eventTypes);
  out.push({
    code: 'event.unknown-type',
    path: [...path],
    message: `unknown event type ${show(value)} in ${where(path)}${didYouMeanText(guess)}`,
    suggestion: guess
      ? `use \`${guess}\``
      : `declare \`${value}\` in workflows/data.json under events, or use one of ${listOf(vocabulary.eventTypes)}`,
  });
}

export function sameProductWithoutItems(path: Path, out: Finding[]): void {
  out.push({
    code: 'journey.same-product-without-items',
    path: [...path],
    message: `\`sameProduct\` in ${where(path)} needs a product, but this journey does not run once per ordered item`,
    suggestion: 'add `"forEachItem": {}` to the entry, or remove `sameProduct`',
  });
}
