/**
 * A bounded memo for pure, deterministic functions on the decision path (zone validity, phone
 * normalisation). Caching keeps decisions pure: the same input always gives the same output, so a
 * hit returns exactly what the call would. The bound keeps a long-lived process (a warm Lambda)
 * from growing without limit: when full, the oldest entry is dropped (first in, first out).
 *
 * Held in memory only; nothing cached here is ever logged.
 */
export interface Memo<K, V> {
  (key: K): V;
  /** Entries held (for tests). */
  readonly size: number;
  clear(): void;
}

export function boundedMemo<K, V>(limit: number, compute: (key: K) => V): Memo<K, V> {
  const cache = new Map<K, V>();
  const memo = ((key: K): V => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = compute(key);
    if (cache.size >= limit) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, value);
    return value;
  }) as Memo<K, V>;
  Object.defineProperty(memo, 'size', { get: () => cache.size });
  memo.clear = () => cache.clear();
  return memo;
}
