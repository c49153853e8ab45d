/**
 * The HTTP plumbing of `herald serve`: request bodies, the API Gateway HTTP API event a Lambda
 * receives (payload format 2.0), and writing a Lambda's `{ statusCode, headers, body }` back.
 *
 * Payload format 2.0 (`version`, `routeKey`, `rawPath`, `headers`, `requestContext.http.method`,
 * `body`, `isBase64Encoded`):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** API Gateway's own payload limit is 10 MB; Herald's events are at most 16 KB (ingest checks). */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  readonly code = 'body.too_large';
  constructor() {
    super(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export interface Reply {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

/** What the HTTP API hands the Lambda for `method path` with this body (payload format 2.0). */
export function httpApiEvent(method: string, path: string, body: string) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' } },
    body,
    isBase64Encoded: false,
  };
}

export function sendReply(response: ServerResponse, reply: Reply): void {
  const body = reply.body ?? '';
  response.writeHead(reply.statusCode, {
    ...(reply.headers ?? {}),
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}
