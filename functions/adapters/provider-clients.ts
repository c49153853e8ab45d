/**
 * Client settings for the provider calls that send (SES v2 SendEmail, Pinpoint SendMessages).
 *
 * SendEmail has no idempotency key and SendMessages none that dedupes a send, so a call the SDK
 * retries after a 5xx or a reset can deliver twice. The SDK's default (standard mode, three
 * attempts: "Retry behavior", https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html)
 * retries exactly those errors. Here a send is one HTTP attempt (`maxAttempts: 1`); what the answer
 * proves is decided by provider-errors.ts, and a proven non-acceptance is retried by the step itself,
 * later, through the send protocol (engine/send-protocol.ts).
 *
 * A hung call must end well before the claim's lease (functions/handlers/step.ts, 5 minutes) and
 * the step Lambda's timeout: @smithy/node-http-handler's `connectionTimeout` bounds the connect,
 * `requestTimeout` the whole exchange — and the latter only warns unless `throwOnRequestTimeout`
 * is set (NodeHttpHandlerOptions, https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-smithy-node-http-handler).
 */

export interface ProviderTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Connect within 3 s, answer within 10 s: SES and Pinpoint answer in well under a second. */
export const PROVIDER_TIMEOUTS: ProviderTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 };

export function providerClientConfig<T extends object>(
  base: T,
  timeouts: ProviderTimeouts = PROVIDER_TIMEOUTS,
) {
  return {
    ...base,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
