/**
 * Ingest Lambda: customer events from the HTTP API (POST body) or EventBridge (`detail`). Invalid
 * events get 400 (HTTP) or `accepted: false` (EventBridge: a refusal, not an error, so Lambda does
 * not retry it) with every problem, and write nothing; valid ones are stored, their time
 * normalised, and drive journeys. Only our own faults throw (500 on HTTP). `POST /v1/track|identify|batch`
 * is the Segment-compatible route (./segment.ts), each message ingested as one event.
 */
import { validateEvent } from '../../engine/events.ts';
import { ingestEvent } from '../app/ingest.ts';
import { resolve } from '../app/runtime.ts';
import type { IngestDeps } from '../deps.ts';
import { ingestDepsFromEnv } from '../env.ts';
import { httpJsonBody, isHttpEvent, json, lambda, lazyHandler } from './lambda.ts';
import { SEGMENT_PATH, segmentReply } from './segment.ts';

export function createIngestHandler(deps: IngestDeps) {
  const rt = resolve(deps, 'ingest');
  const ingestOne = async (body: unknown) => {
    const validation = validateEvent(body, { now: rt.clock.now(), vocabulary: rt.vocabulary });
    if (!validation.ok) {
      rt.metrics.addMetric('EventsRejected', 'Count', 1);
      rt.logger.warn('event rejected', {
        problems: validation.problems.map(({ path, code }) => ({ path, code })),
      });
      return { accepted: false as const, problems: validation.problems };
    }
    const summary = await ingestEvent(rt, validation.event);
    if ('ok' in summary) {
      rt.metrics.addMetric('EventsRefusedErased', 'Count', 1);
      rt.logger.warn('event refused', { code: summary.code, type: validation.event.type });
      const { status, code, message } = summary;
      return { accepted: false as const, status, problems: [{ path: '/customerId', code, message }] };
    }
    rt.metrics.addMetric(summary.duplicate ? 'EventsDuplicate' : 'EventsAccepted', 'Count', 1);
    rt.logger.info('event ingested', {
      customerId: validation.event.customerId,
      type: validation.event.type,
      ...summary,
    });
    return { accepted: true as const, ...summary };
  };
  return lambda(
    'ingest',
    rt,
    async (event: unknown) => {
      const http = isHttpEvent(event);
      const segment = http ? SEGMENT_PATH.exec((event as { rawPath?: string }).rawPath ?? '') : null;
      if (http && segment) {
        const request = {
          kind: segment[1]!,
          body: httpJsonBody(event),
          // Payload format 2.0 lowercases header names:
          // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
          authorization: event.headers?.authorization,
          now: rt.clock.now(),
        };
        return segmentReply(request, deps.segmentWriteKey, ingestOne);
      }
      const answer = await ingestOne(http ? httpJsonBody(event) : (event as { detail?: unknown }).detail);
      if (!http) return answer;
      if (answer.accepted) return json(202, answer);
      return json(('status' in answer && answer.status) || 400, { problems: answer.problems });
    },
    { http: true },
  );
}

export const handler = lazyHandler(async () => createIngestHandler(await ingestDepsFromEnv()));
