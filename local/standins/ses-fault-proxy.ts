/**
 * A loopback proxy in front of aws-ses-v2-local that forwards every request unchanged and can
 * misbehave on purpose (faults.ts): answer 429 or 400 without forwarding, or forward SendEmail — so
 * aws-ses-v2-local stores the email, as SES would have accepted it — and then answer 500, reset
 * the connection, or never answer. Recipients are read from SendEmail's `Destination`.
 *
 * It also keeps a receipt of every SendEmail the stand-in accepted (answered 200 with a
 * `MessageId`), whatever the fault does to the answer afterwards: the id, the recipients, the
 * message tags (aws-ses-v2-local's store drops `EmailTags`) and when the proxy received it. It reads
 * the clock of the thread it runs in: in the local runtime (fake-timers `Date`, local/clock.ts) that
 * is the simulated time, where aws-ses-v2-local's own `at` is whatever clock its thread runs on (the
 * real one when the demo's shards run in worker threads). So each shard runs its own proxy in
 * front of the shared aws-ses-v2-local (local/stack.ts), and the checks take receipt times from here.
 * A receipt needs the `MessageId` of the answer: a relay whose upstream answers 500 after storing
 * (an `error_after_accept` queued there) has none to record, and the demo's receipt check then
 * reports that email as having no receipt time. Queue faults on the proxy that takes the receipts.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { FaultQueue, misbehaveAfterAccept, refuseBeforeAccept } from './faults.ts';
import { listen } from './net.ts';

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

/** One SendEmail the SES stand-in accepted, as the proxy in front of it saw it arrive. */
export interface EmailReceipt {
  /** The `MessageId` the stand-in answered (its store's `messageId`). */
  messageId: string;
  /** `Destination`: To, Cc and Bcc addresses. */
  recipients: string[];
  /** `EmailTags` as name → value (SES v2 MessageTag). */
  tags: Record<string, string>;
  /** When the proxy received the request (ISO 8601, ms), on the clock of its thread. */
  at: string;
}

export async function startSesFaultProxy(
  upstream: string,
  port?: number,
): Promise<{ server: Server; port: number; faults: FaultQueue; receipts: EmailReceipt[] }> {
  const faults = new FaultQueue();
  const receipts: EmailReceipt[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      // Read before forwarding: the request's arrival is what the recipient's side records.
      const at = new Date().toISOString();
      const isSend = req.method === 'POST' && req.url?.split('?')[0] === SEND_EMAIL_PATH;
      const request = isSend ? parseSend(body) : undefined;
      const fault = request ? faults.take(request.recipients) : undefined;
      if (refuseBeforeAccept(res, fault, 'MessageRejected')) return;
      const forwarded = await forward(new URL(req.url ?? '/', upstream), req, body);
      const messageId = request && forwarded.status === 200 ? messageIdOf(forwarded.body) : undefined;
      if (request && messageId) receipts.push({ messageId, ...request, at });
      if (misbehaveAfterAccept(req, res, fault, 'InternalFailure')) return;
      res.writeHead(forwarded.status, withoutFraming(forwarded.headers));
      res.end(forwarded.body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  return { server, port: await listen(server, port), faults, receipts };
}

/** Recipients and tags of a SendEmail body (https://docs.aws.amazon.com/goto/WebAPI/sesv2-2019-09-27/SendEmail). */
function parseSend(body: Buffer): Pick<EmailReceipt, 'recipients' | 'tags'> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
      EmailTags?: { Name?: string; Value?: string }[];
    };
    const d = parsed.Destination ?? {};
    const tags: Record<string, string> = {};
    for (const tag of parsed.EmailTags ?? []) if (tag.Name) tags[tag.Name] = tag.Value ?? '';
    return {
      recipients: [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])],
      tags,
    };
  } catch {
    return { recipients: [], tags: {} };
  }
}

function messageIdOf(answer: Buffer): string | undefined {
  try {
    const id = (JSON.parse(answer.toString('utf8')) as { MessageId?: unknown }).MessageId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Forwards with node:http rather than fetch: undici's fetch keeps a 499 ms housekeeping timer, and
 * under the simulated clock (local/clock.ts) a slow upstream would let that timer through and move
 * simulated time while an email is being sent.
 */
function forward(
  url: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...withoutFraming(req.headers), host: url.host, 'content-length': String(body.length) };
    const out = httpRequest(url, { method: req.method ?? 'GET', headers }, (answer) => {
      readBody(answer).then(
        (data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }),
        reject,
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}

/** Headers without the hop-by-hop framing ones, which each connection sets for itself. */
function withoutFraming(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      value === undefined ||
      ['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)
    )
      continue;
    kept[name] = value;
  }
  return kept;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
