import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerGraph } from '../../cli/commands/graph.ts';
import type { Condition, Journey } from '../../engine/schema.ts';
import { conditionWords, durationWords, waitWords } from '../../tools/describe.ts';
import {
  DIAGRAM_JOURNEYS,
  graphHtml,
  journeyGraph,
  journeySvg,
  referenceDiagrams,
} from '../../tools/graph/index.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

const root = new URL('../../', import.meta.url).pathname;
const load = (id: string) =>
  JSON.parse(readFileSync(join(root, 'workflows', `${id}.journey.json`), 'utf8')) as Journey;

/** `data-*` attribute values of every element carrying `attr`. */
function attrValues(svg: string, attr: string): string[] {
  return [...svg.matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))].map((m) => m[1] as string);
}

describe('plain words for journey parts', () => {
  it.each<[Condition, string]>([
    [{ did: 'order_placed', since: 'entry' }, 'ordered since entry'],
    [{ field: 'profile.attributes.lifetimeValue', op: 'gte', value: 500 }, 'lifetime value ≥ 500'],
    [{ did: 'order_placed', within: 'P30D' }, 'ordered in the last 30 days'],
    [{ did: 'order_placed', within: 'P90D', count: 3 }, 'ordered at least 3 times in the last 90 days'],
    [{ did: 'order_placed', since: 'entry', sameProduct: true }, 'ordered this product since entry'],
    [{ field: 'event.properties.total', op: 'gt', value: 0 }, 'event total > 0'],
    [{ field: 'product.replenishmentDays', op: 'exists' }, 'product replenishment days is known'],
    [{ field: 'profile.country', op: 'in', value: ['SA', 'AE'] }, 'country is one of “SA”, “AE”'],
    [
      { any: [{ field: 'profile.attributes.vip', op: 'eq', value: true }, { not: { did: 'order_placed' } }] },
      'vip or not ordered',
    ],
    [
      {
        all: [
          { field: 'profile.attributes.lifetimeValue', op: 'lt', value: 100 },
          { any: [{ did: 'cart_updated' }, { did: 'product_viewed' }] },
        ],
      },
      'lifetime value < 100 and (updated the cart or viewed a product)',
    ],
  ])('%j reads “%s”', (condition, words) => {
    expect(conditionWords(condition)).toBe(words);
  });

  it('says durations and waits the way people do', () => {
    expect(durationWords('PT1H')).toBe('1 hour');
    expect(durationWords('P1DT12H')).toBe('1 day 12 hours');
    expect(durationWords('-P3D')).toBe('3 days earlier');
    expect(waitWords({ type: 'wait', duration: 'P2D', until: { localTime: '10:00' }, next: 'x' })).toBe(
      '2 days, then the next 10:00 local time',
    );
    expect(
      waitWords({
        type: 'wait',
        until: {
          date: 'event.time',
          addDaysFrom: 'product.replenishmentDays',
          offset: '-P3D',
          localTime: '10:00',
        },
        next: 'x',
      }),
    ).toBe('until event time + product replenishment days − 3 days, at 10:00 local time');
  });
});

