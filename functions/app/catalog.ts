/**
 * Loading the product catalog: validated products are written whole (each a full replacement of
 * its item), so a repeated upload is harmless and an interrupted one is finished by sending it again.
 */
import type { Product } from '../../engine/data.ts';
import type { CatalogDeps } from '../deps.ts';
import type { CatalogWriteSummary } from '../ports.ts';
import type { Resolved } from './runtime.ts';

export interface CatalogLoadSummary extends CatalogWriteSummary {
  received: number;
  /** Of those, how many have a replenishment cycle (the others never enter the replenishment journey). */
  replenishable: number;
}

export async function loadCatalog(
  rt: Resolved<CatalogDeps>,
  products: readonly Product[],
): Promise<CatalogLoadSummary> {
  const written = await rt.catalog.putProducts(products);
  rt.metrics.addMetric('ProductsWritten', 'Count', written.written);
  return {
    received: products.length,
    ...written,
    replenishable: products.filter((p) => p.replenishmentDays !== undefined).length,
  };
}
