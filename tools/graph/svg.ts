/**
 * The journey diagram as one self-contained SVG: dagre computes a top-to-bottom layered layout;
 * each step kind has its own shape and colour; every edge carries its condition, arm or timeout in
 * words. No scripts, no external fonts or images, so the file renders the same in a browser, in an
 * `<img>` on GitHub and in an editor's preview. Output is deterministic (the docs test relies on it).
 */
import dagre, { type Graph } from '@dagrejs/dagre';
import { escapeHtml as esc } from '../../engine/html.ts';
import type { Journey } from '../../engine/schema.ts';
import {
  type EdgeKind,
  type GraphEdge,
  type GraphNode,
  journeyGraph,
  KIND_LABEL,
  type NodeKind,
} from './model.ts';

interface Style {
  fill: string;
  stroke: string;
}

export const NODE_STYLE: Record<NodeKind, Style> = {
  entry: { fill: '#dcfce7', stroke: '#15803d' },
  send: { fill: '#dbeafe', stroke: '#1d4ed8' },
  wait: { fill: '#fef3c7', stroke: '#b45309' },
  waitForEvent: { fill: '#ede9fe', stroke: '#6d28d9' },
  branch: { fill: '#ffedd5', stroke: '#c2410c' },
  split: { fill: '#ccfbf1', stroke: '#0f766e' },
  update: { fill: '#f1f5f9', stroke: '#475569' },
  exit: { fill: '#fee2e2', stroke: '#b91c1c' },
};

const EDGE_STYLE: Record<EdgeKind, { stroke: string; dash?: string }> = {
  start: { stroke: '#15803d' },
  next: { stroke: '#475569' },
  event: { stroke: '#6d28d9' },
  timeout: { stroke: '#6d28d9', dash: '6 4' },
  branch: { stroke: '#c2410c' },
  otherwise: { stroke: '#c2410c', dash: '6 4' },
  arm: { stroke: '#0f766e' },
};

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
const TITLE_SIZE = 14;
const TEXT_SIZE = 12;
const KIND_SIZE = 10;
const LINE_GAP = 4;
const PAD_X = 14;
const PAD_Y = 10;
const WRAP = 34;
const EDGE_WRAP = 28;

/** Approximate advance widths: enough to size boxes without a font engine, and deterministic. */
function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    if (/[ilj.,:;'|!·]/.test(ch)) units += 0.3;
    else if (/[mwMW@%]/.test(ch)) units += 0.85;
    else if (/[A-Z]/.test(ch)) units += 0.68;
    else if (ch === ' ') units += 0.3;
    else units += 0.58;
  }
  return units * size * (bold ? 1.07 : 1);
}

/** Greedy word wrap; a single word longer than the width stays whole. */
export function wrap(text: string, width = WRAP): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}

interface Box {
  node: GraphNode;
  lines: string[];
  textW: number;
  textH: number;
  width: number;
  height: number;
}

function measure(node: GraphNode): Box {
  const lines = node.lines.flatMap((l) => wrap(l, node.kind === 'branch' ? 24 : WRAP));
  const widths = [
    textWidth(KIND_LABEL[node.kind], KIND_SIZE, true) + 4,
    textWidth(node.title, TITLE_SIZE, true),
    ...lines.map((l) => textWidth(l, TEXT_SIZE)),
  ];
  const textW = Math.max(...widths);
  const textH = KIND_SIZE + LINE_GAP + TITLE_SIZE + lines.length * (TEXT_SIZE + LINE_GAP);
  const base = { node, lines, textW, textH };
  switch (node.kind) {
    case 'branch':
      // A diamond around the text: |x|/a + |y|/b ≤ 1 at the text's corners.
      return { ...base, width: Math.ceil(textW / 0.6 + PAD_X), height: Math.ceil(textH / 0.4 + PAD_Y) };
    case 'wait':
    case 'waitForEvent':
    case 'split':
      return { ...base, width: Math.ceil(textW + 2 * PAD_X + 28), height: Math.ceil(textH + 2 * PAD_Y) };
    default:
      return { ...base, width: Math.ceil(textW + 2 * PAD_X), height: Math.ceil(textH + 2 * PAD_Y) };
  }
}

interface Point {
  x: number;
  y: number;
}

/** The node's outline as a polygon (for clipping edges), or undefined for rectangles. */
function polygon(kind: NodeKind, cx: number, cy: number, w: number, h: number): Point[] | undefined {
  const l = cx - w / 2;
  const r = cx + w / 2;
  const t = cy - h / 2;
  const b = cy + h / 2;
  switch (kind) {
    case 'branch':
      return [
        { x: cx, y: t },
        { x: r, y: cy },
        { x: cx, y: b },
        { x: l, y: cy },
      ];
    case 'wait':
    case 'waitForEvent':
      return [
        { x: l + 14, y: t },
        { x: r - 14, y: t },
        { x: r, y: cy },
        { x: r - 14, y: b },
        { x: l + 14, y: b },
        { x: l, y: cy },
      ];
    case 'split':
      return [
        { x: l + 14, y: t },
        { x: r - 14, y: t },
        { x: r, y: b },
        { x: l, y: b },
      ];
    default:
      return undefined;
  }
}

