/** Words for where a problem is and what a value is, shared by the schema and semantic checks. */

export type Path = readonly (string | number)[];

/** "step `send-welcome`", "message `welcome` (ar)", "the entry", "the journey". */
export function where(path: Path): string {
  const [a, b, c, d] = path;
  if (a === 'steps' && b !== undefined) return `step \`${b}\``;
  if (a === 'messages' && b !== undefined) {
    if (c === 'locales' && d !== undefined) return `message \`${b}\` (${d})`;
    return `message \`${b}\``;
  }
  if (a === 'entry') return 'the entry';
  if (a === 'exit') return 'the exit rules';
  if (a === 'goal') return 'the goal';
  if (a === 'holdout') return 'the holdout';
  return 'the journey';
}

/** The last named segment of a path: the property the value belongs to. */
export function propertyName(path: Path): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg === 'string') return seg;
  }
  return undefined;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isInteger(value) ? 'a whole number' : 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function expectedKind(type: string): string {
  switch (type) {
    case 'string':
      return 'text';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return '`true` or `false`';
    case 'array':
      return 'a list `[ … ]`';
    case 'object':
      return 'an object `{ … }`';
    case 'null':
      return '`null`';
    case 'date':
      return 'a date (ISO 8601 text, `2026-02-28`)';
    default:
      return type;
  }
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Short, safe rendering of a value inside a message. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const clipped =
    (text ?? String(value)).length > 60 ? `${(text ?? '').slice(0, 57)}…` : (text ?? String(value));
  return `\`${clipped}\``;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
