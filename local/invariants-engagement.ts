/**
 * Engagement branches, checked against what the world did: for a branch whose every condition is
 * `{ "engaged": <send step>, "with": "open" | "click", "within": … }`, the way it took must be the
 * first branch whose step's message in that run was opened (a click counts as an open) or clicked,
 * as the world reported it to the feedback Lambda, no later than `within` after the message went
 * out and before the branch ran; `otherwise` when none was. Restated here, not imported from
 * engine/policy/engagement.ts, so a bug there cannot hide itself.
 */
import { Duration } from 'luxon';
import type { LedgerRecord } from '../engine/ledger.ts';
import type { Journey } from '../engine/schema.ts';
import type { InvariantResult } from './invariants.ts';

export interface ReportedEngagement {
  providerMessageId: string;
  kind: 'open' | 'click';
  at: string;
}

interface Plain {
  engaged: string;
  with: 'open' | 'click';
  within: string;
}

const plain = (c: unknown): c is Plain => {
  const x = c as Record<string, unknown>;
  return (
    typeof x === 'object' &&
    x !== null &&
    Object.keys(x).length === 3 &&
    typeof x.engaged === 'string' &&
    (x.with === 'open' || x.with === 'click') &&
    typeof x.within === 'string'
  );
};

export function engagementBranches(
  journeys: readonly Journey[],
  ledger: readonly LedgerRecord[],
  reported: readonly ReportedEngagement[],
): InvariantResult {
  const byMessage = new Map<string, ReportedEngagement[]>();
  for (const e of reported)
    byMessage.set(e.providerMessageId, [...(byMessage.get(e.providerMessageId) ?? []), e]);
  const sent = new Map<string, LedgerRecord>();
  for (const r of ledger) {
    if (r.kind === 'decision' && r.outcome === 'sent' && r.providerMessageId && r.executionId)
      sent.set(`${r.executionId}#${r.stepId}`, r);
  }
  const violations: string[] = [];
  let checked = 0;
  for (const r of ledger) {
    if (r.kind !== 'decision' || r.op !== 'branch' || r.result?.outcome !== 'next') continue;
    const journey = journeys.find((j) => j.id === r.journeyId && j.version === r.journeyVersion);
    const step = journey?.steps[r.stepId ?? ''];
    if (step?.type !== 'branch' || !step.branches.every((b) => plain(b.when))) continue;
    const branchAt = Date.parse(r.at);
    let ambiguous = false;
    const holds = (c: Plain) => {
      const message = sent.get(`${r.executionId}#${c.engaged}`);
      if (!message?.providerMessageId) return false;
      const end = Math.min(Date.parse(message.at) + Duration.fromISO(c.within).toMillis(), branchAt);
      return (byMessage.get(message.providerMessageId) ?? []).some((e) => {
        const t = Date.parse(e.at);
        if (t === branchAt) ambiguous = true; // which of the two ran first is not the world's to say
        return t <= end && (c.with === 'open' || e.kind === 'click');
      });
    };
    const index = step.branches.findIndex((b) => holds(b.when as Plain));
    if (ambiguous) continue;
    checked++;
    const expected = index < 0 ? 'otherwise' : (step.branches[index]!.name ?? `#${index}`);
    const took = r.result.detail?.branch;
    if (took !== expected) {
      violations.push(
        `${r.customerId} ${r.journeyId}/${r.stepId} in ${r.executionId}: took ${String(took)}, but the opens and clicks reported say ${expected}`,
      );
    }
  }
  return { name: 'engagement branches follow the opens and clicks reported', checked, violations };
}
