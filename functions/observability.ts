/**
 * Logging and metrics for every handler. Personal data never reaches a log line: the logger's JSON
 * replacer drops the values of fields that carry it (email, phone, tokens, message content) and
 * scrubs anything shaped like an email address, a phone number or a device token from every other
 * string, error messages included (SES errors quote addresses). Log customer ids instead.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const REDACTED = '[redacted]';

const SENSITIVE_KEYS = new Set(
  [
    'email',
    'phone',
    'to',
    'address',
    'addresses',
    'toAddresses',
    'destination',
    'token',
    'tokens',
    'pushToken',
    'pushTokens',
    'taskToken',
    'firstName',
    'lastName',
    'subject',
    'html',
    'text',
    'body',
    'originationNumber',
    'authorization',
    'cookie',
    'unsubscribeUrl',
    'unsubscribeMailto',
    'unsubscribe',
  ].map((k) => k.toLowerCase()),
);

const PATTERNS: RegExp[] = [
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, // email addresses
  /\+\d[\d ()-]{6,18}\d/g, // international phone numbers
  /\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b/g, // North American national numbers
  /\b0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}\b/g, // trunk-prefixed national numbers (020 7946 0958)
  /\b[A-Fa-f0-9]{64,}\b/g, // APNs device tokens
  /\b[A-Za-z0-9_-]{20,}:[A-Za-z0-9_-]{40,}\b/g, // FCM registration tokens
  /\bv1\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}\b/g, // unsubscribe tokens
];

export function scrub(text: string): string {
  return PATTERNS.reduce((acc, pattern) => acc.replace(pattern, REDACTED), text);
}

/** JSON replacer: sensitive fields lose their value, every string is scrubbed. */
export function redactReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SENSITIVE_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null)
    return REDACTED;
  return typeof value === 'string' ? scrub(value) : value;
}

/** A deep copy with personal data removed, for anything logged or returned in an error detail. */
export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null, redactReplacer)) as T;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** A replacer that also drops the values of `keys`: the attributes workflows/data.json flags `pii`. */
export function redactReplacerWith(keys: Iterable<string>): (key: string, value: unknown) => unknown {
  const extra = new Set([...keys].map((k) => k.toLowerCase()));
  if (extra.size === 0) return redactReplacer;
  return (key, value) =>
    key !== '' && extra.has(key.toLowerCase()) && value !== undefined && value !== null
      ? REDACTED
      : redactReplacer(key, value);
}

/**
 * `logLevel` defaults to POWERTOOLS_LOG_LEVEL, else INFO. `sensitiveKeys`: more field names whose
 * values never reach a log (the vocabulary's `piiAttributes`).
 */
export function createLogger(
  serviceName: string,
  options: { logLevel?: LogLevel; sensitiveKeys?: Iterable<string> } = {},
): Logger {
  return new Logger({
    serviceName,
    jsonReplacerFn: redactReplacerWith(options.sensitiveKeys ?? []),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
}

/** Metrics that are counted but never printed: for local runs and tests that want a quiet console. */
class SilentMetrics extends Metrics {
  constructor(private readonly config: { namespace: string; serviceName: string; singleMetric?: boolean }) {
    super(config);
  }
  override publishStoredMetrics(): this {
    this.clearMetrics();
    this.clearDimensions();
    return this;
  }
  /** A single metric of a silent instance is silent too. */
  override singleMetric(): Metrics {
    return new SilentMetrics({ ...this.config, singleMetric: true });
  }
}

export function createMetrics(serviceName: string, options: { silent?: boolean } = {}): Metrics {
  const config = { namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Herald', serviceName };
  return options.silent ? new SilentMetrics(config) : new Metrics(config);
}

/** Errors are logged by name and scrubbed message; causes and stacks are kept (they hold no values). */
export function errorFacts(error: unknown): Record<string, string> {
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: scrub(error.message), stack: scrub(error.stack ?? '') };
  }
  return { errorName: typeof error, errorMessage: scrub(String(error)) };
}
