/**
 * A pause through the compiled workflow (local runner, simulated clock): the welcome send is held
 * by the step Lambda with `journey_paused`, the workflow's Wait brings it back every 30 minutes,
 * and after a resume the one email goes out. Nobody is lost, nothing is sent twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../engine/ledger.ts';
import { DynamoJourneyControls } from '../../functions/adapters/dynamo-controls.ts';
import type { EmailReceipt, StoredEmail } from '../../local/standins/index.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { signedUpEvent } from './support/events.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(START.getTime() + ms);

const signedUp = signedUpEvent;

describe('a paused journey in the running workflow', () => {
  let system: LocalSystem;
  let whilePaused: StoredEmail[];
  let afterResume: StoredEmail[];
  let ledger: LedgerRecord[];
  let receipts: EmailReceipt[];

  beforeAll(async () => {
    system = await startLocalSystem({ start: START, validateDefinitions: false });
    const sys = system;
    const controls = new DynamoJourneyControls({
      client: sys.stack.dynamo.client,
      tableName: sys.stack.dynamo.tableName,
    });
    await sys.clock.track(() =>
      controls.put({ journeyId: 'welcome', state: 'paused', updatedAt: START.toISOString() }, 0),
    );
    sys.clock.at(at(60_000), () => sys.ingest(signedUp('held', at(60_000))), 'held');
    await sys.clock.run({ until: at(6 * HOUR) });
    const mine = async () =>
      (await sys.stack.ses!.emails()).filter((e) => e.destination.to.includes('held@example.com'));
    whilePaused = await sys.clock.track(mine);

    await sys.clock.track(() =>
      controls.put({ journeyId: 'welcome', state: 'active', updatedAt: at(6 * HOUR).toISOString() }, 1),
    );
    await sys.clock.run({ until: at(8 * HOUR) });
    afterResume = await sys.clock.track(mine);
    receipts = sys.stack.emailReceipts();
    ledger = await sys.clock.track(() => sys.stack.store.listLedger('held'));
  }, 120_000);
  afterAll(async () => system?.stop());

  it('sends nothing while paused and keeps re-checking with reason journey_paused', () => {
    expect(whilePaused).toEqual([]);
    const holds = ledger.filter((r) => r.reasons.includes('journey_paused'));
    // Held at entry (09:01), then every 30 minutes until the resume at 15:00.
    expect(holds.length).toBeGreaterThanOrEqual(11);
    expect(holds.every((r) => r.outcome === 'deferred' && r.stepId === 'send-welcome')).toBe(true);
  });

  it('sends the welcome email exactly once after the resume', () => {
    expect(afterResume).toHaveLength(1);
    const sent = ledger.filter((r) => r.kind === 'decision' && r.outcome === 'sent');
    expect(sent.map((r) => r.stepId)).toEqual(['send-welcome']);
    // When it arrived is the SES stand-in's receipt (simulated clock), not our ledger's time.
    const arrived = receipts.find((r) => r.messageId === afterResume[0]!.messageId);
    expect(Date.parse(arrived!.at)).toBeGreaterThanOrEqual(at(6 * HOUR).getTime());
  });
});
