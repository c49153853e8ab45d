/**
 * The deployed Lambdas read the journeys and policy infra validated at synth with a structural
 * check only (no validator in the bundle): they must read valid files exactly as the validating
 * path does, and still refuse files that are not what infra writes.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicyConfig } from '../../engine/policy/index.ts';
import { BUILT_IN_VOCABULARY } from '../../engine/vocabulary.ts';
import {
  deployedPolicy,
  InvalidDeployedDictionaryError,
  InvalidDeployedPolicyError,
  InvalidJourneyError,
  loadJourneyRegistryFile,
  loadVocabularyFile,
} from '../../functions/adapters/deployed-config.ts';
import { createJourneyRegistry } from '../../functions/adapters/journey-registry.ts';

const WORKFLOWS = path.join(import.meta.dirname, '../../workflows');
const referenceJourneys = () =>
  readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith('.journey.json'))
    .map((f) => JSON.parse(readFileSync(path.join(WORKFLOWS, f), 'utf8')) as Record<string, unknown>);

function journeysFile(values: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'herald-deployed-')), 'journeys.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

describe('deployed journeys (validated at synth)', () => {
  it('refuses a bundle that carries the same journey version twice', () => {
    const [journey] = referenceJourneys();
    expect(() => loadJourneyRegistryFile(journeysFile([journey, journey]))).toThrow(InvalidJourneyError);
  });

  it('reads the reference journeys exactly as the validating registry does, every version kept', () => {
    const journeys = referenceJourneys();
    // The bundle infra writes: current versions first, then older ones kept for customers on them.
    const newer = { ...journeys[0]!, version: (journeys[0]!.version as number) + 1 };
    const values: Record<string, unknown>[] = [newer, ...journeys];
    const deployed = loadJourneyRegistryFile(journeysFile(values));
    const validated = createJourneyRegistry(values);
    expect(deployed.active()).toEqual(validated.active());
    for (const j of values) {
      expect(deployed.get(j.id as string, j.version as number)).toEqual(
        validated.get(j.id as string, j.version as number),
      );
    }
    expect(deployed.active().find((j) => j.id === journeys[0]!.id)?.version).toBe(newer.version);
  });

  it('refuses a file that is not an array of journeys', () => {
    expect(() => loadJourneyRegistryFile(journeysFile({ id: 'welcome' }))).toThrow(InvalidJourneyError);
    expect(() => loadJourneyRegistryFile(journeysFile([null]))).toThrow(
      /journey #0: expected a journey object/,
    );
  });

  it('refuses journeys missing what the runtime relies on, naming each problem', () => {
    const [good] = referenceJourneys();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, id: '' }, /\/id/],
      [{ ...good, version: 0 }, /\/version/],
      [{ ...good, version: '2' }, /\/version/],
      [{ ...good, start: 'no-such-step' }, /\/start/],
      [{ ...good, steps: { only: 'not a step' }, start: 'only' }, /\/steps\/only/],
      [{ ...good, messages: undefined }, /\/messages/],
      [{ ...good, entry: {} }, /\/entry/],
      [{ ...good, defaultLocale: 7 }, /\/defaultLocale/],
    ];
    for (const [journey, why] of cases) {
      expect(() => loadJourneyRegistryFile(journeysFile([good, journey]))).toThrow(why);
      expect(() => loadJourneyRegistryFile(journeysFile([good, journey]))).toThrow(/journey #1/);
    }
  });

  it('the validating registry (local runs, tests) still rejects a semantically invalid journey', () => {
    const [good] = referenceJourneys();
    expect(() => createJourneyRegistry([{ ...good, priority: 500 }])).toThrow(InvalidJourneyError);
  });
});

describe('deployed policy (validated at synth)', () => {
  it("reads the repository's policy.json and partial policies as parsePolicyConfig does", () => {
    const texts = [
      readFileSync(path.join(WORKFLOWS, 'policy.json'), 'utf8'),
      '{}',
      '{"quietHours":{}}',
      '{"defaultTimeZone":"Europe/Berlin","caps":[]}',
    ];
    for (const text of texts) expect(deployedPolicy(text)).toEqual(parsePolicyConfig(text));
  });

  it('leaves the shared defaults untouched', () => {
    const policy = deployedPolicy('{"maxBehaviourWindow":"P30D"}');
    expect(policy.maxBehaviourWindow).toBe('P30D');
    expect(DEFAULT_POLICY.maxBehaviourWindow).toBe('P365D');
    expect(policy.caps).not.toBe(DEFAULT_POLICY.caps);
  });

  it('refuses what is not a policy object', () => {
    expect(() => deployedPolicy('not json')).toThrow(InvalidDeployedPolicyError);
    expect(() => deployedPolicy('[1]')).toThrow(/expected a JSON object/);
    expect(() => deployedPolicy('{"caps":{}}')).toThrow(/\/caps/);
    expect(() => deployedPolicy('{"quietHours":null}')).toThrow(/\/quietHours/);
    expect(() => deployedPolicy('{"defaultTimeZone":3}')).toThrow(/\/defaultTimeZone/);
  });
});

describe('what the deployed handlers bundle', () => {
  async function inputsOf(handler: string): Promise<string[]> {
    const result = await build({
      entryPoints: [path.join(import.meta.dirname, `../../functions/handlers/${handler}.ts`)],
      bundle: true,
      write: false,
      outfile: 'index.mjs',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    // Only what ends up in the file (a module read for a type guard alone contributes nothing).
    return Object.entries(output?.inputs ?? {})
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input);
  }

  it('neither step nor ingest carries the journey validator or the TypeBox value checker', async () => {
    for (const handler of ['step', 'ingest']) {
      const inputs = await inputsOf(handler);
      expect(inputs.some((i) => i.includes('functions/adapters/deployed-config.ts'))).toBe(true);
      expect([handler, inputs.filter((i) => i.includes('engine/validate/'))]).toEqual([handler, []]);
      expect([
        handler,
        inputs.filter((i) => /typebox\/build\/esm\/(errors|value\/(check|value))\//.test(i)),
      ]).toEqual([handler, []]);
    }
    // ajv stays in ingest only, for incoming events (engine/events.ts).
    expect((await inputsOf('step')).filter((i) => i.includes('node_modules/ajv/'))).toEqual([]);
  }, 60_000);
});

describe('the deployed data dictionary (DICTIONARY_FILE)', () => {
  it('reads workflows/data.json as the synth validated it into the vocabulary the handlers use', () => {
    const file = journeysFile(JSON.parse(readFileSync(path.join(WORKFLOWS, 'data.json'), 'utf8')));
    const vocabulary = loadVocabularyFile(file);
    expect(vocabulary.eventTypes).toContain('subscription_renewed');
    expect([...vocabulary.piiAttributes]).toEqual(['postcode']);
  });

  it('falls back to the built-in vocabulary without one, and refuses a file that redefines a built-in', () => {
    expect(loadVocabularyFile(undefined)).toBe(BUILT_IN_VOCABULARY);
    const bad = journeysFile({ events: { order_placed: { properties: {} } } });
    expect(() => loadVocabularyFile(bad)).toThrow(InvalidDeployedDictionaryError);
  });
});
