/**
 * The data dictionary's promise (issue 13): a custom event and two custom attributes, declared only
 * in a workflows folder's data.json, drive a new journey through validate, compile, release, synth,
 * ingest, step and simulate — with no TypeScript change. Everything here runs on a temporary folder.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileJourneyFiles } from '../../cli/commands/compile.ts';
import { releaseJourneyFile } from '../../cli/commands/release.ts';
import { validateJourneyFiles } from '../../cli/commands/validate.ts';
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import { DEFAULT_POLICY } from '../../engine/policy/index.ts';
import type { Journey } from '../../engine/schema.ts';
import { loadVocabulary } from '../../infra/dictionary.ts';
import { DICTIONARY_BUNDLE_NAME } from '../../infra/herald-stack.ts';
import { simulate } from '../../tools/simulate/index.ts';
import { synthHerald } from '../infra/synth.ts';
import { httpEvent, type Runtime, startRuntime, stepRequest } from './support/harness.ts';

const DICTIONARY = {
  $schema: '../data.schema.json',
  events: {
    subscription_renewed: {
      description: 'The billing system renewed a subscription.',
      properties: {
        plan: { type: 'enum', values: ['monthly', 'yearly'], required: true },
        renewalCount: { type: 'integer', required: true, updates: 'renewalCount' },
        tier: { type: 'enum', values: ['bronze', 'silver', 'gold'], updates: 'loyaltyTier' },
      },
    },
  },
  attributes: {
    loyaltyTier: { type: 'enum', values: ['bronze', 'silver', 'gold'] },
    renewalCount: { type: 'number' },
  },
};

const email = (subject: string, body: string) => ({
  subject,
  html: `<p>${body}</p><a href="{{ links.unsubscribe }}">Unsubscribe</a>`,
  text: body,
});

const JOURNEY = {
  id: 'renewal-thanks',
  version: 1,
  name: 'Renewal thanks',
  priority: 50,
  defaultLocale: 'en',
  entry: { event: 'subscription_renewed', reentry: { mode: 'always' } },
  start: 'by-tier',
  steps: {
    'by-tier': {
      type: 'branch',
      branches: [
        {
          name: 'loyal-gold',
          when: {
            all: [
              { field: 'profile.attributes.loyaltyTier', op: 'eq', value: 'gold' },
              { field: 'profile.attributes.renewalCount', op: 'gte', value: 3 },
            ],
          },
          next: 'send-gold',
        },
      ],
      otherwise: 'send-thanks',
    },
    'send-gold': { type: 'send', message: 'gold', channels: ['email'], next: 'done' },
    'send-thanks': { type: 'send', message: 'thanks', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
  messages: {
    gold: {
      locales: {
        en: {
          email: email(
            'Renewal {{ profile.attributes.renewalCount }}, {{ profile.attributes.loyaltyTier }} member',
            'Thanks for renewing your {{ event.properties.plan }} plan.',
          ),
        },
      },
    },
    thanks: {
      locales: {
        en: { email: email('Thanks for renewing', 'Your {{ event.properties.plan }} plan renewed.') },
      },
    },
  },
};

const CUSTOMER = 'c-renewal';
const profile: Profile = {
  id: CUSTOMER,
  email: 'renewal@example.org',
  locale: 'en',
  timeZone: 'Europe/London',
  consent: { email: { status: 'opted_in', at: '2026-01-01T00:00:00Z', source: 'signup_form' } },
};
const renewal = (id: string, properties: Record<string, unknown>): CustomerEvent => ({
  id,
  type: 'subscription_renewed',
  customerId: CUSTOMER,
  time: '2026-03-02T12:00:00Z',
  properties,
});

function workflowsFolder(journey: object = JOURNEY): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-dictionary-'));
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify(DICTIONARY, null, 2));
  const file = path.join(dir, 'renewal-thanks.journey.json');
  writeFileSync(file, JSON.stringify(journey, null, 2));
  return { dir, file };
}

describe('a custom event and attributes declared only in data.json, end to end', () => {
  const { dir, file } = workflowsFolder();
  const vocabulary = loadVocabulary(dir);
  let rt: Runtime;

  beforeAll(async () => {
    rt = await startRuntime({
      journeys: [JOURNEY as unknown as Journey],
      vocabulary,
      now: '2026-03-02T12:00:05Z',
    });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('validates and compiles the journey against the folder’s dictionary', async () => {
    const [result] = await validateJourneyFiles([file]);
    expect(result?.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const compiled = await compileJourneyFiles([file], path.join(dir, 'out'));
    expect(compiled.ok).toBe(true);
    expect(existsSync(path.join(dir, 'out', 'renewal-thanks.asl.json'))).toBe(true);
  });

  it('refuses the same journey where the dictionary lacks the field, naming data.json and the fix', async () => {
    const typo = structuredClone(JOURNEY);
    typo.steps['by-tier'].branches[0]!.when.all[0]!.field = 'profile.attributes.loyaltyTeir';
    const other = workflowsFolder(typo);
    const [result] = await validateJourneyFiles([other.file]);
    const problem = result?.problems.find((p) => p.code === 'field.unknown');
    expect(problem?.path).toBe('/steps/by-tier/branches/0/when/all/0/field');
    expect(problem?.message).toContain('did you mean `profile.attributes.loyaltyTier`');
  });

  it('releases the version with the slice of the dictionary it uses, and synthesizes with the dictionary bundled', async () => {
    const released = await releaseJourneyFile(file);
    expect(released.status).toBe('released');
    const slice = JSON.parse(readFileSync(path.join(dir, 'versions/renewal-thanks/1.data.json'), 'utf8'));
    expect(Object.keys(slice.attributes).sort()).toEqual(['loyaltyTier', 'renewalCount']);
    expect(Object.keys(slice.events)).toEqual(['subscription_renewed']);

    const { template, stack } = synthHerald({ config: { journeysDir: dir } });
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(1);
    const bundled = JSON.parse(
      readFileSync(path.join(path.dirname(stack.journeysBundleFile), DICTIONARY_BUNDLE_NAME), 'utf8'),
    );
    expect(Object.keys(bundled.events)).toEqual(['subscription_renewed']);
    const envs = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        (fn as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables ?? {},
    );
    expect(envs.filter((v) => v.DICTIONARY_FILE === `/var/task/${DICTIONARY_BUNDLE_NAME}`)).toHaveLength(2);
  }, 120_000);

  it('ingests the custom event, setting the attributes its properties update, and starts the journey', async () => {
    await rt.seedProfile(profile);
    const response = (await rt.ingest(
      httpEvent('POST', {
        body: JSON.stringify(renewal('renewal-1', { plan: 'yearly', renewalCount: 3, tier: 'gold' })),
      }),
    )) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: true, started: 1 });
    const stored = await rt.store.getProfile(CUSTOMER);
    expect(stored?.attributes).toMatchObject({ loyaltyTier: 'gold', renewalCount: 3 });
  });

  it('refuses a custom event whose properties break the declaration, with every problem', async () => {
    const response = (await rt.ingest(
      httpEvent('POST', {
        body: JSON.stringify(renewal('renewal-bad', { plan: 'weekly', tier: 'platinum', extra: 1 })),
      }),
    )) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(400);
    const paths = (JSON.parse(response.body) as { problems: { path: string; message: string }[] }).problems;
    expect(paths.map((p) => p.path).sort()).toEqual([
      '/properties/extra',
      '/properties/plan',
      '/properties/renewalCount',
      '/properties/tier',
    ]);
    expect(paths.find((p) => p.path === '/properties/plan')?.message).toContain('"monthly", "yearly"');
  });

  it('lets the step Lambda branch on the custom attributes', async () => {
    const journey = JOURNEY as unknown as Journey;
    const enrollment = {
      id: 'enr-renewal',
      customerId: CUSTOMER,
      journeyId: journey.id,
      journeyVersion: 1,
      enteredAt: '2026-03-02T12:00:00Z',
      event: renewal('renewal-1', { plan: 'yearly', renewalCount: 3, tier: 'gold' }),
    };
    const result = await rt.step(stepRequest(journey, enrollment as never, 'by-tier', 'branch'));
    expect(result).toMatchObject({ outcome: 'next', next: 'send-gold' });
  });

  it('simulates the journey from the custom event, rendering the custom fields', async () => {
    const { timeline } = await simulate({
      journey: JOURNEY as unknown as Journey,
      profile: { ...profile, attributes: {} },
      events: [renewal('renewal-sim', { plan: 'monthly', renewalCount: 4, tier: 'gold' })],
      products: [],
      config: DEFAULT_POLICY,
      vocabulary,
    });
    const sent = timeline.entries.find((e) => e.kind === 'send');
    expect(sent?.stepId).toBe('send-gold');
    expect(sent?.content?.email?.subject).toBe('Renewal 4, gold member');
    expect(sent?.content?.email?.text).toContain('monthly plan');
  }, 120_000);

  it('refuses at validate time a data.json that drops a field the released version uses', async () => {
    const { loyaltyTier: _dropped, ...attributes } = DICTIONARY.attributes;
    const { tier: _tier, ...properties } = DICTIONARY.events.subscription_renewed.properties;
    const smaller = { ...DICTIONARY, attributes, events: { subscription_renewed: { properties } } };
    writeFileSync(path.join(dir, 'data.json'), JSON.stringify(smaller, null, 2));
    const results = await validateJourneyFiles([file]);
    const dictionary = results.find((r) => r.file.endsWith('data.json'));
    expect(dictionary?.problems.map((p) => [p.code, p.path]).sort()).toEqual([
      ['dictionary.removed-in-use', '/attributes'],
      ['dictionary.removed-in-use', '/events/subscription_renewed/properties'],
    ]);
    expect(
      dictionary?.problems.every((p) => p.message.includes('version 1 of journey "renewal-thanks"')),
    ).toBe(true);
  });
});
