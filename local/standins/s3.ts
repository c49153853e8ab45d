/**
 * S3 on loopback: s3rver (a Fake S3 server, pure Node, files under a temporary directory), for the
 * real @aws-sdk/client-s3. It makes no outgoing connections (its lib/ only creates its own server).
 * It stands in for the bucket a DynamoDB table export is written to (local/standins/dynamo-export.ts).
 *
 * s3rver verifies SigV4 signatures against its one key pair (`S3RVER`/`S3RVER`) and refuses a
 * request time 15 minutes from its own clock — the simulated one, when a test's clock is faked.
 * The client asks for checksums only where S3 requires them: s3rver predates the SDK's default
 * CRC32 request checksums.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { LOCAL_CLIENT_CONFIG, LOOPBACK } from './net.ts';

export interface S3StandIn {
  endpoint: string;
  bucket: string;
  /** An S3 client pointed at this stand-in (path-style), with fake credentials. */
  client: S3Client;
  stop(): Promise<void>;
}

export async function startS3StandIn(options: { bucket?: string } = {}): Promise<S3StandIn> {
  const directory = mkdtempSync(path.join(tmpdir(), 'herald-s3-'));
  const bucket = options.bucket ?? 'herald-exports';
  const server = new S3rver({
    address: LOOPBACK,
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  // The SDK corrects its clock by a response's Date header (node's http server writes the real
  // time); s3rver judges a request's time by `new Date()` (the simulated one, under a faked clock).
  // Answer with s3rver's own clock, so that both sides agree.
  const http = (server as unknown as { httpServer: Server }).httpServer;
  http.prependListener('request', (_req, res) => {
    res.sendDate = false;
    res.setHeader('Date', new Date().toUTCString());
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = new S3Client({
    region: LOCAL_CLIENT_CONFIG.region,
    // s3rver's one account signs with this key pair (s3rver/lib/models/account.js).
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    bucket,
    client,
    async stop() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
