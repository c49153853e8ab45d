import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerSegment } from '../../cli/commands/segment.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { type DynaliteStandIn, startDynalite } from '../../local/standins/dynalite.ts';
import { runCommand, written } from '../helpers/cli.ts';
import { reachableProfile } from './support/harness.ts';

describe('herald segment count against a table (the real SDK, read-only)', () => {
  let dynamo: DynaliteStandIn;
  beforeAll(async () => {
    dynamo = await startDynalite();
    const store = new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    const profiles = [
      reachableProfile('vip-1', { country: 'AE', attributes: { lifetimeValue: 900 } }),
      reachableProfile('vip-2', { country: 'AE', attributes: { lifetimeValue: 500 } }),
      reachableProfile('small', { country: 'AE', attributes: { lifetimeValue: 80 } }),
      reachableProfile('abroad', { country: 'GB', attributes: { lifetimeValue: 2000 } }),
    ];
    for (const p of profiles) await store.updateProfile(p.id, () => p);
    // Not profiles: an event and a product share the table and are not counted.
    await store.putEvent(
      {
        id: 'e1',
        type: 'product_viewed',
        customerId: 'vip-1',
        time: '2026-03-01T10:00:00Z',
        properties: { productId: 'p' },
      },
      new Date('2026-03-01T10:00:00Z'),
    );
  });
  afterAll(async () => dynamo?.stop());

  it('prints the size and a sample of ids, never an address, over several parallel scan segments', async () => {
    // The default credential chain reads the environment first; no profile, no instance metadata.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runCommand(
      registerSegment,
      'segment',
      'count',
      'vip-uae',
      '--table',
      dynamo.tableName,
      '--endpoint',
      dynamo.endpoint,
      '--region',
      'us-east-1',
      '--segments',
      '3',
      '--at',
      '2026-03-02T00:00:00Z',
    );
    const text = written(out);
    out.mockRestore();
    vi.unstubAllEnvs();
    expect(process.exitCode).toBe(0);
    expect(text).toContain('2 of 4 customers in table');
    expect(text).toContain('sample (ids only): vip-1, vip-2');
    expect(text).not.toContain('@example.com');
    expect(text).not.toContain('+1415');
  });

  it('names the segments there when the id is unknown', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await runCommand(
      registerSegment,
      'segment',
      'count',
      'vips',
      '--table',
      dynamo.tableName,
      '--endpoint',
      dynamo.endpoint,
    );
    expect(written(err)).toContain('there: lapsed-60d, recent-buyers, vip-uae');
    err.mockRestore();
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
  });
});
