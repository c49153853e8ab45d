import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicyConfig } from '../../engine/policy/config.ts';
import { renderExportSchema } from '../../engine/privacy/export.ts';
import { retentionDays, retentionProblems } from '../../engine/privacy/retention.ts';
import { loadJourneys } from '../../local/journeys.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const journeys = loadJourneys();
const policy = (retention: Record<string, string>, extra: Record<string, unknown> = {}) =>
  parsePolicyConfig({ retention, ...extra });

describe('retention', () => {
  it('keeps events and decisions 400 days and message content 90 by default, and the reference journeys fit', () => {
    expect(retentionDays(DEFAULT_POLICY)).toEqual({
      events: 400,
      ledger: 400,
      messages: 90,
      conversions: 400,
    });
    expect(retentionProblems(DEFAULT_POLICY, journeys)).toEqual([]);
  });

  it('refuses events kept shorter than the longest look-back any condition may use', () => {
    const problems = retentionProblems(policy({ events: 'P180D' }), journeys);
    expect(problems.map((p) => [p.path.join('/'), p.journeyId])).toContainEqual([
      'retention/events',
      undefined,
    ]);
    expect(problems[0]!.message).toContain('maxBehaviourWindow');
    expect(problems[0]!.suggestion).toContain('"retention": { "events": "P365D" }');
  });

  it('refuses events kept shorter than a journey’s own look-back, naming the journey and the fix', () => {
    const welcome = structuredClone(journeys.find((j) => j.id === 'welcome')!);
    const branch = welcome.steps['check-first-order'] as { branches: { when: unknown }[] };
    branch.branches[0]!.when = { did: 'order_placed', within: 'P90D' };
    const problems = retentionProblems(policy({ events: 'P60D' }, { maxBehaviourWindow: 'P30D' }), [welcome]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ journeyId: 'welcome', path: ['retention', 'events'] });
    expect(problems[0]!.message).toBe(
      'events are kept P60D, but journey `welcome` reads them over the look-back of `did: order_placed` P90D: its conditions would miss older events',
    );
    expect(problems[0]!.suggestion).toContain('"retention": { "events": "P90D" }');
    expect(problems[0]!.suggestion).toContain('welcome.journey.json');
  });

  it('refuses a ledger kept shorter than a goal’s attribution window', () => {
    const problems = retentionProblems(policy({ ledger: 'P3D' }), journeys);
    const cart = problems.find((p) => p.journeyId === 'cart-abandonment' && p.path[1] === 'ledger');
    expect(cart?.message).toContain('its goal’s attribution window P7D');
    expect(cart?.suggestion).toContain('"retention": { "ledger": "P7D" }');
  });

  it('is reported by `herald validate` at policy.json’s retention entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-retention-'));
    copyFileSync(
      join(ROOT, 'workflows/cart-abandonment.journey.json'),
      join(dir, 'cart-abandonment.journey.json'),
    );
    const text = JSON.stringify({ retention: { ledger: 'P2D' } }, null, 2);
    writeFileSync(join(dir, 'policy.json'), text);
    const run = spawnSync(
      process.execPath,
      ['cli/bin.js', 'validate', '--json', join(dir, 'cart-abandonment.journey.json')],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as {
      files: { file: string; problems: { code: string; path: string; line: number }[] }[];
    };
    const policyFile = report.files.find((f) => f.file.endsWith('policy.json'));
    expect(policyFile?.problems.map((p) => [p.code, p.path])).toContainEqual([
      'retention.too-short',
      '/retention/ledger',
    ]);
    expect(policyFile?.problems[0]?.line).toBe(3);
  });
});

describe('the customer export schema', () => {
  it('matches the committed docs/customer-export.schema.json (regenerate it from renderExportSchema())', () => {
    expect(readFileSync(join(ROOT, 'docs/customer-export.schema.json'), 'utf8')).toBe(renderExportSchema());
  });
});
