/**
 * Execution names AWS accepts (StartExecution `name`, engine/limits.ts), for every event the
 * published schema accepts: ids of up to 128 characters of any script, emoji, spaces, slashes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../engine/data.ts';
import { validateEvent } from '../../engine/events.ts';
import { CLOUDWATCH_SAFE_NAME, EXECUTION_NAME_MAX_CHARS, executionNameProblem } from '../../engine/limits.ts';
import { enrollmentId } from '../../engine/policy/index.ts';

describe('the execution name rule', () => {
  it.each([
    ['welcome-v1-0123abcd', undefined],
    ['a'.repeat(80), undefined],
    ['a'.repeat(81), 'longer than 80 characters'],
    ['', 'empty'],
    ['has space', 'contains " "'],
    ['tab\there', 'contains "\\t"'],
    ['colon:here', 'contains ":"'],
    ['slash/here', 'contains "/"'],
    ['bracket[1]', 'contains "["'],
    ['star*', 'contains "*"'],
    ['nel\u0085', 'contains "\u0085"'],
    ['lone\ud800', 'contains "\\ud800"'],
  ])('judges %j as AWS does', (name, problem) => {
    expect(executionNameProblem(name)).toBe(problem);
  });

  it('accepts non-ASCII names, which are not safe for CloudWatch', () => {
    expect(executionNameProblem('سلام-😀')).toBeUndefined();
    expect(CLOUDWATCH_SAFE_NAME.test('سلام-😀')).toBe(false);
  });
});

/** Any string of 1–128 code points, from every plane (ajv counts code points, as `maxLength` says). */
const id = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.constantFrom(' ', 'a b', 'a/b:c', '[*]', '\u0000', 'ü'.repeat(128), '😀'.repeat(128)),
);

/** Versions the journey schema accepts (an integer ≥ 1, unbounded): some print as `1e+21`. */
const version = fc.oneof(fc.integer({ min: 1 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e21, 1e300));

describe('enrollment ids as execution names', () => {
  it('are valid and CloudWatch-safe for every event the schema accepts', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_-]{0,63}$/),
        version,
        id,
        id,
        fc.option(id, { nil: undefined }),
        (journeyId, journeyVersion, customerId, eventId, productId) => {
          const event: CustomerEvent = {
            id: eventId,
            type: 'order_placed',
            customerId,
            time: '2026-03-02T08:00:00.000Z',
            properties: {
              orderId: 'o-1',
              items: [{ productId: productId ?? 'p-1', quantity: 1 }],
              total: 1,
              currency: 'EUR',
            },
          };
          fc.pre(validateEvent(event).ok);
          const name = enrollmentId(
            { id: journeyId, version: journeyVersion },
            customerId,
            eventId,
            productId,
          );
          expect(executionNameProblem(name)).toBeUndefined();
          expect(name).toMatch(CLOUDWATCH_SAFE_NAME);
          expect(name.length).toBeLessThanOrEqual(EXECUTION_NAME_MAX_CHARS);
          // Deterministic: a replay of the same event maps to the same execution and starts nothing.
          expect(
            enrollmentId({ id: journeyId, version: journeyVersion }, customerId, eventId, productId),
          ).toBe(name);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stay valid for a version that prints in exponent form', () => {
    const name = enrollmentId({ id: 'welcome', version: 1e21 }, 'c1', 'e1');
    expect(name).toMatch(CLOUDWATCH_SAFE_NAME);
    expect(name.startsWith('welcome-v1e_21-')).toBe(true);
  });
});
