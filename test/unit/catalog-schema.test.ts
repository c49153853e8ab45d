import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalogCsv, parseCatalogJson } from '../../cli/catalog-files.ts';
import {
  MAX_CATALOG_BYTES,
  MAX_CATALOG_PRODUCTS,
  validateProductBatch,
  validateProducts,
} from '../../engine/catalog.ts';
import type { Product } from '../../engine/data.ts';
import { createCatalog } from '../../local/demo-data.ts';

const coffee: Product = {
  id: 'coffee',
  name: 'Coffee',
  names: { en: 'Coffee', ar: 'قهوة', 'fa-IR': 'قهوه' },
  price: 12.5,
  currency: 'EUR',
  imageUrl: 'https://shop.test/coffee.jpg',
  url: 'https://shop.test/p/coffee',
  replenishmentDays: 30,
};

const problemsOf = (body: unknown) => {
  const result = validateProductBatch(body);
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
};

describe('the product schema', () => {
  it('accepts the demo catalog and the example catalog files', () => {
    expect(validateProducts(createCatalog()).ok).toBe(true);
    expect(validateProducts(JSON.parse(readFileSync('examples/products.json', 'utf8'))).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a negative price', { price: -1 }, '/products/0/price', 'must be >= 0'],
    ['a price that is text', { price: '12' }, '/products/0/price', 'must be number'],
    ['a lower-case currency', { currency: 'eur' }, '/products/0/currency', 'ISO 4217'],
    [
      'an image that is not a URL',
      { imageUrl: 'coffee.jpg' },
      '/products/0/imageUrl',
      'http:// or https:// URL',
    ],
    ['a cycle of zero days', { replenishmentDays: 0 }, '/products/0/replenishmentDays', 'must be >= 1'],
    [
      'a cycle of a fraction of a day',
      { replenishmentDays: 1.5 },
      '/products/0/replenishmentDays',
      'integer',
    ],
    [
      'a cycle the one-year run budget cannot hold (a Standard execution lasts a year)',
      { replenishmentDays: 331 },
      '/products/0/replenishmentDays',
      '<= 330',
    ],
    [
      'a name per non-locale',
      { names: { english: 'Coffee' } },
      '/products/0/names/english',
      'is not a locale',
    ],
    ['an empty name', { name: '' }, '/products/0/name', 'fewer than 1 characters'],
    [
      'a field the catalog does not have',
      { colour: 'brown' },
      '/products/0/colour',
      'is not a product field',
    ],
  ])('refuses %s, naming the field', (_what, change, path, message) => {
    const [problem, ...others] = problemsOf({ products: [{ ...coffee, ...change }] });
    expect(others).toEqual([]);
    expect(problem?.[0]).toBe(path);
    expect(problem?.[1]).toContain(message);
  });

  it('lists every problem of every product at once', () => {
    const { url: _url, ...noUrl } = coffee;
    expect(problemsOf({ products: [coffee, { ...noUrl, id: 'tea', price: -2 }, { id: 'coffee' }] })).toEqual([
      ['/products/1/url', '/products/1/url is required'],
      ['/products/1/price', '/products/1/price must be >= 0'],
      ['/products/2/name', '/products/2/name is required'],
      ['/products/2/price', '/products/2/price is required'],
      ['/products/2/currency', '/products/2/currency is required'],
      ['/products/2/imageUrl', '/products/2/imageUrl is required'],
      ['/products/2/url', '/products/2/url is required'],
      ['/products/2/id', '/products/2/id "coffee" is also the id of /products/0'],
    ]);
  });

  it('refuses a body that is not a batch, an empty batch and a batch over the limits', () => {
    expect(validateProductBatch('{"products": [')).toMatchObject({ problems: [{ code: 'not_json' }] });
    expect(validateProductBatch([coffee])).toMatchObject({ problems: [{ code: 'not_object' }] });
    expect(problemsOf({ products: [] })).toEqual([
      ['/products', '/products must NOT have fewer than 1 items'],
    ]);
    expect(problemsOf({ products: [coffee], extra: true })[0]?.[0]).toBe('/extra');
    const many = Array.from({ length: MAX_CATALOG_PRODUCTS + 1 }, (_, i) => ({ ...coffee, id: `p${i}` }));
    expect(problemsOf({ products: many })).toEqual([
      ['/products', `/products must NOT have more than ${MAX_CATALOG_PRODUCTS} items`],
    ]);
    const big = JSON.stringify({ products: [{ ...coffee, name: 'x'.repeat(MAX_CATALOG_BYTES) }] });
    expect(validateProductBatch(big)).toMatchObject({ problems: [{ code: 'too_large' }] });
  });

  it('returns the products unchanged when all are valid', () => {
    expect(validateProductBatch(JSON.stringify({ products: [coffee] }))).toEqual({
      ok: true,
      products: [coffee],
    });
  });
});

describe('catalog files', () => {
  it('reads examples/products.csv as exactly the demo catalog', () => {
    const read = parseCatalogCsv(readFileSync('examples/products.csv', 'utf8'), 'products.csv');
    expect(read).toEqual({ ok: true, file: 'products.csv', products: createCatalog() });
  });

  it('reads quoted cells, per-locale names and an empty cycle as none', () => {
    const csv = [
      'id,name,name.fa-IR,price,currency,imageUrl,url,replenishmentDays',
      'saffron,"Saffron, 2 g",زعفران,16.5,EUR,https://shop.test/s.jpg,https://shop.test/s,',
    ].join('\r\n');
    expect(parseCatalogCsv(csv, 'f.csv')).toEqual({
      ok: true,
      file: 'f.csv',
      products: [
        {
          id: 'saffron',
          name: 'Saffron, 2 g',
          names: { 'fa-IR': 'زعفران' },
          price: 16.5,
          currency: 'EUR',
          imageUrl: 'https://shop.test/s.jpg',
          url: 'https://shop.test/s',
        },
      ],
    });
  });

  it('reports a row with a missing cell and an unknown column together, by line', () => {
    const csv = 'id,name,price,size\ncoffee,Coffee,3\n';
    const read = parseCatalogCsv(csv, 'f.csv');
    expect(read.ok ? [] : read.problems.map((p) => [p.line, p.column ?? '', p.message])).toEqual([
      [1, 'size', expect.stringContaining('"size" is not a catalog column')],
      [2, '', 'has 3 cells; the header has 4 columns'],
    ]);
  });

  it('points a JSON problem at the line of the field, or of the product when the field is missing', () => {
    const text = `{\n  "products": [\n    {\n      "id": "x",\n      "price": -1\n    }\n  ]\n}\n`;
    const read = parseCatalogJson(text, 'f.json');
    const byField = Object.fromEntries(read.ok ? [] : read.problems.map((p) => [p.column, p.line]));
    expect(byField['/price']).toBe(5);
    expect(byField['/name']).toBe(3);
  });
});
