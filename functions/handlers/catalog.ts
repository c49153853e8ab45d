/**
 * Catalog Lambda: `PUT /products` (IAM-authorised) with `{ "products": [ … ] }`. An invalid batch
 * gets 400 with every problem and writes nothing; a valid one is written and answered with counts.
 */
import { validateProductBatch } from '../../engine/catalog.ts';
import { loadCatalog } from '../app/catalog.ts';
import { resolve } from '../app/runtime.ts';
import type { CatalogDeps } from '../deps.ts';
import { catalogDepsFromEnv } from '../env.ts';
import { CatalogWriteError } from '../ports.ts';
import { httpJsonBody, json, lambda, lazyHandler } from './lambda.ts';

export function createCatalogHandler(deps: CatalogDeps) {
  const rt = resolve(deps, 'catalog');
  return lambda(
    'catalog',
    rt,
    async (event: { body?: string; isBase64Encoded?: boolean }) => {
      const validation = validateProductBatch(httpJsonBody(event));
      if (!validation.ok) {
        rt.metrics.addMetric('CatalogRejected', 'Count', 1);
        rt.logger.warn('catalog rejected', { problems: validation.problems.length });
        return json(400, { problems: validation.problems });
      }
      try {
        const summary = await loadCatalog(rt, validation.products);
        rt.logger.info('catalog written', { ...summary });
        return json(200, summary);
      } catch (error) {
        if (!(error instanceof CatalogWriteError)) throw error;
        rt.logger.warn('catalog partly written', { written: error.written, remaining: error.remaining });
        const message = 'DynamoDB left some products unprocessed; send the same request again';
        return json(503, { message, written: error.written, remaining: error.remaining });
      }
    },
    { http: true },
  );
}

export const handler = lazyHandler(async () => createCatalogHandler(await catalogDepsFromEnv()));
