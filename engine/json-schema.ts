import { SegmentSchema } from './audience/segment.ts';
import { Condition, JourneySchema } from './schema.ts';

const CONDITION_REF = '#/definitions/Condition';

/**
 * TypeBox inlines the recursive Condition schema (with its `$id`) wherever it is used; a schema
 * holding one `$id` three times is refused by ajv and confuses editors. Hoist it into
 * `definitions` once and point every use, and its own recursion, at that one copy.
 */
function hoistCondition(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(hoistCondition);
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (record.$id === Condition.$id) return { $ref: CONDITION_REF };
  if (record.$ref === Condition.$id) return { ...record, $ref: CONDITION_REF };
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, hoistCondition(value)]));
}

/** The JSON Schema marketers' editors use, rendered exactly as committed in workflows/journey.schema.json. */
export function renderJourneySchema(): string {
  return renderWithCondition(JourneySchema);
}

/** workflows/segment.schema.json: a segment file's schema, with the same Condition definitions. */
export function renderSegmentSchema(): string {
  return renderWithCondition(SegmentSchema);
}

function renderWithCondition(root: unknown): string {
  const { $id: _conditionId, ...condition } = Condition;
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(hoistCondition(root) as object),
    definitions: { Condition: hoistCondition(condition) },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
