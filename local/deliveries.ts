/**
 * What each customer received, read from the stand-ins' own records: the SES store (content) with
 * the SES proxy's receipts (when each email arrived, on the simulated clock, and its message
 * tags), and the Pinpoint sink. Who received it comes from the address the customer was seeded
 * with, never from the ledger; which journey step and run sent it, from the message tags the
 * provider received (SES `EmailTags`, Pinpoint `Context`). The ledger decision is joined by provider
 * message id only so that `recordedSends` can compare the two sides.
 */
import type { LedgerRecord } from '../engine/ledger.ts';
import type { ChannelName } from '../engine/schema.ts';
import type { ObservedRun } from './invariants.ts';
import type { EmailReceipt, StoredEmail } from './standins/index.ts';

/** One message a customer actually received, as a stand-in recorded it, joined to its ledger decision. */
export interface Delivery {
  channel: ChannelName;
  /** The recipient's address as the stand-in has it (email address, phone number or push token). */
  address?: string;
  customerId?: string;
  messageId?: string;
  /** When the stand-in received it (simulated time); absent when it has no record of that. */
  at?: string;
  /** Which journey step and run (execution name) sent it: SES tags, Pinpoint `Context`. */
  journeyId?: string;
  stepId?: string;
  run?: string;
  /** The customer the email's List-Unsubscribe link names. */
  linkCustomerId?: string;
  decision?: LedgerRecord;
  html?: string;
  headers?: { name: string; value: string }[];
}

export function collectDeliveries(run: ObservedRun): Delivery[] {
  const sentBy = new Map<string, LedgerRecord>();
  for (const r of run.ledger) {
    if (r.kind === 'decision' && r.outcome === 'sent' && r.providerMessageId)
      sentBy.set(r.providerMessageId, r);
  }
  const byAddress = new Map<string, string>();
  const byEmail = new Map<string, string[]>();
  for (const c of run.customers) {
    if (c.phone) byAddress.set(c.phone, c.id);
    if (c.pushToken) byAddress.set(c.pushToken, c.id);
    // Several customers may share one (SES's mailbox simulator addresses, in the demo).
    if (c.email) byEmail.set(c.email.toLowerCase(), [...(byEmail.get(c.email.toLowerCase()) ?? []), c.id]);
  }
  const receipts = new Map<string, EmailReceipt>(run.emailReceipts.map((r) => [r.messageId, r]));
  const out: Delivery[] = [];
  for (const e of run.emails) {
    const decision = sentBy.get(e.messageId);
    const receipt = receipts.get(e.messageId);
    const address = e.destination.to[0] ?? receipt?.recipients[0];
    const linkCustomerId = customerFromUnsubscribe(e);
    const owners = address ? (byEmail.get(address.toLowerCase()) ?? []) : [];
    // The address decides; a shared address is told apart by the link the recipient got.
    const customerId = owners.length === 1 ? owners[0] : owners.find((id) => id === linkCustomerId);
    const tags = receipt?.tags ?? {};
    out.push({
      channel: 'email',
      messageId: e.messageId,
      ...(address ? { address } : {}),
      ...(customerId ? { customerId } : {}),
      // Only the proxy's receipt: aws-ses-v2-local's `at` is the wall clock of the main thread.
      ...(receipt ? { at: receipt.at } : {}),
      ...(tags.journey ? { journeyId: tags.journey } : {}),
      ...(tags.step ? { stepId: tags.step } : {}),
      ...(tags.run ? { run: tags.run } : {}),
      ...(linkCustomerId ? { linkCustomerId } : {}),
      ...(decision ? { decision } : {}),
      ...(e.body.html !== undefined ? { html: e.body.html } : {}),
      ...(e.headers ? { headers: e.headers } : {}),
    });
  }
  for (const m of run.sink) {
    if (m.deliveryStatus !== 'SUCCESSFUL') continue;
    const decision = m.messageId ? sentBy.get(m.messageId) : undefined;
    // The journey tags the request carried as its Pinpoint `Context`.
    const tags = m.context ?? {};
    const customerId = byAddress.get(m.address);
    out.push({
      channel: m.channelType === 'SMS' ? 'sms' : 'push',
      address: m.address,
      ...(m.messageId ? { messageId: m.messageId } : {}),
      ...(customerId ? { customerId } : {}),
      at: m.at,
      ...(tags.journey ? { journeyId: tags.journey } : {}),
      ...(tags.step ? { stepId: tags.step } : {}),
      ...(tags.run ? { run: tags.run } : {}),
      ...(decision ? { decision } : {}),
    });
  }
  return out;
}

/** The customer named in the email's signed List-Unsubscribe token (payload only; not verified). */
function customerFromUnsubscribe(email: StoredEmail): string | undefined {
  const header = email.headers?.find((h) => h.name.toLowerCase() === 'list-unsubscribe')?.value ?? '';
  const token = /token=([^&>\s]+)/.exec(header)?.[1];
  const payload = token ? decodeURIComponent(token).split('.')[1] : undefined;
  if (!payload) return undefined;
  try {
    const [customerId] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string];
    return typeof customerId === 'string' ? customerId : undefined;
  } catch {
    return undefined;
  }
}
