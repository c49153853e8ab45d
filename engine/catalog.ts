/**
 * Validation of catalog uploads (`PUT /products`, `herald catalog import`) against the product
 * schema (engine/data.ts). Like events, every problem is returned at once, and a batch with any
 * problem is refused whole: a half-loaded catalog would make some orders `unknown_product`.
 */

import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Product } from './data.ts';
import { type JsonBodyProblemCode, readJsonBody } from './json-body.ts';

/** Products one `PUT /products` may carry (the CLI splits bigger files into such batches). */
export const MAX_CATALOG_PRODUCTS = 1000;
/**
 * Largest accepted body, in bytes: well under API Gateway HTTP APIs' 10 MB payload quota and
 * Lambda's 6 MB synchronous invocation payload, so the 400 with problems is ours, not theirs.
 */
export const MAX_CATALOG_BYTES = 1024 * 1024;

/** The `PUT /products` body. */
export const ProductBatch = Type.Object(
  {
    products: Type.Array(Product, { minItems: 1, maxItems: MAX_CATALOG_PRODUCTS }),
  },
  { additionalProperties: false },
);
export type ProductBatch = Static<typeof ProductBatch>;

export interface CatalogProblem {
  /** JSON pointer into the body (`/products/3/price`), `` for the whole body. */
  path: string;
  code: JsonBodyProblemCode | 'invalid' | 'duplicate_id';
  message: string;
  /** For a product's problem: its index in the batch or file, and the field's pointer within it. */
  index?: number;
  field?: string;
  /** For `duplicate_id`: the index of the product that has the id first. */
  duplicateOf?: number;
}

export type CatalogValidation = { ok: true; products: Product[] } | { ok: false; problems: CatalogProblem[] };

const Envelope = Type.Object(
  { products: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_CATALOG_PRODUCTS }) },
  { additionalProperties: false },
);

let compiled: { envelope: ValidateFunction; product: ValidateFunction } | undefined;

function validators() {
  compiled ??= (() => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    return { envelope: ajv.compile(Envelope), product: ajv.compile(Product) };
  })();
  return compiled;
}

/** A `PUT /products` body: the raw text, or an already-parsed value. */
export function validateProductBatch(input: string | unknown): CatalogValidation {
  const body = readJsonBody(input, {
    maxBytes: MAX_CATALOG_BYTES,
    tooLargeAdvice: 'send the catalog in several requests',
    notObjectMessage: 'the body must be a JSON object: { "products": [ … ] }',
  });
  if (!body.ok) return body;
  const value = body.value;
  const { envelope } = validators();
  if (!envelope(value)) {
    return { ok: false, problems: (envelope.errors ?? []).map((e) => problemFromAjv(e, '')) };
  }
  return validateProducts((value as { products: unknown[] }).products, '/products');
}

/**
 * Products from any source (a file's rows, a body's array): each against the schema, and no id
 * twice — BatchWriteItem refuses a request that names one key twice, and "which row wins" would be
 * a guess. `at` is the array's JSON pointer in what the caller was given (`/products` in a body).
 */
export function validateProducts(values: readonly unknown[], at = ''): CatalogValidation {
  const { product } = validators();
  const problems: CatalogProblem[] = [];
  const firstIndexOf = new Map<string, number>();
  values.forEach((value, index) => {
    if (!product(value)) {
      problems.push(
        ...(product.errors ?? []).map((e) => ({ ...problemFromAjv(e, `${at}/${index}`), index })),
      );
    }
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) return;
    const first = firstIndexOf.get(id);
    if (first === undefined) firstIndexOf.set(id, index);
    else {
      problems.push({
        path: `${at}/${index}/id`,
        code: 'duplicate_id',
        message: `${at}/${index}/id "${id.slice(0, 128)}" is also the id of ${at}/${first}`,
        index,
        field: '/id',
        duplicateOf: first,
      });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, products: values as Product[] };
}

/** Patterns say what they mean, not their regular expression. */
const PATTERN_WORDS: Record<string, string> = {
  '/currency': 'must be a three-letter ISO 4217 code in capitals, e.g. EUR',
  '/imageUrl': 'must be an http:// or https:// URL',
  '/url': 'must be an http:// or https:// URL',
};

/** `base`: where the validated value sits (`/3` for a batch's fourth product, `` for the body). */
function problemFromAjv(error: ErrorObject, base: string): CatalogProblem {
  const params = error.params as Record<string, unknown>;
  let field = error.instancePath;
  if (error.keyword === 'required') field += `/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') field += `/${String(params.additionalProperty)}`;
  const path = `${base}${field}`;
  let what = error.message ?? 'is invalid';
  if (error.keyword === 'required') what = 'is required';
  if (error.keyword === 'additionalProperties') {
    what = field.startsWith('/names/')
      ? 'is not a locale (e.g. `ar`, `fa-IR`)'
      : 'is not a product field (id, name, names, price, currency, imageUrl, url, replenishmentDays)';
  }
  if (error.keyword === 'pattern') what = PATTERN_WORDS[field] ?? what;
  return { path, code: 'invalid', message: `${path || 'body'} ${what}`, ...(base ? { field } : {}) };
}
