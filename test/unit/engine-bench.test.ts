/**
 * The engine benchmark's baseline renders what the engine renders: raw liquidjs over the same
 * templates, with the partials each journey pinned. Untimed (one 5 ms round): the rates are the
 * benchmark's business (`npm run bench -- --only engine`); this checks that every sample renders in
 * both loops. The baseline without partials failed at the reference emails' `{% render 'footer' %}`.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../bench/engine.bench.ts';

describe('bench/engine.bench.ts', () => {
  it('renders every reference journey in the engine loop and in the raw liquidjs baseline', async () => {
    const result = await run({ rounds: 1, roundMs: 5 });
    expect(result.journeys.map((j) => j.journey).sort()).toEqual([
      'cart-abandonment',
      'replenishment-reminder',
      'welcome',
    ]);
    for (const j of [...result.journeys, result.all]) {
      expect(j.engine.median).toBeGreaterThan(0);
      expect(j.rawLiquid.median).toBeGreaterThan(0);
    }
  });
});
