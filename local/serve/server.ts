/**
 * `herald serve`: the whole system (local/system.ts: the real handlers, the compiled workflows in
 * the local Step Functions runner, dynalite, aws-ses-v2-local, the Pinpoint sink) running until
 * stopped, behind one HTTP server:
 *
 *   POST /events               the ingest Lambda, invoked with the HTTP API's event: its answers
 *   POST|PUT /products         the catalog Lambda, likewise
 *   POST /v1/track|identify|batch   Segment spec messages (engine/segment.ts), write key as basic auth
 *   GET  /clock, POST /clock/advance {"by":"PT1H"}   the simulated clock (clock-driver.ts)
 *   GET  /, /customers/<id>    the pages (page.ts); /api/state and /api/customers/<id> as JSON
 *   DELETE /customers/<id>, GET /customers/<id>/export   the privacy Lambda, as deployed: erase, export
 *
 * Every handler invocation is tracked work on the simulated clock, keyed by customer, as in the demo.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import type { CustomerEvent } from '../../engine/data.ts';
import { readDuration } from '../../engine/duration.ts';
import { type IngestAnswer, segmentReply } from '../../functions/handlers/segment.ts';
import { loadJourneys } from '../journeys.ts';
import { close } from '../standins/net.ts';
import { type LocalSystem, startLocalSystem } from '../system.ts';
import { type ClockDriver, type ClockMode, driveClock } from './clock-driver.ts';
import { BodyTooLargeError, httpApiEvent, type Reply, readBody, sendReply } from './http.ts';
import { customerHtml, dashboardHtml } from './page.ts';
import { readCustomer, readState } from './state.ts';

export interface ServeOptions {
  port: number;
  host: string;
  mode: ClockMode;
  /** Simulated start (default: now). */
  start?: Date;
  /** The Segment write key the `/v1/*` routes accept (HTTP basic auth user, or the body's `writeKey`). */
  writeKey: string;
  /** The folder of `*.journey.json` (default: workflows/). */
  workflowsDir?: string;
}

export interface HeraldServer {
  url: string;
  port: number;
  system: LocalSystem;
  driver: ClockDriver;
  stop(): Promise<void>;
}

/** The longest single `POST /clock/advance` (a journey's longest wait is a year). */
const MAX_ADVANCE_MS = 400 * 86_400_000;

