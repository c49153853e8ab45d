/**
 * Journey controls end to end on the real handlers and dynalite: the control handler writes the
 * `JOURNEY#<id>`/`CONTROL` item, ingest and the step function act on it. Every call, the control
 * function's included, is evaluated against its deployed role when the runtime stops (harness.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerJourney } from '../../cli/commands/journey.ts';
import type { StepOp } from '../../engine/contract.ts';
import type { CustomerEvent } from '../../engine/data.ts';
import type { Journey, Step } from '../../engine/schema.ts';
import { DynamoJourneyControls } from '../../functions/adapters/dynamo-controls.ts';
import { createControlHandler } from '../../functions/handlers/control.ts';
import { createLogger, createMetrics } from '../../functions/observability.ts';
import { runCommand, written } from '../helpers/cli.ts';
import {
  cartEvent,
  enrollmentFor,
  httpEvent,
  type Runtime,
  reachableProfile,
  sendJourney,
  startRuntime,
  stepRequest,
} from './support/harness.ts';

const PAUSED = sendJourney('promo-paused');
const STOPPED = sendJourney('promo-stopped');
const DRAINED = sendJourney('promo-drained');
const READING = sendJourney('promo-reads');
/** A promo journey whose `first` step comes before its one email. */
const beforeSend = (id: string, first: string, step: Step): Journey => ({
  ...sendJourney(id),
  start: first,
  steps: {
    [first]: step,
    send: { type: 'send', message: 'hello', channels: ['email'], next: 'done' },
    done: { type: 'exit' },
  },
});
const WAITING = beforeSend('promo-waiting', 'wait', {
  type: 'waitForEvent',
  event: 'order_placed',
  timeout: 'P1D',
  onEvent: 'send',
  onTimeout: 'done',
});
const BRANCHING = beforeSend('promo-branching', 'choose', {
  type: 'branch',
  branches: [{ name: 'ordered', when: { did: 'order_placed', since: 'entry' }, next: 'done' }],
  otherwise: 'send',
});
const UPDATING = beforeSend('promo-updating', 'record', {
  type: 'update',
  attribute: 'cartReminderVariant',
  value: 'discount',
  next: 'send',
});

