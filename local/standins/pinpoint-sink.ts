/**
 * Amazon Pinpoint has no emulator; this loopback sink accepts `POST /v1/apps/{appId}/messages` so the
 * real `@aws-sdk/client-pinpoint` SendMessages call is exercised end to end. It records every request
 * and answers in Pinpoint's MessageResponse shape with a per-address DeliveryStatus.
 *
 * Tests can script failures: a per-address DeliveryStatus (an invalid push token, a number that
 * opted out, THROTTLED…), HTTP errors for the next N requests before anything is accepted, and
 * provider faults (faults.ts) per recipient: 429 or 400 before accepting, or — after the message was
 * accepted and recorded in `messages` — a 500, a reset connection, or no answer at all.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultQueue, type FaultRule, misbehaveAfterAccept, refuseBeforeAccept } from './faults.ts';
import { close, LOCAL_CLIENT_CONFIG, LOOPBACK, listen } from './net.ts';

export type SinkDeliveryStatus =
  | 'SUCCESSFUL'
  | 'PERMANENT_FAILURE'
  | 'TEMPORARY_FAILURE'
  | 'THROTTLED'
  | 'OPT_OUT'
  | 'DUPLICATE'
  | 'UNKNOWN_FAILURE';

/** One address of one accepted request, flattened for assertions. */
export interface SinkMessage {
  appId: string;
  address: string;
  channelType: string;
  /** SMS body or push body. */
  body?: string;
  title?: string;
  deepLink?: string;
  smsMessageType?: string;
  messageId?: string;
  deliveryStatus: SinkDeliveryStatus;
  /** The request's `Context` (Herald puts its message tags there: journey, step, run…). */
  context?: Record<string, string>;
  /**
   * When the sink received it (ISO 8601, ms). The sink runs in the process whose clock it reads: in
   * the local runtime (fake-timers `Date`, local/clock.ts) that is the simulated time of its shard.
   */
  at: string;
}

export interface PinpointSinkStandIn {
  endpoint: string;
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Raw request bodies, in arrival order, including those answered with an HTTP error (0: no answer). */
  requests: { appId: string; body: Record<string, unknown>; httpStatus: number }[];
  /** Accepted per-address messages (SUCCESSFUL or not). */
  messages: SinkMessage[];
  /**
   * The next `times` messages to `address` (default: every later one) get this DeliveryStatus,
   * e.g. PERMANENT_FAILURE for a bad token, THROTTLED once for a busy carrier.
   */
  failAddress(
    address: string,
    status: Exclude<SinkDeliveryStatus, 'SUCCESSFUL'>,
    message?: string,
    times?: number,
  ): void;
  /** The next `count` requests get HTTP 429 TooManyRequestsException (throttling). */
  throttleNext(count?: number): void;
  /** The next `count` requests get HTTP 500 InternalServerErrorException, before anything is accepted. */
  failNext(count?: number): void;
  /** Queues a provider fault (faults.ts), e.g. `{ fault: 'reset_after_accept', recipient: '+4420…' }`. */
  fault(rule: FaultRule): void;
  reset(): void;
  stop(): Promise<void>;
}

const STATUS_CODES: Record<SinkDeliveryStatus, number> = {
  SUCCESSFUL: 200,
  PERMANENT_FAILURE: 400,
  TEMPORARY_FAILURE: 500,
  THROTTLED: 429,
  OPT_OUT: 400,
  DUPLICATE: 400,
  UNKNOWN_FAILURE: 500,
};

