/**
 * Provider feedback formats → Herald's Feedback (engine/feedback.ts):
 * - SES event publishing, via EventBridge (`detail`) or SNS (`Records[].Sns.Message`);
 * - Pinpoint / End User Messaging event-stream records (`event_type: _SMS.*`, `_push.*`), via
 *   EventBridge, SNS, SQS or Kinesis;
 * - two-way SMS inbound messages (`originationNumber`, `messageBody`): STOP and its synonyms.
 * Unknown shapes are returned as `ignored` with a reason, never thrown.
 */
import type { Feedback } from '../../engine/feedback.ts';

export type ParsedFeedback =
  | {
      via: 'message';
      providerMessageId: string;
      feedback: Feedback;
      at: string;
      facts: Record<string, string>;
    }
  | {
      via: 'phone';
      phone: string;
      feedback: Feedback;
      at: string;
      facts: Record<string, string>;
      inboundId: string;
    }
  | { via: 'ignored'; reason: string };

const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'ARRET',
  'STOPP',
]);

/** Unwraps batches and envelopes into provider payloads. */
export function feedbackPayloads(input: unknown): unknown[] {
  const value = input as Record<string, unknown> | null;
  if (value && Array.isArray(value.Records)) {
    return value.Records.map((record: Record<string, unknown>) => {
      const sns = record.Sns as { Message?: string } | undefined;
      const kinesis = record.kinesis as { data?: string } | undefined;
      const text =
        sns?.Message ?? (kinesis?.data ? Buffer.from(kinesis.data, 'base64').toString('utf8') : record.body);
      return typeof text === 'string' ? safeJson(text) : text;
    });
  }
  if (value && typeof value === 'object' && 'detail' in value && 'detail-type' in value)
    return [value.detail];
  return [input];
}

export function parseFeedback(payload: unknown, now: Date): ParsedFeedback {
  if (typeof payload !== 'object' || payload === null) return { via: 'ignored', reason: 'not_an_object' };
  const p = payload as Record<string, unknown>;
  if (typeof p.eventType === 'string' && p.eventType.startsWith('TEXT_')) return parseSmsV2(p, now);
  if (typeof p.eventType === 'string' || typeof p.notificationType === 'string') return parseSes(p, now);
  if (typeof p.event_type === 'string') return parseStream(p, now);
  if (typeof p.originationNumber === 'string' && typeof p.messageBody === 'string')
    return parseInbound(p, now);
  return { via: 'ignored', reason: 'unknown_shape' };
}

function parseSes(p: Record<string, unknown>, now: Date): ParsedFeedback {
  const type = String(p.eventType ?? p.notificationType);
  const mail = p.mail as { messageId?: unknown; timestamp?: unknown } | undefined;
  if (typeof mail?.messageId !== 'string') return { via: 'ignored', reason: 'ses_without_message_id' };
  const detailOf = (key: string) => p[key] as Record<string, unknown> | undefined;
  const at = (key: string) => isoOr(detailOf(key)?.timestamp, now);
  const done = (feedback: Feedback, when: string, facts: Record<string, string> = {}): ParsedFeedback => ({
    via: 'message',
    providerMessageId: mail.messageId as string,
    feedback,
    at: when,
    facts: { type, ...facts },
  });
  switch (type) {
    case 'Bounce': {
      const bounceType = String(detailOf('bounce')?.bounceType ?? 'Undetermined');
      return done(
        { kind: 'bounced', channel: 'email', permanent: bounceType === 'Permanent', bounceType },
        at('bounce'),
        {
          bounceType,
        },
      );
    }
    case 'Complaint':
      return done({ kind: 'complained', channel: 'email' }, at('complaint'));
    case 'Delivery':
      return done({ kind: 'delivered', channel: 'email' }, at('delivery'));
    case 'Open': {
      const machine = machineOpen(detailOf('open'));
      return done(
        { kind: 'opened', channel: 'email', ...(machine ? { machine } : {}) },
        at('open'),
        machine ? { machine } : {},
      );
    }
    case 'Click':
      return done({ kind: 'clicked', channel: 'email' }, at('click'));
    case 'Reject':
    case 'RenderingFailure':
      return done(
        { kind: 'failed', channel: 'email', permanent: true, reason: type.toLowerCase() },
        isoOr(mail.timestamp, now),
      );
    default:
      return { via: 'ignored', reason: `ses_${type}` };
  }
}

