/**
 * Real esbuild bundling (no Docker), as `cdk synth` does it: the ingest bundle is ESM with source
 * maps, carries the validated journeys, and runs — it answers an invalid HTTP event with 400 without
 * touching AWS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.ts';
import { HeraldFunction } from '../../infra/constructs/herald-function.ts';
import { JOURNEYS_BUNDLE_NAME } from '../../infra/herald-stack.ts';
import { compileJourneyDir } from '../../infra/journeys.ts';

const INVALID_HTTP_EVENT = {
  version: '2.0',
  routeKey: 'POST /events',
  rawPath: '/events',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'evt-1', type: 'signed_up' }),
  isBase64Encoded: false,
  requestContext: { http: { method: 'POST', path: '/events' } },
};

describe('Lambda bundling on this machine', () => {
  let assetDir = '';

  beforeAll(() => {
    const journeys = path.join(mkdtempSync(path.join(tmpdir(), 'herald-bundle-')), JOURNEYS_BUNDLE_NAME);
    const compiled = compileJourneyDir(path.join(REPO_ROOT, 'workflows'));
    writeFileSync(journeys, JSON.stringify(compiled.map((c) => c.journey)));

    const outdir = mkdtempSync(path.join(tmpdir(), 'herald-cdk-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundling');
    new HeraldFunction(stack, 'Ingest', {
      entry: 'functions/handlers/ingest.ts',
      description: 'bundling test',
      logLevel: 'ERROR',
      removalPolicy: RemovalPolicy.DESTROY,
      extraFiles: [{ source: journeys, name: JOURNEYS_BUNDLE_NAME }],
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    assetDir = path.join(assembly.directory, assets[0]!);
  }, 120_000);

  it('writes an ES module with its source map and the journeys next to it', () => {
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map', JOURNEYS_BUNDLE_NAME]);
  });

  it('produces a bundle that plain Node loads: it reads its journeys and answers an invalid event with 400', () => {
    // A separate `node` process, as on Lambda: no test-runner transform, no TypeScript loader.
    const script = `
      const MARK = 'RESPONSE ';
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, 'index.mjs')).href)});
      const response = await handler(${JSON.stringify(INVALID_HTTP_EVENT)}, {
        functionName: 'ingest', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10000 });
      process.stdout.write('\\n' + MARK + JSON.stringify(response));`;
    const stdout = execFileSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      {
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: 'herald-test',
          JOURNEYS_FILE: path.join(assetDir, JOURNEYS_BUNDLE_NAME),
          STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:111111111111:stateMachine:Herald-',
          AWS_REGION: 'us-east-1',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // The handler's own log lines share stdout; the response is the marked last line.
    const response = JSON.parse(stdout.slice(stdout.lastIndexOf('RESPONSE ') + 'RESPONSE '.length)) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems.map((p: { path: string }) => p.path)).toContain('/customerId');
  });
});
