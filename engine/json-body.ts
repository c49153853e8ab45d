/**
 * Reading a JSON body that Herald will store: the size bound, the parse, and the I-JSON rules
 * (RFC 7493) every string, key and number must meet. One function for every upload (events,
 * catalog), so each refuses the same inputs with the same reasons, and a value DynamoDB or a
 * downstream system would choke on is a 400 naming its path, never a 500 later.
 *
 * - Strings and object keys (RFC 7493 §2.1): no lone UTF-16 surrogate (`"\ud800"` parses, but is
 *   no Unicode text and cannot be encoded as UTF-8) and no noncharacter (U+FDD0–U+FDEF, U+xFFFE,
 *   U+xFFFF). Herald also refuses U+0000 (NUL): C-string tools, mail headers and SMS gateways cut
 *   text there, so what was checked would not be what is sent.
 * - Numbers (RFC 7493 §2.2): `1e400` parses to Infinity, which is not a number any store keeps;
 *   and DynamoDB keeps numbers only of magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html,
 *   "Number"), so a value outside that range is refused here instead of failing the write.
 * - Keys (RFC 7493 §2.3): no object names a member twice. `JSON.parse` keeps the last one silently,
 *   so `{"consent": {"email": true, "email": false}}` would mean whatever the parser chose. Only
 *   raw text can show this; an EventBridge `detail` arrives already parsed by the Lambda runtime.
 */

export type JsonBodyProblemCode =
  | 'not_json'
  | 'not_utf8'
  | 'too_large'
  | 'not_object'
  | 'invalid_string'
  | 'invalid_number'
  | 'duplicate_key';

export interface JsonBodyProblem {
  /** JSON pointer into the body, `` for the whole body. */
  path: string;
  code: JsonBodyProblemCode;
  message: string;
  suggestion?: string;
}

export type JsonBody =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problems: JsonBodyProblem[] };

export interface JsonBodyOptions {
  maxBytes: number;
  /** What the caller should do about a body over `maxBytes` (appended to the message). */
  tooLargeAdvice?: string;
  /** The message for a body that is JSON but not an object. */
  notObjectMessage: string;
}

/** The largest magnitude DynamoDB stores (9.99…E+125 rounds to 1e126 as a double) and the smallest. */
const DYNAMO_MAX_MAGNITUDE = 1e126;
const DYNAMO_MIN_MAGNITUDE = 1e-130;
/** Problems reported per body: enough to fix a producer, bounded for a hostile one. */
const MAX_VALUE_PROBLEMS = 20;

/**
 * Parses the raw text (HTTP), the raw bytes (an HTTP body that arrived base64-encoded: decoded as
 * UTF-8 strictly, I-JSON §2.1, instead of turning bad bytes into U+FFFD), or checks an
 * already-parsed value (EventBridge `detail`, a file).
 */
export function readJsonBody(raw: string | Uint8Array | unknown, options: JsonBodyOptions): JsonBody {
  let input: unknown = raw;
  if (raw instanceof Uint8Array) {
    try {
      input = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      const message = 'body is not UTF-8 text (I-JSON, RFC 7493 §2.1)';
      return {
        ok: false,
        problems: [{ path: '', code: 'not_utf8', message, suggestion: 'send the JSON encoded as UTF-8' }],
      };
    }
  }
  const text = typeof input === 'string' ? input : JSON.stringify(input ?? null);
  const bytes = Buffer.byteLength(text ?? '', 'utf8');
  if (bytes > options.maxBytes) {
    const advice = options.tooLargeAdvice ? `: ${options.tooLargeAdvice}` : '';
    const message = `body is ${bytes} bytes; the limit is ${options.maxBytes}${advice}`;
    return { ok: false, problems: [{ path: '', code: 'too_large', message }] };
  }
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, problems: [{ path: '', code: 'not_json', message: 'body is not valid JSON' }] };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [{ path: '', code: 'not_object', message: options.notObjectMessage }] };
  }
  const problems = [...(typeof input === 'string' ? duplicateKeys(input) : []), ...valueProblems(value)];
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, MAX_VALUE_PROBLEMS) };
  return { ok: true, value: value as Record<string, unknown> };
}

