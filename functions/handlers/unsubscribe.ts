/**
 * Unsubscribe Lambda (HTTP API): `GET /unsubscribe?token=…` shows a confirmation page with a form;
 * `POST /unsubscribe?token=…` (RFC 8058 one-click, body `List-Unsubscribe=One-Click`, or the form)
 * opts the customer out. Bad tokens get 4xx and change nothing.
 */

import { resolve } from '../app/runtime.ts';
import { unsubscribe } from '../app/unsubscribe.ts';
import type { UnsubscribeDeps } from '../deps.ts';
import { unsubscribeDepsFromEnv } from '../env.ts';
import { httpBody, isHttpEvent, json, lambda, lazyHandler } from './lambda.ts';
import { confirmPage, donePage, rejectedPage } from './unsubscribe-pages.ts';

export function createUnsubscribeHandler(deps: UnsubscribeDeps) {
  const rt = resolve(deps, 'unsubscribe');
  return lambda(
    'unsubscribe',
    rt,
    async (event: unknown) => {
      if (!isHttpEvent(event)) return json(400, { message: 'expected an HTTP request' });
      const method = event.requestContext.http.method.toUpperCase();
      if (method !== 'GET' && method !== 'POST') return json(405, { message: 'use GET or POST' });
      const form = new URLSearchParams(method === 'POST' ? httpBody(event) : '');
      const token = event.queryStringParameters?.token ?? form.get('token') ?? undefined;
      const outcome = await unsubscribe(rt, method, token);
      switch (outcome.status) {
        case 'rejected':
          return html(outcome.httpStatus, rejectedPage(outcome.reason));
        case 'confirm':
          return html(200, confirmPage(String(token), outcome.claims.channel));
        case 'unsubscribed':
          return html(200, donePage(outcome.claims.channel));
      }
    },
    { http: true },
  );
}

function html(statusCode: number, body: string) {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}

export const handler = lazyHandler(async () => createUnsubscribeHandler(await unsubscribeDepsFromEnv()));
