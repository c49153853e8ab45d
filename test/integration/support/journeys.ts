import { readFileSync } from 'node:fs';
import type { Journey } from '../../../engine/schema.ts';

/** The reference journeys marketers see in workflows/. */
export function referenceJourneys(): Journey[] {
  return ['welcome', 'cart-abandonment', 'replenishment-reminder'].map(
    (name) =>
      JSON.parse(
        readFileSync(new URL(`../../../workflows/${name}.journey.json`, import.meta.url), 'utf8'),
      ) as Journey,
  );
}
