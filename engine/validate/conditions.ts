/** Conditions: declared fields, known events, operators given the values they need, matching kinds. */
import { COMPARISON_OPERATORS, MAX_CONDITION_DEPTH } from '../schema.ts';
import { expectedKind, isRecord, kindOf, type Path, show, where } from './describe.ts';
import { duration } from './durations.ts';
import { checkField, display, type FieldScope } from './fields.ts';
import type { Finding } from './types.ts';
import { eventType, FIELD_PATH, SCALAR_TYPES, sameKind, sameProductWithoutItems } from './vocabulary.ts';

const OPERATORS = new Set<string>(COMPARISON_OPERATORS);
const LIST_OPS = new Set(['in', 'notIn']);
const TYPED_OPS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn']);
const NO_VALUE_OPS = new Set(['exists', 'notExists']);

export function condition(cond: unknown, path: Path, scope: FieldScope, out: Finding[], depth = 0): void {
  if (!isRecord(cond)) return;
  if (depth > MAX_CONDITION_DEPTH) {
    // The evaluator (engine/policy/conditions.ts) counts the same way and holds such a condition false.
    out.push({
      code: 'condition.too-deep',
      path: [...path],
      message: `this condition sits ${depth} levels of \`all\`/\`any\`/\`not\` deep; conditions may nest at most ${MAX_CONDITION_DEPTH} levels, and one deeper would never hold`,
      suggestion:
        'flatten it: an `all` inside an `all` (or an `any` inside an `any`) can be merged into one, and a `not` inside a `not` removed',
    });
    return;
  }
  for (const key of ['all', 'any'] as const) {
    const list = cond[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      condition(c, [...path, key, i], scope, out, depth + 1);
    });
  }
  if (cond.not !== undefined) condition(cond.not, [...path, 'not'], scope, out, depth + 1);
  if (cond.did !== undefined) {
    eventType(cond.did, [...path, 'did'], out);
    duration(cond.within, [...path, 'within'], false, out);
    if (cond.sameProduct === true && !scope.forEachItem)
      sameProductWithoutItems([...path, 'sameProduct'], out);
  }
  if (typeof cond.field === 'string' && FIELD_PATH.test(cond.field)) {
    const result = checkField(cond.field.split('.'), scope);
    if (!result.ok) {
      out.push({
        code: result.reason === 'product-unavailable' ? 'field.product-unavailable' : 'field.unknown',
        path: [...path, 'field'],
        message: `condition in ${where(path)}: ${result.message}`,
        ...(result.suggestion ? { suggestion: result.suggestion } : {}),
      });
    } else if (
      result.type !== undefined &&
      SCALAR_TYPES.has(result.type) &&
      typeof cond.op === 'string' &&
      TYPED_OPS.has(cond.op) &&
      Object.hasOwn(cond, 'value')
    ) {
      const values = Array.isArray(cond.value) ? cond.value : [cond.value];
      const odd = values.find((v) => !sameKind(result.type!, v));
      if (odd !== undefined) {
        out.push({
          code: 'condition.type-mismatch',
          path: [...path, 'value'],
          message: `\`${cond.field}\` holds ${expectedKind(result.type)}, but the condition in ${where(path)} compares it with ${kindOf(odd)} ${show(odd)}, which never compares as intended`,
          suggestion:
            result.type === 'string'
              ? `write ${show(JSON.stringify(String(odd)))}`
              : 'write the value without quotes',
        });
      }
    }
  }
  if (typeof cond.op === 'string' && OPERATORS.has(cond.op) && typeof cond.field === 'string') {
    const op = cond.op;
    const has = Object.hasOwn(cond, 'value');
    if (LIST_OPS.has(op) && has && !Array.isArray(cond.value)) {
      out.push({
        code: 'condition.value-not-list',
        path: [...path, 'value'],
        message: `\`${op}\` compares against a list, but \`value\` in ${where(path)} is a single value`,
        suggestion: `write \`"value": [${JSON.stringify(cond.value)}]\``,
      });
    } else if (!NO_VALUE_OPS.has(op) && !has) {
      out.push({
        code: 'condition.missing-value',
        path: [...path],
        message: `the condition on \`${display(cond.field.split('.'))}\` in ${where(path)} uses \`${op}\` but has no \`value\` to compare with`,
        suggestion: 'add `"value": …`, or use `exists` / `notExists`',
      });
    } else if (!LIST_OPS.has(op) && !NO_VALUE_OPS.has(op) && Array.isArray(cond.value)) {
      out.push({
        code: 'condition.unexpected-list',
        path: [...path, 'value'],
        message: `\`${op}\` compares against one value, but \`value\` in ${where(path)} is a list`,
        suggestion: 'use `in` / `notIn` to match any value of a list',
      });
    }
  }
}