describe('journey controls', () => {
  let rt: Runtime;
  let control: ReturnType<typeof createControlHandler>;
  const act = async (journeyId: string, body: unknown) => {
    const response = await control({ body: JSON.stringify(body), pathParameters: { id: journeyId } });
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };
  const emailsTo = async (customerId: string) =>
    (await rt.ses.emails()).filter((e) => e.destination.to.includes(`${customerId}@example.com`));

  beforeAll(async () => {
    rt = await startRuntime({
      journeys: [PAUSED, STOPPED, DRAINED, READING, WAITING, BRANCHING, UPDATING],
      now: '2025-06-02T12:00:00Z',
    });
    control = rt.awsCalls.as(
      'control',
      createControlHandler({
        journeys: rt.journeys,
        controls: new DynamoJourneyControls({ client: rt.dynamo.client, tableName: rt.dynamo.tableName }),
        clock: rt.clock,
        logger: createLogger('control', { logLevel: 'SILENT' }),
        metrics: createMetrics('control', { silent: true }),
      }),
    );
  });
  afterAll(async () => rt?.stop());

  it('holds a paused journey’s send with reason journey_paused, sends nothing, and sends it once resumed', async () => {
    await rt.seedProfile(reachableProfile('c-pause'));
    expect(await act(PAUSED.id, { action: 'pause', note: 'copy review' })).toEqual({
      status: 200,
      body: { ok: true, journeyId: PAUSED.id, previous: 'active', state: 'paused', changed: true },
    });
    const request = stepRequest(PAUSED, enrollmentFor(PAUSED, 'c-pause'));

    const held = await rt.step(request);

    expect(held).toEqual({ outcome: 'defer', until: '2025-06-02T12:30:00.000Z', reason: 'journey_paused' });
    expect(await emailsTo('c-pause')).toHaveLength(0);
    expect(await rt.store.listLedger('c-pause')).toContainEqual(
      expect.objectContaining({ outcome: 'deferred', reasons: ['journey_paused'], stepId: 'send' }),
    );

    expect((await act(PAUSED.id, { action: 'resume' })).body.state).toBe('active');
    rt.clock.set('2025-06-02T12:30:00Z');
    const released = await rt.step(request);
    rt.clock.set('2025-06-02T12:00:00Z');

    expect(released).toMatchObject({ outcome: 'next', detail: { sent: true } });
    expect(await emailsTo('c-pause')).toHaveLength(1);
  });

  it('lets a paused wait-for-event register its wait (it still resumes on its event); only sends are held', async () => {
    await rt.seedProfile(reachableProfile('c-wait'));
    await act(WAITING.id, { action: 'pause' });
    const enrollment = enrollmentFor(WAITING, 'c-wait');

    const waiting = await rt.step({
      ...stepRequest(WAITING, enrollment, 'wait', 'waitForEvent'),
      taskToken: 't-1',
    });
    const send = await rt.step(stepRequest(WAITING, enrollment, 'send', 'send'));

    expect(waiting.outcome).toBe('wait');
    expect(await rt.store.listWaitTokens('c-wait', 'order_placed')).toHaveLength(1);
    expect(send).toMatchObject({ outcome: 'defer', reason: 'journey_paused' });
  });

  it('exits a stopped journey’s customer at the next step with journey_stopped, and refuses entrants', async () => {
    await rt.seedProfile(reachableProfile('c-stop'));
    expect((await act(STOPPED.id, { action: 'stop' })).body.state).toBe('stopped');

    const before = rt.awsCalls.calls.length;
    const result = await rt.step(stepRequest(STOPPED, enrollmentFor(STOPPED, 'c-stop')));
    const writes = rt.awsCalls.calls
      .slice(before)
      .filter((c) => c.fn === 'step' && c.client === 'DynamoDBClient' && /Put|Update|Write/.test(c.operation))
      .map((c) => c.operation);
    const entry = await rt.ingest(httpEvent('POST', { body: JSON.stringify(cart(STOPPED, 'c-stop-new')) }));

    expect(result).toEqual({ outcome: 'exit', reason: 'journey_stopped' });
    // The ledger entry and the enrollment's end, in one request.
    expect(writes).toEqual(['BatchWriteItem']);
    expect(await rt.store.listEnrollments('c-stop')).toEqual([
      expect.objectContaining({ status: 'stopped', reason: 'journey_stopped' }),
    ]);
    expect(await emailsTo('c-stop')).toHaveLength(0);
    expect(await rt.store.listLedger('c-stop')).toContainEqual(
      expect.objectContaining({ outcome: 'exited', reasons: ['journey_stopped'] }),
    );
    expect(JSON.parse((entry as { body: string }).body).skipped).toContainEqual({
      journeyId: STOPPED.id,
      reason: 'journey_stopped',
    });
    const entered = (await rt.store.listEnrollments('c-stop-new')).map((r) => r.enrollment.journeyId);
    expect(entered).not.toContain(STOPPED.id);
  });

  /** One step of `journey` for `customerId`: its result, and the DynamoDB reads it made. */
  const stepReads = async (journey: Journey, customerId: string, stepId: string, op: StepOp) => {
    const before = rt.awsCalls.calls.length;
    const result = await rt.step(stepRequest(journey, enrollmentFor(journey, customerId), stepId, op));
    const reads = rt.awsCalls.calls
      .slice(before)
      .filter((c) => c.fn === 'step' && c.client === 'DynamoDBClient')
      .map((c) => c.operation)
      .filter((operation) => /Get|Query/.test(operation));
    return { result, reads };
  };

  it('reads a flow step’s control in the same request as its profile, and exits it there once stopped', async () => {
    await rt.seedProfile(reachableProfile('c-branch'));
    const branch = () => stepReads(BRANCHING, 'c-branch', 'choose', 'branch');
    const active = await branch();
    expect(active.result).toMatchObject({ outcome: 'next', next: 'send' });
    expect(active.reads).toEqual(['BatchGetItem', 'Query']);

    expect((await act(BRANCHING.id, { action: 'stop' })).body.state).toBe('stopped');
    const stopped = await branch();
    expect(stopped.result).toMatchObject({ outcome: 'exit', reason: 'journey_stopped' });
    expect(stopped.reads).toEqual(['BatchGetItem', 'Query']);
    expect(await rt.store.listLedger('c-branch')).toContainEqual(
      expect.objectContaining({ stepId: 'choose', outcome: 'exited', reasons: ['journey_stopped'] }),
    );
  });

  it('reads a send’s control with its profile, cap window and step record, then re-reads only the profile for consent', async () => {
    await rt.seedProfile(reachableProfile('c-send-reads'));
    // The control of READING is read here for the first time, so no cache holds it.
    const { result, reads } = await stepReads(READING, 'c-send-reads', 'send', 'send');
    expect(result).toMatchObject({ outcome: 'next', detail: { sent: true } });
    expect(reads).toEqual(['BatchGetItem', 'Query', 'GetItem']);
    expect(await emailsTo('c-send-reads')).toHaveLength(1);
  });

  it('updates the profile from the flow step’s own read of it: one read request for the profile and the control', async () => {
    await rt.seedProfile(reachableProfile('c-update', { locale: 'fa-IR' }));
    const { result, reads } = await stepReads(UPDATING, 'c-update', 'record', 'update');

    expect(result).toMatchObject({ outcome: 'next', next: 'send' });
    expect(reads).toEqual(['BatchGetItem', 'Query']);
    const profile = await rt.store.getProfile('c-update');
    expect(profile?.attributes?.cartReminderVariant).toBe('discount');
    expect(profile?.locale).toBe('fa-IR');
  });

  it('refuses new entrants of a draining journey with journey_draining while a running customer still gets the send', async () => {
    await rt.seedProfile(reachableProfile('c-running'));
    await act(DRAINED.id, { action: 'drain' });

    const response = await rt.ingest(httpEvent('POST', { body: JSON.stringify(cart(DRAINED, 'c-new')) }));
    const running = await rt.step(stepRequest(DRAINED, enrollmentFor(DRAINED, 'c-running')));

    const body = JSON.parse((response as { body: string }).body);
    expect(body.accepted).toBe(true);
    expect(body.skipped).toContainEqual({ journeyId: DRAINED.id, reason: 'journey_draining' });
    const entered = (await rt.store.listEnrollments('c-new')).map((r) => r.enrollment.journeyId);
    expect(entered).not.toContain(DRAINED.id);
    expect(entered).toContain(PAUSED.id);
    expect(await rt.store.listLedger('c-new')).toContainEqual(
      expect.objectContaining({ kind: 'entry', outcome: 'skipped', reasons: ['journey_draining'] }),
    );
    expect(running).toMatchObject({ outcome: 'next', detail: { sent: true } });
  });

  it('refuses a transition the state machine does not list with 409 and the actions it would accept', async () => {
    await act(DRAINED.id, { action: 'drain' });
    expect(await act(DRAINED.id, { action: 'resume' })).toMatchObject({
      status: 409,
      body: { code: 'invalid_transition', state: 'draining', suggestion: 'a draining journey accepts: stop' },
    });
  });

  it('answers 404 with a suggestion for an unknown journey and 400 naming /action for an unknown action', async () => {
    const unknown = await act('promo-pased', { action: 'pause' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.problems[0].message).toContain('did you mean `promo-paused`?');
    const bad = await act(PAUSED.id, { action: 'paws' });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ path: '/action', code: 'invalid_action' })]);
  });

  function cart(journey: Journey, customerId: string): CustomerEvent {
    return { ...cartEvent(customerId, `${journey.id}-${customerId}`), time: '2025-06-02T11:59:00Z' };
  }
});

