import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { parsePolicyConfig } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { type SimulatedProviderFault, simulate, timelineText } from '../../tools/simulate/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const config = parsePolicyConfig(readFileSync(join(root, 'workflows/policy.json'), 'utf8'));

async function welcomeWith(providerFaults: SimulatedProviderFault[]) {
  const profile = read<Profile>('examples/welcome.profile.json');
  return simulate({
    journey: read<Journey>('workflows/welcome.journey.json'),
    profile,
    events: read<CustomerEvent[]>('examples/welcome.events.json'),
    products: read<Product[]>('examples/products.json'),
    config,
    providerFaults,
  });
}

describe('herald simulate: sends under provider faults', () => {
  it('shows a send whose provider answer was lost as unknown, with the ledger record, and sends nothing else for it', async () => {
    const clean = await welcomeWith([]);
    const first = clean.timeline.entries.find((e) => e.stepId === 'send-welcome');
    const channel = first?.channel as SimulatedProviderFault['channel'];

    const { timeline, records } = await welcomeWith([{ channel, outcome: 'in_doubt', times: 1 }]);

    const [entry, ...again] = timeline.entries.filter((e) => e.stepId === 'send-welcome');
    expect(again).toEqual([]);
    expect(entry).toMatchObject({ kind: 'unknown', channel });
    expect(entry?.reasons).toContain(`${channel}:in_doubt:simulated_lost_answer`);
    expect(timelineText(timeline)).toContain('outcome unknown — the provider may have delivered it');
    const unknown = records.ledger.filter((r) => r.kind === 'decision' && r.outcome === 'unknown');
    expect(unknown).toEqual([expect.objectContaining({ stepId: 'send-welcome', channel })]);
    // Delivered at most once for that step: the one call whose answer was lost, on one channel.
    const welcomeSends = records.sends.filter((s) => s.at === entry?.at);
    expect(welcomeSends.map((s) => s.delivery.channel)).toEqual([channel]);
  });

  it('shows a throttled send held and retried on the same channel', async () => {
    const clean = await welcomeWith([]);
    const channel = clean.timeline.entries.find((e) => e.stepId === 'send-welcome')
      ?.channel as SimulatedProviderFault['channel'];

    const { timeline } = await welcomeWith([{ channel, outcome: 'retry_later', times: 1 }]);

    const [held, sent] = timeline.entries.filter((e) => e.stepId === 'send-welcome');
    expect(held).toMatchObject({ kind: 'defer', channel });
    expect(held?.summary).toContain('asked to retry later');
    expect(sent).toMatchObject({ kind: 'send', channel });
  });
});
