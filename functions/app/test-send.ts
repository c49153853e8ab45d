/**
 * A test send (`herald send-test`): one send step's message, rendered for a sample profile, sent
 * through the configured providers to each seed address. Marked as a test everywhere it is kept:
 * a ledger record of kind `test` with `test: true` under the sample customer, which analytics and
 * the cap window never read (caps are reserved only by the send protocol, which a test send does
 * not enter). Consent, suppression and quiet hours are not applied: they protect customers, and a
 * seed address is the operator's own inbox or device; the sample profile's addresses are never used.
 */
import type { CustomerEvent, Product, Profile } from '../../engine/data.ts';
import { isChannelName, messageCategory, type Renderer } from '../../engine/policy/index.ts';
import type { ChannelName, Journey, SendStep } from '../../engine/schema.ts';
import type { Seed } from '../../engine/seed-list.ts';
import type { Clock, EmailSender, MessagingSender, SendOutcome, Store } from '../ports.ts';

export interface TestSendRuntime {
  email: EmailSender;
  messaging: MessagingSender;
  /** Where the `test` ledger record goes (a deployed send without `--table` keeps none). */
  store: Pick<Store, 'putLedger'>;
  renderer: Renderer;
  clock: Clock;
  /** The link the message's `links.unsubscribe` renders as (a test link: it unsubscribes no one). */
  unsubscribeUrl: string;
}

export interface TestSendInput {
  journey: Journey;
  stepId: string;
  step: SendStep;
  profile: Profile;
  event: CustomerEvent;
  product?: Product;
  /** Overrides the profile's locale (the fallback chain still applies). */
  locale?: string;
  seeds: readonly Seed[];
}

export interface TestSendResult {
  seed: number;
  channel: ChannelName;
  status: SendOutcome['status'] | 'no_content';
  locale?: string;
  providerMessageId?: string;
}

/** `preferred` in a test means every channel: the seed list says which ones to try. */
function channelsOf(step: SendStep): ChannelName[] {
  const named = step.channels.flatMap((c) => (c === 'preferred' ? ['email', 'sms', 'push'] : [c]));
  return [...new Set(named.filter(isChannelName))];
}

export async function sendTest(rt: TestSendRuntime, input: TestSendInput): Promise<TestSendResult[]> {
  const { journey, step, stepId } = input;
  const profile: Profile = { ...input.profile, ...(input.locale ? { locale: input.locale } : {}) };
  const results: TestSendResult[] = [];
  const tags = { journey: journey.id, step: stepId, test: 'true' };
  for (const [index, seed] of input.seeds.entries()) {
    for (const channel of channelsOf(step)) {
      if (!addressFor(seed, channel)) continue;
      let rendered: ReturnType<Renderer['render']>;
      try {
        rendered = rt.renderer.render(
          journey,
          step.message,
          channel,
          {
            profile,
            event: input.event,
            ...(input.product ? { product: input.product } : {}),
            journey: { id: journey.id, name: journey.name },
            links: { unsubscribe: rt.unsubscribeUrl },
          },
          profile.locale,
        );
      } catch {
        results.push({ seed: index + 1, channel, status: 'no_content' });
        continue;
      }
      const category = messageCategory(journey.messages[step.message]);
      const outcome = await deliverTest(rt, channel, seed, rendered, tags, category);
      const result: TestSendResult = {
        seed: index + 1,
        channel,
        status: outcome.status,
        locale: rendered.locale,
        ...(outcome.status === 'sent' ? { providerMessageId: outcome.providerMessageId } : {}),
      };
      results.push(result);
      await record(rt, input, result);
    }
  }
  return results;
}

function addressFor(seed: Seed, channel: ChannelName): boolean {
  return channel === 'email' ? !!seed.email : channel === 'sms' ? !!seed.phone : !!seed.pushToken;
}

async function deliverTest(
  rt: TestSendRuntime,
  channel: ChannelName,
  seed: Seed,
  rendered: ReturnType<Renderer['render']>,
  tags: Record<string, string>,
  category: 'marketing' | 'transactional',
): Promise<SendOutcome> {
  if (channel === 'email' && rendered.email && seed.email) {
    return rt.email.sendEmail({ to: seed.email, ...rendered.email, unsubscribeUrl: rt.unsubscribeUrl, tags });
  }
  if (channel === 'sms' && rendered.sms && seed.phone) {
    return rt.messaging.sendSms({ to: seed.phone, body: rendered.sms.body, category, tags });
  }
  if (channel === 'push' && rendered.push && seed.pushToken) {
    return rt.messaging.sendPush({ tokens: [seed.pushToken], ...rendered.push, tags });
  }
  return { status: 'permanent_failure', reason: 'no_content' };
}

async function record(rt: TestSendRuntime, input: TestSendInput, result: TestSendResult): Promise<void> {
  const at = rt.clock.now().toISOString();
  await rt.store.putLedger({
    id: `test#${input.journey.id}#${input.stepId}#${at}#${result.seed}#${result.channel}`,
    kind: 'test',
    test: true,
    at,
    customerId: input.profile.id,
    outcome: result.status === 'sent' ? 'sent' : 'failed',
    reasons: result.status === 'sent' ? ['test_send'] : ['test_send', result.status],
    journeyId: input.journey.id,
    journeyVersion: input.journey.version,
    stepId: input.stepId,
    channel: result.channel,
    ...(result.locale ? { locale: result.locale } : {}),
    ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    facts: { seed: result.seed },
  });
}