/** Where the segment from the centre towards `toward` crosses the polygon's outline. */
function clip(poly: Point[], center: Point, toward: Point): Point {
  let best: Point | undefined;
  let bestT = Number.POSITIVE_INFINITY;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i] as Point;
    const b = poly[(i + 1) % poly.length] as Point;
    const dx = toward.x - center.x;
    const dy = toward.y - center.y;
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const denom = dx * ey - dy * ex;
    if (Math.abs(denom) < 1e-9) continue;
    const t = ((a.x - center.x) * ey - (a.y - center.y) * ex) / denom;
    const u = ((a.x - center.x) * dy - (a.y - center.y) * dx) / denom;
    if (t >= 0 && u >= 0 && u <= 1 && t < bestT) {
      bestT = t;
      best = { x: center.x + t * dx, y: center.y + t * dy };
    }
  }
  return best ?? toward;
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

function shape(kind: NodeKind, cx: number, cy: number, w: number, h: number, style: Style): string {
  const paint = `fill="${style.fill}" stroke="${style.stroke}" stroke-width="${kind === 'exit' ? 2.4 : 1.6}"`;
  const poly = polygon(kind, cx, cy, w, h);
  if (poly) {
    const points = poly.map((p) => `${n(p.x)},${n(p.y)}`).join(' ');
    let out = `<polygon points="${points}" ${paint}/>`;
    if (kind === 'waitForEvent') {
      // A second, inner outline: this wait ends early when the customer acts.
      const inner = polygon(kind, cx, cy, w - 8, h - 8) as Point[];
      out += `<polygon points="${inner.map((p) => `${n(p.x)},${n(p.y)}`).join(' ')}" fill="none" stroke="${style.stroke}" stroke-width="0.8"/>`;
    }
    return out;
  }
  const x = n(cx - w / 2);
  const y = n(cy - h / 2);
  switch (kind) {
    case 'entry':
    case 'exit':
      return `<rect x="${x}" y="${y}" width="${n(w)}" height="${n(h)}" rx="${n(Math.min(h / 2, 22))}" ${paint}/>`;
    case 'update': {
      const fold = 10;
      const l = cx - w / 2;
      const r = cx + w / 2;
      const t = cy - h / 2;
      const b = cy + h / 2;
      return `<path d="M${n(l)},${n(t)} H${n(r - fold)} L${n(r)},${n(t + fold)} V${n(b)} H${n(l)} Z" ${paint}/><path d="M${n(r - fold)},${n(t)} V${n(t + fold)} H${n(r)}" fill="none" stroke="${style.stroke}" stroke-width="1"/>`;
    }
    default:
      return `<rect x="${x}" y="${y}" width="${n(w)}" height="${n(h)}" rx="8" ${paint}/>`;
  }
}

function nodeText(box: Box, cx: number, cy: number, style: Style): string {
  const top = cy - box.textH / 2;
  let y = top + KIND_SIZE;
  const out = [
    `<text x="${n(cx)}" y="${n(y)}" font-size="${KIND_SIZE}" font-weight="700" letter-spacing="0.8" fill="${style.stroke}" text-anchor="middle">${esc(KIND_LABEL[box.node.kind])}</text>`,
  ];
  y += LINE_GAP + TITLE_SIZE;
  out.push(
    `<text class="title" x="${n(cx)}" y="${n(y)}" font-size="${TITLE_SIZE}" font-weight="700" fill="#0f172a" text-anchor="middle">${esc(box.node.title)}</text>`,
  );
  for (const line of box.lines) {
    y += LINE_GAP + TEXT_SIZE;
    out.push(
      `<text x="${n(cx)}" y="${n(y)}" font-size="${TEXT_SIZE}" fill="#334155" text-anchor="middle">${esc(line)}</text>`,
    );
  }
  return out.join('');
}

