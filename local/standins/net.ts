import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every stand-in binds to loopback only; port 0 lets the OS pick a free one. */
export const LOOPBACK = '127.0.0.1';

export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // Keep-alive sockets from SDK clients would hold close() open; drop them.
    server.closeAllConnections?.();
    server.close((err) => (err ? reject(err) : resolve()));
  });
}

/** Explicit fake credentials: CI has no AWS credentials, and the stand-ins accept any. */
export const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * A stand-in's own JSON endpoint (aws-ses-v2-local's `/store`), on a fresh connection each time:
 * a pooled keep-alive socket the server has just closed answers ECONNRESET, and these reads are few.
 */
export function loopbackJson<T>(url: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  return new Promise((resolve, reject) => {
    const out = request(url, { method, agent: false }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('error', reject);
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((answer.statusCode ?? 500) >= 400)
          reject(new Error(`${method} ${url}: ${answer.statusCode} ${text}`));
        else resolve((text === '' ? undefined : JSON.parse(text)) as T);
      });
    });
    out.on('error', reject);
    out.end();
  });
}
