/**
 * Real esbuild bundling (no Docker), as `cdk synth` does it: the ingest bundle is ESM with source
 * maps, carries the validated journeys, and runs — it answers an invalid HTTP event with 400 without
 * touching AWS, and signs its DynamoDB calls with the keys Lambda puts in its environment.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.ts';
import { HeraldFunction } from '../../infra/constructs/herald-function.ts';
import { JOURNEYS_BUNDLE_NAME } from '../../infra/herald-stack.ts';
import { compileJourneyDir } from '../../infra/journeys.ts';

const VALID_EVENT = {
  'detail-type': 'customer event',
  source: 'shop',
  detail: {
    id: 'evt-2',
    type: 'signed_up',
    customerId: 'c-1',
    time: '2026-01-05T09:00:00Z',
    properties: { profile: { locale: 'en' } },
  },
};

/** Lambda's execution-role keys, as the runtime sets them (placeholders). */
const ROLE_KEYS = {
  AWS_ACCESS_KEY_ID: 'ASIAHERALDLAMBDAROLE',
  AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
  AWS_SESSION_TOKEN: 'lambda-role-session-token',
};

/** What a container credentials endpoint answers (placeholders). */
const CONTAINER_KEYS = {
  AccessKeyId: 'ASIAHERALDSNAPSTART',
  SecretAccessKey: 'container-secret',
  Token: 'container-session-token',
};

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

  it('stays under 1,000,000 bytes without the default credential chain', () => {
    const bundle = path.join(assetDir, 'index.mjs');
    const text = readFileSync(bundle, 'utf8');
    // The chain's SSO link and its STS client, which only the aliased package imports.
    for (const mark of ['Skipping SSO provider in default chain', 'AssumeRoleWithWebIdentity'])
      expect(text.includes(mark), `the bundle carries "${mark}"`).toBe(false);
    expect(statSync(bundle).size).toBeLessThan(1_000_000);
  });

  /**
   * Runs the bundled handler in plain Node on two valid events, against a local DynamoDB endpoint
   * that answers ResourceNotFound (and, at /credentials, a container credentials endpoint).
   */
  async function signedRequests(credentials: Record<string, string>) {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', headers: request.headers });
      request.resume();
      if (request.url === '/credentials') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ ...CONTAINER_KEYS, Expiration: new Date(Date.now() + 3_600_000).toISOString() }),
        );
        return;
      }
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
          message: 'no table',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, 'index.mjs')).href)});
      for (const id of ['req-2', 'req-3'])
        await handler(${JSON.stringify(VALID_EVENT)}, {
          functionName: 'ingest', awsRequestId: id, getRemainingTimeInMillis: () => 10000 }).catch(() => {});`;
    try {
      await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env.PATH,
          ...Object.fromEntries(
            Object.entries(credentials).map(([k, v]) => [k, v.replace('__LOCAL__', local)]),
          ),
          TABLE_NAME: 'herald-test',
          JOURNEYS_FILE: path.join(assetDir, JOURNEYS_BUNDLE_NAME),
          STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:111111111111:stateMachine:Herald-',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_DYNAMODB: local,
          // Nothing may fall through to the instance metadata service or a profile.
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: '/nonexistent/config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
        encoding: 'utf8',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    return {
      dynamo: seen.filter((r) => r.url !== '/credentials').map((r) => r.headers),
      credentialFetches: seen.filter((r) => r.url === '/credentials').map((r) => r.headers),
    };
  }

  const signedWith = (accessKeyId: string) =>
    new RegExp(`^AWS4-HMAC-SHA256 Credential=${accessKeyId}/\\d{8}/us-east-1/dynamodb/aws4_request`);

  it("signs the bundle's DynamoDB calls with the execution role's keys from the environment", async () => {
    const { dynamo, credentialFetches } = await signedRequests(ROLE_KEYS);
    expect(dynamo.length).toBeGreaterThanOrEqual(2);
    for (const headers of dynamo) {
      expect(headers.authorization).toMatch(signedWith(ROLE_KEYS.AWS_ACCESS_KEY_ID));
      expect(headers['x-amz-security-token']).toBe(ROLE_KEYS.AWS_SESSION_TOKEN);
    }
    expect(credentialFetches).toEqual([]);
  });

  it('signs them with the keys of the container credentials endpoint under SnapStart, fetched once', async () => {
    const { dynamo, credentialFetches } = await signedRequests({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '__LOCAL__/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'snapstart-authorization-token',
    });
    expect(dynamo.length).toBeGreaterThanOrEqual(2);
    for (const headers of dynamo) {
      expect(headers.authorization).toMatch(signedWith(CONTAINER_KEYS.AccessKeyId));
      expect(headers['x-amz-security-token']).toBe(CONTAINER_KEYS.Token);
    }
    expect(credentialFetches.map((h) => h.authorization)).toEqual(['snapstart-authorization-token']);
  });
});

describe('the audience Lambda bundle', () => {
  let bundle = '';

  beforeAll(() => {
    const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'herald-cdk-bundle-')) });
    new HeraldFunction(new Stack(app, 'AudienceBundling'), 'Audience', {
      entry: 'functions/handlers/audience.ts',
      description: 'bundling test',
      logLevel: 'ERROR',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const assembly = app.synth();
    const [asset] = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    bundle = readFileSync(path.join(assembly.directory, asset!, 'index.mjs'), 'utf8');
  }, 120_000);

  it('carries one luxon, so cron-parser and engine/ share its Settings', () => {
    // Each copy of luxon carries this message once; cron-parser's require('luxon') would add the
    // CommonJS build beside the ES one without HeraldFunction's alias.
    expect(bundle.split('unsupported zone').length - 1).toBe(1);
    expect(Buffer.byteLength(bundle)).toBeLessThan(1_000_000);
  });
});