export async function startServe(options: ServeOptions): Promise<HeraldServer> {
  const journeys = loadJourneys(options.workflowsDir);
  const system = await startLocalSystem({ start: options.start ?? new Date(), journeys });
  const driver = driveClock(system.clock, options.mode);
  const customers = new Set<string>();
  const ingestHttp = async (body: string, path: string): Promise<Reply> => {
    const customerId = customerOf(body);
    const reply = (await system.clock.track(
      () => system.ingestHttp(httpApiEvent('POST', path, body)),
      customerId,
    )) as Reply;
    if (reply.statusCode === 202 && customerId) customers.add(customerId);
    return reply;
  };

  // The deployed route's own code (functions/handlers/segment.ts): the same answers, key check and mapping.
  const segment = (kind: string, text: string, request: IncomingMessage): Promise<Reply> =>
    segmentReply(
      { kind, body: text, authorization: request.headers.authorization, now: system.clock.now() },
      async () => options.writeKey,
      async (event) => {
        const customerId = String((event as { customerId?: unknown }).customerId);
        const answer = (await system.clock.track(
          () => system.ingest(event as CustomerEvent),
          customerId,
        )) as IngestAnswer;
        if (answer.accepted) customers.add(customerId);
        return answer;
      },
    );

  /** `{"by":"PT1H"}`, or the page's form (`by=PT1H`, answered with a redirect back to the page). */
  const advance = async (text: string): Promise<Reply> => {
    const body = parseJson(text);
    const form = !isObj(body);
    const by = isObj(body) ? body.by : new URLSearchParams(text).get('by');
    const reading = typeof by === 'string' ? readDuration(by) : undefined;
    const now = system.clock.now().getTime();
    const ms = reading?.ok
      ? DateTime.fromMillis(now, { zone: 'utc' }).plus(reading.duration).toMillis() - now
      : Number.NaN;
    if (!(ms > 0 && ms <= MAX_ADVANCE_MS))
      return jsonReply(400, {
        message: `\`by\` must be an ISO 8601 duration from PT1S to P400D, e.g. {"by":"PT1H"}; got ${JSON.stringify(by ?? null)}`,
      });
    const at = await driver.advance(ms);
    if (form) return { statusCode: 303, headers: { location: '/' }, body: '' };
    return jsonReply(200, clockJson(at, options.mode));
  };

  const route = async (request: IncomingMessage): Promise<Reply> => {
    const url = new URL(request.url ?? '/', 'http://herald.local');
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const customer = /^\/(api\/)?customers\/([^/]+)$/.exec(path);
    const exported = /^\/customers\/([^/]+)\/export$/.exec(path);
    if (method === 'GET' && exported) {
      const id = decodeURIComponent(exported[1]!);
      return (await system.clock.track(() => system.exportCustomer(id), id)) as Reply;
    }
    if (method === 'DELETE' && customer && !customer[1]) {
      const id = decodeURIComponent(customer[2]!);
      return (await system.clock.track(() => system.erase(id), id)) as Reply;
    }
    if (method === 'GET') {
      if (path === '/') return html(dashboardHtml(await readState(system, customers), options.mode));
      if (path === '/clock') return jsonReply(200, clockJson(system.clock.now(), options.mode));
      if (path === '/api/state') return jsonReply(200, await readState(system, customers));
      if (customer) {
        const view = await readCustomer(system, decodeURIComponent(customer[2]!));
        return customer[1]
          ? jsonReply(200, view)
          : html(customerHtml(view, system.clock.now().toISOString(), options.mode));
      }
      return jsonReply(404, { message: `no page at ${path}` });
    }
    const text = await readBody(request);
    if (method === 'POST' && path === '/events') return ingestHttp(text, path);
    if ((method === 'POST' || method === 'PUT') && path === '/products')
      return (await system.clock.track(() => system.catalog(httpApiEvent(method, path, text)))) as Reply;
    if (method === 'POST' && path === '/clock/advance') return advance(text);
    const seg = /^\/v1\/(track|identify|batch)$/.exec(path);
    if (method === 'POST' && seg) return segment(seg[1]!, text, request);
    return jsonReply(404, { message: `no route ${method} ${path}` });
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    route(request)
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) return jsonReply(413, { message: error.message });
        process.stderr.write(`herald serve: ${error instanceof Error ? error.message : String(error)}\n`);
        return jsonReply(500, { message: 'internal error (see the server output)' });
      })
      .then((reply) => sendReply(response, reply));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await driver.stop();
    await system.stop();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new ServeListenError(options.host, options.port, code);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    system,
    driver,
    stop() {
      stopping ??= (async () => {
        await driver.stop();
        await close(server);
        await system.stop();
      })();
      return stopping;
    },
  };
}

/** The address could not be bound: taken, not this machine's, or a privileged port. */
export class ServeListenError extends Error {
  readonly code = 'serve.listen';
  constructor(host: string, port: number, reason: string) {
    const why =
      reason === 'EADDRINUSE'
        ? `port ${port} is already in use (choose another with --port, or --port 0 for any free one)`
        : reason === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine (--host)`
          : `port ${port} needs privileges (choose one above 1023)`;
    super(`cannot listen on ${host}:${port}: ${why}`);
    this.name = 'ServeListenError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The customer an event names, to key its invocation and list them; ingest judges the rest. */
function customerOf(text: string): string | undefined {
  const body = parseJson(text);
  return isObj(body) && typeof body.customerId === 'string' ? body.customerId : undefined;
}

/** Segment's HTTP API: the write key is the basic-auth user (empty password), or `writeKey` in the body. */
function clockJson(now: Date, mode: ClockMode) {
  return { now: now.toISOString(), mode: mode.kind, ...(mode.kind === 'speed' ? { speed: mode.speed } : {}) };
}

function jsonReply(statusCode: number, body: unknown): Reply {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function html(body: string): Reply {
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}