/** A polyline through dagre's points with softened corners. */
function edgePath(points: Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${n(first.x)},${n(first.y)}`;
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i] as Point;
    const next = rest[i + 1];
    if (!next) {
      d += ` L${n(p.x)},${n(p.y)}`;
    } else {
      const mid = { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
      d += ` Q${n(p.x)},${n(p.y)} ${n(mid.x)},${n(mid.y)}`;
    }
  }
  return d;
}

export interface Diagram {
  svg: string;
  width: number;
  height: number;
}

/** Lays out and draws the journey. */
export function journeySvg(journey: Journey): Diagram {
  const model = journeyGraph(journey);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 46, edgesep: 18, marginx: 16, marginy: 16 });
  const boxes = new Map<string, Box>();
  for (const node of model.nodes) {
    const box = measure(node);
    boxes.set(node.id, box);
    g.setNode(node.id, { width: box.width, height: box.height });
  }
  const labelLines = new Map<string, string[]>();
  model.edges.forEach((edge, i) => {
    const name = `e${i}`;
    const lines = edge.label ? wrap(edge.label, EDGE_WRAP) : [];
    labelLines.set(name, lines);
    const width = lines.length ? Math.max(...lines.map((l) => textWidth(l, TEXT_SIZE))) + 10 : 0;
    const height = lines.length ? lines.length * (TEXT_SIZE + 3) + 6 : 0;
    g.setEdge(edge.from, edge.to, { width, height, labelpos: 'c', minlen: 1 }, name);
  });
  dagre.layout(g);

  const graph = g.graph() as { width?: number; height?: number };
  const header = 58;
  const width = Math.ceil(Math.max(graph.width ?? 0, textWidth(model.journey.name, 18, true) + 40));
  const height = Math.ceil((graph.height ?? 0) + header);

  const edgeKinds = [...new Set(model.edges.map((e) => e.kind))];
  const markers = edgeKinds
    .map(
      (kind) =>
        `<marker id="arrow-${model.journey.id}-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_STYLE[kind].stroke}"/></marker>`,
    )
    .join('');

  const edgesSvg = model.edges
    .map((edge, i) => drawEdge(g, model.journey.id, edge, `e${i}`, boxes, labelLines))
    .join('\n');
  const nodesSvg = model.nodes
    .map((node) => {
      const box = boxes.get(node.id) as Box;
      const { x, y } = g.node(node.id) as { x: number; y: number };
      const style = NODE_STYLE[node.kind];
      const tip = [
        `${KIND_LABEL[node.kind]} ${node.title}`,
        ...node.lines,
        ...(node.note ? [node.note] : []),
      ].join(' — ');
      const attrs =
        node.kind === 'entry'
          ? 'class="node entry" data-kind="entry"'
          : `class="node step step-${node.kind}" data-step="${esc(node.id)}" data-kind="${node.kind}"`;
      return `<g ${attrs}><title>${esc(tip)}</title>${shape(node.kind, x, y, box.width, box.height, style)}${nodeText(box, x, y, style)}</g>`;
    })
    .join('\n');

  const title = `${model.journey.name} — ${model.journey.id} v${model.journey.version}`;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="journey-graph" data-journey="${esc(model.journey.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" role="img" aria-label="${esc(`Journey diagram: ${title}`)}">`,
    `<title>${esc(title)}</title>`,
    `<defs>${markers}</defs>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="18" font-weight="700" fill="#0f172a">${esc(model.journey.name)}</text>`,
    `<text x="16" y="46" font-size="12" fill="#64748b">${esc(`${model.journey.id} · version ${model.journey.version}`)}</text>`,
    `<g transform="translate(0 ${header})">`,
    edgesSvg,
    nodesSvg,
    '</g>',
    '</svg>',
  ].join('\n');
  return { svg: `${svg}\n`, width, height };
}

function drawEdge(
  g: Graph,
  journeyId: string,
  edge: GraphEdge,
  name: string,
  boxes: Map<string, Box>,
  labelLines: Map<string, string[]>,
): string {
  const data = g.edge({ v: edge.from, w: edge.to, name }) as { points: Point[]; x?: number; y?: number };
  const points = data.points.map((p) => ({ ...p }));
  // dagre clips at the bounding box; diamonds, hexagons and trapezoids need their own outline.
  for (const [end, id, inner] of [
    [0, edge.from, 1],
    [points.length - 1, edge.to, points.length - 2],
  ] as const) {
    const box = boxes.get(id);
    const center = g.node(id) as { x: number; y: number };
    const poly = box && polygon(box.node.kind, center.x, center.y, box.width, box.height);
    const towards = points[inner];
    if (poly && towards) points[end] = clip(poly, center, towards);
  }
  const style = EDGE_STYLE[edge.kind];
  const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
  const path = `<path d="${edgePath(points)}" fill="none" stroke="${style.stroke}" stroke-width="1.6"${dash} marker-end="url(#arrow-${journeyId}-${edge.kind})"/>`;
  const lines = labelLines.get(name) ?? [];
  let label = '';
  if (lines.length > 0 && data.x !== undefined && data.y !== undefined) {
    const w = Math.max(...lines.map((l) => textWidth(l, TEXT_SIZE))) + 10;
    const h = lines.length * (TEXT_SIZE + 3) + 6;
    const texts = lines
      .map(
        (l, i) =>
          `<text x="${n(data.x as number)}" y="${n((data.y as number) - h / 2 + 3 + (i + 1) * (TEXT_SIZE + 3) - 3)}" font-size="${TEXT_SIZE}" fill="${style.stroke}" text-anchor="middle">${esc(l)}</text>`,
      )
      .join('');
    label = `<rect x="${n(data.x - w / 2)}" y="${n(data.y - h / 2)}" width="${n(w)}" height="${n(h)}" rx="4" fill="#ffffff" fill-opacity="0.92" stroke="${style.stroke}" stroke-width="0.6"/>${texts}`;
  }
  const attrs = `class="edge edge-${edge.kind}" data-from="${esc(edge.from)}" data-to="${esc(edge.to)}" data-kind="${edge.kind}"`;
  const title = edge.label ? `<title>${esc(edge.label)}</title>` : '';
  return `<g ${attrs}>${title}${path}${label}</g>`;
}
