/**
 * Classifies an error thrown by an SDK v3 client after its retry strategy gave up: throttling,
 * 5xx and network trouble are transient; any other service error is permanent for this message.
 */
export function classifyProviderError(error: unknown): { permanent: boolean; reason: string } {
  const e = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    code?: string;
  };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const transient =
    e?.$fault === 'server' ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    /Throttl|TooManyRequests|LimitExceeded|Timeout|ECONNRE|EPIPE|ENOTFOUND|EAI_AGAIN|socket hang up/i.test(
      `${name} ${e?.code ?? ''}`,
    );
  return { permanent: !transient, reason: name };
}
