/**
 * Retention: how long each kind of customer item lives, from policy.json `retention`, and whether
 * that is long enough for what reads it. An item's TTL attribute `expiresAt` (epoch seconds) is set
 * at write time from these durations; DynamoDB deletes an expired item only eventually, so readers
 * drop expired items themselves (functions/adapters/dynamo-store.ts).
 *
 * What depends on what (CUSTOMER_DATA's `retention` column, ./customer-data.ts):
 * - events: every behaviour condition looks back at most `maxBehaviourWindow`, or its own `within`;
 *   a shorter event retention would make "ordered in the last 90 days" silently false;
 * - ledger: a journey's goal (`goal.within`, its attribution window) attributes a conversion to the
 *   message the ledger recorded, and engagement conditions (`engaged … within`) read what a send
 *   recorded: the ledger must outlive both;
 * - conversions (pending, issue 16): at least the longest attribution window too.
 */
import { Duration } from 'luxon';
import { DEFAULT_POLICY, type PolicyConfig } from '../policy/config.ts';
import type { Journey } from '../schema.ts';

export type RetainedKind = 'events' | 'ledger' | 'messages' | 'conversions';

/** Retention per kind, in whole days (rounded up), the policy's or the default. */
export function retentionDays(config: PolicyConfig): Record<RetainedKind, number> {
  const days = (kind: RetainedKind) => {
    const iso = config.retention?.[kind] ?? DEFAULT_POLICY.retention[kind]!;
    return Math.ceil(Duration.fromISO(iso).as('days'));
  };
  return {
    events: days('events'),
    ledger: days('ledger'),
    messages: days('messages'),
    conversions: days('conversions'),
  };
}

export interface RetentionProblem {
  code: 'retention.too-short';
  /** Where in policy.json, as path segments. */
  path: (string | number)[];
  journeyId?: string;
  message: string;
  suggestion: string;
}

interface Window {
  kind: RetainedKind;
  iso: string;
  journeyId?: string;
  /** Where it is declared, in words. */
  where: string;
}

/** Every window a journey's data depends on: behaviour look-backs (events), goal and engagement windows (ledger). */
function windowsOf(journey: Journey): Window[] {
  const found: Window[] = [];
  if (journey.goal?.within) {
    for (const kind of ['ledger', 'conversions'] as const)
      found.push({
        kind,
        iso: journey.goal.within,
        journeyId: journey.id,
        where: 'its goal’s attribution window',
      });
  }
  // Conditions are data: walk them all (entry, branches), bounded by the document's own size.
  const stack: unknown[] = [journey.entry, journey.steps];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.within === 'string' && typeof o.did === 'string')
        found.push({
          kind: 'events',
          iso: o.within,
          journeyId: journey.id,
          where: `the look-back of \`did: ${o.did}\``,
        });
      if (typeof o.within === 'string' && typeof o.engaged === 'string')
        found.push({
          kind: 'ledger',
          iso: o.within,
          journeyId: journey.id,
          where: `the window of \`engaged: ${o.engaged}\``,
        });
      stack.push(...Object.values(o));
    }
  }
  return found;
}

const ms = (iso: string) => {
  const d = Duration.fromISO(iso);
  return d.isValid ? d.toMillis() : 0;
};

/**
 * A retention shorter than a window that reads it is an error: each names the journey, the window
 * and the fix (the smallest retention that works).
 */
export function retentionProblems(config: PolicyConfig, journeys: readonly Journey[]): RetentionProblem[] {
  const windows: Window[] = [
    {
      kind: 'events',
      iso: config.maxBehaviourWindow,
      where: '`maxBehaviourWindow`, the longest look-back any condition may use',
    },
    ...journeys.flatMap(windowsOf),
  ];
  const problems: RetentionProblem[] = [];
  for (const kind of ['events', 'ledger', 'conversions'] as const) {
    const configured = config.retention?.[kind] ?? DEFAULT_POLICY.retention[kind]!;
    const mine = windows.filter((w) => w.kind === kind && ms(w.iso) > ms(configured));
    if (mine.length === 0) continue;
    const longest = mine.reduce((a, b) => (ms(b.iso) > ms(a.iso) ? b : a));
    for (const w of mine) {
      problems.push({
        code: 'retention.too-short',
        path: ['retention', kind],
        ...(w.journeyId ? { journeyId: w.journeyId } : {}),
        message: `${kind} are kept ${configured}, but ${w.journeyId ? `journey \`${w.journeyId}\` reads them over ${w.where}` : `${w.where} is`} ${w.iso}: ${kind === 'events' ? 'its conditions would miss older events' : 'conversions after the records expire could not be attributed'}`,
        suggestion: `keep ${kind} at least as long: "retention": { "${kind}": "${longest.iso}" }, or shorten ${w.journeyId ? `that window in ${w.journeyId}.journey.json` : '`maxBehaviourWindow`'}`,
      });
    }
  }
  return problems;
}
