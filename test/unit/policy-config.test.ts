import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  historySince,
  PolicyConfigError,
  parsePolicyConfig,
  renderPolicySchema,
} from '../../engine/policy/config.ts';

describe('policy config', () => {
  it('workflows/policy.json states the defaults', async () => {
    const text = await readFile(new URL('../../workflows/policy.json', import.meta.url), 'utf8');
    expect(parsePolicyConfig(text)).toEqual(DEFAULT_POLICY);
  });

  it('keeps defaults for absent keys and replaces present ones whole', () => {
    const config = parsePolicyConfig({
      quietHours: { email: { start: '22:00', end: '07:00' } },
      deferPriorityAtLeast: 70,
    });
    expect(config.quietHours).toEqual({ email: { start: '22:00', end: '07:00' } });
    expect(config.deferPriorityAtLeast).toBe(70);
    expect(config.caps).toEqual(DEFAULT_POLICY.caps);
  });

  it('ignores $schema and does not mutate the defaults', () => {
    const config = parsePolicyConfig({ $schema: './policy.schema.json', caps: [] });
    expect(config).not.toHaveProperty('$schema');
    expect(DEFAULT_POLICY.caps).toHaveLength(2);
  });

  const bad: Array<[string, unknown, string]> = [
    ['not JSON', '{ nope', 'not valid JSON'],
    ['not an object', '[1]', 'expected a JSON object'],
    ['an unknown key', { quietHour: {} }, '/quietHour'],
    [
      'a malformed local time',
      { quietHours: { sms: { start: '9pm', end: '08:00' } } },
      '/quietHours/sms/start',
    ],
    ['an empty quiet window', { quietHours: { sms: { start: '08:00', end: '08:00' } } }, '/quietHours/sms'],
    [
      'an unknown channel in a cap',
      { caps: [{ id: 'x', limit: 1, window: 'P1D', channels: ['fax'] }] },
      '/caps/0/channels/0',
    ],
    [
      'a bad cap window',
      { caps: [{ id: 'x', limit: 1, window: 'daily', channels: ['sms'] }] },
      '/caps/0/window',
    ],
    [
      'a duplicate cap id',
      {
        caps: [
          { id: 'x', limit: 1, window: 'P1D', channels: ['sms'] },
          { id: 'x', limit: 2, window: 'P1D', channels: ['push'] },
        ],
      },
      '/caps/1/id',
    ],
    ['an unknown zone', { defaultTimeZone: 'Asia/Atlantis' }, '/defaultTimeZone'],
    ['a bad behaviour window', { maxBehaviourWindow: 'forever' }, '/maxBehaviourWindow'],
  ];
  it.each(bad)('refuses %s, naming where', (_name, input, where) => {
    let error: unknown;
    try {
      parsePolicyConfig(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect((error as PolicyConfigError).code).toBe('invalid_policy_config');
    expect((error as PolicyConfigError).problems.join('\n')).toContain(where);
  });
});

describe('policy JSON Schema', () => {
  it('matches the committed workflows/policy.schema.json (regenerate it from renderPolicySchema())', async () => {
    const committed = await readFile(new URL('../../workflows/policy.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderPolicySchema());
  });
});

describe('how much history the runtime loads', () => {
  const now = new Date('2026-05-01T12:00:00Z');

  it('starts maxBehaviourWindow before now', () => {
    expect(historySince({ ...DEFAULT_POLICY, maxBehaviourWindow: 'P30D' }, now)).toEqual(
      new Date('2026-04-01T12:00:00Z'),
    );
  });

  it('loads everything when the window cannot be read', () => {
    expect(historySince({ ...DEFAULT_POLICY, maxBehaviourWindow: 'a year' }, now)).toBeUndefined();
  });
});
