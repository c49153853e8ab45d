/**
 * Test sends: one send step's message, rendered for the journey's sample profile, reaches the seed
 * addresses through the SES stand-in the demo runs — marked as a test in the ledger, and without
 * touching the sample customer's cap window.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSendTest } from '../../cli/commands/send-test.ts';
import { createRenderer } from '../../engine/policy/index.ts';
import type { SendStep } from '../../engine/schema.ts';
import { validateSeedList } from '../../engine/seed-list.ts';
import { DynamoStore } from '../../functions/adapters/dynamo-store.ts';
import { sendTest } from '../../functions/app/test-send.ts';
import { loadJourneys } from '../../local/journeys.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import {
  type DynaliteStandIn,
  type PinpointSinkStandIn,
  type SesLocalStandIn,
  startDynalite,
  startPinpointSink,
  startSesLocal,
} from '../../local/standins/index.ts';
import { loadSample } from '../../tools/samples.ts';
import { runCommand, written } from '../helpers/cli.ts';

const welcome = loadJourneys().find((j) => j.id === 'welcome')!;
const SEED = 'qa.inbox@herald.test';

describe('a test send', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => stack?.stop());

  it('reaches the SES stand-in at the seed address in Arabic, is a test in the ledger, and leaves the caps alone', async () => {
    const sample = loadSample(welcome, {});
    const results = await sendTest(
      {
        email: stack.email,
        messaging: stack.messaging,
        store: stack.store,
        renderer: createRenderer(),
        clock: { now: () => new Date('2026-03-02T10:00:00Z') },
        unsubscribeUrl: 'https://herald.invalid/unsubscribe?test=1',
      },
      {
        journey: welcome,
        stepId: 'send-welcome',
        step: welcome.steps['send-welcome'] as SendStep,
        profile: sample.profile,
        event: sample.entryEvent,
        locale: 'ar',
        seeds: [{ email: SEED }],
      },
    );

    expect(results).toEqual([
      expect.objectContaining({ seed: 1, channel: 'email', status: 'sent', locale: 'ar' }),
    ]);
    const [email, ...others] = (await stack.ses!.emails()).filter((e) => e.destination.to.includes(SEED));
    expect(others).toEqual([]);
    expect(email?.body.html).toContain('dir="rtl"');
    expect(email?.subject).toMatch(/[\u0600-\u06FF]/);
    // Nothing went to the sample customer's own address.
    expect(
      (await stack.ses!.emails()).filter((e) => e.destination.to.includes(sample.profile.email ?? '-')),
    ).toEqual([]);
    expect(await stack.store.listLedger(sample.profile.id)).toEqual([
      expect.objectContaining({
        kind: 'test',
        test: true,
        outcome: 'sent',
        channel: 'email',
        stepId: 'send-welcome',
      }),
    ]);
    const caps: unknown[] = [];
    await stack.store.reserveCap(sample.profile.id, (entries) => {
      caps.push(...entries);
      return { result: undefined };
    });
    expect(caps).toEqual([]);
  });
});

describe('herald send-test', () => {
  let ses: SesLocalStandIn;
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-send-test-'));
  const seeds = (value: unknown) => {
    const file = path.join(dir, `seeds-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  beforeAll(async () => {
    ses = await startSesLocal();
  });
  afterAll(async () => ses?.stop());

  it('sends the step to each seed through an SES stand-in already running and reports each send', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    const to = seeds([{ email: 'cli.seed@herald.test' }]);
    await runCommand(
      registerSendTest,
      'send-test',
      'welcome',
      'send-welcome',
      '--to',
      to,
      '--locale',
      'ar',
      '--ses-endpoint',
      ses.endpoint,
    );

    expect(process.exitCode ?? 0).toBe(0);
    expect(written(stdout)).toContain('✓ test email (ar) to seed 1: sent');
    const received = (await ses.emails()).filter((e) => e.destination.to.includes('cli.seed@herald.test'));
    expect(received).toHaveLength(1);
    expect(received[0]?.body.html).toContain('dir="rtl"');
  });

  it('refuses a seed list with a bad address, naming the entry, and sends nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const before = (await ses.emails()).length;
    await runCommand(
      registerSendTest,
      'send-test',
      'welcome',
      'send-welcome',
      '--to',
      seeds([{ email: 'ok@herald.test' }, { phone: '0700 900' }]),
      '--ses-endpoint',
      ses.endpoint,
    );

    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain('/1/phone');
    expect(written(stderr)).toContain('not an E.164 phone number');
    expect((await ses.emails()).length).toBe(before);
    process.exitCode = 0;
  });
});

describe('seed list validation', () => {
  it('names every bad entry by its JSON path, without repeating the address', () => {
    const result = validateSeedList([
      { email: 'fine@herald.test' },
      { email: 'not-an-email' },
      {},
      { pushToken: { platform: 'WNS', token: 'x' } },
      { email: 'a@b.co', fax: '1' },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([
      ['/1/email', 'seed_list.address'],
      ['/2', 'seed_list.entry'],
      ['/3/pushToken', 'seed_list.address'],
      ['/4/fax', 'seed_list.entry'],
    ]);
    expect(JSON.stringify(result.problems)).not.toContain('not-an-email');
  });

  it('accepts email, E.164 phone and push token seeds', () => {
    expect(
      validateSeedList([
        { email: 'qa@herald.test', phone: '+14155550123', pushToken: { platform: 'APNS', token: 't' } },
      ]),
    ).toEqual({
      ok: true,
      seeds: [
        { email: 'qa@herald.test', phone: '+14155550123', pushToken: { platform: 'APNS', token: 't' } },
      ],
    });
  });

  it('refuses an empty list and a list that is not an array', () => {
    expect(validateSeedList([])).toMatchObject({ ok: false, problems: [{ code: 'seed_list.empty' }] });
    expect(validateSeedList({ email: 'x@y.z' })).toMatchObject({
      ok: false,
      problems: [{ code: 'seed_list.not_array' }],
    });
  });
});

/**
 * `--deployed`: the real SESv2Client, PinpointClient and DynamoDBClient with the default credential
 * chain, here pointed at the stand-ins by endpoint overrides; nothing contacts AWS.
 */
