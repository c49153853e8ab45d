/**
 * `herald report` redacts what the data dictionary declares personal (`"pii": true` in
 * workflows/data.json, the vocabulary's `piiAttributes`): the value of every such key, at any depth,
 * in the records the report is built from (enrolments' triggering events, ledger facts and results,
 * conversions), is replaced before anything is computed or written. The report itself aggregates;
 * this makes sure no personal value can reach analytics.html / analytics.json through a breakdown
 * or a label, now or after a later change.
 */
export const REDACTED = '[redacted]';

export function redactPersonal<T>(value: T, personal: ReadonlySet<string>): T {
  if (personal.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, personal.has(k) ? REDACTED : walk(x)]),
    );
  };
  return walk(value) as T;
}
