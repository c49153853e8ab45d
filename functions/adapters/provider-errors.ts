/**
 * What a failed provider call proves, for the send protocol (engine/send-protocol.ts): the SES and
 * Pinpoint clients make exactly one HTTP attempt (provider-clients.ts), so the error seen here is
 * the provider's own answer, or the network's.
 *
 * - `retry_later` — proven non-acceptance, for now: throttling (HTTP 429, `TooManyRequestsException`,
 *   SES `LimitExceededException`, a `Throttling*` code) and a connection that was never made
 *   (`ECONNREFUSED`, DNS failure, the client's connectionTimeout). SES documents that a throttled
 *   message is dropped and not redelivered, and asks the caller to retry later ("Errors related to
 *   the sending quotas for your Amazon SES account",
 *   https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html).
 * - `rejected` — proven non-acceptance, for good: any other 4xx answer (SES v2 SendEmail's
 *   `BadRequestException`, `MessageRejected`, `MailFromDomainNotVerifiedException`,
 *   `SendingPausedException`, `AccountSuspendedException`, `NotFoundException`: "SendEmail",
 *   https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors;
 *   Pinpoint SendMessages' `BadRequestException`, `ForbiddenException`, `NotFoundException`,
 *   `PayloadTooLargeException`, https://docs.aws.amazon.com/pinpoint/latest/apireference/apps-application-id-messages.html).
 * - `in_doubt` — everything else: a 5xx (the service may have accepted the message before failing),
 *   a reset, a socket or request timeout once the request was written, an answer without an id, an
 *   error we do not recognise. These are exactly what the SDK's standard retry strategy would
 *   retry ("Retry behavior", https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html:
 *   transient errors, 5xx and timeouts), which is why that strategy is off for sends.
 */
import type { SendOutcome } from '../ports.ts';

export type ProviderErrorVerdict = 'retry_later' | 'rejected' | 'in_doubt';

/** Node's codes for a connection that never carried a byte of the request. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const THROTTLED = /Throttl|TooManyRequests|LimitExceeded|SlowDown|RequestLimitExceeded/i;

export function classifyProviderError(error: unknown): { verdict: ProviderErrorVerdict; reason: string } {
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const status = e?.$metadata?.httpStatusCode;
  const reason = code && code !== name ? `${name}:${code}` : name;
  if (status === 429 || THROTTLED.test(name)) return { verdict: 'retry_later', reason };
  if (code !== undefined && NEVER_CONNECTED.has(code)) return { verdict: 'retry_later', reason };
  // @smithy/node-http-handler's connectionTimeout: the socket never connected, nothing was written.
  if (name === 'TimeoutError' && /did not establish a connection/.test(String(e?.message ?? '')))
    return { verdict: 'retry_later', reason: 'ConnectionTimeout' };
  if (status !== undefined && status >= 400 && status < 500 && e?.$fault !== 'server')
    return { verdict: 'rejected', reason };
  return { verdict: 'in_doubt', reason };
}

export function outcomeOfError(error: unknown): SendOutcome {
  const { verdict, reason } = classifyProviderError(error);
  switch (verdict) {
    case 'rejected':
      return { status: 'permanent_failure', reason };
    case 'retry_later':
      return { status: 'retry_later', reason };
    case 'in_doubt':
      return { status: 'in_doubt', reason };
  }
}
