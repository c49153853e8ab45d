/**
 * aws-ses-v2-local on a free loopback port. Sent emails are read back from its `GET /store`
 * endpoint (the same data its web page shows), so tests see exactly what the SES client sent,
 * headers included.
 *
 * Its store is a module-level singleton: two instances in one process share it. `clear()` empties it.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK } from './net.ts';

export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  /** Epoch seconds (read from the clock the process runs on). */
  at: number;
}

export interface SesLocalStandIn {
  endpoint: string;
  /** SESv2Client config pointing at this stand-in, with fake credentials. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type SesServerFactory = (config: { host?: string; port?: number }) => Promise<Server>;

export async function startSesLocal(options: { port?: number } = {}): Promise<SesLocalStandIn> {
  // A CommonJS module with `exports.default`: require it to avoid ESM interop differences.
  const require = createRequire(import.meta.url);
  const start = (require('aws-ses-v2-local') as { default: SesServerFactory }).default;
  // The factory listens itself; ask for port 0 then read the port back.
  const server = await start({ host: LOOPBACK, port: options.port ?? 0 });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('aws-ses-v2-local did not bind');
  const endpoint = `http://${LOOPBACK}:${address.port}`;
  return {
    endpoint,
    clientConfig: { ...LOCAL_CLIENT_CONFIG, credentials: { ...LOCAL_CLIENT_CONFIG.credentials }, endpoint },
    async emails() {
      const response = await fetch(`${endpoint}/store`);
      const body = (await response.json()) as { emails: StoredEmail[] };
      return body.emails;
    },
    async clear() {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    },
    stop: () => close(server),
  };
}
