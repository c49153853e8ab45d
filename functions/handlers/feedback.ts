/** Feedback Lambda: SES events (EventBridge/SNS), SMS/push event-stream records, inbound STOP replies. */
import { processFeedback } from '../app/feedback.ts';
import { resolve } from '../app/runtime.ts';
import type { FeedbackDeps } from '../deps.ts';
import { feedbackDepsFromEnv } from '../env.ts';
import { lambda, lazyHandler } from './lambda.ts';

export function createFeedbackHandler(deps: FeedbackDeps) {
  const rt = resolve(deps, 'feedback');
  return lambda('feedback', rt, async (event: unknown) => processFeedback(rt, event));
}

export const handler = lazyHandler(async () => createFeedbackHandler(await feedbackDepsFromEnv()));
