/**
 * What `herald serve` shows, read from where the system keeps it: executions from the workflow
 * runner, the ledger, profiles and events from DynamoDB (dynalite), the emails from
 * aws-ses-v2-local's own store and SMS/push from the Pinpoint sink. Nothing is copied on the way in:
 * the page shows what the stand-ins stored.
 *
 * Every DynamoDB read is tracked work on the simulated clock (local/clock.ts): the SDK's timers are
 * then created and cleared while the clock stands still.
 */
import type { CustomerEvent, Profile } from '../../engine/data.ts';
import type { LedgerRecord } from '../../engine/ledger.ts';
import type { ExecutionRecord } from '../runner.ts';
import type { LocalSystem } from '../system.ts';

export interface JourneyCounts {
  id: string;
  name: string;
  version: number;
  /** Customers who entered (an execution started, or held out as the control group). */
  entered: number;
  /** Executions still running (waiting, or working). */
  active: number;
  /** Messages a provider accepted. */
  sent: number;
}

export interface SentMessage {
  /** Simulated time the stand-in received it (ISO). */
  at: string;
  channel: 'email' | 'sms' | 'push';
  to: string;
  subject?: string;
  body: string;
  providerMessageId: string;
  journeyId?: string;
  stepId?: string;
  customerId?: string;
}

export interface ServeState {
  now: string;
  journeys: JourneyCounts[];
  ledger: LedgerRecord[];
  messages: SentMessage[];
  customers: string[];
  errors: number;
}

export interface CustomerView {
  id: string;
  profile?: Profile;
  events: CustomerEvent[];
  ledger: LedgerRecord[];
  executions: ExecutionRecord[];
  messages: SentMessage[];
}

const byTime = <T extends { at: string }>(a: T, b: T) => a.at.localeCompare(b.at);

export async function readLedger(system: LocalSystem, customers: Iterable<string>): Promise<LedgerRecord[]> {
  const all: LedgerRecord[] = [];
  for (const id of customers)
    all.push(...(await system.clock.track(() => system.stack.store.listLedger(id), id)));
  return all.sort(byTime);
}

/** Emails (aws-ses-v2-local's store) and SMS/push (the Pinpoint sink), with the ledger's who and why. */
export async function readMessages(system: LocalSystem, ledger: LedgerRecord[]): Promise<SentMessage[]> {
  const bySend = new Map(
    ledger.filter((r) => r.providerMessageId && r.kind === 'decision').map((r) => [r.providerMessageId!, r]),
  );
  const who = (id: string) => {
    const r = bySend.get(id);
    return {
      ...(r?.journeyId ? { journeyId: r.journeyId } : {}),
      ...(r?.stepId ? { stepId: r.stepId } : {}),
      ...(r ? { customerId: r.customerId } : {}),
    };
  };
  const emails = system.stack.ses ? await system.stack.ses.emails() : [];
  const messages: SentMessage[] = emails.map((e) => ({
    // aws-ses-v2-local stamps `at` (epoch seconds) from this process's clock: the simulated one.
    at: new Date(e.at * 1000).toISOString(),
    channel: 'email',
    to: e.destination.to.join(', '),
    subject: e.subject,
    body: e.body.text ?? e.body.html ?? '',
    providerMessageId: e.messageId,
    ...who(e.messageId),
  }));
  for (const m of system.stack.pinpoint.messages) {
    if (m.deliveryStatus !== 'SUCCESSFUL') continue;
    messages.push({
      at: m.at,
      channel: m.channelType === 'SMS' ? 'sms' : 'push',
      to: m.address,
      ...(m.title ? { subject: m.title } : {}),
      body: m.body ?? '',
      providerMessageId: m.messageId ?? '',
      ...who(m.messageId ?? ''),
    });
  }
  return messages.sort(byTime);
}

export function journeyCounts(
  system: LocalSystem,
  executions: ExecutionRecord[],
  ledger: LedgerRecord[],
): JourneyCounts[] {
  return system.journeys.map((j) => {
    const own = executions.filter((e) => e.journeyId === j.id);
    const mine = ledger.filter((r) => r.journeyId === j.id);
    return {
      id: j.id,
      name: j.name,
      version: j.version,
      entered: own.length + mine.filter((r) => r.kind === 'holdout').length,
      active: own.filter((e) => e.status === 'RUNNING').length,
      sent: mine.filter((r) => r.kind === 'decision' && r.outcome === 'sent').length,
    };
  });
}

export async function readState(system: LocalSystem, customers: ReadonlySet<string>): Promise<ServeState> {
  const ledger = await readLedger(system, customers);
  return {
    now: system.clock.now().toISOString(),
    journeys: journeyCounts(system, system.workflows.executions(), ledger),
    ledger,
    messages: await readMessages(system, ledger),
    customers: [...customers].sort(),
    errors: system.clock.errors.length,
  };
}

export async function readCustomer(system: LocalSystem, id: string): Promise<CustomerView> {
  const store = system.stack.store;
  const [profile, events, ledger] = await system.clock.track(
    () => Promise.all([store.getProfile(id), store.listEvents(id), store.listLedger(id)]),
    id,
  );
  const ids = new Set(ledger.map((r) => r.providerMessageId).filter(Boolean));
  const messages = (await readMessages(system, ledger)).filter((m) => ids.has(m.providerMessageId));
  return {
    id,
    ...(profile ? { profile } : {}),
    events: [...events].sort((a, b) => a.time.localeCompare(b.time)),
    ledger: [...ledger].sort(byTime),
    executions: system.workflows.executions().filter((e) => e.customerId === id),
    messages,
  };
}
