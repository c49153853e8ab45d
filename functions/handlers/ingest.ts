/**
 * Ingest Lambda: customer events from the HTTP API (POST body) or EventBridge (`detail`). Invalid
 * events get 400 with every problem and write nothing; valid ones are stored and drive journeys.
 */
import { validateEvent } from '../../engine/events.ts';
import { ingestEvent } from '../app/ingest.ts';
import { resolve } from '../app/runtime.ts';
import type { IngestDeps } from '../deps.ts';
import { ingestDepsFromEnv } from '../env.ts';
import { httpBody, isHttpEvent, json, lambda, lazyHandler } from './lambda.ts';

export function createIngestHandler(deps: IngestDeps) {
  const rt = resolve(deps, 'ingest');
  return lambda(
    'ingest',
    rt,
    async (event: unknown) => {
      const http = isHttpEvent(event);
      const validation = validateEvent(
        http ? httpBody(event) : (event as { detail?: unknown }).detail,
        rt.vocabulary,
      );
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
