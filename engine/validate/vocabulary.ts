/** Small shared pieces of the semantic checks: event types, field paths, value kinds. */
import { EVENT_TYPES, type EventType } from '../data.ts';
import { jsonTypeOf, type Path, show, where } from './describe.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

/** The schema's FieldPath pattern: paths that fail it are reported by the schema check, not twice. */
export const FIELD_PATH = /^(profile|event|product)(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** Same family: a whole number is a number; anything may be cleared with null. */
export function sameKind(declared: string, value: unknown): boolean {
  return value === null || kindMatches(declared, jsonTypeOf(value));
}

export function kindMatches(a: string, b: string): boolean {
  const numeric = (t: string) => t === 'number' || t === 'integer';
  return a === b || (numeric(a) && numeric(b));
}

export const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

export function eventType(value: unknown, path: Path, out: Finding[]): void {
  if (typeof value !== 'string' || isEventType(value)) return;
  const guess = didYouMean(value, EVENT_TYPES);
  out.push({
    code: 'event.unknown-type',
    path: [...path],
    message: `unknown event type ${show(value)} in ${where(path)}${didYouMeanText(guess)}`,
    suggestion: guess ? `use \`${guess}\`` : `use one of ${listOf(EVENT_TYPES)}`,
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
