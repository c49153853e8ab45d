/**
 * Provider faults on purpose, shared by the SES fault proxy and the Pinpoint sink. A test queues
 * rules ("the next request to this recipient answers 429"); each request takes the first rule that
 * matches one of its recipients, and a rule is used `times` times (default once).
 *
 * - `throttle`: HTTP 429 before accepting: nothing is stored (what SES and Pinpoint do when throttled);
 * - `reject`: HTTP 400 before accepting (a validation refusal: SES `MessageRejected`, Pinpoint
 *   `BadRequestException`): nothing is stored;
 * - `error_after_accept`: the message IS stored, then HTTP 500 is returned;
 * - `reset_after_accept`: the message IS stored, then the connection is destroyed without an answer;
 * - `hang_after_accept`: the message IS stored, then no answer at all (past the client's timeout).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ProviderFault =
  | 'throttle'
  | 'reject'
  | 'error_after_accept'
  | 'reset_after_accept'
  | 'hang_after_accept';

export interface FaultRule {
  fault: ProviderFault;
  /** Only requests to this address (email, E.164 phone or push token); any request when absent. */
  recipient?: string;
  /** How many matching requests it hits (default 1). */
  times?: number;
}

export class FaultQueue {
  private rules: { fault: ProviderFault; recipient?: string; left: number }[] = [];

  add(rule: FaultRule): void {
    this.rules.push({
      fault: rule.fault,
      ...(rule.recipient === undefined ? {} : { recipient: rule.recipient }),
      left: rule.times ?? 1,
    });
  }

  /** The fault for a request to these recipients, if a rule matches (and uses it up). */
  take(recipients: readonly string[]): ProviderFault | undefined {
    const rule = this.rules.find(
      (r) => r.left > 0 && (r.recipient === undefined || recipients.includes(r.recipient)),
    );
    if (!rule) return undefined;
    rule.left -= 1;
    this.rules = this.rules.filter((r) => r.left > 0);
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}

/**
 * Answers a request whose message was stored, the way the fault says: a 500 with the service's
 * error type, a reset, or silence. Returns false when there is no fault (answer normally).
 */
export function misbehaveAfterAccept(
  req: IncomingMessage,
  res: ServerResponse,
  fault: ProviderFault | undefined,
  serverErrorType: string,
): boolean {
  switch (fault) {
    case 'error_after_accept':
      res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': serverErrorType });
      res.end(JSON.stringify({ message: 'Internal server error', Message: 'Internal server error' }));
      return true;
    case 'reset_after_accept':
      req.socket.destroy();
      return true;
    case 'hang_after_accept':
      // Never answer; the stand-in's stop() drops the socket (closeAllConnections).
      return true;
    default:
      return false;
  }
}

/** Answers a fault that strikes before anything is accepted; false when there is none. */
export function refuseBeforeAccept(
  res: ServerResponse,
  fault: ProviderFault | undefined,
  rejectErrorType: string,
): boolean {
  if (fault === 'throttle') {
    answerThrottled(res);
    return true;
  }
  if (fault === 'reject') {
    res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': rejectErrorType });
    res.end(JSON.stringify({ message: 'Rejected', Message: 'Rejected' }));
    return true;
  }
  return false;
}

function answerThrottled(res: ServerResponse): void {
  res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
  res.end(JSON.stringify({ message: 'Too many requests', Message: 'Too many requests' }));
}