/** Every string, key and number of a parsed JSON value against the rules above (iterative: depth is the producer's). */
export function valueProblems(root: unknown): JsonBodyProblem[] {
  const problems: JsonBodyProblem[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0 && problems.length < MAX_VALUE_PROBLEMS) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      const bad = stringProblem(value);
      if (bad)
        problems.push({ path, code: 'invalid_string', ...bad, message: `${path || 'body'} ${bad.message}` });
    } else if (typeof value === 'number') {
      const bad = numberProblem(value);
      if (bad) problems.push({ path, code: 'invalid_number', message: `${path || 'body'} ${bad}` });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}/${i}` });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const childPath = `${path}/${pointerToken(key)}`;
        const bad = stringProblem(key);
        if (bad) {
          const message = `${childPath}: the key ${bad.message}`;
          problems.push({ path: childPath, code: 'invalid_string', ...bad, message });
        }
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return problems;
}

// A lone high surrogate, a lone low surrogate, NUL, or a noncharacter (U+FDD0–FDEF, U+xFFFE/xFFFF:
// in the BMP directly, in the astral planes as the pairs ending in DFFE/DFFF after D83F, D87F, …).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NONCHARACTER =
  /[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/;

function stringProblem(s: string): { message: string; suggestion: string } | undefined {
  const surrogate = LONE_SURROGATE.exec(s);
  if (surrogate) {
    const unit = (surrogate[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
    return {
      message: `has a lone UTF-16 surrogate (\\u${unit}) at character ${surrogate.index}: it is not Unicode text (I-JSON, RFC 7493 §2.1)`,
      suggestion: 'send the whole character (both halves of the surrogate pair) or remove it',
    };
  }
  const nul = s.indexOf('\u0000');
  if (nul >= 0) {
    return {
      message: `has a NUL character (\\u0000) at character ${nul}`,
      suggestion: 'remove the NUL character; Herald stores and sends text without it',
    };
  }
  const non = NONCHARACTER.exec(s);
  if (non) {
    return {
      message: `has a Unicode noncharacter at character ${non.index} (I-JSON, RFC 7493 §2.1)`,
      suggestion: 'remove the noncharacter',
    };
  }
  return undefined;
}

function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) {
    return 'is a number too large to represent (it overflows to infinity); send a finite number (I-JSON, RFC 7493 §2.2)';
  }
  const magnitude = Math.abs(n);
  if (magnitude >= DYNAMO_MAX_MAGNITUDE) return 'is too large: numbers must be below 1E+126 in magnitude';
  if (magnitude > 0 && magnitude < DYNAMO_MIN_MAGNITUDE) {
    return 'is too small: non-zero numbers must be at least 1E-130 in magnitude';
  }
  return undefined;
}

/**
 * Members named twice in one object, found by walking text that `JSON.parse` already accepted
 * (so every token is well formed). Iterative, like `valueProblems`.
 */
export function duplicateKeys(text: string): JsonBodyProblem[] {
  type Level = { keys: Set<string>; key?: string } | { index: number };
  const stack: Level[] = [];
  const problems: JsonBodyProblem[] = [];
  const pointer = () =>
    stack.map((l) => ('index' in l ? `/${l.index}` : `/${pointerToken(l.key ?? '')}`)).join('');
  for (let i = 0; i < text.length && problems.length < MAX_VALUE_PROBLEMS; i++) {
    const c = text[i];
    if (c === '{') stack.push({ keys: new Set() });
    else if (c === '[') stack.push({ index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && 'index' in top) top.index += 1;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next += 1;
      if (top && 'keys' in top && text[next] === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) {
          const path = pointer();
          problems.push({
            path,
            code: 'duplicate_key',
            message: `${path} appears twice in the same object (I-JSON, RFC 7493 §2.3)`,
            suggestion: 'send each member once',
          });
        }
        top.keys.add(key);
      }
      i = end;
    }
  }
  return problems;
}

/** RFC 6901: `~` and `/` in a key are escaped so the pointer names the key exactly. */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
