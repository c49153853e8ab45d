/**
 * dynalite without the socket: the DynamoDB client's HTTP handler hands each signed request
 * straight to dynalite's request listener in this thread and reads its response back.
 *
 * Everything above the socket is the real AWS SDK v3 client — serialization, signing,
 * middleware, retries, error parsing, lib-dynamodb's marshalling — and everything below it is the
 * real dynalite (validation, conditional writes, queries). Only the loopback TCP hop and the
 * HTTP parsing on both sides are skipped, which halves the cost of a call; the demo makes about a
 * hundred thousand. `startDynalite()` in local/standins (a real loopback port) is what the
 * adapters' integration tests use.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTables, DEFAULT_TABLE_NAME } from '../functions/adapters/dynamo-table.ts';
import { type DynaliteStandIn, LOCAL_CLIENT_CONFIG } from './standins/index.ts';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of smithy's HttpRequest this handler reads. */
interface SignedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** A smithy `HttpHandler` that calls a Node request listener in-process. */
export class InProcessHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  /**
   * Requests served, by DynamoDB operation: every low-level API request names it in `X-Amz-Target`
   * (`DynamoDB_20120810.GetItem`; the DynamoDB Developer Guide's "DynamoDB low-level API",
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html).
   * One Map increment per request; bench/npm-start.bench.ts prices the demo's requests with these.
   */
  readonly requests = new Map<string, number>();
  constructor(private readonly listener: RequestListener) {}

  handle(
    request: SignedRequest,
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    return new Promise((resolve, reject) => {
      const req = Object.assign(new EventEmitter(), {
        method: request.method,
        url: request.path + queryString(request.query),
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      });
      const target = req.headers['x-amz-target'] ?? '(no X-Amz-Target)';
      const operation = target.slice(target.indexOf('.') + 1);
      this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader(name: string, value: unknown) {
          headers[name.toLowerCase()] = String(value);
        },
        end(body?: string | Buffer) {
          resolve({
            response: {
              statusCode: res.statusCode,
              headers,
              // The SDK reads a Uint8Array body as is (a socket would give it a stream).
              body:
                body === undefined ? new Uint8Array() : typeof body === 'string' ? Buffer.from(body) : body,
            },
          });
        },
      };
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      } catch (error) {
        reject(error);
        return;
      }
      const body = bodyBytes(request.body);
      // The listener subscribes to 'data'/'end' synchronously; deliver the body on the next tick,
      // as a socket would.
      process.nextTick(() => {
        if (body.length > 0) req.emit('data', body);
        req.emit('end');
      });
    });
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('in-process HTTP handler: streaming request bodies are not supported');
}

function queryString(query: SignedRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v ?? '');
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** dynalite reached through `InProcessHttpHandler`; the table created as the stack deploys it. */
export async function startInProcessDynalite(tableName = DEFAULT_TABLE_NAME): Promise<DynaliteStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const listener = server.listeners('request')[0] as RequestListener | undefined;
  if (!listener) throw new Error('dynalite exposes no request listener');
  // The endpoint only shapes the signed request (host header); no socket is opened.
  const endpoint = 'http://dynamodb.local.herald';
  const handler = new InProcessHttpHandler(listener);
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, requestHandler: handler as never });
  await createTables(client, tableName);
  return {
    endpoint,
    tableName,
    client,
    requestCounts: () => Object.fromEntries(handler.requests),
    async stop() {
      client.destroy();
    },
  };
}
