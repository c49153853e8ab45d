/**
 * Which A/B arms led a customer to a step: for every split whose arms do not all reach the step,
 * the arm this customer was assigned (stable, see policy/split.ts) when that arm reaches it. Sends
 * carry it (ledger, SES tags) so results attribute to arms without reading the execution history.
 */
import { assignArm } from './policy/split.ts';
import { reaches } from './reach.ts';
import type { Journey } from './schema.ts';

export function variantFor(journey: Journey, stepId: string, customerId: string): string | undefined {
  const arms: string[] = [];
  for (const [splitId, step] of Object.entries(journey.steps).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (step.type !== 'split') continue;
    const reaching = step.arms.filter((arm) => reaches(journey, arm.next, stepId));
    if (reaching.length === 0 || reaching.length === step.arms.length) continue;
    const arm = assignArm(customerId, journey.id, splitId, step.arms);
    if (arm && reaching.includes(arm)) arms.push(arm.name);
  }
  return arms.length > 0 ? arms.join('+') : undefined;
}
