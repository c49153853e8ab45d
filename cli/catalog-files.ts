/**
 * Catalog files for `herald catalog import`: CSV (parsed by csv-parse) or JSON (an array of
 * products, or the `PUT /products` body), checked with the same product schema the API uses
 * (engine/catalog.ts). Every problem names the file, the line and the CSV column or JSON field.
 *
 * CSV columns: id, name, price, currency, imageUrl, url, replenishmentDays (empty: none), and one
 * `name.<locale>` column per translated name (`name.ar`, `name.fa-IR`).
 */
import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import { findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { type CatalogProblem, validateProducts } from '../engine/catalog.ts';
import type { Product } from '../engine/data.ts';

export interface CatalogFileProblem {
  file: string;
  /** 1-based line in the file. */
  line: number;
  /** CSV: 1-based data row (the header line is not a row). */
  row?: number;
  /** JSON: 0-based index in the array of products. */
  index?: number;
  /** CSV column name or JSON pointer within the product (`/names/ar`). */
  column?: string;
  message: string;
}

export type CatalogFile =
  | { ok: true; file: string; products: Product[] }
  | { ok: false; file: string; problems: CatalogFileProblem[] };

const TEXT_COLUMNS = ['id', 'name', 'currency', 'imageUrl', 'url'] as const;
const NUMBER_COLUMNS = ['price', 'replenishmentDays'] as const;
const LOCALE_COLUMN = /^name\.(.+)$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

export async function readCatalogFile(file: string): Promise<CatalogFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code;
    return { ok: false, file, problems: [{ file, line: 1, message: `cannot read the file: ${reason}` }] };
  }
  if (file.toLowerCase().endsWith('.csv')) return parseCatalogCsv(text, file);
  if (file.toLowerCase().endsWith('.json')) return parseCatalogJson(text, file);
  return { ok: false, file, problems: [{ file, line: 1, message: 'expected a .csv or a .json file' }] };
}

// ── CSV ───────────────────────────────────────────────────────────────────────────────────────

export function parseCatalogCsv(text: string, file: string): CatalogFile {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // Rows as arrays, ragged rows allowed: a row with a missing or extra cell is one problem among
    // all the others, not the end of parsing.
    rows = parse(text, {
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof rows;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 1;
    return { ok: false, file, problems: [{ file, line, message: `not valid CSV: ${error.message}` }] };
  }
  const [head, ...records] = rows;
  const header = head?.record ?? [];
  const problems: CatalogFileProblem[] = [];
  const known = new Set<string>([...TEXT_COLUMNS, ...NUMBER_COLUMNS]);
  for (const column of header.filter((c) => !known.has(c) && !LOCALE_COLUMN.test(c))) {
    problems.push({
      file,
      line: 1,
      column,
      message: `"${column}" is not a catalog column (id, name, name.<locale>, price, currency, imageUrl, url, replenishmentDays)`,
    });
  }
  if (records.length === 0) problems.push({ file, line: 1, message: 'the file has no products' });
  records.forEach(({ record, info }, i) => {
    if (record.length !== header.length) {
      problems.push({
        file,
        line: info.lines,
        row: i + 1,
        message: `has ${record.length} cells; the header has ${header.length} columns`,
      });
    }
  });
  if (problems.length > 0) return { ok: false, file, problems };

  const products = records.map(({ record }) =>
    productFromRow(Object.fromEntries(header.map((c, i) => [c, record[i] ?? '']))),
  );
  const validation = validateProducts(products);
  if (validation.ok) return { ok: true, file, products: validation.products };
  return {
    ok: false,
    file,
    problems: validation.problems.map((p) => ({
      file,
      line: records[p.index ?? 0]?.info.lines ?? 1,
      row: (p.index ?? 0) + 1,
      column: columnOf(p.field ?? ''),
      message:
        p.duplicateOf === undefined ? reasonOf(p) : `this id is already used in row ${p.duplicateOf + 1}`,
    })),
  };
}

/** A row as the product it describes; cells that are not numbers stay text for the schema to refuse. */
export function productFromRow(row: Record<string, string>): Record<string, unknown> {
  const product: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === '') continue;
    const locale = LOCALE_COLUMN.exec(column)?.[1];
    if (locale) names[locale] = value;
    else if ((NUMBER_COLUMNS as readonly string[]).includes(column))
      product[column] = NUMBER.test(value) ? Number(value) : value;
    else product[column] = value;
  }
  if (Object.keys(names).length > 0) product.names = names;
  return product;
}

function columnOf(field: string): string {
  const [, top, locale] = field.split('/');
  return top === 'names' && locale ? `name.${locale}` : (top ?? '');
}

// ── JSON ──────────────────────────────────────────────────────────────────────────────────────

export function parseCatalogJson(text: string, file: string): CatalogFile {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !root) {
    const problems = errors.map((e) => ({
      file,
      line: lineAt(text, e.offset),
      message: `not valid JSON: ${printParseErrorCode(e.error)}`,
    }));
    return {
      ok: false,
      file,
      problems: problems.length ? problems : [{ file, line: 1, message: 'empty file' }],
    };
  }
  const value = JSON.parse(text) as unknown;
  // Either a bare array of products or the PUT /products body.
  const [list, at] = Array.isArray(value)
    ? [value, [] as (string | number)[]]
    : [(value as { products?: unknown } | null)?.products, ['products']];
  if (!Array.isArray(list) || list.length === 0) {
    const message = 'expected a non-empty array of products, or { "products": [ … ] }';
    return { ok: false, file, problems: [{ file, line: 1, message }] };
  }
  const validation = validateProducts(list);
  if (validation.ok) return { ok: true, file, products: validation.products };
  return {
    ok: false,
    file,
    problems: validation.problems.map((p) => {
      const index = p.index ?? 0;
      const node = nodeAt(root, [...at, index], p.field ?? '');
      const message =
        p.duplicateOf === undefined ? reasonOf(p) : `this id is already used by product ${p.duplicateOf}`;
      return { file, line: lineAt(text, node?.offset ?? 0), index, column: p.field ?? '', message };
    }),
  };
}

/** The deepest node that exists on the way to the field (a missing field points at its product). */
function nodeAt(root: Node, base: (string | number)[], field: string): Node | undefined {
  const steps = field.split('/').slice(1);
  for (let n = steps.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, [...base, ...steps.slice(0, n)]);
    if (node) return node.parent?.type === 'property' ? node.parent : node;
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The problem without its leading JSON pointer (the file problem says where instead). */
function reasonOf(problem: CatalogProblem): string {
  return problem.message.startsWith(`${problem.path} `)
    ? problem.message.slice(problem.path.length + 1)
    : problem.message;
}

export function formatCatalogProblems(problems: readonly CatalogFileProblem[]): string {
  return problems
    .map((p) => {
      const where = [
        p.row !== undefined ? `row ${p.row}` : undefined,
        p.index !== undefined ? `product ${p.index}` : undefined,
        p.column ? `${p.column.startsWith('/') ? 'field' : 'column'} ${p.column}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
      return `${p.file}:${p.line}${where ? ` (${where})` : ''}: ${p.message}`;
    })
    .join('\n');
}
