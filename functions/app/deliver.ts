/**
 * The provider call for one channel, and what a provider's refusal teaches about the customer
 * (a dead push token is forgotten, a carrier opt-out opts the number out of SMS).
 */
import type { Profile } from '../../engine/data.ts';
import { applyFeedback } from '../../engine/feedback.ts';
import type { ChannelAddresses, RenderedMessage } from '../../engine/policy/index.ts';
import type { ChannelName } from '../../engine/schema.ts';
import type { SendOutcome } from '../ports.ts';
import type { StepRuntime } from './send.ts';

export async function deliver(
  rt: StepRuntime,
  channel: ChannelName,
  rendered: RenderedMessage,
  addresses: ChannelAddresses,
  links: { url: string; mailto?: string },
  tags: Record<string, string>,
  category: 'marketing' | 'transactional',
): Promise<SendOutcome> {
  switch (channel) {
    case 'email':
      if (!rendered.email || !addresses.email) return { status: 'permanent_failure', reason: 'no_content' };
      return rt.email.sendEmail({
        to: addresses.email,
        ...rendered.email,
        unsubscribeUrl: links.url,
        ...(links.mailto ? { unsubscribeMailto: links.mailto } : {}),
        tags,
      });
    case 'sms':
      if (!rendered.sms || !addresses.sms) return { status: 'permanent_failure', reason: 'no_content' };
      return rt.messaging.sendSms({ to: addresses.sms, body: rendered.sms.body, category, tags });
    case 'push':
      if (!rendered.push || !addresses.push) return { status: 'permanent_failure', reason: 'no_content' };
      return rt.messaging.sendPush({ tokens: addresses.push, ...rendered.push, tags });
  }
}

export async function forgetInvalidTokens(
  rt: StepRuntime,
  customerId: string,
  tokens: string[] | undefined,
  now: Date,
) {
  if (!tokens || tokens.length === 0) return;
  await rt.store.updateProfile(customerId, (current) => {
    if (!current) return undefined;
    let profile: Profile = current;
    for (const token of tokens) {
      profile =
        applyFeedback(profile, { kind: 'push_token_invalid', channel: 'push', token }, now.toISOString())
          .profile ?? profile;
    }
    return profile;
  });
}

export async function optOutSms(rt: StepRuntime, customerId: string, now: Date) {
  await rt.store.updateProfile(customerId, (current) =>
    current
      ? applyFeedback(
          current,
          { kind: 'failed', channel: 'sms', permanent: true, reason: 'opt_out' },
          now.toISOString(),
        ).profile
      : undefined,
  );
}
