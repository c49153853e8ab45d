/**
 * Ingest Lambda: customer events from the HTTP API (POST body) or EventBridge (`detail`). Invalid
 * events get 400 (HTTP) or `accepted: false` (EventBridge: a refusal, not an error, so Lambda does
 * not retry it) with every problem, and write nothing; valid ones are stored, their time
 * normalised, and drive journeys. Only our own faults throw (500 on HTTP).
 */
import { validateEvent } from '../../engine/events.ts';
import { ingestEvent } from '../app/ingest.ts';
import { resolve } from '../app/runtime.ts';
import type { IngestDeps } from '../deps.ts';
import { ingestDepsFromEnv } from '../env.ts';
import { httpJsonBody, isHttpEvent, json, lambda, lazyHandler } from './lambda.ts';

export function createIngestHandler(deps: IngestDeps) {
  const rt = resolve(deps, 'ingest');
  return lambda(
    'ingest',
    rt,
    async (event: unknown) => {
      const http = isHttpEvent(event);
      const body = http ? httpJsonBody(event) : (event as { detail?: unknown }).detail;
      const validation = validateEvent(body, { now: rt.clock.now(), vocabulary: rt.vocabulary });
      if (!validation.ok) {
        rt.metrics.addMetric('EventsRejected', 'Count', 1);
        rt.logger.warn('event rejected', {
          problems: validation.problems.map(({ path, code }) => ({ path, code })),
        });
        return http
          ? json(400, { problems: validation.problems })
          : { accepted: false, problems: validation.problems };
      }
      const summary = await ingestEvent(rt, validation.event);
      rt.metrics.addMetric(summary.duplicate ? 'EventsDuplicate' : 'EventsAccepted', 'Count', 1);
      rt.logger.info('event ingested', {
        customerId: validation.event.customerId,
        type: validation.event.type,
        ...summary,
      });
      return http ? json(202, { accepted: true, ...summary }) : { accepted: true, ...summary };
    },
    { http: true },
  );
}

export const handler = lazyHandler(async () => createIngestHandler(await ingestDepsFromEnv()));
