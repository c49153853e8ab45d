/**
 * `herald graph`: the journey diagram as an SVG file, or as an HTML page holding the SVG inline
 * with the journey's description and a legend of the step kinds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml as esc } from '../../engine/html.ts';
import type { Journey } from '../../engine/schema.ts';
import { loadJourneyOrThrow } from '../../engine/validate/index.ts';
import { loadVocabulary } from '../../infra/dictionary.ts';
import { KIND_LABEL, type NodeKind } from './model.ts';
import { journeySvg, NODE_STYLE } from './svg.ts';

export { type GraphEdge, type GraphNode, type JourneyGraph, journeyGraph } from './model.ts';
export { journeySvg } from './svg.ts';

export type GraphFormat = 'svg' | 'html';

const LEGEND: { kind: NodeKind; meaning: string }[] = [
  { kind: 'entry', meaning: 'what starts the journey, who may enter, what ends it early' },
  { kind: 'send', meaning: 'a message on the first usable channel of the list' },
  { kind: 'wait', meaning: 'a pause: a duration, a local time of day, or a date from the data' },
  { kind: 'waitForEvent', meaning: 'waits for something the customer does, with a time limit' },
  { kind: 'branch', meaning: 'the first condition that holds picks the path' },
  { kind: 'split', meaning: 'A/B test: weighted, stable per customer' },
  { kind: 'update', meaning: 'sets a profile attribute' },
  { kind: 'exit', meaning: 'the customer leaves the journey' },
];

export function graphHtml(journey: Journey): string {
  const { svg } = journeySvg(journey);
  const legend = LEGEND.map(({ kind, meaning }) => {
    const s = NODE_STYLE[kind];
    return `<li><span class="swatch" style="background:${s.fill};border-color:${s.stroke}"></span><strong>${esc(KIND_LABEL[kind].toLowerCase())}</strong> — ${esc(meaning)}</li>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(journey.name)} — journey diagram</title>
<style>
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 24px; color: #0f172a; }
main { display: flex; gap: 32px; align-items: flex-start; flex-wrap: wrap; }
.description { max-width: 70ch; color: #334155; }
.diagram svg { max-width: 100%; height: auto; border: 1px solid #e2e8f0; border-radius: 8px; }
.legend { list-style: none; padding: 0; margin: 0; max-width: 40ch; }
.legend li { margin: 6px 0; font-size: 14px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 2px solid; border-radius: 3px; vertical-align: -2px; margin-right: 6px; }
</style>
</head>
<body>
<h1>${esc(journey.name)}</h1>
${journey.description ? `<p class="description">${esc(journey.description)}</p>` : ''}
<main>
<div class="diagram">
${svg}</div>
<aside><h2>Legend</h2><ul class="legend">
${legend}
</ul></aside>
</main>
</body>
</html>
`;
}

export function renderGraph(journey: Journey, format: GraphFormat): string {
  return format === 'html' ? graphHtml(journey) : journeySvg(journey).svg;
}

/** The diagrams the README shows, one per reference journey. */
export const DIAGRAM_JOURNEYS = [
  'welcome',
  'replenishment-reminder',
  'cart-abandonment',
  'review-request',
  'birthday',
] as const;

/** `docs/diagrams/<id>.svg` for each reference journey, rendered from `workflows/`. */
export function referenceDiagrams(root: string): { file: string; svg: string }[] {
  return DIAGRAM_JOURNEYS.map((id) => {
    const source = path.join(root, 'workflows', `${id}.journey.json`);
    const vocabulary = loadVocabulary(path.dirname(source));
    const journey = loadJourneyOrThrow(readFileSync(source, 'utf8'), source, { vocabulary });
    return { file: path.join(root, 'docs', 'diagrams', `${id}.svg`), svg: journeySvg(journey).svg };
  });
}
