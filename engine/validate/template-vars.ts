/**
 * The global variables a Liquid template reads, from liquidjs's static analysis, and how: printed
 * (`{{ … }}`) or only tested (`{% if … %}`), and whether a `default` filter covers it. Shared by
 * the validator's sender checks (obligations.ts) and `herald preview` (tools/preview/checks.ts).
 */
import type { Liquid } from 'liquidjs';
import { lenientLiquid, parseLenient } from '../liquid-parse.ts';

export interface VariableUse {
  path: string;
  /** Inside `{{ … }}` (printed) rather than a `{% … %}` tag (tested). */
  printed: boolean;
  hasDefault: boolean;
}

// Lenient about filters: an unknown one is the validator's `template.unknown-filter`, not ours to hide
// (engine/liquid-parse.ts: one parse per template, shared with the `{% render %}` calls).
const analyzer = lenientLiquid;

const cache = new Map<string, VariableUse[]>();
const MAX_CACHED = 2_000;

export function templateVariables(source: string): VariableUse[] {
  const cached = cache.get(source);
  if (cached) return cached;
  const uses = analyze(source);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(source, uses);
  return uses;
}

function analyze(source: string): VariableUse[] {
  let analysis: ReturnType<Liquid['analyzeSync']>;
  try {
    analysis = analyzer.analyzeSync(parseLenient(source));
  } catch {
    return []; // the validator reports syntax errors; the renderer would refuse the template
  }
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const uses: VariableUse[] = [];
  const seen = new Set<string>();
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      const segments = variable.toArray();
      if (!segments.every((s) => typeof s === 'string' || typeof s === 'number')) continue;
      const path = segments.join('.');
      const offset = (lineStarts[variable.location.row - 1] ?? 0) + variable.location.col - 1;
      const open = Math.max(source.lastIndexOf('{{', offset), source.lastIndexOf('{%', offset));
      const printed = source.startsWith('{{', open);
      const close = source.indexOf(printed ? '}}' : '%}', offset);
      const tail = source.slice(offset, close === -1 ? undefined : close);
      const hasDefault = /\|\s*default\s*:/.test(tail);
      const key = `${path}|${printed}|${hasDefault}`;
      if (seen.has(key)) continue;
      seen.add(key);
      uses.push({ path, printed, hasDefault });
    }
  }
  return uses;
}
