import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../engine/contract.ts';
import type { StepRecord } from '../../engine/send-protocol.ts';
import { engagementOf } from '../../functions/adapters/dynamo-engagement.ts';

/**
 * What a branch reads of a send step's message from the step's record: a call the provider accepted
 * leaves the record `sending` (no finish: its ledger entry is the proof, engine/send-protocol.ts),
 * and a run reaches a later step only after its send step returned, so `sending` means sent.
 */
const sentResult: StepResult = { outcome: 'next', next: 'check', detail: { channel: 'email', sent: true } };
const t = (iso: string) => Date.parse(iso);
/** A step record whose call (or claim) started at `claimedAt`. */
const recordAt = (
  claimedAt: string,
  record: Partial<StepRecord> & Pick<StepRecord, 'state'>,
): StepRecord => ({
  token: 'a',
  attempt: 1,
  claimedAt: t(claimedAt),
  ...record,
});

describe('a send step’s message, as its record says', () => {
  it('reads a sending record as sent when its call started, on its channel', () => {
    const record = recordAt('2025-06-02T10:00:00Z', {
      state: 'sending',
      channel: 'sms',
      ledgerAt: t('2025-06-02T09:59:59Z'),
    });
    expect(engagementOf(record, {})).toEqual({ sentAt: '2025-06-02T10:00:00.000Z', channel: 'sms' });
  });

  it('on a journey loop’s second pass, dates the message by this pass’s call, not the earlier finish', () => {
    // The second pass claimed the done record of the first: its finish and result stay on the item.
    const record = recordAt('2025-06-09T10:00:00Z', {
      state: 'sending',
      token: 'b',
      attempt: 2,
      channel: 'email',
      ledgerAt: t('2025-06-09T10:00:00Z'),
      finishedAt: t('2025-06-02T10:00:01Z'),
      result: sentResult,
    });
    const opened = { sentAt: '2025-06-02T10:00:00.000Z', at: '2025-06-02T11:00:00.000Z' };
    expect(engagementOf(record, { opened })).toEqual({
      sentAt: '2025-06-09T10:00:00.000Z',
      channel: 'email',
    });
  });

  it('reads a done record by its result: sent, or not', () => {
    const done = recordAt('2025-06-02T10:00:00Z', {
      state: 'done',
      finishedAt: t('2025-06-02T10:00:01Z'),
      result: sentResult,
    });
    expect(engagementOf(done, {})).toEqual({ sentAt: '2025-06-02T10:00:01.000Z', channel: 'email' });
    const skipped = {
      ...done,
      result: { outcome: 'next', next: 'check', detail: { sent: false } } as StepResult,
    };
    expect(engagementOf(skipped, {})).toEqual({});
    expect(engagementOf({ ...done, state: 'deferred' }, {})).toEqual({});
    expect(engagementOf(undefined, {})).toEqual({});
  });
});