export async function startPinpointSink(options: { port?: number } = {}): Promise<PinpointSinkStandIn> {
  const requests: PinpointSinkStandIn['requests'] = [];
  const messages: SinkMessage[] = [];
  const failures = new Map<
    string,
    { status: Exclude<SinkDeliveryStatus, 'SUCCESSFUL'>; message: string; left: number }
  >();
  let throttle = 0;
  let serverErrors = 0;
  const faults = new FaultQueue();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => answer(res, 500, 'InternalServerErrorException', {}));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/v1\/apps\/([^/]+)\/messages$/.exec(req.url?.split('?')[0] ?? '');
    if (req.method !== 'POST' || !match) return answer(res, 404, 'NotFoundException', {});
    const appId = decodeURIComponent(match[1] ?? '');
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    if (throttle > 0) {
      throttle--;
      requests.push({ appId, body, httpStatus: 429 });
      return answer(res, 429, 'TooManyRequestsException', { Message: 'Too many requests' });
    }
    if (serverErrors > 0) {
      serverErrors--;
      requests.push({ appId, body, httpStatus: 500 });
      return answer(res, 500, 'InternalServerErrorException', { Message: 'Internal server error' });
    }
    const addresses = (body.Addresses ?? {}) as Record<string, { ChannelType?: string }>;
    const fault = faults.take(Object.keys(addresses));
    if (refuseBeforeAccept(res, fault, 'BadRequestException')) {
      requests.push({ appId, body, httpStatus: res.statusCode });
      return;
    }
    const request = { appId, body, httpStatus: 200 };
    requests.push(request);
    const config = (body.MessageConfiguration ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const context = contextOf(body.Context);
    const result: Record<string, unknown> = {};
    for (const [address, addressConfig] of Object.entries(addresses)) {
      const channelType = addressConfig.ChannelType ?? 'SMS';
      const content =
        channelType === 'SMS'
          ? config.SMSMessage
          : channelType === 'APNS'
            ? config.APNSMessage
            : config.GCMMessage;
      const failure = failures.get(address);
      if (failure) {
        failure.left -= 1;
        if (failure.left <= 0) failures.delete(address);
      }
      const deliveryStatus: SinkDeliveryStatus = failure?.status ?? 'SUCCESSFUL';
      const messageId = deliveryStatus === 'SUCCESSFUL' ? `pinpoint-${randomUUID()}` : undefined;
      messages.push({
        appId,
        address,
        channelType,
        body: content?.Body as string | undefined,
        title: content?.Title as string | undefined,
        deepLink: content?.Url as string | undefined,
        smsMessageType: content?.MessageType as string | undefined,
        messageId,
        deliveryStatus,
        ...(context ? { context } : {}),
        at: new Date().toISOString(),
      });
      result[address] = {
        DeliveryStatus: deliveryStatus,
        StatusCode: STATUS_CODES[deliveryStatus],
        ...(messageId ? { MessageId: messageId } : {}),
        ...(failure ? { StatusMessage: failure.message } : {}),
      };
    }
    if (misbehaveAfterAccept(req, res, fault, 'InternalServerErrorException')) {
      request.httpStatus = fault === 'error_after_accept' ? 500 : 0;
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ ApplicationId: appId, RequestId: randomUUID(), Result: result }));
  }

  const port = await listen(server, options.port);
  const endpoint = `http://${LOOPBACK}:${port}`;
  return {
    endpoint,
    clientConfig: { ...LOCAL_CLIENT_CONFIG, credentials: { ...LOCAL_CLIENT_CONFIG.credentials }, endpoint },
    requests,
    messages,
    failAddress(address, status, message = status, times = Number.POSITIVE_INFINITY) {
      failures.set(address, { status, message, left: times });
    },
    throttleNext(count = 1) {
      throttle += count;
    },
    failNext(count = 1) {
      serverErrors += count;
    },
    fault: (rule) => faults.add(rule),
    reset() {
      requests.length = 0;
      messages.length = 0;
      failures.clear();
      throttle = 0;
      serverErrors = 0;
      faults.clear();
    },
    stop: () => close(server),
  };
}

function contextOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8') || '{}'));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, errorType: string, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': errorType });
  res.end(JSON.stringify({ RequestID: randomUUID(), ...body }));
}
