/** Conditions: declared fields, known events, operators given the values they need, matching kinds. */
import { COMPARISON_OPERATORS, MAX_CONDITION_DEPTH } from '../schema.ts';
import { expectedKind, isRecord, kindOf, type Path, show, where } from './describe.ts';
import { duration } from './durations.ts';
import { checkField, display, type FieldScope } from './fields.ts';
import { didYouMean, didYouMeanText } from './suggest.ts';
import type { Finding } from './types.ts';
import { eventType, FIELD_PATH, SCALAR_TYPES, sameKind, sameProductWithoutItems } from './vocabulary.ts';

const OPERATORS = new Set<string>(COMPARISON_OPERATORS);
const LIST_OPS = new Set(['in', 'notIn']);
const TYPED_OPS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn']);
const NO_VALUE_OPS = new Set(['exists', 'notExists']);
const ORDER_OPS = new Set(['gt', 'gte', 'lt', 'lte']);
/** What an ordering operator means on each kind: numbers and dates (as instants) only. */
const ORDERED_TYPES = new Set(['number', 'integer', 'date']);

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
    eventType(cond.did, [...path, 'did'], out, scope.vocabulary);
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
      typeof cond.op === 'string' &&
      ORDER_OPS.has(cond.op) &&
      !ORDERED_TYPES.has(result.type)
    ) {
      out.push(orderOnUnordered(cond.field, cond.op, result.type, result.values, path));
    } else if (result.values !== undefined && typeof cond.op === 'string' && TYPED_OPS.has(cond.op)) {
      const values = Array.isArray(cond.value) ? cond.value : [cond.value];
      const allowed = result.values;
      const odd = values.find((v) => v !== null && !allowed.includes(v as string | number));
      if (odd !== undefined && Object.hasOwn(cond, 'value')) {
        const guess = typeof odd === 'string' ? didYouMean(odd, allowed.map(String)) : undefined;
        out.push({
          code: 'condition.unknown-value',
          path: [...path, 'value'],
          message: `\`${cond.field}\` is one of ${allowed.map((v) => show(v)).join(', ')}, so the condition in ${where(path)} comparing it with ${show(odd)} never holds${didYouMeanText(guess)}`,
          suggestion: guess ? `use ${show(guess)}` : 'use one of the values declared in workflows/data.json',
        });
      }
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

/** `gte` on text or true/false: the evaluator orders numbers and dates only, so it would never hold as meant. */
function orderOnUnordered(
  field: string,
  op: string,
  type: string,
  values: readonly (string | number)[] | undefined,
  path: Path,
): Finding {
  const op2 = op === 'gt' || op === 'gte' ? 'eq' : 'ne';
  return {
    code: 'condition.operator-not-for-type',
    path: [...path, 'op'],
    message: `\`${op}\` orders numbers and dates, but \`${field}\` holds ${values ? `one of ${values.map((v) => show(v)).join(', ')}` : expectedKind(type)} — did you mean \`in\` (or \`${op2}\`)?`,
    suggestion: values
      ? `write \`"op": "in", "value": [${values.map((v) => JSON.stringify(v)).join(', ')}]\` with the values you mean`
      : type === 'string'
        ? 'use `eq`, `in`, `contains` or `startsWith`; declare the field as a `number` or `date` in workflows/data.json if it is one'
        : 'use `eq` or `ne`',
  };
}
