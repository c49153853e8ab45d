/**
 * A loopback proxy in front of aws-ses-v2-local that forwards every request unchanged and can
 * misbehave on purpose (faults.ts): answer 429 or 400 without forwarding, or forward SendEmail — so
 * aws-ses-v2-local stores the email, as SES would have accepted it — and then answer 500, reset
 * the connection, or never answer. Recipients are read from SendEmail's `Destination`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { FaultQueue, misbehaveAfterAccept, refuseBeforeAccept } from './faults.ts';
import { listen } from './net.ts';

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

export async function startSesFaultProxy(
  upstream: string,
  port?: number,
): Promise<{ server: Server; port: number; faults: FaultQueue }> {
  const faults = new FaultQueue();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const isSend = req.method === 'POST' && req.url?.split('?')[0] === SEND_EMAIL_PATH;
      const fault = isSend ? faults.take(recipientsOf(body)) : undefined;
      if (refuseBeforeAccept(res, fault, 'MessageRejected')) return;
      const forwarded = await fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: forwardHeaders(req),
        ...(body.length > 0 ? { body } : {}),
      });
      const answer = Buffer.from(await forwarded.arrayBuffer());
      if (misbehaveAfterAccept(req, res, fault, 'InternalFailure')) return;
      res.writeHead(forwarded.status, Object.fromEntries(forwarded.headers));
      res.end(answer);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  return { server, port: await listen(server, port), faults };
}

function recipientsOf(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    };
    const d = parsed.Destination ?? {};
    return [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])];
  } catch {
    return [];
  }
}

function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    // fetch sets its own framing headers.
    if (value === undefined || ['host', 'content-length', 'connection', 'transfer-encoding'].includes(name))
      continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
