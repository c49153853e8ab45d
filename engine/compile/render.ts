/**
 * Renders a definition as stable JSON text: the same definition always gives the same bytes,
 * whatever order its objects were built in.
 *
 * - States are listed in the order a reader walks them (see `stateOrder`).
 * - Known ASL fields come in a fixed, conventional order (`Type` first, `Next`/`End` last); any
 *   other keys (inside `Parameters`, for instance) are sorted.
 */
import { type AslDefinition, type AslJson, successors } from './asl.ts';

const FIELD_ORDER = [
  'Type',
  'Comment',
  'QueryLanguage',
  'StartAt',
  'States',
  'ErrorEquals',
  'Variable',
  'StringEquals',
  'IsPresent',
  'Resource',
  'Parameters',
  'TimeoutSeconds',
  'Seconds',
  'TimestampPath',
  'ResultPath',
  'Choices',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Retry',
  'Catch',
  'Error',
  'Cause',
  'Default',
  'Next',
  'End',
  // The StepRequest (engine/contract.ts), in the order it reads best.
  'FunctionName',
  'Payload',
  'op',
  'journeyId',
  'journeyVersion',
  'stepId',
  'executionId.$',
  'enrollment.$',
  'taskToken.$',
];
const RANK = new Map(FIELD_ORDER.map((key, i) => [key, i]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? Number.MAX_SAFE_INTEGER;
  const rb = RANK.get(b) ?? Number.MAX_SAFE_INTEGER;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonical(value: AslJson): AslJson {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: AslJson } = {};
  for (const key of Object.keys(value).sort(compareKeys)) out[key] = canonical(value[key]!);
  return out;
}

/**
 * State names in reading order. States are visited breadth first from `StartAt`; a step's helper
 * states (`<step>.<role>`) are listed with their step, and shared states whose names cannot be
 * step ids (`Exited`) come last, followed by anything unreachable, by name.
 */
export function stateOrder(def: AslDefinition): string[] {
  const visited: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (!seen.has(name) && Object.hasOwn(def.States, name)) {
      seen.add(name);
      visited.push(name);
    }
  };
  visit(def.StartAt);
  for (let i = 0; i < visited.length; i++) {
    for (const next of successors(def.States[visited[i]!]!)) visit(next);
  }
  const groups = new Map<string, string[]>();
  const shared: string[] = [];
  for (const name of visited) {
    const owner = name.split('.')[0]!;
    if (/^[A-Z]/.test(owner)) {
      shared.push(name);
      continue;
    }
    const group = groups.get(owner) ?? [];
    group.push(name);
    groups.set(owner, group);
  }
  const unreachable = Object.keys(def.States)
    .filter((name) => !seen.has(name))
    .sort();
  return [...[...groups.values()].flat(), ...shared, ...unreachable];
}

export function renderAsl(def: AslDefinition): string {
  const states: { [key: string]: AslJson } = {};
  for (const name of stateOrder(def)) states[name] = canonical(def.States[name] as unknown as AslJson);
  const top = canonical({ ...(def as unknown as { [key: string]: AslJson }), States: {} }) as {
    [key: string]: AslJson;
  };
  top.States = states;
  return `${JSON.stringify(top, null, 2)}\n`;
}