describe('the control read cache', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [PAUSED], now: '2025-06-02T12:00:00Z' });
  });
  afterAll(async () => rt?.stop());

  it('reuses a read for cacheMs and reads the table again after it', async () => {
    let nowMs = 0;
    const table = { client: rt.dynamo.client, tableName: rt.dynamo.tableName };
    const cached = new DynamoJourneyControls({ ...table, cacheMs: 5_000, nowMs: () => nowMs });
    const writer = new DynamoJourneyControls(table);
    expect(await cached.stateOf('x')).toBe('active');

    await writer.put({ journeyId: 'x', state: 'paused', updatedAt: '2025-06-02T12:00:00Z' }, 0);
    nowMs = 4_999;
    const stale = await cached.stateOf('x');
    nowMs = 5_000;
    const fresh = await cached.stateOf('x');

    expect([stale, fresh]).toEqual(['active', 'paused']);
  });

  it('refuses a write whose expected version is no longer stored', async () => {
    const controls = new DynamoJourneyControls({ client: rt.dynamo.client, tableName: rt.dynamo.tableName });
    expect(await controls.put({ journeyId: 'y', state: 'paused', updatedAt: 'a' }, 0)).toBe(true);
    expect(await controls.put({ journeyId: 'y', state: 'stopped', updatedAt: 'b' }, 0)).toBe(false);
    expect((await controls.get('y'))?.state).toBe('paused');
  });
});

describe('herald journey', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime({ journeys: [PAUSED], now: '2025-06-02T12:00:00Z' });
  });
  afterAll(async () => rt?.stop());
  // The files of one worker share its process (vitest.config.ts): the stubs end with each test.
  afterEach(() => vi.unstubAllEnvs());
  beforeEach(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  const journey = (...args: string[]) =>
    runCommand(
      registerJourney,
      'journey',
      ...args,
      '--table',
      rt.dynamo.tableName,
      '--endpoint',
      rt.dynamo.endpoint,
    );

  it('pauses a workflows/ journey in the table through the control handler, and says what changed', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    await journey('pause', 'welcome');

    expect(process.exitCode ?? 0).toBe(0);
    expect(written(stdout)).toBe(`✓ welcome: active → paused (table ${rt.dynamo.tableName})\n`);
    const stored = new DynamoJourneyControls({ client: rt.dynamo.client, tableName: rt.dynamo.tableName });
    expect((await stored.get('welcome'))?.state).toBe('paused');
  });

  it('exits 1 naming the refusal when the transition is not allowed', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    await journey('stop', 'cart-abandonment');
    await journey('resume', 'cart-abandonment');

    expect(process.exitCode).toBe(1);
    expect(written(stderr)).toContain('cannot resume a journey that is stopped');
    process.exitCode = 0;
  });
});
