/**
 * aws-ses-v2-local on a free loopback port, behind a fault proxy (ses-fault-proxy.ts) that
 * forwards everything and misbehaves only when a test asks (`fault`). The SES client talks to the
 * proxy; sent emails are read back from aws-ses-v2-local's own `GET /store` endpoint (the same data
 * its web page shows), so tests count what SES stored, not what the client believes it sent.
 *
 * Its store is a module-level singleton: two instances in one process share it. `clear()` empties it.
 * Its `at` is the wall clock of the thread it runs in; `receipts()` are the proxy's (see
 * ses-fault-proxy.ts), stamped on the clock of the thread the proxy runs in.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { FaultRule } from './faults.ts';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK, loopbackJson } from './net.ts';
import { type EmailReceipt, startSesFaultProxy } from './ses-fault-proxy.ts';

export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  /** Epoch seconds, read by aws-ses-v2-local from the clock of its thread: not a receipt time to check. */
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
  /** Every SendEmail the stand-in accepted through this proxy, with when the proxy received it. */
  receipts(): EmailReceipt[];
  /** Queues a provider fault for SendEmail (faults.ts), e.g. `{ fault: 'error_after_accept', recipient }`. */
  fault(rule: FaultRule): void;
  /** Empties the store and the fault queue. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type SesServerFactory = (config: { host?: string; port?: number }) => Promise<Server>;

export async function startSesLocal(options: { port?: number } = {}): Promise<SesLocalStandIn> {
  // A CommonJS module with `exports.default`: require it to avoid ESM interop differences.
  const require = createRequire(import.meta.url);
  const start = (require('aws-ses-v2-local') as { default: SesServerFactory }).default;
  // The factory listens itself; ask for port 0 then read the port back.
  const server = await start({ host: LOOPBACK, port: 0 });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('aws-ses-v2-local did not bind');
  const upstream = `http://${LOOPBACK}:${address.port}`;
  // The requested port is the proxy's: what clients and the web page use.
  const proxy = await startSesFaultProxy(upstream, options.port);
  const endpoint = `http://${LOOPBACK}:${proxy.port}`;
  return {
    endpoint,
    clientConfig: { ...LOCAL_CLIENT_CONFIG, credentials: { ...LOCAL_CLIENT_CONFIG.credentials }, endpoint },
    async emails() {
      const body = await loopbackJson<{ emails: StoredEmail[] }>(`${upstream}/store`);
      return body.emails;
    },
    receipts: () => [...proxy.receipts],
    fault: (rule) => proxy.faults.add(rule),
    async clear() {
      proxy.faults.clear();
      proxy.receipts.length = 0;
      await loopbackJson(`${upstream}/clear-store`, 'POST');
    },
    async stop() {
      await Promise.all([close(proxy.server), close(server)]);
    },
  };
}
