/**
 * The EMF lines ingest prints for a conversion (functions/app/conversions.ts): the dimension sets the
 * per-journey dashboard charts (infra/constructs/observability.ts) must be exactly these.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversion } from '../../engine/attribution.ts';
import { conversionDimensions, publishEntrant } from '../../functions/app/conversions.ts';

const conversion = (overrides: Partial<Conversion> = {}): Conversion => ({
  id: 'conversion#cart#run-1#o1',
  customerId: 'c1',
  journeyId: 'cart',
  journeyVersion: 1,
  enrollmentId: 'run-1',
  enteredAt: '2026-03-02T10:00:00Z',
  eventId: 'o1',
  eventType: 'order_placed',
  at: '2026-03-03T10:00:00Z',
  heldOut: false,
  touches: [],
  arms: {},
  revenue: 'counted',
  latencyMs: 86_400_000,
  endsRun: true,
  stepId: 'send-offer',
  channel: 'sms',
  variant: 'discount',
  ...overrides,
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('conversion metrics', () => {
  it('names the credited step, channel and variant; a held-out conversion is variant holdout with none', () => {
    expect(conversionDimensions(conversion())).toEqual({
      journey: 'cart',
      step: 'send-offer',
      channel: 'sms',
      variant: 'discount',
    });
    expect(
      conversionDimensions(
        conversion({ heldOut: true, stepId: undefined, channel: undefined, variant: undefined } as never),
      ),
    ).toEqual({
      journey: 'cart',
      step: 'none',
      channel: 'none',
      variant: 'holdout',
    });
  });

  it('prints Entrants under one dimension set: service, journey, group', () => {
    // Powertools prints nothing when metrics are disabled (a local system in this worker disables them).
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    vi.spyOn(process.stdout, 'write').mockImplementation((line) => lines.push(String(line)) > 0);
    const metrics = new Metrics({ namespace: 'Herald', serviceName: 'ingest' });
    publishEntrant(metrics, 'cart', 'holdout');
    const emf = lines.map((l) => JSON.parse(l)).find((l) => l._aws);
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'journey', 'group']]);
    expect(emf).toMatchObject({ service: 'ingest', journey: 'cart', group: 'holdout', Entrants: 1 });
  });
});
