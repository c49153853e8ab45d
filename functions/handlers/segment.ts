/**
 * The deployed Segment-compatible route (`POST /v1/track|identify|batch`), served by the ingest
 * Lambda: the write key is checked, each message mapped by engine/segment.ts and handed to the same
 * validation and ingest code as `POST /events`. Answers as `herald serve` does: 200 with one
 * outcome per message, 400 when any message is refused, 401 without the write key.
 * Segment sends the write key as the HTTP basic-auth user (empty password), or `writeKey` in the body:
 * https://www.twilio.com/docs/segment/connections/sources/catalog/libraries/server/http-api
 */
import { timingSafeEqual } from 'node:crypto';
import { EVENT_TYPES } from '../../engine/data.ts';
import { readJsonBody } from '../../engine/json-body.ts';
import { mapSegmentMessage } from '../../engine/segment.ts';
import { json } from './lambda.ts';

/** Segment's own limit on a batch request (the HTTP API page above: 500 KB). */
const SEGMENT_BATCH_BYTES = 500 * 1024;

export const SEGMENT_PATH = /^\/v1\/(track|identify|batch)$/;

export type IngestAnswer = { accepted: boolean; duplicate?: boolean; problems?: unknown[] };
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function segmentReply(
  request: { kind: string; body: string | Uint8Array; authorization: string | undefined; now: Date },
  writeKey: (() => Promise<string>) | undefined,
  ingest: (event: unknown) => Promise<IngestAnswer>,
) {
  const parsed = readJsonBody(request.body, {
    maxBytes: SEGMENT_BATCH_BYTES,
    notObjectMessage: 'the body is not a JSON object',
  });
  if (!parsed.ok) return json(400, { success: false, problems: parsed.problems });
  const body = parsed.value;
  if (!writeKey || !authorised(request.authorization, body, await writeKey()))
    return json(401, { success: false, message: 'unknown write key (HTTP basic auth user)' });
  const messages = request.kind === 'batch' ? body.batch : [{ ...body, type: body.type ?? request.kind }];
  if (!Array.isArray(messages))
    return json(400, { success: false, message: '/v1/batch needs `batch`: an array of messages' });
  const results: Obj[] = [];
  for (const message of messages) {
    const messageId = isObj(message) ? message.messageId : undefined;
    const mapped = mapSegmentMessage(message, { time: request.now.toISOString(), known: EVENT_TYPES });
    if (mapped.kind === 'ignored') results.push({ messageId, outcome: 'ignored', reason: mapped.reason });
    else if (mapped.kind === 'refused')
      results.push({ messageId, outcome: 'refused', problems: mapped.problems });
    else {
      const answer = await ingest(mapped.event);
      results.push({
        messageId,
        eventType: mapped.event.type,
        outcome: answer.accepted ? (answer.duplicate ? 'duplicate' : 'accepted') : 'refused',
        ...(answer.accepted ? {} : { problems: answer.problems }),
      });
    }
  }
  const refused = results.some((r) => r.outcome === 'refused');
  return json(refused ? 400 : 200, { success: !refused, results });
}

/** Constant-time comparison, so the answer's timing does not reveal how much of a guess was right. */
function same(given: unknown, key: string): boolean {
  if (typeof given !== 'string' || key.length === 0) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(key, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorised(header: string | undefined, body: Obj, writeKey: string): boolean {
  const basic = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!basic) return same(body.writeKey, writeKey);
  return same(Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0], writeKey);
}
