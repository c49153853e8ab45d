/**
 * Privacy Lambda (IAM-authorised, operators only):
 * - `DELETE /customers/{id}`: erases the customer (functions/app/privacy.ts; resumable and idempotent:
 *   call it again after any failure); 200 with the pseudonym, the status and what was erased;
 * - `GET /customers/{id}/export`: 200 with everything Herald holds about them
 *   (engine/privacy/export.ts; schema: docs/customer-export.schema.json).
 * 400 for an id that no customer can have. `herald customer erase|export` invoke this same handler.
 * Logs carry the pseudonym, never the customer id.
 */
import { exportCustomer } from '../app/export.ts';
import { eraseCustomer, type PrivacyDeps } from '../app/privacy.ts';
import { resolve } from '../app/runtime.ts';
import { privacyDepsFromEnv } from '../env.ts';
import { json, lambda, lazyHandler } from './lambda.ts';

export interface PrivacyRequest {
  rawPath?: string;
  requestContext?: { http?: { method?: string } };
  pathParameters?: Record<string, string | undefined>;
}

export function createPrivacyHandler(deps: PrivacyDeps) {
  const rt = resolve(deps, 'privacy');
  return lambda(
    'privacy',
    rt,
    async (event: PrivacyRequest) => {
      const customerId = event.pathParameters?.id ?? '';
      if (customerId.length === 0 || customerId.length > 128) {
        return json(400, {
          problems: [
            {
              path: '/pathParameters/id',
              code: 'invalid_customer_id',
              message: 'a customer id has 1 to 128 characters',
            },
          ],
        });
      }
      const method = event.requestContext?.http?.method ?? '';
      if (method === 'GET' && (event.rawPath ?? '').endsWith('/export')) {
        return json(200, await exportCustomer(rt, customerId));
      }
      if (method === 'DELETE') {
        const summary = await eraseCustomer(rt, customerId);
        rt.logger.info('customer erased', {
          pseudonym: summary.pseudonym,
          status: summary.status,
          counts: summary.counts,
        });
        return json(200, summary);
      }
      return json(405, {
        problems: [
          {
            path: '/requestContext/http/method',
            code: 'method_not_allowed',
            message: 'DELETE /customers/{id} or GET /customers/{id}/export',
          },
        ],
      });
    },
    { http: true },
  );
}

export const handler = lazyHandler(async () => createPrivacyHandler(await privacyDepsFromEnv()));
