/**
 * @cloud-copilot/iam-simulate is AGPL-3.0: a test-only devDependency. Nothing that ships — the Lambda
 * handlers and adapters, the CDK app, the CLI, the local runtime and tools — may import it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.(ts|mjs|js)$/.test(name) ? [file] : [];
  });
}

describe('the IAM evaluator stays in the tests', () => {
  it('is imported by nothing under functions/, infra/, cli/, local/, tools/ or engine/', () => {
    const shipped = ['functions', 'infra', 'cli', 'local', 'tools', 'engine'].flatMap((d) =>
      sources(path.join(REPO_ROOT, d)),
    );
    expect(shipped.length).toBeGreaterThan(50);
    const importers = shipped.filter((file) => readFileSync(file, 'utf8').includes('@cloud-copilot/'));
    expect(importers).toEqual([]);
  });

  it('is an exact-pinned devDependency, not a dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
