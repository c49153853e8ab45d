/**
 * The JSON layer: parse with jsonc-parser (which recovers from errors and keeps offsets), turn the
 * tree into a plain value, find duplicate keys (which `JSON.parse` silently collapses), and map a
 * JSON path back to a line and column.
 */
import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Finding } from './types.ts';

export interface ParsedJson {
  root: Node | undefined;
  value: unknown;
  syntax: Finding[];
}

const SYNTAX_MESSAGES: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'this number is not written the JSON way',
  PropertyNameExpected: 'a property name in double quotes is expected here',
  ValueExpected: 'a value is expected here',
  ColonExpected: 'a `:` is expected after the property name',
  CommaExpected: 'a comma is expected here',
  CloseBraceExpected: 'a closing `}` is missing',
  CloseBracketExpected: 'a closing `]` is missing',
  EndOfFileExpected: 'there is extra text after the end of the journey',
  InvalidCommentToken: 'comments are not allowed in journey files',
  UnexpectedEndOfComment: 'a comment is not closed',
  UnexpectedEndOfString: 'a text value is not closed with `"`',
  UnexpectedEndOfNumber: 'a number is cut off',
  InvalidUnicode: 'invalid `\\u` escape',
  InvalidEscapeCharacter: 'invalid `\\` escape in text (write `\\\\` for a backslash)',
  InvalidCharacter: 'invalid character in text (line breaks inside text must be written `\\n`)',
};

const MAX_SYNTAX_FINDINGS = 20;

export function parseJson(text: string): ParsedJson {
  if (text.trim() === '') {
    return {
      root: undefined,
      value: undefined,
      syntax: [{ code: 'json.empty', path: [], message: 'the file is empty', offset: 0 }],
    };
  }
  const depth = nestingDepth(text);
  if (depth.max > MAX_NESTING) {
    return {
      root: undefined,
      value: undefined,
      syntax: [
        {
          code: 'json.too-deep',
          path: [],
          message: `the file nests brackets more than ${MAX_NESTING} levels deep; a journey never needs that`,
          offset: depth.at,
        },
      ],
    };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const syntax: Finding[] = [];
  for (const e of errors) {
    if (syntax.length >= MAX_SYNTAX_FINDINGS) break;
    const name = printParseErrorCode(e.error);
    const what = SYNTAX_MESSAGES[name] ?? 'invalid JSON';
    const trailing =
      name === 'PropertyNameExpected' || name === 'ValueExpected'
        ? trailingCommaBefore(text, e.offset)
        : false;
    syntax.push({
      code: 'json.syntax',
      path: [],
      message: trailing ? 'a trailing comma is not allowed in JSON' : `JSON syntax error: ${what}`,
      ...(trailing ? { suggestion: 'remove the comma before the closing bracket' } : {}),
      offset: e.offset,
    });
  }
  if (root === undefined && syntax.length === 0) {
    syntax.push({ code: 'json.syntax', path: [], message: 'JSON syntax error: no value found', offset: 0 });
  }
  return { root, value: root === undefined ? undefined : toValue(root), syntax };
}

/** Deeper than any real journey, shallow enough for every recursive step (parser, ajv, checks). */
const MAX_NESTING = 100;

/** The deepest bracket nesting outside strings, and where it first got too deep. */
function nestingDepth(text: string): { max: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) {
      inString = true;
    } else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (depth === MAX_NESTING + 1) at = i;
      }
    } else if (ch === 125 || ch === 93) {
      depth--;
    }
  }
  return { max, at };
}

function trailingCommaBefore(text: string, offset: number): boolean {
  let i = Math.min(offset, text.length) - 1;
  while (i >= 0 && /\s/.test(text[i] ?? '')) i--;
  if (text[i] !== ',') return false;
  let j = offset;
  while (j < text.length && /\s/.test(text[j] ?? '')) j++;
  return text[j] === '}' || text[j] === ']';
}

/**
 * Tree → value. Later duplicates win, like `JSON.parse`; `__proto__` becomes an ordinary own
 * property (assignment would replace the prototype), so it is reported as an unknown property.
 */
function toValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (keyNode === undefined || typeof keyNode.value !== 'string') continue;
        Object.defineProperty(out, keyNode.value, {
          value: valueNode === undefined ? null : toValue(valueNode),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(toValue);
    case 'property':
      return null;
    default:
      return node.value ?? null;
  }
}

/** Every key that appears twice in the same object, pointing at the second one. */
export function duplicateKeys(root: Node | undefined): Finding[] {
  const found: Finding[] = [];
  const stack: { node: Node; path: (string | number)[] }[] = root ? [{ node: root, path: [] }] : [];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (keyNode === undefined || typeof keyNode.value !== 'string') continue;
        const key = keyNode.value;
        if (seen.has(key)) {
          const isStep = path.length === 1 && path[0] === 'steps';
          found.push({
            code: isStep ? 'step.duplicate-id' : 'json.duplicate-key',
            path: [...path, key],
            message: isStep
              ? `two steps are both called \`${key}\`; only the last one would be kept`
              : `\`${key}\` appears twice in the same object; only the last one would be kept`,
            suggestion: isStep
              ? 'give each step its own id'
              : `remove or rename one of the \`${key}\` entries`,
            offset: keyNode.offset,
          });
        }
        seen.add(key);
        if (valueNode) stack.push({ node: valueNode, path: [...path, key] });
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => {
        stack.push({ node: child, path: [...path, i] });
      });
    }
  }
  return found;
}

/** The node at a path, following the last occurrence of duplicated keys (the one that counts). */
export function nodeAt(root: Node | undefined, path: readonly (string | number)[]): Node | undefined {
  let node = root;
  for (const seg of path) {
    if (node === undefined) return undefined;
    if (node.type === 'object') {
      let match: Node | undefined;
      for (const prop of node.children ?? []) {
        if (prop.children?.[0]?.value === String(seg)) match = prop.children[1];
      }
      node = match;
    } else if (node.type === 'array' && typeof seg === 'number') {
      node = node.children?.[seg];
    } else {
      return undefined;
    }
  }
  return node;
}

/** The deepest node that exists along a path (a missing property is reported on its parent). */
export function closestNodeAt(root: Node | undefined, path: readonly (string | number)[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(root, path.slice(0, n));
    if (node !== undefined) return node;
  }
  return root;
}

export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}

/**
 * File offset of a character inside a JSON string literal, given its index in the decoded string:
 * escapes (`\n`, `\u00e9`) take more room in the file than in the value.
 */
export function offsetInString(text: string, literal: Node, decodedIndex: number): number {
  let raw = literal.offset + 1;
  const end = literal.offset + literal.length - 1;
  let decoded = 0;
  while (raw < end && decoded < decodedIndex) {
    if (text[raw] === '\\') raw += text[raw + 1] === 'u' ? 6 : 2;
    else raw += 1;
    decoded += 1;
  }
  return Math.min(raw, Math.max(end, literal.offset));
}

/** `/steps/a~1b/next` from `['steps', 'a/b', 'next']` (RFC 6901 escaping). */
export function toPointer(path: readonly (string | number)[]): string {
  return path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
