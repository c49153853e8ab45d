/**
 * The middy chain every handler shares: Powertools logger context (personal data redacted by the
 * logger itself), metrics flushed per invocation, and error logging. HTTP handlers add
 * @middy/http-error-handler: an unexpected error in an HTTP request becomes a generic 500, its detail
 * only in the log; in any other event it escapes, so Lambda retries it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { Context } from 'aws-lambda';
import { errorFacts } from '../observability.ts';

export type LambdaHandler<E, R> = (event: E, context?: Context) => Promise<R>;

export function lambda<E, R>(
  service: string,
  rt: { logger: Logger; metrics: Metrics },
  fn: (event: E) => Promise<R>,
  options: { http?: boolean } = {},
): LambdaHandler<E, R> {
  const chain = middy<E, R>()
    .use(injectLambdaContext(rt.logger, { resetKeys: true }))
    .use(logMetrics(rt.metrics));
  if (options.http) {
    chain.use(
      httpOnly(
        httpErrorHandler({
          logger: false,
          fallbackMessage: JSON.stringify({ message: 'Internal Server Error' }),
        }) as MiddlewareObj<E, R>,
      ),
    );
  }
  // middy runs onError middlewares last-registered first: the log sees the error itself, before
  // the HTTP error handler replaces it with its generic 500.
  chain.use(logErrors(rt.logger));
  const handler = chain.handler(async (event: E) => {
    rt.metrics.addMetric('Invocations', 'Count', 1);
    return fn(event);
  });
  return (event, context) => handler(event, context ?? localContext(service));
}

/**
 * The HTTP error handler for HTTP events only. The same handlers are also invoked asynchronously
 * (ingest by EventBridge, the others by `aws lambda invoke`); there, an error answered as a 500
 * object would be a successful invocation, so Lambda would neither retry it nor hand the event to
 * the on-failure destination or the rule's dead-letter queue. Lambda retries an asynchronous
 * invocation only "if the function returns an error"
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html), so the
 * error is left to escape.
 */
function httpOnly<E, R>(middleware: MiddlewareObj<E, R>): MiddlewareObj<E, R> {
  return {
    onError: async (request) => {
      if (isHttpEvent(request.event)) await middleware.onError?.(request);
    },
  };
}

function logErrors<E, R>(logger: Logger): MiddlewareObj<E, R> {
  return {
    onError: async (request) => {
      logger.error('unhandled error', errorFacts(request.error));
    },
  };
}

/** A Lambda context for in-process invocations (local/, tests). */
export function localContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `herald-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:herald-${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'local',
    logGroupName: `/aws/lambda/herald-${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Builds the real handler on first use (cold start), so importing a handler file reads no environment. */
export function lazyHandler<E, R>(
  build: () => Promise<LambdaHandler<E, R>>,
): (event: E, context: Context) => Promise<R> {
  let built: Promise<LambdaHandler<E, R>> | undefined;
  return async (event, context) => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return (await built)(event, context);
  };
}

export function isHttpEvent(event: unknown): event is {
  requestContext: { http: { method: string } };
  body?: string;
  isBase64Encoded?: boolean;
  queryStringParameters?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
} {
  const e = event as { requestContext?: { http?: { method?: unknown } } } | null;
  return typeof e?.requestContext?.http?.method === 'string';
}

export function httpBody(event: { body?: string; isBase64Encoded?: boolean }): string {
  if (event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * A body to be read as JSON (engine/json-body.ts): the text, or the raw bytes when API Gateway
 * base64-encoded it (`isBase64Encoded` in the payload,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
 * so that bytes that are not UTF-8 are refused rather than decoded into replacement characters.
 */
export function httpJsonBody(event: { body?: string; isBase64Encoded?: boolean }): string | Uint8Array {
  if (event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
}

export function json(statusCode: number, body: unknown) {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
