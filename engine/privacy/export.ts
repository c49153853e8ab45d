/**
 * The export of one customer (GDPR art. 15 access, CCPA "right to know"): everything Herald holds
 * about them, as one JSON document. Its shape is declared once here; docs/customer-export.schema.json
 * is generated from it (test/unit/customer-export.test.ts fails when it is stale). Each section is
 * filled from the kinds of CUSTOMER_DATA whose `export` names it (./customer-data.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { type CustomerEvent, Profile } from '../data.ts';
import type { LedgerRecord } from '../ledger.ts';
import { ChannelName } from '../schema.ts';

export const EXPORT_FORMAT = 'herald.customer-export/1';

const ConsentChange = Type.Object({
  at: Type.String(),
  channel: ChannelName,
  status: Type.Union([Type.Literal('opted_in'), Type.Literal('opted_out'), Type.Literal('unknown')]),
  source: Type.String({ description: 'signup_form, unsubscribe_link, sms_stop, unsubscribed_event, …' }),
});

const Enrolment = Type.Object({
  journeyId: Type.String(),
  journeyVersion: Type.Integer(),
  enrolmentId: Type.String(),
  enteredAt: Type.String(),
  status: Type.String({ description: 'active, exited or stopped' }),
  updatedAt: Type.String(),
  reason: Type.Optional(Type.String()),
});

const Message = Type.Object({
  at: Type.String(),
  channel: ChannelName,
  journeyId: Type.String(),
  journeyVersion: Type.Integer(),
  stepId: Type.String(),
  locale: Type.String(),
  subject: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  body: Type.String({ description: 'As sent: the email text part, the SMS, the push body.' }),
  providerMessageId: Type.String(),
  openedAt: Type.Optional(Type.String()),
  clickedAt: Type.Optional(Type.String()),
});

const Decision = Type.Object({
  at: Type.String(),
  kind: Type.String({ description: 'decision, holdout, feedback, consent, profile, entry, test' }),
  outcome: Type.String(),
  reasons: Type.Array(Type.String(), { description: 'Stable reason codes, e.g. sms:quiet_hours' }),
  journeyId: Type.Optional(Type.String()),
  journeyVersion: Type.Optional(Type.Integer()),
  stepId: Type.Optional(Type.String()),
  channel: Type.Optional(ChannelName),
  variant: Type.Optional(Type.String()),
  until: Type.Optional(Type.String()),
  providerMessageId: Type.Optional(Type.String()),
});

export const CustomerExport = Type.Object(
  {
    format: Type.Literal(EXPORT_FORMAT),
    customerId: Type.String(),
    exportedAt: Type.String(),
    profile: Type.Union([Profile, Type.Null()], { description: 'null when Herald holds no profile' }),
    consentHistory: Type.Array(ConsentChange, {
      description: 'Oldest first; the last per channel is current.',
    }),
    events: Type.Array(Type.Unknown(), { description: 'Every stored event as received, oldest first.' }),
    journeys: Type.Array(Enrolment),
    messages: Type.Array(Message, { description: 'What the customer received, oldest first.' }),
    decisions: Type.Array(Decision, {
      description: 'Every decision about them and its reasons, oldest first.',
    }),
    notHeld: Type.Array(Type.String(), {
      description: 'Kinds Herald keeps but does not export, and why (credentials, indexes).',
    }),
  },
  {
    $id: 'https://herald.example/customer-export.schema.json',
    title: 'Herald customer export',
    description:
      'Everything Herald holds about one customer (GET /customers/{id}/export, herald customer export).',
  },
);
export type CustomerExport = Static<typeof CustomerExport>;

export interface ExportInput {
  customerId: string;
  now: Date;
  profile: Profile | undefined;
  events: CustomerEvent[];
  enrolments: Static<typeof Enrolment>[];
  messages: Static<typeof Message>[];
  ledger: LedgerRecord[];
  notHeld: string[];
}

const byAt = <T extends { at: string }>(a: T, b: T) => Date.parse(a.at) - Date.parse(b.at);

export function assembleExport(input: ExportInput): CustomerExport {
  const events = [...input.events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return {
    format: EXPORT_FORMAT,
    customerId: input.customerId,
    exportedAt: input.now.toISOString(),
    profile: input.profile ?? null,
    consentHistory: consentHistory(events, input.ledger),
    events,
    journeys: [...input.enrolments].sort((a, b) => Date.parse(a.enteredAt) - Date.parse(b.enteredAt)),
    messages: [...input.messages].sort(byAt),
    decisions: [...input.ledger].sort(byAt).map(decisionOf),
    notHeld: input.notHeld,
  };
}

function decisionOf(record: LedgerRecord): Static<typeof Decision> {
  const { at, kind, outcome, reasons, journeyId, journeyVersion, stepId, channel, variant, until } = record;
  return {
    at,
    kind,
    outcome,
    reasons,
    ...(journeyId !== undefined ? { journeyId } : {}),
    ...(journeyVersion !== undefined ? { journeyVersion } : {}),
    ...(stepId !== undefined ? { stepId } : {}),
    ...(channel !== undefined ? { channel } : {}),
    ...(variant !== undefined ? { variant } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(record.providerMessageId !== undefined ? { providerMessageId: record.providerMessageId } : {}),
  };
}

const CHANNELS = ['email', 'sms', 'push'] as const;

/** Consent as given in events (sign-up forms, unsubscribes) and as recorded by Herald (links, STOP). */
function consentHistory(events: CustomerEvent[], ledger: LedgerRecord[]): Static<typeof ConsentChange>[] {
  const changes: Static<typeof ConsentChange>[] = [];
  for (const event of events) {
    const props = event.properties as { profile?: { consent?: Record<string, unknown> }; channel?: unknown };
    for (const [channel, given] of Object.entries(props.profile?.consent ?? {})) {
      if (!(CHANNELS as readonly string[]).includes(channel) || typeof given !== 'boolean') continue;
      const status = given ? 'opted_in' : 'opted_out';
      changes.push({ at: event.time, channel: channel as ChannelName, status, source: event.type });
    }
    if (event.type === 'unsubscribed') {
      const only = typeof props.channel === 'string' ? [props.channel] : CHANNELS;
      for (const channel of only.filter((c) => (CHANNELS as readonly string[]).includes(c)))
        changes.push({
          at: event.time,
          channel: channel as ChannelName,
          status: 'opted_out',
          source: 'unsubscribed_event',
        });
    }
  }
  for (const record of ledger) {
    if (record.outcome !== 'opted_out' || !record.channel) continue;
    const source = record.reasons[0]?.split(':')[1] ?? record.kind;
    changes.push({ at: record.at, channel: record.channel, status: 'opted_out', source });
  }
  return changes.sort(byAt);
}

export function renderExportSchema(): string {
  return `${JSON.stringify(CustomerExport, null, 2)}\n`;
}