describe('herald send-test --deployed', () => {
  let ses: SesLocalStandIn;
  let sink: PinpointSinkStandIn;
  let dynamo: DynaliteStandIn;
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-send-test-deployed-'));
  const seedFile = path.join(dir, 'seeds.json');
  /** `herald send-test welcome send-welcome --to <seedFile> …args`. */
  const sendWelcomeTest = (...args: string[]) =>
    runCommand(registerSendTest, 'send-test', 'welcome', 'send-welcome', '--to', seedFile, ...args);
  const noAws = () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(dir, 'no-credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(dir, 'no-config'));
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  };
  beforeAll(async () => {
    [ses, sink, dynamo] = await Promise.all([startSesLocal(), startPinpointSink(), startDynalite()]);
  });
  afterAll(async () => {
    await Promise.allSettled([ses?.stop(), sink?.stop(), dynamo?.stop()]);
  });
  beforeEach(() => vi.restoreAllMocks());
  afterEach(() => {
    vi.unstubAllEnvs();
    process.exitCode = 0;
  });

  it('sends through SES and Pinpoint clients from the credential chain and records the test in the table', async () => {
    noAws();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    writeFileSync(seedFile, JSON.stringify([{ email: 'deployed.seed@herald.test', phone: '+14155550123' }]));
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await sendWelcomeTest(
      '--deployed',
      '--region',
      'eu-west-1',
      '--from',
      'Herald <hello@herald.test>',
      '--configuration-set',
      'herald',
      '--pinpoint-app',
      'app-deployed',
      '--table',
      dynamo.tableName,
      '--endpoint',
      dynamo.endpoint,
      '--ses-endpoint',
      ses.endpoint,
      '--pinpoint-endpoint',
      sink.endpoint,
    );

    expect(process.exitCode ?? 0).toBe(0);
    expect(written(stdout)).toContain('✓ test email');
    expect(written(stdout)).toContain(`recorded as tests in the ledger of table ${dynamo.tableName}`);
    const received = (await ses.emails()).filter((e) =>
      e.destination.to.includes('deployed.seed@herald.test'),
    );
    expect(received).toHaveLength(1);
    expect(received[0]?.from).toContain('hello@herald.test');
    const ledger = await new DynamoStore({ client: dynamo.client, tableName: dynamo.tableName }).listLedger(
      loadSample(welcome, {}).profile.id,
    );
    expect(ledger).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'test', test: true, channel: 'email', outcome: 'sent' }),
      ]),
    );
    // `preferred` in a test is every channel: the phone seed gets the SMS, through the given project.
    expect(sink.messages.filter((m) => m.address === '+14155550123')).toEqual([
      expect.objectContaining({ appId: 'app-deployed', channelType: 'SMS' }),
    ]);
    expect(ledger).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'test', channel: 'sms', outcome: 'sent' })]),
    );
  });

  it('fails with one line and no stack trace when there are no credentials and no endpoints', async () => {
    noAws();
    writeFileSync(seedFile, JSON.stringify([{ email: 'nobody.seed@herald.test' }]));
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const before = (await ses.emails()).length;
    await sendWelcomeTest('--deployed', '--from', 'Herald <hello@herald.test>');

    expect(process.exitCode).toBe(1);
    const text = written(stderr);
    expect(text.trim().split('\n'), text).toHaveLength(1);
    expect(text).toContain('send-test --deployed cannot reach AWS');
    expect(text).not.toMatch(/\n\s+at /);
    expect((await ses.emails()).length).toBe(before);
  });

  it('asks for --from when a seed has an email address', async () => {
    noAws();
    writeFileSync(seedFile, JSON.stringify([{ email: 'nobody.seed@herald.test' }]));
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    await sendWelcomeTest('--deployed');

    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain('--from is required');
  });

  it('refuses --table and the other deployed options without --deployed, sending nothing', async () => {
    writeFileSync(seedFile, JSON.stringify([{ email: 'nodeploy.seed@herald.test' }]));
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    await sendWelcomeTest('--table', dynamo.tableName, '--ses-endpoint', ses.endpoint);

    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain('--table applies only with --deployed');
    expect(
      (await ses.emails()).filter((e) => e.destination.to.includes('nodeploy.seed@herald.test')),
    ).toEqual([]);
  });
});
