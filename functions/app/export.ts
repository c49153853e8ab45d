/**
 * The export of one customer: every kind of CUSTOMER_DATA whose `export` names a section, read
 * consistently from the table and assembled by engine/privacy/export.ts.
 */
import { CUSTOMER_DATA } from '../../engine/privacy/customer-data.ts';
import { assembleExport, type CustomerExport } from '../../engine/privacy/export.ts';
import type { PrivacyDeps } from './privacy.ts';
import type { Resolved } from './runtime.ts';

export async function exportCustomer(rt: Resolved<PrivacyDeps>, customerId: string): Promise<CustomerExport> {
  const [profile, events, enrolments, messages, ledger, engaged] = await Promise.all([
    rt.store.getProfile(customerId),
    rt.store.listEvents(customerId),
    rt.store.listEnrollments(customerId),
    rt.store.listSentMessages(customerId),
    rt.store.listLedger(customerId),
    rt.privacy.ownItems(customerId, 'customer', 'ENGAGED#'),
  ]);
  const engagement = new Map<string, { openedAt?: string; clickedAt?: string }>();
  for (const item of engaged) {
    const id = item.providerMessageId as string;
    const kind = String(item.sk).endsWith('#clicked') ? 'clickedAt' : 'openedAt';
    engagement.set(id, { ...engagement.get(id), [kind]: item.at as string });
  }
  rt.metrics.addMetric('CustomersExported', 'Count', 1);
  return assembleExport({
    customerId,
    now: rt.clock.now(),
    profile,
    events,
    enrolments: enrolments.map(({ enrollment, status, updatedAt, reason }) => ({
      journeyId: enrollment.journeyId,
      journeyVersion: enrollment.journeyVersion,
      enrolmentId: enrollment.id,
      enteredAt: enrollment.enteredAt,
      status,
      updatedAt,
      ...(reason ? { reason } : {}),
    })),
    messages: messages.map(({ customerId: _c, executionId: _e, ...message }) => ({
      ...message,
      ...engagement.get(message.providerMessageId),
    })),
    ledger,
    notHeld: CUSTOMER_DATA.filter((k) => k.export === 'none' && k.status === 'live').map(
      (k) => `${k.kind}: ${k.note}`,
    ),
  });
}
