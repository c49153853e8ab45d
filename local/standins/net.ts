import type { Server } from 'node:http';
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