describe('herald graph', () => {
  it.each(DIAGRAM_JOURNEYS)('draws every step of %s, with its kind, and every way out of it', (id) => {
    const journey = load(id);
    const { svg } = journeySvg(journey);

    expect(attrValues(svg, 'data-step').sort()).toEqual(Object.keys(journey.steps).sort());
    for (const [stepId, step] of Object.entries(journey.steps)) {
      expect(svg).toContain(`data-step="${stepId}" data-kind="${step.type}"`);
    }
    const edges = journeyGraph(journey).edges;
    expect(svg.match(/class="edge /g)?.length).toBe(edges.length);
    expect(svg).toContain('class="node entry"');
  });

  it('labels branches with their conditions, split arms with their weights and waits with their timing', () => {
    const welcome = journeySvg(load('welcome')).svg;
    expect(welcome).toContain('if ordered since entry');
    expect(welcome).toContain('otherwise');
    expect(welcome).toContain('2 days, then the next 10:00');

    const cart = journeySvg(load('cart-abandonment')).svg;
    expect(cart).toContain('discount · 50%');
    expect(cart).toContain('free-shipping · 50%');
    expect(cart).toMatch(/data-from="wait-for-order" data-to="ordered" data-kind="event"/);
    expect(cart).toMatch(/data-from="wait-for-order" data-to="send-cart-reminder" data-kind="timeout"/);
    expect(cart).toContain('no order placed after 1 hour');
    expect(cart).toContain('10% held out');

    const replenishment = journeySvg(load('replenishment-reminder')).svg;
    expect(replenishment).toContain('if ordered this product since entry');
    expect(replenishment).toContain('at 10:00 local time');
  });

  it('gives each step kind its own shape and colour', () => {
    const { svg } = journeySvg(load('cart-abandonment'));
    const fillOf = (kind: string) =>
      new RegExp(`data-kind="${kind}"><title>[^<]*</title><(\\w+)[^>]*fill="(#[0-9a-f]{6})"`)
        .exec(svg)
        ?.slice(1);
    const looks = ['send', 'waitForEvent', 'split', 'update', 'exit'].map((k) => fillOf(k)?.join(' '));
    expect(looks.every(Boolean)).toBe(true);
    expect(new Set(looks).size).toBe(looks.length);
  });

  it('draws loops, parallel arrows between the same steps and unreachable steps', () => {
    const journey = {
      ...load('welcome'),
      start: 'nudge',
      steps: {
        nudge: { type: 'send', message: 'welcome', channels: ['email'], next: 'pause' },
        pause: { type: 'wait', duration: 'P7D', next: 'check' },
        check: {
          type: 'branch',
          branches: [{ name: 'again', when: { not: { did: 'order_placed', within: 'P7D' } }, next: 'nudge' }],
          otherwise: 'nudge',
        },
        orphan: { type: 'exit' },
      },
    } as Journey;
    const { svg } = journeySvg(journey);
    expect(attrValues(svg, 'data-step').sort()).toEqual(['check', 'nudge', 'orphan', 'pause']);
    expect(svg.match(/data-from="check" data-to="nudge"/g)).toHaveLength(2);
    expect(svg).toContain('if not ordered in the last 7 days');
    expect(svg).not.toContain('NaN');
  });

  it('escapes text from the journey so a name cannot break the SVG', () => {
    const journey = { ...load('welcome'), name: 'Tom & Jerry <script>alert(1)</script>' };
    const { svg } = journeySvg(journey);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Tom &amp; Jerry &lt;script&gt;');
  });

  it('is deterministic, and the README’s diagrams in docs/diagrams are up to date (npm run diagrams)', async () => {
    const journey = load('cart-abandonment');
    expect(journeySvg(journey).svg).toBe(journeySvg(structuredClone(journey)).svg);
    for (const { file, svg } of referenceDiagrams(root)) {
      expect(await readFile(file, 'utf8'), `${file} is stale: run npm run diagrams`).toBe(svg);
    }
  });

  it('wraps the SVG in an HTML page with the description and a legend', () => {
    const html = graphHtml(load('welcome'));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toContain('class="legend"');
  });
});

describe('herald graph on the command line', () => {
  const sandbox = cliSandbox('herald-graph-');
  const run = (...args: string[]) => runCommand(registerGraph, 'graph', ...args);

  it('writes SVG or HTML by the extension of --out', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await run(join(root, 'workflows/welcome.journey.json'), '--out', join(sandbox.dir, 'w.svg'));
    await run(join(root, 'workflows/welcome.journey.json'), '--out', join(sandbox.dir, 'w.html'));
    expect(await readFile(join(sandbox.dir, 'w.svg'), 'utf8')).toMatch(/^<svg /);
    expect(await readFile(join(sandbox.dir, 'w.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(process.exitCode).toBeUndefined();
  });

  it('reports an invalid journey with file, line and JSON path, and exits 1', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const broken = load('welcome') as unknown as { steps: Record<string, { next?: string }> };
    broken.steps['send-welcome']!.next = 'wait-too-days';
    const file = join(sandbox.dir, 'broken.journey.json');
    await writeFile(file, JSON.stringify(broken, null, 2));

    await run(file, '--out', join(sandbox.dir, 'x.svg'));

    const text = written(stderr);
    expect(text).toContain(`${file}:`);
    expect(text).toContain('/steps/send-welcome/next');
    expect(text).toContain('wait-too-days');
    expect(process.exitCode).toBe(1);
  });
});