function parseStream(p: Record<string, unknown>, now: Date): ParsedFeedback {
  const type = String(p.event_type);
  const attributes = (p.attributes ?? {}) as Record<string, unknown>;
  const messageId = attributes.message_id;
  if (typeof messageId !== 'string') return { via: 'ignored', reason: 'stream_without_message_id' };
  const at = epochMsOr(p.event_timestamp, now);
  const status = String(attributes.record_status ?? '').toUpperCase();
  const done = (feedback: Feedback): ParsedFeedback => ({
    via: 'message',
    providerMessageId: messageId,
    feedback,
    at,
    facts: { type, ...(status ? { status } : {}) },
  });
  const lower = type.toLowerCase();
  if (lower === '_sms.optout' || status === 'OPTED_OUT') {
    return done({ kind: 'failed', channel: 'sms', permanent: true, reason: 'opt_out' });
  }
  if (lower === '_sms.success') return done({ kind: 'delivered', channel: 'sms' });
  if (lower === '_sms.failure') {
    const permanent = ['INVALID', 'UNREACHABLE', 'CARRIER_BLOCKED', 'BLOCKED'].includes(status);
    return done({ kind: 'failed', channel: 'sms', permanent, reason: status.toLowerCase() || 'failure' });
  }
  if (lower.startsWith('_push.')) {
    if (/INVALID|UNREGISTERED|BAD_?DEVICE_?TOKEN|NOT_?REGISTERED/.test(status)) {
      return done({ kind: 'push_token_invalid', channel: 'push', token: '' });
    }
    if (lower.endsWith('open') || lower.endsWith('opened')) return done({ kind: 'opened', channel: 'push' });
    return done({ kind: 'delivered', channel: 'push' });
  }
  return { via: 'ignored', reason: `stream_${type}` };
}

/** AWS End User Messaging SMS (v2) event destinations: `TEXT_DELIVERED`, `TEXT_BLOCKED`, … */
function parseSmsV2(p: Record<string, unknown>, now: Date): ParsedFeedback {
  const type = String(p.eventType);
  if (typeof p.messageId !== 'string') return { via: 'ignored', reason: 'sms_without_message_id' };
  const at = epochMsOr(p.eventTimestamp, now);
  const done = (feedback: Feedback): ParsedFeedback => ({
    via: 'message',
    providerMessageId: p.messageId as string,
    feedback,
    at,
    facts: { type },
  });
  if (type === 'TEXT_DELIVERED' || type === 'TEXT_SUCCESSFUL')
    return done({ kind: 'delivered', channel: 'sms' });
  if (type === 'TEXT_OPTED_OUT')
    return done({ kind: 'failed', channel: 'sms', permanent: true, reason: 'opt_out' });
  if (['TEXT_BLOCKED', 'TEXT_INVALID', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_INVALID_MESSAGE'].includes(type)) {
    return done({ kind: 'failed', channel: 'sms', permanent: true, reason: type.toLowerCase() });
  }
  if (type === 'TEXT_PENDING' || type === 'TEXT_QUEUED') return { via: 'ignored', reason: `sms_${type}` };
  return done({ kind: 'failed', channel: 'sms', permanent: false, reason: type.toLowerCase() });
}

function parseInbound(p: Record<string, unknown>, now: Date): ParsedFeedback {
  const keyword = String(p.messageBody)
    .trim()
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  if (!STOP_WORDS.has(keyword)) {
    // Any other reply is engagement with SMS (its words are not kept: they may be personal).
    return {
      via: 'phone',
      phone: String(p.originationNumber),
      inboundId: String(p.inboundMessageId ?? now.getTime()),
      feedback: { kind: 'replied', channel: 'sms' },
      at: now.toISOString(),
      facts: { type: 'inbound_reply' },
    };
  }
  return {
    via: 'phone',
    phone: String(p.originationNumber),
    inboundId: String(p.inboundMessageId ?? now.getTime()),
    feedback: { kind: 'sms_stop', channel: 'sms' },
    at: now.toISOString(),
    facts: { type: 'inbound_stop' },
  };
}

/**
 * An open the customer did not make: Apple Mail Privacy Protection fetches every image through
 * Apple's proxies when the message arrives, with a bare `Mozilla/5.0` user agent (no browser or
 * device details) from Apple's 17.0.0.0/8 network
 * (https://help.socketlabs.com/docs/identifying-apple-mpp-opens-in-notification-api-events).
 * SES's open object carries `ipAddress`, `timestamp` and `userAgent`
 * (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html, "Open object").
 * Either sign marks the open; a real Apple Mail reader with MPP off sends a full user agent from their own IP.
 */
export function machineOpen(open: Record<string, unknown> | undefined): 'apple_mpp' | undefined {
  const agent = typeof open?.userAgent === 'string' ? open.userAgent.trim() : undefined;
  const ip = typeof open?.ipAddress === 'string' ? open.ipAddress.trim() : '';
  if (agent === 'Mozilla/5.0') return 'apple_mpp';
  if (
    /^17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) &&
    (agent === undefined || agent === '' || agent === 'Mozilla/5.0')
  )
    return 'apple_mpp';
  return undefined;
}

/**
 * Epoch milliseconds as an ISO time, or `now` when the value is not a time: a number out of a
 * Date's range (beyond ±8.64e15 ms) would make toISOString throw, and a record that throws is
 * re-read with its whole Kinesis batch until the stream drops it.
 */
function epochMsOr(value: unknown, now: Date): string {
  const date = typeof value === 'number' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : now.toISOString();
}

function isoOr(value: unknown, now: Date): string {
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return now.toISOString();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
